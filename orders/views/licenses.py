"""Buyer center › Purchased services: claim a delivered license code (the seller's server
can activate it only after that, isv-api-reference §4.4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.exceptions import DomainError

from ..services.licenses import license_claim as license_claim_service


@login_required
@require_POST
def license_claim(request, pk: int):
    try:
        license = license_claim_service(license_id=pk, buyer=request.user)
    except DomainError:
        raise Http404 from None  # another buyer's code, or none: the same answer
    messages.success(request, _("License code claimed: the seller's software can now activate it."))
    return redirect("orders:service_detail", pk=license.subscription_id)

"""Buyer center › Costs › My vouchers: the seller vouchers this account received."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers import voucher_selectors as selectors


@login_required
def my_vouchers(request):
    now = timezone.now()
    page = Paginator(selectors.buyer_voucher_grants(buyer=request.user), 20).get_page(
        request.GET.get("page")
    )
    for grant in page.object_list:
        voucher = grant.voucher
        if grant.status == grant.Status.USED:
            grant.state, grant.state_label = "used", grant.get_status_display()
        elif now >= voucher.valid_until:
            grant.state, grant.state_label = "expired", _("Expired")
        elif now < voucher.valid_from:
            grant.state, grant.state_label = "pending", _("Not yet valid")
        else:
            grant.state, grant.state_label = "active", grant.get_status_display()
    return render(request, "buyers/my_vouchers.html", {"page": page})

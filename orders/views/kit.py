"""Buyer center › Purchased services › Bind to enterprise (joint-operation kit sync,
04; isv-api-reference.md §1.9-§1.12): the bind, change, unbind and Retry posts. The
section itself is part of the service page (templates/orders/kit_section.html).

The kit calls are sent synchronously, with a short timeout, because the buyer decides
about a retry (§1.9: no automatic retry): they see the outcome on the next page. Every
lookup is scoped by the signed-in buyer: another buyer's service is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.exceptions import DomainError

from ..isv.kit import kit_sync_retry, kit_syncs_send, tenant_bind, tenant_modify, tenant_unbind
from ..models import KitSync, Subscription


def _report(request, syncs: list[KitSync]) -> None:
    failed = [sync for sync in syncs if sync.status == KitSync.Status.FAILED]
    if failed:
        messages.error(
            request,
            _("Synchronisation with the seller's application failed (%(path)s): %(error)s")
            % {"path": failed[0].path, "error": failed[0].last_error},
        )
    elif syncs and syncs[-1].operation == KitSync.Operation.UNBIND:
        messages.success(request, _("The service is unbound from your enterprise."))
    elif syncs and syncs[-1].operation == KitSync.Operation.MODIFY:
        messages.success(request, _("The enterprise name is changed."))
    else:
        messages.success(request, _("The service is bound to your enterprise."))


@login_required
@require_POST
def service_kit_bind(request, pk: int):
    subscription = get_object_or_404(Subscription, pk=pk, buyer=request.user)
    try:
        tenant_bind(
            subscription_id=subscription.pk, buyer=request.user, name=request.POST.get("name", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report(request, kit_syncs_send(subscription_id=subscription.pk))
    return redirect("orders:service_detail", pk=subscription.pk)


@login_required
@require_POST
def service_kit_retry(request, pk: int):
    subscription = get_object_or_404(Subscription, pk=pk, buyer=request.user)
    try:
        syncs = kit_sync_retry(subscription_id=subscription.pk, buyer=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report(request, syncs)
    return redirect("orders:service_detail", pk=subscription.pk)


@login_required
@require_POST
def service_kit_modify(request, pk: int):
    subscription = get_object_or_404(Subscription, pk=pk, buyer=request.user)
    try:
        tenant_modify(
            subscription_id=subscription.pk, buyer=request.user, name=request.POST.get("name", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report(request, kit_syncs_send(subscription_id=subscription.pk))
    return redirect("orders:service_detail", pk=subscription.pk)


@login_required
@require_POST
def service_kit_unbind(request, pk: int):
    subscription = get_object_or_404(Subscription, pk=pk, buyer=request.user)
    try:
        tenant_unbind(subscription_id=subscription.pk, buyer=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report(request, kit_syncs_send(subscription_id=subscription.pk))
    return redirect("orders:service_detail", pk=subscription.pk)

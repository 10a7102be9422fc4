"""Who is told what: each transition e-mails the other party through the outbox
(`marketplace.core.notifications`), rendered in the recipient's language."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

from marketplace.core.notifications import notify

from ..models import InvoiceRequest

ISSUE_PERMISSION = "invoices.issue_marketplace_invoice"


def operators_with(perm: str):
    """Active staff given `perm` by a group or directly."""
    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
    )


def context(request: InvoiceRequest, **extra) -> dict:
    return {
        "request_id": request.pk,
        "seller_name": request.seller.store_name or request.seller.company_name,
        "title_name": request.title_name,
        "amount": str(request.amount),
        "kind": request.kind,
        "issuer": request.issuer,
        **extra,
    }


def issuer_users(request: InvoiceRequest) -> list:
    if request.issuer == InvoiceRequest.Issuer.SELLER:
        return [request.seller.user]
    return list(operators_with(ISSUE_PERMISSION))


def notify_issuer(request: InvoiceRequest, template: str, **extra) -> None:
    for user in issuer_users(request):
        notify(user=user, template=template, context=context(request, **extra))


def notify_buyer(request: InvoiceRequest, template: str, **extra) -> None:
    notify(user=request.buyer, template=template, context=context(request, **extra))

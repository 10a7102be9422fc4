"""Production interface messages 生产接口消息: the calls of a seller's products, their
attempts, and the e-mails about a finally failed call (04 › Retries, reference §1.13).

Every query of the seller center is scoped by the seller here (`calls_for_seller`): a
call of another seller's product is never found.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from marketplace.core.notifications import notify

from ..models import ProvisioningCall

logger = logging.getLogger(__name__)
FAILED_TEMPLATE = "provisioning_call_failed"


def calls_for_seller(
    *,
    seller,
    product_id: int | None = None,
    activity: str = "",
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    """The seller's calls, newest first, filtered (dates are Beijing days, inclusive)."""
    rows = ProvisioningCall.objects.filter(subscription__seller=seller).select_related(
        "subscription__product", "order"
    )
    if product_id:
        rows = rows.filter(subscription__product_id=product_id)
    if activity in ProvisioningCall.Activity.values:
        rows = rows.filter(activity=activity)
    if status in ProvisioningCall.Status.values:
        rows = rows.filter(status=status)
    tz = timezone.get_current_timezone()
    if date_from:
        rows = rows.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        rows = rows.filter(created_at__lt=end)
    return rows.order_by("-created_at", "-id")


def call_for_seller(*, seller, call_id: int) -> ProvisioningCall | None:
    return (
        ProvisioningCall.objects.select_related("subscription__product", "order", "restarted_by")
        .prefetch_related("attempt_log")
        .filter(pk=call_id, subscription__seller=seller)
        .first()
    )


def _context(call: ProvisioningCall) -> dict:
    subscription = call.subscription
    return {
        "call_id": call.pk,
        "activity": call.activity,
        "product_id": subscription.product_id,
        "product_name": subscription.product.name,
        "order_number": call.order.number if call.order_id else "",
        "attempts": call.attempts,
        "error": call.last_error[:500],
    }


def notify_call_failed(call: ProvisioningCall) -> None:
    """E-mail the seller about a finally failed call: its account (a notification) and the
    mailbox of the product's customer-service group (after commit). Call in the
    transaction that records the failure."""
    subscription = call.subscription
    seller_user = subscription.seller.user
    window = (call.window_ends_at or call.created_at).isoformat()
    notify(
        user=seller_user,
        template=FAILED_TEMPLATE,
        context=_context(call),
        key=f"provisioning-call-failed:{call.pk}:{window}",
    )
    transaction.on_commit(lambda: _enqueue_service_group_mail(call.pk))


def _enqueue_service_group_mail(call_id: int) -> None:
    from orders.tasks.checkout import mail_service_group_call_failed

    try:
        mail_service_group_call_failed.delay(call_id)
    except Exception:
        logger.exception("could not enqueue the service-group mail of call %s", call_id)


def service_group_address(call: ProvisioningCall) -> str:
    version = call.subscription.product.listed_version
    group = version.service_group if version is not None else None
    return group.email if group is not None else ""


def service_group_mail_send(*, call_id: int) -> bool:
    """Send the failure e-mail to the product's customer-service group mailbox (if it has
    one and it isn't the account's own address); True if sent."""
    call = (
        ProvisioningCall.objects.select_related(
            "subscription__product__listed_version__service_group",
            "subscription__seller__user",
            "order",
        )
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        return False
    address = service_group_address(call)
    user = call.subscription.seller.user
    if not address or address.lower() == (user.email or "").lower():
        return False
    context = {
        **_context(call),
        "user": user,
        "site_url": settings.SITE_URL.rstrip("/"),
        "site_name": settings.SITE_NAME,
    }
    name = f"emails/{FAILED_TEMPLATE}"
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        body = render_to_string(f"{name}_body.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[address]).send()
    return True

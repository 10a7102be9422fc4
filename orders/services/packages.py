"""API packages: quota usage and auto-repurchase (03 › API packages and auto-repurchase).

- `package_usage_deduct` is what the open API calls for each use: idempotent on the
  caller's key (`UsageRecord` unique per subscription), one conditional UPDATE
  (`quota_used + amount <= quota_total`) so that concurrent deductions never overdraw.
  A deduction larger than what is left is refused for every package (the database
  forbids overdrawing); for a stop-when-used-up package that means the service stops
  at zero until the buyer buys more.
- Auto-repurchase: when a deduction takes the quota left from above the buyer's
  threshold (a percentage of the quota or an absolute amount) to at or below it, a
  repurchase is enqueued after commit. The task places and pays (from the balance) one
  PACKAGE_REPURCHASE order, idempotent per crossing: the order's idempotency key names
  the subscription and its quota total at the crossing, which only a repurchase changes.
  Enabling auto-repurchase accepts the product's service agreement for those orders.
- A failed repurchase leaves nothing placed; its reason is kept on the subscription
  (`repurchase_failure`, shown on the purchased-services pages) and mailed to the buyer.
"""

from __future__ import annotations

import functools
import logging
import math

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import BillingMode
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify

from ..models import Order, Subscription, UsageRecord
from .subscriptions import spec_for_sale

logger = logging.getLogger(__name__)


def repurchase_threshold(subscription: Subscription) -> int | None:
    """The quota left at or below which a repurchase is made (None: not set up)."""
    if not subscription.auto_repurchase:
        return None
    if subscription.repurchase_threshold_amount is not None:
        return subscription.repurchase_threshold_amount
    if subscription.repurchase_threshold_percent is not None:
        return math.ceil(subscription.quota_total * subscription.repurchase_threshold_percent / 100)
    return None


@transaction.atomic
def package_usage_deduct(*, subscription_id: int, amount: int, key: str) -> Subscription:
    """Deduct `amount` units from a package's quota, once per `key`."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(_("The amount used must be a whole number above zero."))
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise DomainError(_("A usage key of 1 to 100 characters is required."))
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.billing_mode != BillingMode.PACKAGE:
        raise DomainError(_("This package doesn't exist."))
    if UsageRecord.objects.filter(subscription_id=subscription_id, key=key).exists():
        return subscription  # counted already
    if subscription.status != Subscription.Status.ACTIVE:
        raise DomainError(_("This package is not in use."))
    try:
        with transaction.atomic():
            UsageRecord.objects.create(subscription_id=subscription_id, key=key, amount=amount)
    except IntegrityError:
        # A concurrent call with the same key won: it counted.
        subscription.refresh_from_db()
        return subscription
    deducted = Subscription.objects.filter(
        pk=subscription_id,
        status=Subscription.Status.ACTIVE,
        quota_used__lte=F("quota_total") - amount,
    ).update(quota_used=F("quota_used") + amount)
    if not deducted:
        # Raising rolls the usage record back too: a later retry may succeed.
        raise DomainError(_("Not enough quota left in this package."))
    subscription.refresh_from_db()
    threshold = repurchase_threshold(subscription)
    left = subscription.quota_left
    if threshold is not None and left + amount > threshold >= left:
        crossing = f"repurchase:{subscription.pk}:{subscription.quota_total}"
        transaction.on_commit(functools.partial(_enqueue_repurchase, subscription.pk, crossing))
    return subscription


def _enqueue_repurchase(subscription_id: int, key: str) -> None:
    from ..tasks.lifecycle import package_repurchase_task

    try:
        package_repurchase_task.delay(subscription_id, key)
    except Exception:
        logger.exception("could not enqueue the repurchase of subscription %s", subscription_id)


@transaction.atomic
def package_auto_repurchase_set(
    *,
    subscription_id: int,
    buyer,
    enabled: bool,
    threshold_percent: int | None = None,
    threshold_amount: int | None = None,
    spec_code: str = "",
) -> Subscription:
    """The buyer's auto-repurchase settings of one package: a percentage (1–99) or an
    absolute amount of quota left, and the package spec to buy."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("product__listed_version", "spec")
        .filter(pk=subscription_id, buyer=buyer)
        .first()
    )
    if subscription is None:
        raise DomainError(_("This purchased service doesn't exist."))
    if subscription.billing_mode != BillingMode.PACKAGE:
        raise DomainError(_("Auto-repurchase is for API packages only."))
    if subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.PENDING):
        raise DomainError(_("This package is no longer in use."))
    if enabled:
        if (threshold_percent is None) == (threshold_amount is None):
            raise DomainError(_("Give either a percentage or an amount of quota left."))
        if threshold_percent is not None and not 1 <= threshold_percent <= 99:
            raise DomainError(_("The percentage must be between 1 and 99."))
        if threshold_amount is not None and threshold_amount < 1:
            raise DomainError(_("The amount of quota left must be at least 1."))
        spec = spec_for_sale(subscription, spec_code or subscription.spec_code)
        if spec.billing_mode != BillingMode.PACKAGE:
            raise DomainError(_("Choose a package spec to repurchase."))
        subscription.repurchase_spec_code = spec.code
    else:
        threshold_percent = threshold_amount = None
    subscription.auto_repurchase = enabled
    subscription.repurchase_threshold_percent = threshold_percent
    subscription.repurchase_threshold_amount = threshold_amount
    subscription.save(
        update_fields=[
            "auto_repurchase",
            "repurchase_threshold_percent",
            "repurchase_threshold_amount",
            "repurchase_spec_code",
        ]
    )
    log_transition(
        subscription,
        action="auto_repurchase_on" if enabled else "auto_repurchase_off",
        from_state=subscription.status,
        to_state=subscription.status,
        actor=buyer,
    )
    return subscription


def package_repurchase(*, subscription_id: int, key: str) -> Order | None:
    """Place and pay (from the balance) the configured repurchase of a package; once per
    `key`. On refusal nothing is placed: the reason is recorded and mailed; None."""
    from .checkout import order_pay, order_place

    subscription = Subscription.objects.select_related(
        "buyer", "product__listed_version", "spec"
    ).get(pk=subscription_id)
    done = Order.objects.filter(buyer=subscription.buyer, idempotency_key=key).first()
    if done is not None and done.paid_at is not None:
        return done
    if not subscription.auto_repurchase:
        return None
    try:
        with transaction.atomic():
            spec = spec_for_sale(
                subscription, subscription.repurchase_spec_code or subscription.spec_code
            )
            price = spec.prices.order_by("id").first()
            order = order_place(
                buyer=subscription.buyer,
                spec=spec,
                quantity=1,
                periods=1,
                period=price.period if price else "",
                agreement_accepted=True,
                idempotency_key=key,
                kind=Order.Kind.PACKAGE_REPURCHASE,
                subscription=subscription,
            )
            return order_pay(order_id=order.pk, buyer=subscription.buyer, method="balance")
    except DomainError as exc:
        package_repurchase_failed(subscription_id=subscription_id, reason=exc.message, key=key)
        return None


@transaction.atomic
def package_repurchase_failed(*, subscription_id: int, reason: str, key: str) -> None:
    """Record why an automatic repurchase failed and tell the buyer (in-site + e-mail)."""
    reason = str(reason)[:300]
    Subscription.objects.filter(pk=subscription_id).update(repurchase_failure=reason)
    subscription = Subscription.objects.select_related("buyer", "product").get(pk=subscription_id)
    log_transition(
        subscription,
        action="repurchase_failed",
        from_state=subscription.status,
        to_state=subscription.status,
        reason=reason,
    )
    notify(
        user=subscription.buyer,
        template="package_repurchase_failed",
        context={
            "subscription_id": subscription.pk,
            "product_name": subscription.product.name,
            "spec_name": subscription.spec_name,
            "quota_left": subscription.quota_left,
            "reason": reason,
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
        key=f"{key}:failed",
    )

"""What a paid order does to the purchased service, and the services that change it
later: renew, upgrade, expiry (remind, freeze, release) — 03-orders › Purchased
services, Renew, Upgrade.

Calls to the seller's server are outbox rows (`orders.provisioning.call_enqueue`) written
in the transaction of the change, for the delivery types that have an instance on the
seller's side (SaaS, joint SaaS). Payloads follow isv-api-reference.md; an `instanceId`
left empty (the instance is still being created) is filled by the dispatcher from the
subscription when it sends.

Decisions:
- Periods are calendar months/years in Beijing time (Jan 31 + 1 month = Feb 28/29).
- A renewal extends from the current expiry, also for a frozen subscription (as cloud
  providers do: the grace period is not free time); a renewal ordered before expiry is
  effective at the old expiry. Frozen subscriptions can be renewed (that unfreezes
  them); released and unsubscribed ones can't. Delisted products can still be renewed.
- Upgrade: only to a higher price per period (another spec of the product's listed
  version, or more of the same); the buyer pays the difference for the remaining days:
  (new − old price per period) × remaining days / days of the current period, partial
  days counted as whole, rounded half up.
- SaaS / joint SaaS subscriptions stay "being delivered" until provisioning reports the
  instance (`subscription_activate`); other types are in service at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import BillingMode, DeliveryType, Price, Spec
from marketplace.core import rawsave
from marketplace.core.audit import log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from marketplace.core.notifications import notify

from ..models import SUBSCRIPTION_STATUS, Order, ProvisioningCall, Subscription
from .history import history_row, history_save

logger = logging.getLogger(__name__)

# Delivery types with an instance on the seller's server (04): they get the calls.
PROVISIONED_TYPES = {DeliveryType.SAAS, DeliveryType.JOINT_SAAS}
PERIOD_UNITS = {Price.Period.MONTH: 1, Price.Period.YEAR: 12}
Activity = ProvisioningCall.Activity


# --- helpers ---------------------------------------------------------------------------------


def add_periods(start: dt.datetime, period: str, count: int) -> dt.datetime:
    """`start` plus `count` calendar months or years, counted in Beijing time."""
    months = PERIOD_UNITS.get(period)
    if months is None:
        raise DomainError(_("This period can't be bought for a subscription."))
    return timezone.localtime(start) + relativedelta(months=months * count)


def isv_time(value: dt.datetime) -> str:
    """The wire format of times in calls to sellers: yyyyMMddHHmmss, UTC."""
    return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def has_instance(subscription: Subscription) -> bool:
    return subscription.delivery_type in PROVISIONED_TYPES


def _enqueue(subscription: Subscription, activity: str, payload: dict, order=None) -> None:
    if not has_instance(subscription):
        return
    from ..provisioning import call_enqueue

    call_enqueue(
        subscription=subscription,
        activity=activity,
        payload={"instanceId": subscription.instance_id, **payload},
        order=order,
    )


def _locked(subscription_id: int) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription_id)


def _transition(subscription: Subscription, name: str, *, actor=None, reason="", fields=()):
    target = SUBSCRIPTION_STATUS.check(subscription, name)
    move_to(subscription, target, action=name, actor=actor, reason=reason, also_save=fields)


def current_period(subscription: Subscription) -> str:
    """The billing period (month/year) the subscription runs on: its last paid order's."""
    return (
        subscription.orders.filter(
            kind__in=[Order.Kind.NEW, Order.Kind.RENEWAL], paid_at__isnull=False
        )
        .exclude(period="")
        .order_by("-paid_at", "-id")
        .values_list("period", flat=True)
        .first()
        or Price.Period.MONTH
    )


# --- a paid order ----------------------------------------------------------------------------


def subscription_apply_paid(
    *, order: Order, save: bool = True, history: list | None = None
) -> Subscription:
    """Apply a paid order to its purchased service; called by `order_pay` inside its
    transaction (the order row is locked and already paid).

    NEW / TRIAL create the subscription; RENEWAL extends it; UPGRADE changes its spec
    and quantity; PACKAGE_REPURCHASE adds quota. Sets `order.subscription`,
    `effective_at` and `ends_at`, and saves them unless `save` is False (the caller
    saves them with its own fields in one UPDATE). `history`: the caller's unsaved
    history rows, to which a new subscription's rows are added (inserted with them).
    """
    if order.kind in (Order.Kind.NEW, Order.Kind.TRIAL):
        subscription = _apply_new(order, history=history)
    elif order.kind == Order.Kind.RENEWAL:
        subscription = _apply_renewal(order)
    elif order.kind == Order.Kind.UPGRADE:
        subscription = _apply_upgrade(order)
    elif order.kind == Order.Kind.PACKAGE_REPURCHASE:
        subscription = _apply_repurchase(order)
    else:  # pragma: no cover - the kinds are a closed list
        raise DomainError(_("Unknown order kind."))
    order.subscription = subscription
    if save:
        order.save(update_fields=["subscription", "effective_at", "ends_at"])
    return subscription


def _apply_new(order: Order, *, history: list | None = None) -> Subscription:
    now = timezone.now()
    is_trial = order.kind == Order.Kind.TRIAL or order.billing_mode == BillingMode.TRIAL
    expires_at = None
    if is_trial:
        expires_at = now + dt.timedelta(days=order.spec.trial_days or 0)
    elif order.billing_mode == BillingMode.PERIOD:
        expires_at = add_periods(now, order.period, order.periods)
    quota = 0
    if order.billing_mode == BillingMode.PACKAGE:
        quota = (order.spec.package_quota or 0) * order.quantity
    # Ids, not objects: nothing below needs the related rows (no query to load them).
    subscription = Subscription(
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        product_id=order.product_id,
        spec_id=order.spec_id,
        spec_code=order.spec_code,
        spec_name=order.spec_name,
        delivery_type=order.delivery_type,
        billing_mode=order.billing_mode,
        quantity=order.quantity,
        attributes=order.attributes,
        is_trial=is_trial,
        status=Subscription.Status.PENDING,
        starts_at=now,
        expires_at=expires_at,
        quota_total=quota,
        repurchase_spec_code=order.spec_code if quota else "",
    )
    # Types without an instance are in service at once: inserted active, with both
    # history rows (created pending, activated) in one INSERT.
    provisioned = has_instance(subscription)
    if not provisioned:
        subscription.status = SUBSCRIPTION_STATUS.check(subscription, "activate")
    rawsave.insert(subscription)
    rows = [history_row(subscription, action="create", to_state=Subscription.Status.PENDING)]
    if not provisioned:
        rows.append(
            history_row(
                subscription,
                action="activate",
                from_state=Subscription.Status.PENDING,
                to_state=subscription.status,
            )
        )
    if history is None:
        history_save(rows)
    else:
        history.extend(rows)
    order.effective_at = now
    order.ends_at = expires_at
    if provisioned:
        payload = {"orderId": order.number, "orderLineId": f"{order.number}-000001"}
        _enqueue(subscription, Activity.NEW_INSTANCE, payload, order=order)
    return subscription


def _apply_renewal(order: Order) -> Subscription:
    subscription = _locked(order.subscription_id)
    if subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.FROZEN):
        raise DomainError(
            _("This service can no longer be renewed (%(status)s).")
            % {"status": subscription.get_status_display()}
        )
    now = timezone.now()
    old_expiry = subscription.expires_at or now
    subscription.expires_at = add_periods(old_expiry, order.period, order.periods)
    # A renewal paid early starts counting at the old expiry (03 › Effective time).
    order.effective_at = max(old_expiry, now)
    order.ends_at = subscription.expires_at
    subscription.reminded_at = None  # remind again before the new expiry
    fields = ["expires_at", "reminded_at"]
    was_frozen = subscription.status == Subscription.Status.FROZEN
    if was_frozen:
        subscription.frozen_at = None
        _transition(subscription, "unfreeze", reason=order.number, fields=[*fields, "frozen_at"])
    else:
        subscription.save(update_fields=fields)
        log_transition(
            subscription,
            action="renew",
            from_state=subscription.status,
            to_state=subscription.status,
            reason=order.number,
        )
    _enqueue(
        subscription,
        Activity.REFRESH_INSTANCE,
        {
            "scene": "RENEWAL",
            "orderId": order.number,
            "orderLineId": f"{order.number}-000001",
            "expireTime": isv_time(subscription.expires_at),
        },
        order=order,
    )
    if was_frozen:
        _enqueue(subscription, Activity.UPDATE_INSTANCE_STATUS, {"status": "UNFREEZE"}, order)
    return subscription


def _apply_upgrade(order: Order) -> Subscription:
    subscription = _locked(order.subscription_id)
    if subscription.status != Subscription.Status.ACTIVE:
        raise DomainError(_("Only a service in use can be upgraded."))
    old = f"{subscription.spec_code}×{subscription.quantity}"
    subscription.spec = order.spec
    subscription.spec_code = order.spec_code
    subscription.spec_name = order.spec_name
    subscription.quantity = order.quantity
    if order.attributes:
        subscription.attributes = order.attributes
    subscription.save(update_fields=["spec", "spec_code", "spec_name", "quantity", "attributes"])
    log_transition(
        subscription,
        action="upgrade",
        from_state=subscription.status,
        to_state=subscription.status,
        reason=f"{order.number}: {old} → {order.spec_code}×{order.quantity}",
    )
    order.effective_at = timezone.now()
    order.ends_at = subscription.expires_at
    payload = {
        "orderId": order.number,
        "orderLineId": f"{order.number}-000001",
        "skuCode": order.spec_code,
        "amount": order.quantity,
        "expireTime": isv_time(subscription.expires_at) if subscription.expires_at else "",
    }
    _enqueue(subscription, Activity.UPGRADE_INSTANCE, payload, order=order)
    return subscription


def _apply_repurchase(order: Order) -> Subscription:
    subscription = _locked(order.subscription_id)
    if subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.PENDING):
        raise DomainError(_("Quota can only be added to a package in use."))
    added = (order.spec.package_quota or 0) * order.quantity
    Subscription.objects.filter(pk=subscription.pk).update(
        quota_total=F("quota_total") + added, repurchase_failure=""
    )
    subscription.refresh_from_db(fields=["quota_total", "quota_used", "repurchase_failure"])
    log_transition(
        subscription,
        action="repurchase",
        from_state=subscription.status,
        to_state=subscription.status,
        reason=f"{order.number}: +{added}",
    )
    order.effective_at = timezone.now()
    order.ends_at = subscription.expires_at
    return subscription


def subscription_activate(
    *,
    subscription: Subscription,
    instance_id: str = "",
    access_info: dict | None = None,
    only_from: tuple[str, ...] | None = None,
) -> Subscription:
    """Provisioning reports the instance created (04): the service is in use. Called by
    the dispatcher when newInstance succeeds; idempotent for an active subscription (the
    instance info is updated, as a repeated create-instance answer may change it).

    `only_from`: the statuses it may act from; a subscription found (locked) in another
    one is returned unchanged, with a warning (an instance created for a service that was
    unsubscribed meanwhile: the refund's releaseInstance cleans it up).

    No savepoint of its own: it runs inside the dispatcher's record transaction, where
    any error rolls the whole record back anyway."""
    with transaction.atomic(savepoint=False):
        subscription = _locked(subscription.pk)
        if only_from is not None and subscription.status not in only_from:
            logger.warning(
                "instance created for a %s subscription %s", subscription.status, subscription.pk
            )
            return subscription
        if instance_id:
            subscription.instance_id = instance_id
        if access_info is not None:
            subscription.access_info = access_info
        fields = ["instance_id", "access_info"]
        if subscription.status == Subscription.Status.ACTIVE:
            subscription.save(update_fields=fields)
        else:
            _transition(subscription, "activate", fields=fields)
        return subscription


# --- renew -----------------------------------------------------------------------------------


def _own_subscription(subscription_id: int, buyer) -> Subscription:
    subscription = (
        Subscription.objects.select_related("product__listed_version", "spec")
        .filter(pk=subscription_id, buyer=buyer)
        .first()
    )
    if subscription is None:
        raise DomainError(_("This purchased service doesn't exist."))
    return subscription


def renewal_refusal(subscription: Subscription) -> str:
    """Why `subscription` can't be renewed now ("" if it can)."""
    if subscription.billing_mode != BillingMode.PERIOD or subscription.is_trial:
        return _("Only monthly or yearly subscriptions can be renewed.")
    if subscription.status == Subscription.Status.RELEASED:
        return _("This service expired and was released; buy it again instead.")
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        return _("This service was unsubscribed; buy it again instead.")
    if subscription.status == Subscription.Status.PENDING:
        return _("This service is still being delivered; renew it once it is in use.")
    return ""


def spec_for_sale(subscription: Subscription, code: str | None = None) -> Spec:
    """The spec `code` (default: the subscription's) as the product sells it now: from the
    listed version when it still has it, else the spec row the subscription was bought
    with (a delisted product or a removed spec can still be renewed)."""
    code = code or subscription.spec_code
    version = subscription.product.listed_version
    if version is not None:
        spec = version.specs.filter(code=code).first()
        if spec is not None:
            return spec
    if code == subscription.spec_code:
        return subscription.spec
    raise DomainError(_("This spec is not on sale."))


def renewal_place(
    *,
    subscription_id: int,
    buyer,
    periods: int,
    period: str,
    voucher_grant_ids=(),
    idempotency_key: str = "",
) -> Order:
    """Place a renewal order for `periods` more months/years of an active or frozen
    subscription (paid like any order; `subscription_apply_paid` extends it)."""
    from .checkout import order_place

    subscription = _own_subscription(subscription_id, buyer)
    refusal = renewal_refusal(subscription)
    if refusal:
        raise DomainError(refusal)
    if period not in PERIOD_UNITS:
        raise DomainError(_("Choose a monthly or yearly period."))
    # The renewal continues the agreement signed with the original order.
    return order_place(
        buyer=buyer,
        spec=spec_for_sale(subscription),
        quantity=subscription.quantity,
        periods=periods,
        period=period,
        attributes=subscription.attributes,
        voucher_grant_ids=voucher_grant_ids,
        agreement_accepted=True,
        idempotency_key=idempotency_key,
        kind=Order.Kind.RENEWAL,
        subscription=subscription,
    )


# --- upgrade ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeQuote:
    subscription: Subscription
    spec: Spec
    quantity: int
    period: str
    old_price: Decimal  # per period, × quantity
    new_price: Decimal
    remaining_days: int
    period_days: int
    amount: Decimal


def _period_price(spec: Spec, period: str) -> Decimal | None:
    price = spec.prices.filter(period=period).first()
    return price.amount if price is not None else None


def upgrade_targets(subscription: Subscription) -> list[Spec]:
    """Specs of the listed version priced for the subscription's period (for the form)."""
    version = subscription.product.listed_version
    if version is None:
        return []
    period = current_period(subscription)
    return list(
        version.specs.filter(billing_mode=BillingMode.PERIOD, prices__period=period).order_by(
            "position", "id"
        )
    )


def upgrade_quote(
    *, subscription_id: int, buyer, spec_code: str, quantity: int, now=None
) -> UpgradeQuote:
    """The prorated price of changing to `spec_code` × `quantity` now; refuses anything
    that is not higher than what the buyer has."""
    subscription = _own_subscription(subscription_id, buyer)
    now = now or timezone.now()
    if subscription.billing_mode != BillingMode.PERIOD or subscription.is_trial:
        raise DomainError(_("Only monthly or yearly subscriptions can be upgraded."))
    if subscription.status != Subscription.Status.ACTIVE or not subscription.expires_at:
        raise DomainError(_("Only a service in use can be upgraded."))
    if subscription.expires_at <= now:
        raise DomainError(_("This service has expired; renew it first."))
    if quantity < subscription.quantity:
        raise DomainError(_("An upgrade can't lower the quantity."))
    period = current_period(subscription)
    new_spec = spec_for_sale(subscription, spec_code)
    if new_spec.billing_mode != BillingMode.PERIOD:
        raise DomainError(_("Choose a monthly or yearly spec."))
    old_unit = _period_price(spec_for_sale(subscription), period)
    if old_unit is None:
        old_unit = _period_price(subscription.spec, period)
    new_unit = _period_price(new_spec, period)
    if new_unit is None or old_unit is None:
        raise DomainError(_("This spec has no price for the period of your subscription."))
    old_price = old_unit * subscription.quantity
    new_price = new_unit * quantity
    if new_price <= old_price:
        raise DomainError(
            _("Choose a higher spec or a larger quantity: an upgrade must cost more.")
        )
    period_start = add_periods(subscription.expires_at, period, -1)
    period_days = max(1, (subscription.expires_at - period_start).days)
    remaining_days = min(
        period_days, math.ceil((subscription.expires_at - now).total_seconds() / 86400)
    )
    amount = to_money((new_price - old_price) * remaining_days / period_days)
    return UpgradeQuote(
        subscription=subscription,
        spec=new_spec,
        quantity=quantity,
        period=period,
        old_price=old_price,
        new_price=new_price,
        remaining_days=remaining_days,
        period_days=period_days,
        amount=amount,
    )


def upgrade_place(
    *, subscription_id: int, buyer, spec_code: str, quantity: int, idempotency_key: str = ""
) -> Order:
    """Place the upgrade order at the prorated difference (`upgrade_quote`)."""
    from .checkout import order_place

    quote = upgrade_quote(
        subscription_id=subscription_id, buyer=buyer, spec_code=spec_code, quantity=quantity
    )
    subscription = quote.subscription
    order = order_place(
        buyer=buyer,
        spec=quote.spec,
        quantity=quantity,
        periods=1,
        period=quote.period,
        attributes=subscription.attributes,
        agreement_accepted=True,
        idempotency_key=idempotency_key,
        kind=Order.Kind.UPGRADE,
        subscription=subscription,
        price_override=quote.amount,
    )
    if order.upgraded_from_spec_code != subscription.spec_code:
        order.upgraded_from_spec_code = subscription.spec_code
        order.save(update_fields=["upgraded_from_spec_code"])
    return order


# --- expiry ----------------------------------------------------------------------------------


def subscription_remind(*, subscription_id: int, now=None) -> bool:
    """Send the expiry reminder once (claimed by a conditional UPDATE on `reminded_at`)."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Subscription.objects.filter(
            pk=subscription_id, status=Subscription.Status.ACTIVE, reminded_at__isnull=True
        ).update(reminded_at=now)
        if not claimed:
            return False
        subscription = Subscription.objects.select_related("product", "buyer").get(
            pk=subscription_id
        )
        notify(
            user=subscription.buyer,
            template="subscription_expiry_reminder",
            context={
                "subscription_id": subscription.pk,
                "product_name": subscription.product.name,
                "spec_name": subscription.spec_name,
                "expires_at": timezone.localtime(subscription.expires_at).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "grace_days": settings.SUBSCRIPTION_GRACE_DAYS,
            },
            key=f"expiry-reminder:{subscription.pk}:{isv_time(subscription.expires_at)}",
        )
        return True


@transaction.atomic
def subscription_freeze(*, subscription_id: int, now=None, actor=None) -> bool:
    """Freeze a subscription whose expiry has passed (updateInstanceStatus FREEZE)."""
    now = now or timezone.now()
    subscription = _locked(subscription_id)
    if (
        subscription.status != Subscription.Status.ACTIVE
        or subscription.expires_at is None
        or subscription.expires_at > now
    ):
        return False
    subscription.frozen_at = now
    _transition(subscription, "freeze", actor=actor, reason="expired", fields=["frozen_at"])
    _enqueue(subscription, Activity.UPDATE_INSTANCE_STATUS, {"status": "FREEZE"})
    return True


@transaction.atomic
def subscription_release(
    *, subscription_id: int, now=None, actor=None, reason: str = "grace period over"
) -> bool:
    """Release a subscription frozen for longer than the grace period (releaseInstance)."""
    now = now or timezone.now()
    subscription = _locked(subscription_id)
    grace = dt.timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    if subscription.status != Subscription.Status.FROZEN or (
        subscription.expires_at and subscription.expires_at + grace > now
    ):
        return False
    subscription.released_at = now
    _transition(subscription, "release", actor=actor, reason=reason, fields=["released_at"])
    _enqueue(subscription, Activity.RELEASE_INSTANCE, {})
    return True


def subscriptions_remind_expiring(*, now=None) -> int:
    """Beat: remind each buyer once, EXPIRY_REMINDER_DAYS before a period expires."""
    now = now or timezone.now()
    ids = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE,
        reminded_at__isnull=True,
        is_trial=False,
        billing_mode=BillingMode.PERIOD,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=settings.EXPIRY_REMINDER_DAYS),
    ).values_list("pk", flat=True)
    return sum(subscription_remind(subscription_id=pk, now=now) for pk in list(ids))


def subscriptions_freeze_expired(*, now=None) -> int:
    """Beat: freeze every active subscription (period or trial) past its expiry."""
    now = now or timezone.now()
    ids = Subscription.objects.filter(
        status=Subscription.Status.ACTIVE, expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(subscription_freeze(subscription_id=pk, now=now) for pk in list(ids))


def subscriptions_release_frozen(*, now=None) -> int:
    """Beat: release every subscription frozen beyond the grace period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)
    ids = Subscription.objects.filter(
        status=Subscription.Status.FROZEN, expires_at__lte=cutoff
    ).values_list("pk", flat=True)
    return sum(subscription_release(subscription_id=pk, now=now) for pk in list(ids))

"""Unsubscribing an order 退订, refunds, and the hardware return flow (03 › Unsubscribe).

The rules (`unsubscription_rule`), checked in this order; the 03 table is for period
SaaS, the other delivery types are decided here:

| case                                          | allowed?              | refund            |
|-----------------------------------------------|-----------------------|-------------------|
| trial order (any type)                        | no                    | —                 |
| upgrade / package repurchase order (the       | no                    | —                 |
| difference paid is used with the service)     |                       |                   |
| hardware, order not completed or within the   | seller reviews; goods | all that was paid |
| guarantee period                              | received: shipped back|                   |
| SaaS / joint SaaS: provisioning failed        | automatic             | full, at once     |
| renewal not yet effective (the latest one)    | yes, at once          | full              |
| renewal already effective                     | no                    | —                 |
| service expired (frozen, released, past date) | no                    | —                 |
| new order within the guarantee period         | negotiation: buyer    | the agreed amount |
| (GUARANTEE_DAYS after payment), every other   | proposes ≤ paid,      |                   |
| type too (licenses, images, API, services)    | seller approves       |                   |
| new order after the guarantee period          | no                    | —                 |

Decisions:
- Refunds go back where the money came from (`buyers.services.wallet.payment_refund`);
  vouchers used on the order are *not* re-issued (the refund is at most the amount paid,
  so the voucher's share is lost; re-issuing would let a voucher be used twice).
- Stock is returned only for hardware (the goods come back or were never received);
  a consumed service (instance, license, image ...) does not come back on the shelf.
- A full refund moves the order to "refunded" (and its payment status to refunded); a
  partial one leaves it "unsubscribed" with `refunded_amount` set.
- A not-yet-effective renewal refunded takes the subscription's expiry back to the
  renewal's effective time (refreshInstance); the subscription stays in use.
- Hardware returns: the buyer ships back within HARDWARE_RETURN_DAYS of the seller's
  approval, else the request counts as withdrawn; the goods count as arrived when shipped
  back (we don't track delivery) and the seller must inspect within
  HARDWARE_INSPECT_DAYS, else the return is accepted automatically, as buyers expect.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType
from marketplace.catalog.sales import stock_return
from marketplace.core.audit import log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from ..models import (
    ORDER_STATUS,
    PAYMENT_STATUS,
    SUBSCRIPTION_STATUS,
    UNSUBSCRIPTION_STATUS,
    Order,
    ProvisioningCall,
    Refund,
    Subscription,
    Unsubscription,
)
from .subscriptions import Activity, _enqueue, isv_time

Rule = Unsubscription.Rule
OPEN = (
    Unsubscription.Status.PENDING,
    Unsubscription.Status.AWAITING_RETURN,
    Unsubscription.Status.RETURN_SHIPPED,
)
UNSUBSCRIBABLE = (Order.Status.PAID, Order.Status.PROCESSING, Order.Status.COMPLETED)
# Rules decided without the seller: the refund is made when the buyer asks.
IMMEDIATE = (Rule.PROVISIONING_FAILED, Rule.NOT_EFFECTIVE)


def refundable(order: Order) -> Decimal:
    """What is left to refund of what the buyer paid."""
    return to_money(order.amount - order.refunded_amount)


def unsubscription_rule(order: Order, *, now=None) -> tuple[str | None, str]:
    """The rule that applies to unsubscribing `order` now and a sentence saying what
    happens; or (None, why it is refused). See the module's table."""
    now = now or timezone.now()
    if order.status not in UNSUBSCRIBABLE or order.payment_status == Order.PaymentStatus.REFUNDED:
        return None, _("This order can't be unsubscribed while it is “%(status)s”.") % {
            "status": order.get_status_display()
        }
    if order.unsubscriptions.filter(status__in=OPEN).exists():
        return None, _("An unsubscription request for this order is already open.")
    subscription: Subscription | None = order.subscription
    if order.kind == Order.Kind.TRIAL or (subscription is not None and subscription.is_trial):
        return None, _("Trial orders can't be unsubscribed.")
    if order.kind == Order.Kind.UPGRADE:
        return None, _(
            "An upgrade can't be unsubscribed: the difference paid is used with the service."
        )
    if order.kind == Order.Kind.PACKAGE_REPURCHASE:
        return None, _("A package repurchase can't be unsubscribed.")
    guarantee_ends = (order.paid_at or now) + dt.timedelta(days=settings.GUARANTEE_DAYS)
    if order.delivery_type == DeliveryType.HARDWARE:
        if order.status != Order.Status.COMPLETED or now < guarantee_ends:
            return Rule.HARDWARE, _(
                "Hardware return: the seller reviews the request; goods already received "
                "are shipped back first. The whole amount paid is refunded."
            )
        return None, _("The goods were accepted and the guarantee period is over.")
    if subscription is None:
        return None, _("This order has no purchased service to unsubscribe.")
    if (
        order.kind == Order.Kind.NEW
        and ProvisioningCall.objects.filter(
            subscription=subscription,
            activity=ProvisioningCall.Activity.NEW_INSTANCE,
            status=ProvisioningCall.Status.FAILED,
        ).exists()
        and subscription.status == Subscription.Status.PENDING
    ):
        return Rule.PROVISIONING_FAILED, _(
            "The instance could not be created: the amount paid is refunded in full, at once."
        )
    if order.kind == Order.Kind.RENEWAL:
        if order.effective_at is None or order.effective_at <= now:
            return None, _("This renewal is already effective and can't be unsubscribed.")
        if subscription.expires_at != order.ends_at:
            return None, _("Unsubscribe the later renewal of this service first.")
        return Rule.NOT_EFFECTIVE, _(
            "This renewal is not yet effective: the amount paid is refunded in full, at once."
        )
    if subscription.status not in (Subscription.Status.PENDING, Subscription.Status.ACTIVE) or (
        subscription.expires_at is not None and subscription.expires_at <= now
    ):
        return None, _("This service has expired and can't be unsubscribed.")
    if now >= guarantee_ends:
        return None, _("The guarantee period of %(days)s days after payment is over.") % {
            "days": settings.GUARANTEE_DAYS
        }
    if subscription.orders.filter(
        kind=Order.Kind.RENEWAL, status__in=UNSUBSCRIBABLE, effective_at__gt=now
    ).exists():
        return None, _("Unsubscribe the renewal that is not yet effective first.")
    return Rule.GUARANTEE, _(
        "Within the guarantee period: propose the amount to refund (at most what you paid); "
        "the seller approves or refuses."
    )


# --- buyer -----------------------------------------------------------------------------------


@transaction.atomic
def unsubscription_request(
    *,
    order_id: int,
    buyer,
    reason: str = "",
    proposed_amount: Decimal | None = None,
    goods_received: bool = False,
) -> Unsubscription:
    """Ask to unsubscribe the buyer's order; refunds at once where the rule says so."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("subscription", "seller__user")
        .filter(pk=order_id, buyer=buyer)
        .first()
    )
    if order is None:
        raise DomainError(_("This order doesn't exist."))
    rule, why = unsubscription_rule(order)
    if rule is None:
        raise DomainError(why)
    paid = refundable(order)
    if rule == Rule.GUARANTEE:
        if proposed_amount is None:
            raise DomainError(_("Enter the amount you ask to be refunded."))
        proposed_amount = to_money(proposed_amount)
        if proposed_amount < 0 or proposed_amount > paid:
            raise DomainError(
                _("The refund asked must be between 0 and the %(paid)s paid.") % {"paid": paid}
            )
    else:
        proposed_amount = paid
    unsubscription = Unsubscription.objects.create(
        order=order,
        buyer=buyer,
        seller=order.seller,
        rule=rule,
        reason=reason.strip(),
        proposed_amount=proposed_amount,
        goods_received=goods_received and rule == Rule.HARDWARE,
    )
    log_transition(unsubscription, action="request", to_state=unsubscription.status, actor=buyer)
    if rule in IMMEDIATE:
        return _approve(unsubscription, order=order, amount=paid, actor=None)
    _notify_seller(unsubscription, "unsubscription_requested")
    return unsubscription


def _own(unsubscription_id: int, **owner) -> Unsubscription:
    unsubscription = (
        Unsubscription.objects.select_for_update()
        .select_related("order", "seller__user", "buyer")
        .filter(pk=unsubscription_id, **owner)
        .first()
    )
    if unsubscription is None:
        raise DomainError(_("This unsubscription request doesn't exist."))
    return unsubscription


@transaction.atomic
def unsubscription_withdraw(*, unsubscription_id: int, buyer, reason: str = "") -> Unsubscription:
    """The buyer withdraws a request still waiting for the seller or for the return."""
    unsubscription = _own(unsubscription_id, buyer=buyer)
    _withdraw(unsubscription, actor=buyer, reason=reason)
    _notify_seller(unsubscription, "unsubscription_withdrawn")
    return unsubscription


def _withdraw(unsubscription: Unsubscription, *, actor, reason: str) -> None:
    target = UNSUBSCRIPTION_STATUS.check(unsubscription, "withdraw")
    unsubscription.resolved_at = timezone.now()
    move_to(
        unsubscription,
        target,
        action="withdraw",
        actor=actor,
        reason=reason,
        also_save=["resolved_at"],
    )


@transaction.atomic
def unsubscription_ship_back(
    *, unsubscription_id: int, buyer, carrier: str, tracking_number: str
) -> Unsubscription:
    """The buyer enters how the goods were shipped back (hardware, goods received)."""
    unsubscription = _own(unsubscription_id, buyer=buyer)
    target = UNSUBSCRIPTION_STATUS.check(unsubscription, "ship_back")
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise DomainError(_("Enter the carrier and the tracking number."))
    now = timezone.now()
    if unsubscription.return_by and now > unsubscription.return_by:
        raise DomainError(_("The time to ship the goods back is over."))
    unsubscription.return_carrier = carrier
    unsubscription.return_tracking_number = tracking_number
    unsubscription.return_shipped_at = now
    # We don't track delivery: the goods count as arrived when shipped back.
    unsubscription.inspect_by = now + dt.timedelta(days=settings.HARDWARE_INSPECT_DAYS)
    move_to(
        unsubscription,
        target,
        action="ship_back",
        actor=buyer,
        also_save=["return_carrier", "return_tracking_number", "return_shipped_at", "inspect_by"],
    )
    _notify_seller(unsubscription, "unsubscription_shipped_back")
    return unsubscription


# --- seller ----------------------------------------------------------------------------------


@transaction.atomic
def unsubscription_approve(*, unsubscription_id: int, seller, actor=None) -> Unsubscription:
    """The seller approves: the refund of the amount the buyer asked (hardware received:
    first the buyer ships the goods back; approving the shipped-back goods refunds)."""
    unsubscription = _own(unsubscription_id, seller=seller)
    if (
        unsubscription.rule == Rule.HARDWARE
        and unsubscription.goods_received
        and unsubscription.status == Unsubscription.Status.PENDING
    ):
        target = UNSUBSCRIPTION_STATUS.check(unsubscription, "ask_return")
        unsubscription.return_by = timezone.now() + dt.timedelta(days=settings.HARDWARE_RETURN_DAYS)
        move_to(unsubscription, target, action="ask_return", actor=actor, also_save=["return_by"])
        _notify_buyer(unsubscription, "unsubscription_return_requested")
        return unsubscription
    order = Order.objects.select_for_update().get(pk=unsubscription.order_id)
    return _approve(unsubscription, order=order, amount=unsubscription.proposed_amount, actor=actor)


@transaction.atomic
def unsubscription_refuse(
    *, unsubscription_id: int, seller, reason: str, actor=None
) -> Unsubscription:
    """The seller refuses, saying why (the buyer may ask again with another amount)."""
    unsubscription = _own(unsubscription_id, seller=seller)
    target = UNSUBSCRIPTION_STATUS.check(unsubscription, "refuse")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the request is refused."))
    unsubscription.refuse_reason = reason
    unsubscription.resolved_at = timezone.now()
    move_to(
        unsubscription,
        target,
        action="refuse",
        actor=actor,
        reason=reason,
        also_save=["refuse_reason", "resolved_at"],
    )
    _notify_buyer(unsubscription, "unsubscription_refused")
    return unsubscription


def _approve(unsubscription: Unsubscription, *, order: Order, amount: Decimal, actor):
    """Refund `amount`, close the order (and the subscription), approve the request."""
    target = UNSUBSCRIPTION_STATUS.check(unsubscription, "approve")
    now = timezone.now()
    amount = min(to_money(amount), refundable(order))
    if amount > 0:
        _refund(order, unsubscription=unsubscription, amount=amount, actor=actor)
    full = amount > 0 and order.refunded_amount >= order.amount
    move_to(
        order,
        ORDER_STATUS.check(order, "unsubscribe"),
        action="unsubscribe",
        actor=actor,
        reason=unsubscription.get_rule_display(),
        also_save=["refunded_amount"],
    )
    if full:
        move_to(order, ORDER_STATUS.check(order, "refund"), action="refund", actor=actor)
        move_to(
            order,
            PAYMENT_STATUS.check(order, "refund"),
            action="refund",
            actor=actor,
            field="payment_status",
        )
    if unsubscription.rule == Rule.NOT_EFFECTIVE:
        _undo_renewal(order)
    elif order.subscription_id:
        _end_subscription(order, actor=actor)
    if unsubscription.rule == Rule.HARDWARE:
        stock_return(product=order.product, spec_code=order.spec_code, quantity=order.quantity)
        if unsubscription.goods_received and unsubscription.goods_arrived_at is None:
            unsubscription.goods_arrived_at = now
    unsubscription.agreed_amount = amount
    unsubscription.resolved_at = now
    move_to(
        unsubscription,
        target,
        action="approve",
        actor=actor,
        also_save=["agreed_amount", "resolved_at", "goods_arrived_at"],
    )
    _notify_buyer(unsubscription, "unsubscription_approved")
    return unsubscription


def _refund(order: Order, *, unsubscription: Unsubscription, amount: Decimal, actor) -> Refund:
    from buyers.services.wallet import Charge, payment_refund

    # What the order paid through each source; payment_refund subtracts what earlier
    # refunds of the order gave back, and never returns more than that per source.
    paid = Charge(balance=order.paid_balance, credit=order.paid_credit, coupon=order.paid_coupon)
    key = f"refund:{order.number}:{unsubscription.pk}"
    back = payment_refund(
        buyer=order.buyer, order_number=order.number, amount=amount, paid=paid, key=key
    )
    refund, _created = Refund.objects.get_or_create(
        key=key,
        defaults={
            "order": order,
            "amount": amount,
            "to_balance": back.balance,
            "to_credit": back.credit,
            "to_coupon": back.coupon,
            "reason": str(unsubscription.get_rule_display())[:200],
            "actor": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    order.refunded_amount = to_money(order.refunded_amount + amount)
    return refund


def _end_subscription(order: Order, *, actor) -> None:
    subscription = Subscription.objects.select_for_update().get(pk=order.subscription_id)
    if subscription.status not in SUBSCRIPTION_STATUS.transitions["unsubscribe"].sources:
        return
    move_to(
        subscription,
        SUBSCRIPTION_STATUS.check(subscription, "unsubscribe"),
        action="unsubscribe",
        actor=actor,
        reason=order.number,
    )
    _enqueue(subscription, Activity.RELEASE_INSTANCE, {"orderId": order.number}, order=order)


def _undo_renewal(order: Order) -> None:
    subscription = Subscription.objects.select_for_update().get(pk=order.subscription_id)
    subscription.expires_at = order.effective_at
    subscription.reminded_at = None
    subscription.save(update_fields=["expires_at", "reminded_at"])
    log_transition(
        subscription,
        action="renewal_refunded",
        from_state=subscription.status,
        to_state=subscription.status,
        reason=order.number,
    )
    _enqueue(
        subscription,
        Activity.REFRESH_INSTANCE,
        {"orderId": order.number, "expireTime": isv_time(subscription.expires_at)},
        order=order,
    )


# --- provisioning and deadlines --------------------------------------------------------------


def unsubscription_provisioning_failed(*, order_id: int) -> Unsubscription | None:
    """Create-instance finally failed (04): refund the order in full, automatically.
    For the provisioning dispatcher; None when the rule doesn't apply (already done)."""
    with transaction.atomic():
        order = Order.objects.select_related("buyer").get(pk=order_id)
        rule, _why = unsubscription_rule(order)
        if rule != Rule.PROVISIONING_FAILED:
            return None
        return unsubscription_request(
            order_id=order.pk, buyer=order.buyer, reason=_("Instance provisioning failed.")
        )


def unsubscriptions_expire_returns(*, now=None) -> int:
    """Beat: a return not shipped back within HARDWARE_RETURN_DAYS counts as withdrawn."""
    now = now or timezone.now()
    ids = list(
        Unsubscription.objects.filter(
            status=Unsubscription.Status.AWAITING_RETURN, return_by__lt=now
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            unsubscription = _own(pk)
            if unsubscription.status != Unsubscription.Status.AWAITING_RETURN:
                continue
            _withdraw(unsubscription, actor=None, reason="goods not shipped back in time")
            _notify_buyer(unsubscription, "unsubscription_return_expired")
            done += 1
    return done


def unsubscriptions_accept_uninspected(*, now=None) -> int:
    """Beat: goods shipped back that the seller didn't inspect within
    HARDWARE_INSPECT_DAYS are accepted automatically (the refund is made)."""
    now = now or timezone.now()
    ids = list(
        Unsubscription.objects.filter(
            status=Unsubscription.Status.RETURN_SHIPPED, inspect_by__lt=now
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            unsubscription = _own(pk)
            if unsubscription.status != Unsubscription.Status.RETURN_SHIPPED:
                continue
            order = Order.objects.select_for_update().get(pk=unsubscription.order_id)
            _approve(unsubscription, order=order, amount=unsubscription.proposed_amount, actor=None)
            done += 1
    return done


# --- mails -----------------------------------------------------------------------------------


def _context(unsubscription: Unsubscription) -> dict:
    order = unsubscription.order
    return {
        "unsubscription_id": unsubscription.pk,
        "order_number": order.number,
        "product_name": order.product_name,
        "spec_name": order.spec_name,
        "status": str(unsubscription.get_status_display()),
        "proposed_amount": str(unsubscription.proposed_amount),
        "agreed_amount": str(unsubscription.agreed_amount or ""),
        "refuse_reason": unsubscription.refuse_reason,
        "return_by": (
            timezone.localtime(unsubscription.return_by).strftime("%Y-%m-%d %H:%M")
            if unsubscription.return_by
            else ""
        ),
    }


def _notify_buyer(unsubscription: Unsubscription, template: str) -> None:
    notify(user=unsubscription.buyer, template=template, context=_context(unsubscription))


def _notify_seller(unsubscription: Unsubscription, template: str) -> None:
    notify(user=unsubscription.seller.user, template=template, context=_context(unsubscription))


# --- operators -------------------------------------------------------------------------------

OPERATOR_REFUNDABLE = (*UNSUBSCRIBABLE, Order.Status.UNSUBSCRIBED)


@transaction.atomic
def order_refund_by_operator(
    *, order_id: int, amount: Decimal, reason: str, actor, idempotency_key: str = ""
) -> Refund:
    """An operator (finance, `orders.refund_order`) refunds part or all of what is left of
    a paid order, e.g. after a complaint; the money goes back where it came from.

    Decisions:
    - At most what was paid minus earlier refunds; the reason is required and mailed to
      the buyer.
    - A partial refund leaves the order's status and the service as they are (a
      compensation); the full remainder makes the order and its payment "refunded" and
      ends the service as an unsubscription does (releaseInstance), except a renewal not
      yet effective, whose refund takes the expiry back (refreshInstance).
    - Hardware stock is not returned (the goods are not known to be back).
    - `idempotency_key` (the admin form's): the same key again returns the first refund.
    """
    check_operator_permission(actor, "orders.refund_order", _("You may not refund orders."))
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("buyer", "subscription")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise DomainError(_("This order doesn't exist."))
    key = f"refund:{order.number}:operator:" + (
        idempotency_key.strip()[:40] or str(order.refunds.count() + 1)
    )
    if idempotency_key.strip() and (done := Refund.objects.filter(key=key).first()) is not None:
        return done
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the order is refunded."))
    if (
        order.status not in OPERATOR_REFUNDABLE
        or order.payment_status == Order.PaymentStatus.REFUNDED
    ):
        raise DomainError(
            _("This order can't be refunded while it is “%(status)s”.")
            % {"status": order.get_status_display()}
        )
    left = refundable(order)
    try:
        amount = to_money(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(_("Enter the amount to refund.")) from None
    if amount <= 0 or amount > left:
        raise DomainError(
            _("The refund must be more than 0 and at most the %(left)s still refundable.")
            % {"left": left}
        )
    refund = _pay_back(order, amount=amount, key=key, reason=reason[:200], actor=actor)
    full = order.refunded_amount >= order.amount
    log_transition(
        order,
        action="operator_refund",
        from_state=order.status,
        to_state=order.status,
        actor=actor,
        reason=f"{amount}: {reason}"[:500],
    )
    order.save(update_fields=["refunded_amount"])
    if full:
        move_to(order, ORDER_STATUS.check(order, "refund"), action="refund", actor=actor)
        move_to(
            order,
            PAYMENT_STATUS.check(order, "refund"),
            action="refund",
            actor=actor,
            field="payment_status",
        )
        if order.subscription_id:
            now = timezone.now()
            if (
                order.kind == Order.Kind.RENEWAL
                and order.effective_at is not None
                and order.effective_at > now
                and order.subscription.expires_at == order.ends_at
            ):
                _undo_renewal(order)
            else:
                _end_subscription(order, actor=actor)
    notify(
        user=order.buyer,
        template="order_refunded_by_operator",
        context={
            "order_number": order.number,
            "product_name": order.product_name,
            "spec_name": order.spec_name,
            "amount": str(amount),
            "reason": reason,
            "refunded": str(order.refunded_amount),
            "full": full,
        },
    )
    return refund


def _pay_back(order: Order, *, amount: Decimal, key: str, reason: str, actor) -> Refund:
    """Give `amount` back through the wallet (idempotent on `key`) and keep the Refund row."""
    from buyers.services.wallet import Charge, payment_refund

    paid = Charge(balance=order.paid_balance, credit=order.paid_credit, coupon=order.paid_coupon)
    back = payment_refund(
        buyer=order.buyer, order_number=order.number, amount=amount, paid=paid, key=key
    )
    refund = Refund.objects.create(
        order=order,
        key=key,
        amount=amount,
        to_balance=back.balance,
        to_credit=back.credit,
        to_coupon=back.coupon,
        reason=reason,
        actor=actor,
    )
    order.refunded_amount = to_money(order.refunded_amount + amount)
    return refund

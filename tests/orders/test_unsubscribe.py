"""Unsubscribing (03 › Unsubscribe): the rules table, negotiation, refunds, withdrawal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from buyers.models import Wallet
from marketplace.catalog.models import DeliveryType
from marketplace.core.exceptions import DomainError, InvalidTransition
from marketplace.core.models import Notification
from orders.models import (
    Order,
    ProvisioningCall,
    Refund,
    Subscription,
    Unsubscription,
)
from orders.services.unsubscribe import (
    unsubscription_approve,
    unsubscription_provisioning_failed,
    unsubscription_refuse,
    unsubscription_request,
    unsubscription_rule,
    unsubscription_withdraw,
)
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db
Rule = Unsubscription.Rule


def paid_order(**kw) -> Order:
    order = PaidOrderFactory(**kw)
    WalletFactory(buyer=order.buyer)
    return order


def balance(buyer) -> Decimal:
    return Wallet.objects.get(buyer=buyer).balance


def renewal_of(order: Order, *, effective_in: dt.timedelta) -> Order:
    subscription = order.subscription
    start = timezone.now() + effective_in
    renewal = PaidOrderFactory(
        buyer=order.buyer,
        product=order.product,
        kind=Order.Kind.RENEWAL,
        subscription=subscription,
        effective_at=start,
        ends_at=start + dt.timedelta(days=30),
        paid_at=timezone.now() - dt.timedelta(days=1),
    )
    Subscription.objects.filter(pk=subscription.pk).update(expires_at=renewal.ends_at)
    renewal.refresh_from_db()
    return renewal


# --- the rules table -----------------------------------------------------------------------


def test_rules_table():
    order = paid_order()
    assert unsubscription_rule(order)[0] == Rule.GUARANTEE

    late = paid_order(paid_at=timezone.now() - dt.timedelta(days=8))
    rule, why = unsubscription_rule(late)
    assert rule is None and "guarantee period" in why

    trial_product = listed_product()
    trial = paid_order(
        product=trial_product,
        spec=trial_product.listed_version.specs.get(code="spec-1"),
        kind=Order.Kind.TRIAL,
    )
    assert unsubscription_rule(trial) == (None, "Trial orders can't be unsubscribed.")

    expired = paid_order()
    Subscription.objects.filter(pk=expired.subscription_id).update(status="frozen")
    expired.refresh_from_db()
    assert "expired" in unsubscription_rule(expired)[1]

    base = paid_order()
    effective = renewal_of(base, effective_in=-dt.timedelta(days=1))
    assert "already effective" in unsubscription_rule(effective)[1]
    base2 = paid_order()
    not_yet = renewal_of(base2, effective_in=dt.timedelta(days=5))
    assert unsubscription_rule(not_yet)[0] == Rule.NOT_EFFECTIVE
    # The base order can't go while a renewal waits to become effective.
    assert "renewal" in unsubscription_rule(base2)[1]

    upgrade = paid_order(kind=Order.Kind.UPGRADE)
    assert unsubscription_rule(upgrade)[0] is None

    hardware = paid_order(product=listed_product(delivery_type=DeliveryType.HARDWARE))
    assert unsubscription_rule(hardware)[0] == Rule.HARDWARE


@pytest.mark.parametrize("case", ["trial", "expired", "effective_renewal", "late"])
def test_refused_cases_change_nothing(case):
    order = paid_order()
    if case == "trial":
        Subscription.objects.filter(pk=order.subscription_id).update(is_trial=True)
    elif case == "expired":
        Subscription.objects.filter(pk=order.subscription_id).update(
            expires_at=timezone.now() - dt.timedelta(hours=1)
        )
    elif case == "effective_renewal":
        order = renewal_of(order, effective_in=-dt.timedelta(hours=1))
    else:
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - dt.timedelta(days=30))
    with pytest.raises(DomainError):
        unsubscription_request(order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal(1))
    assert not Unsubscription.objects.exists()
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


# --- negotiation ---------------------------------------------------------------------------


def test_guarantee_request_approved_refunds_the_agreed_amount():
    order = paid_order()
    request = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, reason="Not for us", proposed_amount=Decimal("40")
    )
    assert request.status == Unsubscription.Status.PENDING and request.rule == Rule.GUARANTEE
    assert Notification.objects.get().user == order.seller.user
    done = unsubscription_approve(
        unsubscription_id=request.pk, seller=order.seller, actor=order.seller.user
    )
    assert done.status == Unsubscription.Status.APPROVED
    assert done.agreed_amount == Decimal("40.00")
    order.refresh_from_db()
    assert order.status == Order.Status.UNSUBSCRIBED
    assert order.payment_status == Order.PaymentStatus.PAID  # partial refund
    assert order.refunded_amount == Decimal("40.00")
    assert balance(order.buyer) == Decimal("40.00")
    refund = Refund.objects.get()
    assert refund.key == f"refund:{order.number}:{request.pk}"
    assert (refund.amount, refund.to_balance) == (Decimal("40.00"), Decimal("40.00"))
    subscription = order.subscription
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert ProvisioningCall.objects.get(subscription=subscription).activity == "releaseInstance"
    # Approving again: nothing more.
    with pytest.raises(InvalidTransition):
        unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    assert balance(order.buyer) == Decimal("40.00")


def test_full_proposal_marks_the_order_refunded():
    order = paid_order()
    request = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=order.amount
    )
    unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert balance(order.buyer) == order.amount


@pytest.mark.parametrize("amount", ["99.01", "-1", None])
def test_proposing_more_than_paid_or_nothing_is_refused(amount):
    order = paid_order()
    with pytest.raises(DomainError):
        unsubscription_request(
            order_id=order.pk,
            buyer=order.buyer,
            proposed_amount=Decimal(amount) if amount else None,
        )
    assert not Unsubscription.objects.exists()


def test_refuse_needs_a_reason_and_the_buyer_may_ask_again():
    order = paid_order()
    request = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal("99")
    )
    with pytest.raises(DomainError, match="why"):
        unsubscription_refuse(unsubscription_id=request.pk, seller=order.seller, reason=" ")
    refused = unsubscription_refuse(
        unsubscription_id=request.pk, seller=order.seller, reason="Used a lot already"
    )
    assert refused.status == Unsubscription.Status.REFUSED
    again = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal("20")
    )
    assert again.status == Unsubscription.Status.PENDING


def test_one_open_request_per_order_and_withdrawing_twice_is_refused():
    order = paid_order()
    request = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal("10")
    )
    with pytest.raises(DomainError, match="already open"):
        unsubscription_request(order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal(5))
    unsubscription_withdraw(unsubscription_id=request.pk, buyer=order.buyer)
    with pytest.raises(InvalidTransition):
        unsubscription_withdraw(unsubscription_id=request.pk, buyer=order.buyer)
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.WITHDRAWN


def test_other_parties_cant_act_on_a_request():
    order = paid_order()
    stranger = paid_order()
    with pytest.raises(DomainError):
        unsubscription_request(order_id=order.pk, buyer=stranger.buyer, proposed_amount=Decimal(1))
    request = unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal("10")
    )
    with pytest.raises(DomainError, match="doesn't exist"):
        unsubscription_approve(unsubscription_id=request.pk, seller=stranger.seller)
    with pytest.raises(DomainError, match="doesn't exist"):
        unsubscription_withdraw(unsubscription_id=request.pk, buyer=stranger.buyer)
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.PENDING


# --- automatic rules -----------------------------------------------------------------------


def test_not_yet_effective_renewal_is_refunded_at_once_and_the_expiry_goes_back():
    base = paid_order()
    renewal = renewal_of(base, effective_in=dt.timedelta(days=5))
    request = unsubscription_request(order_id=renewal.pk, buyer=renewal.buyer)
    assert request.status == Unsubscription.Status.APPROVED
    assert request.agreed_amount == renewal.amount
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.REFUNDED
    subscription = Subscription.objects.get(pk=base.subscription_id)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.expires_at == renewal.effective_at
    call = ProvisioningCall.objects.get(subscription=subscription)
    assert call.activity == "refreshInstance"
    assert balance(renewal.buyer) == renewal.amount


def test_provisioning_failure_refunds_in_full_automatically():
    order = paid_order()
    Subscription.objects.filter(pk=order.subscription_id).update(status="pending")
    assert unsubscription_provisioning_failed(order_id=order.pk) is None  # nothing failed
    ProvisioningCall.objects.create(
        subscription=order.subscription,
        order=order,
        sequence=1,
        activity="newInstance",
        status="failed",
    )
    done = unsubscription_provisioning_failed(order_id=order.pk)
    assert done.rule == Rule.PROVISIONING_FAILED
    assert done.status == Unsubscription.Status.APPROVED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert balance(order.buyer) == order.amount
    assert unsubscription_provisioning_failed(order_id=order.pk) is None  # once
    assert Refund.objects.count() == 1

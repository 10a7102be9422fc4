"""Renewal orders (03 › Renew): extend from the current expiry, unfreeze, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.catalog.models import Price, Product
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from orders.models import Order, ProvisioningCall, Subscription
from orders.services.checkout import order_pay
from orders.services.subscriptions import add_periods, renewal_place
from tests.factories.buyers import WalletFactory
from tests.factories.orders import PaidOrderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def subscription_with_order(**kw) -> Subscription:
    order = PaidOrderFactory(**kw)
    Price.objects.filter(spec__version__product=order.product).update(max_periods=12)
    WalletFactory(buyer=order.buyer, balance=Decimal("5000.00"))
    return order.subscription


def activities(subscription) -> list[str]:
    return list(
        ProvisioningCall.objects.filter(subscription=subscription)
        .order_by("sequence")
        .values_list("activity", flat=True)
    )


def test_early_renewal_is_effective_at_the_old_expiry():
    subscription = subscription_with_order()
    old_expiry = subscription.expires_at
    order = renewal_place(
        subscription_id=subscription.pk, buyer=subscription.buyer, periods=2, period="month"
    )
    assert order.kind == Order.Kind.RENEWAL and order.subscription == subscription
    assert order.amount == Decimal("198.00")
    order_pay(order_id=order.pk, buyer=subscription.buyer)
    order.refresh_from_db()
    subscription.refresh_from_db()
    assert order.effective_at == old_expiry
    assert subscription.expires_at == add_periods(old_expiry, "month", 2)
    assert order.ends_at == subscription.expires_at
    assert activities(subscription) == ["refreshInstance"]
    call = ProvisioningCall.objects.get(subscription=subscription)
    assert call.payload["expireTime"] == subscription.expires_at.astimezone(dt.UTC).strftime(
        "%Y%m%d%H%M%S"
    )
    assert "renew" in [row.action for row in history_for(subscription)]


def test_renewing_a_frozen_subscription_unfreezes_it():
    subscription = subscription_with_order()
    expired = timezone.now() - dt.timedelta(days=3)
    Subscription.objects.filter(pk=subscription.pk).update(
        status="frozen", expires_at=expired, frozen_at=expired
    )
    order = renewal_place(
        subscription_id=subscription.pk, buyer=subscription.buyer, periods=1, period="year"
    )
    order_pay(order_id=order.pk, buyer=subscription.buyer)
    subscription.refresh_from_db()
    order.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.frozen_at is None
    assert subscription.expires_at == add_periods(expired, "year", 1)
    assert order.effective_at >= expired  # paid now: effective now
    assert activities(subscription) == ["refreshInstance", "updateInstanceStatus"]
    assert ProvisioningCall.objects.get(activity="updateInstanceStatus").payload["status"] == (
        "UNFREEZE"
    )


def test_delisted_products_can_still_be_renewed():
    subscription = subscription_with_order()
    Product.objects.filter(pk=subscription.product_id).update(status=Product.Status.DELISTED)
    order = renewal_place(
        subscription_id=subscription.pk, buyer=subscription.buyer, periods=1, period="month"
    )
    order_pay(order_id=order.pk, buyer=subscription.buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.parametrize(
    ("status", "message"),
    [("released", "released"), ("unsubscribed", "unsubscribed"), ("pending", "delivered")],
)
def test_renewing_a_released_or_unsubscribed_subscription_is_refused(status, message):
    subscription = subscription_with_order()
    Subscription.objects.filter(pk=subscription.pk).update(status=status)
    with pytest.raises(DomainError, match=message):
        renewal_place(
            subscription_id=subscription.pk, buyer=subscription.buyer, periods=1, period="month"
        )
    assert Order.objects.filter(kind=Order.Kind.RENEWAL).count() == 0


def test_renewing_a_trial_or_another_buyers_subscription_is_refused():
    subscription = subscription_with_order()
    trial = SubscriptionFactory(
        buyer=subscription.buyer,
        product=subscription.product,
        spec=subscription.product.listed_version.specs.get(code="spec-1"),
    )
    with pytest.raises(DomainError, match="monthly or yearly"):
        renewal_place(subscription_id=trial.pk, buyer=trial.buyer, periods=1, period="month")
    other = SubscriptionFactory()
    with pytest.raises(DomainError, match="doesn't exist"):
        renewal_place(subscription_id=other.pk, buyer=subscription.buyer, periods=1, period="month")
    with pytest.raises(DomainError):
        renewal_place(
            subscription_id=subscription.pk, buyer=subscription.buyer, periods=1, period="once"
        )
    assert Order.objects.filter(kind=Order.Kind.RENEWAL).count() == 0


def test_released_between_placing_and_paying_refuses_the_payment():
    subscription = subscription_with_order()
    order = renewal_place(
        subscription_id=subscription.pk, buyer=subscription.buyer, periods=1, period="month"
    )
    Subscription.objects.filter(pk=subscription.pk).update(status="released")
    with pytest.raises(DomainError):
        order_pay(order_id=order.pk, buyer=subscription.buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT

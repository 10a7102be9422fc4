"""Upgrades (03 › Upgrade): higher spec or quantity only, prorated difference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from marketplace.core.exceptions import DomainError
from orders.models import Order, ProvisioningCall, Subscription
from orders.services.checkout import order_pay
from orders.services.subscriptions import upgrade_place, upgrade_quote
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2025, 3, 1, 0, 0, tzinfo=TZ)
SPECS = [
    ("Standard", "period", [("month", "99.00")]),
    ("Pro", "period", [("month", "199.00")]),
    ("Basic", "period", [("month", "49.00")]),
]


@pytest.fixture
def subscription():
    with time_machine.travel(NOW - dt.timedelta(days=13), tick=False):
        order = PaidOrderFactory(product=listed_product(specs=SPECS))
    WalletFactory(buyer=order.buyer, balance=Decimal("1000.00"))
    Subscription.objects.filter(pk=order.subscription_id).update(
        expires_at=dt.datetime(2025, 3, 16, 0, 0, tzinfo=TZ)
    )
    return Subscription.objects.get(pk=order.subscription_id)


@time_machine.travel(NOW, tick=False)
def test_quote_prorates_the_difference_for_the_days_left(subscription):
    quote = upgrade_quote(
        subscription_id=subscription.pk, buyer=subscription.buyer, spec_code="spec-1", quantity=1
    )
    assert (quote.old_price, quote.new_price) == (Decimal("99.00"), Decimal("199.00"))
    # 16 Feb → 16 Mar: 28 days; 15 left. 100 × 15 / 28 = 53.571… → 53.57
    assert (quote.remaining_days, quote.period_days) == (15, 28)
    assert quote.amount == Decimal("53.57")
    more = upgrade_quote(
        subscription_id=subscription.pk, buyer=subscription.buyer, spec_code="spec-0", quantity=3
    )
    assert more.amount == to_cents(Decimal("198") * 15 / 28)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@time_machine.travel(NOW, tick=False)
def test_upgrade_order_at_the_prorated_price_changes_the_spec_when_paid(subscription):
    order = upgrade_place(
        subscription_id=subscription.pk, buyer=subscription.buyer, spec_code="spec-1", quantity=2
    )
    assert order.kind == Order.Kind.UPGRADE
    assert order.upgraded_from_spec_code == "spec-0"
    assert order.amount == to_cents(Decimal("299") * 15 / 28)
    order_pay(order_id=order.pk, buyer=subscription.buyer)
    subscription.refresh_from_db()
    assert (subscription.spec_code, subscription.spec_name, subscription.quantity) == (
        "spec-1",
        "Pro",
        2,
    )
    assert subscription.expires_at == dt.datetime(2025, 3, 16, 0, 0, tzinfo=TZ)
    call = ProvisioningCall.objects.get(subscription=subscription)
    assert call.activity == "upgradeInstance"
    assert call.payload["orderId"] == order.number


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("spec-2", 1, "higher spec"),  # cheaper spec
        ("spec-0", 1, "higher spec"),  # the same
        ("spec-2", 2, "higher spec"),  # 98 < 99
        ("spec-1", 0, "lower the quantity"),
        ("nope", 1, "not on sale"),
    ],
)
def test_upgrading_to_a_lower_or_equal_spec_is_refused(subscription, code, quantity, message):
    with pytest.raises(DomainError, match=message):
        upgrade_place(
            subscription_id=subscription.pk,
            buyer=subscription.buyer,
            spec_code=code,
            quantity=quantity,
        )
    assert not Order.objects.filter(kind=Order.Kind.UPGRADE).exists()


@time_machine.travel(NOW, tick=False)
def test_upgrading_a_frozen_or_expired_subscription_is_refused(subscription):
    Subscription.objects.filter(pk=subscription.pk).update(status="frozen")
    with pytest.raises(DomainError, match="in use"):
        upgrade_quote(
            subscription_id=subscription.pk,
            buyer=subscription.buyer,
            spec_code="spec-1",
            quantity=1,
        )

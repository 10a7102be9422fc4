"""What a paid order does to the purchased service (orders.services.subscriptions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from marketplace.catalog.models import DeliveryType, Spec
from marketplace.core.audit import history_for
from orders.models import Order, ProvisioningCall, Subscription
from orders.services.checkout import order_pay, order_place
from orders.services.subscriptions import (
    add_periods,
    subscription_activate,
    subscription_apply_paid,
)
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)


def paid(order: Order) -> Order:
    """Mark a factory order paid and apply it, as order_pay does."""
    order.status = Order.Status.PAID
    order.payment_status = Order.PaymentStatus.PAID
    order.paid_at = timezone.now()
    order.paid_balance = order.amount
    order.save()
    with transaction.atomic():
        subscription_apply_paid(order=order)
    return order


def calls(subscription) -> list[tuple[str, dict]]:
    return [
        (c.activity, c.payload)
        for c in ProvisioningCall.objects.filter(subscription=subscription).order_by("sequence")
    ]


def test_add_periods_uses_calendar_months_in_beijing_time():
    start = dt.datetime(2025, 1, 31, 10, 0, tzinfo=TZ)
    assert add_periods(start, "month", 1) == dt.datetime(2025, 2, 28, 10, 0, tzinfo=TZ)
    assert add_periods(start, "month", 13) == dt.datetime(2026, 2, 28, 10, 0, tzinfo=TZ)
    assert add_periods(start, "year", 2) == dt.datetime(2027, 1, 31, 10, 0, tzinfo=TZ)
    # 31 Jan 20:00 UTC is already 1 Feb in Beijing: one month later is 1 March there.
    utc = dt.datetime(2025, 1, 31, 20, 0, tzinfo=dt.UTC)
    assert add_periods(utc, "month", 1) == dt.datetime(2025, 3, 1, 4, 0, tzinfo=TZ)


@time_machine.travel(dt.datetime(2025, 1, 31, 9, 0, tzinfo=TZ), tick=False)
def test_new_saas_order_creates_pending_subscription_and_new_instance_call():
    order = paid(OrderFactory(periods=3))
    subscription = order.subscription
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.expires_at == dt.datetime(2025, 4, 30, 9, 0, tzinfo=TZ)
    assert (subscription.spec_code, subscription.billing_mode) == ("spec-0", "period")
    assert order.effective_at == timezone.now() and order.ends_at == subscription.expires_at
    assert calls(subscription) == [
        (
            "newInstance",
            {
                "instanceId": "",
                "orderId": order.number,
                "orderLineId": f"{order.number}-000001",
            },
        )
    ]
    assert [row.action for row in history_for(subscription)] == ["create"]

    subscription_activate(
        subscription=subscription, instance_id="i-1", access_info={"adminUrl": "https://x"}
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.instance_id == "i-1"
    # Again (a repeated create-instance answer): still active, info updated.
    subscription_activate(subscription=subscription, instance_id="i-1", access_info={"a": 1})
    subscription.refresh_from_db()
    assert subscription.access_info == {"a": 1}
    assert [row.action for row in history_for(subscription)] == ["create", "activate"]


def test_types_without_instance_are_active_at_once_with_no_call():
    product = listed_product(
        delivery_type=DeliveryType.MANUAL_SERVICE, specs=[("Once", "one_off", [("once", "500")])]
    )
    order = paid(OrderFactory(product=product))
    subscription = order.subscription
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.expires_at is None
    assert calls(subscription) == []


def test_trial_expires_after_trial_days():
    product = listed_product()
    trial = product.listed_version.specs.get(code="spec-1")
    order = paid(OrderFactory(product=product, spec=trial, kind=Order.Kind.TRIAL))
    subscription = order.subscription
    assert subscription.is_trial
    delta = subscription.expires_at - subscription.starts_at
    assert delta == dt.timedelta(days=30)


def test_package_quota_is_spec_quota_times_quantity():
    product = listed_product(
        delivery_type=DeliveryType.API_APIG,
        specs=[("10k calls", "package", [("package", "100")])],
    )
    Spec.objects.filter(version=product.listed_version).update(
        package_quota=10_000, package_kind="per_call"
    )
    order = paid(OrderFactory(product=product, quantity=3))
    assert order.subscription.quota_total == 30_000
    assert order.subscription.status == Subscription.Status.ACTIVE
    assert order.subscription.expires_at is None


def test_checkout_order_pay_applies_the_order():
    product = listed_product()
    spec = product.listed_version.specs.get(code="spec-0")
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))
    order = order_place(buyer=buyer, spec=spec, period="month", agreement_accepted=True)
    order = order_pay(order_id=order.pk, buyer=buyer)
    order.refresh_from_db()
    assert order.subscription is not None
    assert order.subscription.buyer == buyer
    assert ProvisioningCall.objects.filter(
        subscription=order.subscription, activity="newInstance"
    ).exists()

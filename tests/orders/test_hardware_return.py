"""Hardware unsubscribe (03 › Hardware unsubscribe): review, ship back within 10 days,
inspection within 15 days or automatic acceptance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from buyers.models import Wallet
from marketplace.catalog.models import DeliveryType, SpecSales
from marketplace.core.exceptions import DomainError, InvalidTransition
from orders.models import Order, Unsubscription
from orders.services.unsubscribe import (
    unsubscription_approve,
    unsubscription_request,
    unsubscription_ship_back,
    unsubscription_withdraw,
)
from orders.tasks.lifecycle import hardware_return_deadlines
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db
Status = Unsubscription.Status


@pytest.fixture
def order():
    product = listed_product(
        delivery_type=DeliveryType.HARDWARE, specs=[("Box", "one_off", [("once", "800.00")])]
    )
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=4)
    order = PaidOrderFactory(product=product)
    WalletFactory(buyer=order.buyer)
    return order


def balance(buyer) -> Decimal:
    return Wallet.objects.get(buyer=buyer).balance


def test_not_received_seller_approves_and_refunds(order):
    request = unsubscription_request(order_id=order.pk, buyer=order.buyer, goods_received=False)
    assert request.rule == Unsubscription.Rule.HARDWARE
    assert request.proposed_amount == Decimal("800.00")
    done = unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    assert done.status == Status.APPROVED
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert balance(order.buyer) == Decimal("800.00")
    # Hardware comes back on the shelf.
    assert SpecSales.objects.get(product=order.product).stock == 5


def test_received_goods_are_shipped_back_then_inspected(order, settings):
    settings.HARDWARE_RETURN_DAYS = 10
    settings.HARDWARE_INSPECT_DAYS = 15
    request = unsubscription_request(order_id=order.pk, buyer=order.buyer, goods_received=True)
    asked = unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    assert asked.status == Status.AWAITING_RETURN
    assert asked.return_by > timezone.now() + dt.timedelta(days=9, hours=23)
    assert balance(order.buyer) == 0
    with pytest.raises(DomainError, match="tracking"):
        unsubscription_ship_back(
            unsubscription_id=request.pk, buyer=order.buyer, carrier="SF", tracking_number=""
        )
    shipped = unsubscription_ship_back(
        unsubscription_id=request.pk, buyer=order.buyer, carrier="SF", tracking_number="SF123"
    )
    assert shipped.status == Status.RETURN_SHIPPED
    assert shipped.inspect_by > timezone.now() + dt.timedelta(days=14)
    with pytest.raises(InvalidTransition):  # too late to withdraw now
        unsubscription_withdraw(unsubscription_id=request.pk, buyer=order.buyer)
    done = unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    assert done.status == Status.APPROVED and done.goods_arrived_at is not None
    assert balance(order.buyer) == Decimal("800.00")


def test_not_shipped_back_within_10_days_counts_as_withdrawn(order):
    request = unsubscription_request(order_id=order.pk, buyer=order.buyer, goods_received=True)
    unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    assert hardware_return_deadlines() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=10, minutes=1)):
        with pytest.raises(DomainError, match="over"):
            unsubscription_ship_back(
                unsubscription_id=request.pk, buyer=order.buyer, carrier="SF", tracking_number="1"
            )
        assert hardware_return_deadlines() == 1
        assert hardware_return_deadlines() == 0
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert balance(order.buyer) == 0


def test_seller_silent_for_15_days_after_arrival_accepts_automatically(order):
    request = unsubscription_request(order_id=order.pk, buyer=order.buyer, goods_received=True)
    unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    unsubscription_ship_back(
        unsubscription_id=request.pk, buyer=order.buyer, carrier="SF", tracking_number="SF9"
    )
    assert hardware_return_deadlines() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=15, minutes=1)):
        assert hardware_return_deadlines() == 1
        assert hardware_return_deadlines() == 0
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert balance(order.buyer) == Decimal("800.00")

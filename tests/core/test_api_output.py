"""`represent()` answers exactly what the serializer's own `.data` does."""

from decimal import Decimal

import pytest
from django.utils import translation

from marketplace.core.api_output import represent, represent_many
from orders.api import BuyerOrderOut
from tests.factories.catalog import RegionFactory
from tests.factories.orders import OrderFactory, PaidOrderFactory

pytestmark = pytest.mark.django_db


def test_an_unpaid_order_without_region_or_subscription():
    order = OrderFactory(attributes={"seats": "5"})
    assert represent(BuyerOrderOut, order) == BuyerOrderOut(order).data


def test_a_paid_order_with_region_subscription_and_discounts():
    order = PaidOrderFactory(
        region=RegionFactory(code="cn-east-9"),
        offer_discount=Decimal("1.50"),
        paid_coupon=Decimal("2.00"),
    )
    out = represent(BuyerOrderOut, order)
    assert out == BuyerOrderOut(order).data
    assert out["region"] == "cn-east-9"
    assert out["subscription"] == order.subscription_id
    assert out["offer_discount"] == "1.50"


def test_times_follow_the_active_time_zone_like_drf():
    order = PaidOrderFactory()
    with translation.override("zh-hans"):
        assert represent(BuyerOrderOut, order) == BuyerOrderOut(order).data


def test_many_is_a_list_of_the_same():
    orders = [OrderFactory(), PaidOrderFactory()]
    assert represent_many(BuyerOrderOut, orders) == BuyerOrderOut(orders, many=True).data

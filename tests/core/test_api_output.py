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


def test_the_catalog_api_writes_what_its_serializers_write(client):
    """The catalog's list and detail endpoints answer through `represent`; the answer is
    the serializers' own, nested specs, prices, attributes and choice labels included."""
    from marketplace.catalog import selectors
    from marketplace.catalog.api import ProductDetailSerializer, ProductListSerializer
    from tests.factories.catalog import listed_product

    product = listed_product()
    listed = selectors.product_get_listed(product_id=product.pk)
    detail = client.get(f"/api/catalog/products/{product.pk}/").json()
    assert detail == ProductDetailSerializer(listed).data
    assert detail["specs"] and detail["specs"][0]["prices"]
    page = client.get("/api/catalog/products/").json()
    expected = ProductListSerializer(selectors.product_listed_queryset(), many=True).data
    assert page["results"] == expected and page["count"] == 1
    with translation.override("zh-hans"):
        assert represent(ProductDetailSerializer, listed) == ProductDetailSerializer(listed).data

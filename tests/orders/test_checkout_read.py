"""The checkout's one read (`orders.services.checkout_read`) gives what the ORM gives:
the product now with its regions, the spec's sales row, the buyer's private offer valid
at the time (newest first; revoked, expired, future and other buyers' offers left out)
and the order the buyer's idempotency key made (never another buyer's, never for an
empty key)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.catalog.models import Product, SpecSales
from orders.models import Order, PrivateOffer
from orders.services.checkout_read import checkout_read
from orders.services.offers import private_offer_for
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RegionFactory, listed_product
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _offer(product, buyer, *, value, days=(-1, 1), revoked=False, created_ago=0):
    now = timezone.now()
    offer = PrivateOffer.objects.create(
        seller=product.seller,
        product=product,
        buyer=buyer,
        kind=PrivateOffer.Kind.AMOUNT,
        value=Decimal(value),
        valid_from=now + timedelta(days=days[0]),
        valid_until=now + timedelta(days=days[1]),
        revoked_at=now if revoked else None,
    )
    PrivateOffer.objects.filter(pk=offer.pk).update(created_at=now - timedelta(minutes=created_ago))
    return offer


def _read(buyer, product, *, key="", spec_code="spec-0"):
    return checkout_read(
        buyer_id=buyer.pk,
        product_id=product.pk,
        spec_code=spec_code,
        at=timezone.now(),
        idempotency_key=key,
    )


def test_the_read_gives_what_the_orm_gives():
    product = listed_product(regions=[RegionFactory(code="cn-b"), RegionFactory(code="cn-a")])
    SpecSales.objects.update_or_create(
        product=product,
        spec_code="spec-0",
        defaults={"stock": 7, "max_quantity_per_buyer": 3, "max_orders_per_buyer": 2},
    )
    buyer, other = UserFactory(), UserFactory()
    _offer(product, buyer, value="5.00", created_ago=30)
    newest = _offer(product, buyer, value="6.50", created_ago=10)
    _offer(product, buyer, value="7.00", revoked=True)
    _offer(product, buyer, value="8.00", days=(-3, -1))  # expired
    _offer(product, buyer, value="9.00", days=(1, 3))  # not yet
    _offer(product, other, value="10.00")
    mine = OrderFactory(buyer=buyer, product=product, idempotency_key="k-1")
    OrderFactory(buyer=other, product=product, idempotency_key="k-2")

    with CaptureQueriesContext(connection) as queries:
        read = _read(buyer, product, key="k-1")
    assert len(queries) == 1

    assert _fields(read.product) == _fields(Product.objects.get(pk=product.pk))
    with CaptureQueriesContext(connection) as queries:
        assert [r.code for r in read.product.regions.all()] == ["cn-a", "cn-b"]
    assert len(queries) == 0
    sales = SpecSales.objects.get(product=product, spec_code="spec-0")
    assert _fields(read.sales) == _fields(sales)
    assert read.sales.stock == 7 and read.sales.max_orders_per_buyer == 2
    assert read.offer == newest == private_offer_for(buyer=buyer, product=product)
    assert _fields(read.offer) == _fields(PrivateOffer.objects.get(pk=newest.pk))
    assert read.offer.value == Decimal("6.50")
    assert _fields(read.existing) == _fields(Order.objects.get(pk=mine.pk))
    assert read.existing.attributes == mine.attributes


def test_nothing_found_is_none():
    product = listed_product()
    buyer = UserFactory()
    OrderFactory(buyer=buyer, product=product, idempotency_key="")
    OrderFactory(buyer=UserFactory(), product=product, idempotency_key="k-9")
    read = _read(buyer, product, key="", spec_code="no-such-spec")
    assert read.sales is None and read.offer is None and read.existing is None
    assert list(read.product.regions.all()) == []
    assert _read(buyer, product, key="k-9").existing is None  # another buyer's key
    assert (
        checkout_read(
            buyer_id=buyer.pk, product_id=product.pk + 10_000, spec_code="spec-0", at=timezone.now()
        )
        is None
    )

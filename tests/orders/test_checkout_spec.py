"""`orders.selectors.spec_for_checkout` reads the spec on sale in SQL (core.rawload): the
same instances, values and cached related rows as the ORM's select_related and
prefetch_related would give, in one statement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F

from marketplace.catalog.models import (
    AttributeName,
    Price,
    Product,
    ProductVersion,
    Spec,
    SpecAttribute,
)
from orders.selectors import spec_for_checkout
from tests.factories.catalog import listed_product
from tests.factories.catalog_publishing import AttributeNameFactory, pending_product
from tests.factories.isv import TestAccountFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _orm_spec(product_id: int, spec_code: str) -> Spec | None:
    """What spec_for_checkout answered with the ORM."""
    return (
        Spec.objects.select_related("version__product__seller")
        .filter(
            code=spec_code,
            version__product_id=product_id,
            version__product__status=Product.Status.LISTED,
            version__product__listed_version=F("version"),
        )
        .first()
    )


def _assert_same(read: Spec, orm: Spec, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):  # everything checkout reads of it is cached
        assert _fields(read) == _fields(orm)
        assert _fields(read.version) == _fields(orm.version)
        assert _fields(read.version.product) == _fields(orm.version.product)
        assert _fields(read.version.product.seller) == _fields(orm.version.product.seller)
        prices = list(read.prices.all())
        attributes = list(read.attributes.all())
        names = [a.attribute for a in attributes]
        assert all(p.spec is read for p in prices)
        assert all(a.spec is read for a in attributes)
    assert [_fields(p) for p in prices] == [_fields(p) for p in orm.prices.order_by("id")]
    assert all(isinstance(p.amount, Decimal) for p in prices)
    orm_attributes = list(orm.attributes.select_related("attribute").order_by("id"))
    assert [_fields(a) for a in attributes] == [_fields(a) for a in orm_attributes]
    assert [_fields(n) for n in names] == [_fields(a.attribute) for a in orm_attributes]


def test_the_spec_on_sale_is_what_the_orm_gives(django_assert_num_queries):
    product = listed_product(
        specs=[
            ("Basic", "period", [("year", "1000.50"), ("month", "99.90")]),
            ("Pro", "period", [("month", "199")]),
            ("Bare", "one_off", []),  # no prices, no attributes
        ]
    )
    basic, pro, bare = product.listed_version.specs.order_by("position", "id")
    Price.objects.create(spec=pro, period="year", amount=Decimal("0.01"), unit="seat")
    users = AttributeNameFactory(seller=product.seller, name="Users")
    edition = AttributeNameFactory(
        seller=product.seller, name="Edition", kind=AttributeName.Kind.ENUM
    )
    SpecAttribute.objects.create(spec=pro, attribute=users, min_value=1, max_value=50, step=5)
    SpecAttribute.objects.create(spec=pro, attribute=edition, options="basic, pro", unit="")
    SpecAttribute.objects.create(spec=basic, attribute=users, min_value=1, max_value=5, step=1)

    for spec in (basic, pro, bare):
        with django_assert_num_queries(1):
            read = spec_for_checkout(product_id=product.pk, spec_code=spec.code)
        _assert_same(read, _orm_spec(product.pk, spec.code), django_assert_num_queries)
    read = spec_for_checkout(product_id=product.pk, spec_code=pro.code)
    assert [p.amount for p in read.prices.all()] == [Decimal("199.00"), Decimal("0.01")]
    assert [a.attribute.name for a in read.attributes.all()] == ["Users", "Edition"]
    assert list(spec_for_checkout(product_id=product.pk, spec_code=bare.code).prices.all()) == []


def test_no_spec_on_sale_is_none():
    listed = listed_product()
    delisted = listed_product(status=Product.Status.DELISTED)
    code = listed.listed_version.specs.first().code
    # a spec of a version of a listed product that is not the one on sale
    newer = ProductVersion.objects.create(
        product=listed, number=2, name="Next", summary="s", category=listed.listed_version.category
    )
    Spec.objects.create(version=newer, code="next", name="Next", billing_mode="period")
    for product_id, spec_code in [
        (delisted.pk, code),
        (listed.pk, "no-such-spec"),
        (listed.pk, "next"),
        (listed.pk + delisted.pk + 1, code),
    ]:
        assert spec_for_checkout(product_id=product_id, spec_code=spec_code) is None
        assert _orm_spec(product_id, spec_code) is None
    # beyond any id (which the ORM's lookup sends SQLite, to fail on it)
    assert spec_for_checkout(product_id=2**63, spec_code=code) is None
    assert spec_for_checkout(product_id=listed.pk, spec_code=code).pk == (
        _orm_spec(listed.pk, code).pk
    )


def test_a_test_accounts_spec_comes_with_its_rows_too(django_assert_num_queries):
    account = TestAccountFactory()
    product = pending_product(account.seller)
    spec = product.versions.get().specs.first()
    assert spec_for_checkout(product_id=product.pk, spec_code=spec.code) is None
    read = spec_for_checkout(product_id=product.pk, spec_code=spec.code, buyer=account.user)
    assert read.pk == spec.pk
    with django_assert_num_queries(0):
        assert read.version.product.seller == account.seller
        prices = [p.pk for p in read.prices.all()]
        names = [a.attribute.name for a in read.attributes.all()]
    assert prices == [p.pk for p in spec.prices.order_by("id")]
    assert names == [a.attribute.name for a in spec.attributes.order_by("id")]

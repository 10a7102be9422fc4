"""Seller vouchers at checkout: which grants apply, the discount, spending once."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from buyers.models import Voucher, VoucherGrant
from buyers.services.vouchers import (
    voucher_create,
    voucher_discount,
    voucher_grants_usable,
    voucher_grants_use,
)
from marketplace.core.exceptions import DomainError
from tests.factories.accounts import UserFactory
from tests.factories.buyers import VoucherFactory, VoucherGrantFactory
from tests.factories.catalog import draft_product, listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return listed_product()


@pytest.fixture
def buyer():
    return UserFactory()


def grant_for(buyer, product, **voucher_fields):
    voucher = VoucherFactory(seller=product.seller, **voucher_fields)
    return VoucherGrantFactory(voucher=voucher, buyer=buyer)


def discount(buyer, product, grants, amount="100.00"):
    return voucher_discount(
        buyer=buyer, product=product, grant_ids=[g.pk for g in grants], amount=Decimal(amount)
    )


# --- voucher_grants_usable ---------------------------------------------------------------


def test_usable_lists_own_valid_grants_of_the_sellers_vouchers(buyer, product):
    mine = grant_for(buyer, product)
    for_product = grant_for(buyer, product)
    for_product.voucher.products.set([product])
    grant_for(UserFactory(), product)  # someone else's
    grant_for(
        buyer,
        product,
        valid_until=timezone.now() - timedelta(minutes=1),
        valid_from=timezone.now() - timedelta(days=2),
    )  # expired
    grant_for(buyer, product, valid_from=timezone.now() + timedelta(days=1))  # not yet
    used = grant_for(buyer, product)
    VoucherGrant.objects.filter(pk=used.pk).update(status=VoucherGrant.Status.USED)
    other_seller = VoucherGrantFactory(buyer=buyer)  # a voucher of another seller
    other_product = grant_for(buyer, product)
    other_product.voucher.products.set([listed_product(seller=product.seller)])

    usable = set(voucher_grants_usable(buyer=buyer, product=product))

    assert usable == {mine, for_product}
    assert other_seller not in usable


def test_usable_for_no_buyer_is_empty(product):
    assert list(voucher_grants_usable(buyer=None, product=product)) == []


def test_usable_at_a_given_moment(buyer, product):
    grant = grant_for(buyer, product, valid_from=timezone.now() + timedelta(days=2))
    later = timezone.now() + timedelta(days=3)
    assert list(voucher_grants_usable(buyer=buyer, product=product, at=later)) == [grant]


# --- voucher_discount ---------------------------------------------------------------------


def test_discount_is_the_voucher_amount(buyer, product):
    grant = grant_for(buyer, product, amount=Decimal("10.00"))
    assert discount(buyer, product, [grant]) == Decimal("10.00")


def test_no_grants_no_discount(buyer, product):
    assert discount(buyer, product, []) == Decimal("0.00")


def test_several_vouchers_add_up_and_are_capped_at_the_amount(buyer, product):
    first = grant_for(buyer, product, amount=Decimal("30.00"))
    second = grant_for(buyer, product, amount=Decimal("25.50"))
    assert discount(buyer, product, [first, second]) == Decimal("55.50")
    assert discount(buyer, product, [first, second], amount="40.00") == Decimal("40.00")


def test_discount_never_makes_the_amount_negative(buyer, product):
    grant = grant_for(buyer, product, amount=Decimal("50.00"))
    assert discount(buyer, product, [grant], amount="12.34") == Decimal("12.34")
    assert discount(buyer, product, [grant], amount="0") == Decimal("0.00")


def test_someone_elses_voucher_is_refused(buyer, product):
    grant = grant_for(UserFactory(), product)
    with pytest.raises(DomainError, match="not one of yours"):
        discount(buyer, product, [grant])


def test_an_unknown_grant_is_refused(buyer, product):
    with pytest.raises(DomainError, match="not one of yours"):
        voucher_discount(buyer=buyer, product=product, grant_ids=[987654], amount=Decimal(10))


def test_an_expired_voucher_is_refused(buyer, product):
    grant = grant_for(buyer, product)
    with (
        time_machine.travel(timezone.now() + timedelta(days=31)),
        pytest.raises(DomainError, match="expired"),
    ):
        discount(buyer, product, [grant])


def test_a_voucher_not_yet_valid_is_refused(buyer, product):
    grant = grant_for(buyer, product, valid_from=timezone.now() + timedelta(days=1))
    with pytest.raises(DomainError, match="can be used from"):
        discount(buyer, product, [grant])


def test_a_voucher_of_another_seller_is_refused(buyer, product):
    grant = VoucherGrantFactory(buyer=buyer)
    with pytest.raises(DomainError, match="only for products of"):
        discount(buyer, product, [grant])


def test_a_voucher_restricted_to_other_products_is_refused(buyer, product):
    grant = grant_for(buyer, product)
    grant.voucher.products.set([listed_product(seller=product.seller)])
    with pytest.raises(DomainError, match="does not apply"):
        discount(buyer, product, [grant])


def test_a_voucher_restricted_to_this_product_applies(buyer, product):
    grant = grant_for(buyer, product)
    grant.voucher.products.set([product, listed_product(seller=product.seller)])
    assert discount(buyer, product, [grant]) == Decimal("10.00")


def test_below_the_minimum_order_amount_is_refused(buyer, product):
    grant = grant_for(buyer, product, min_order_amount=Decimal("200.00"))
    with pytest.raises(DomainError, match="at least"):
        discount(buyer, product, [grant], amount="199.99")
    assert discount(buyer, product, [grant], amount="200.00") == Decimal("10.00")


def test_a_used_voucher_is_refused(buyer, product):
    grant = grant_for(buyer, product)
    voucher_grants_use(buyer=buyer, grant_ids=[grant.pk], order_number="A1")
    with pytest.raises(DomainError, match="already been used"):
        discount(buyer, product, [grant])


def test_the_same_grant_twice_is_refused(buyer, product):
    grant = grant_for(buyer, product)
    with pytest.raises(DomainError, match="twice"):
        discount(buyer, product, [grant, grant])


# --- voucher_grants_use ----------------------------------------------------------------


def test_use_marks_the_grants_used_with_the_order(buyer, product):
    grants = [grant_for(buyer, product), grant_for(buyer, product)]
    voucher_grants_use(buyer=buyer, grant_ids=[g.pk for g in grants], order_number="ORDER1")
    for grant in grants:
        grant.refresh_from_db()
        assert grant.status == VoucherGrant.Status.USED
        assert grant.order_number == "ORDER1"
        assert grant.used_at is not None


def test_using_twice_is_refused_and_changes_nothing(buyer, product):
    grant = grant_for(buyer, product)
    voucher_grants_use(buyer=buyer, grant_ids=[grant.pk], order_number="FIRST")
    with pytest.raises(DomainError, match="no longer available"):
        voucher_grants_use(buyer=buyer, grant_ids=[grant.pk], order_number="SECOND")
    grant.refresh_from_db()
    assert grant.order_number == "FIRST"


def test_one_unavailable_grant_spends_none_of_them(buyer, product):
    fresh = grant_for(buyer, product)
    spent = grant_for(buyer, product)
    voucher_grants_use(buyer=buyer, grant_ids=[spent.pk], order_number="FIRST")
    with pytest.raises(DomainError):
        voucher_grants_use(buyer=buyer, grant_ids=[fresh.pk, spent.pk], order_number="SECOND")
    fresh.refresh_from_db()
    assert fresh.status == VoucherGrant.Status.AVAILABLE
    assert fresh.order_number == ""


def test_someone_else_cant_use_my_grant(buyer, product):
    grant = grant_for(buyer, product)
    with pytest.raises(DomainError):
        voucher_grants_use(buyer=UserFactory(), grant_ids=[grant.pk], order_number="X")
    grant.refresh_from_db()
    assert grant.status == VoucherGrant.Status.AVAILABLE


def test_using_no_grants_does_nothing(buyer):
    voucher_grants_use(buyer=buyer, grant_ids=[], order_number="X")


# --- voucher_create ----------------------------------------------------------------------


def create(product, **overrides):
    now = timezone.now()
    fields = {
        "seller": product.seller,
        "name": "Spring voucher",
        "amount": Decimal("20.00"),
        "min_order_amount": Decimal("100.00"),
        "valid_from": now,
        "valid_until": now + timedelta(days=30),
        "product_ids": [product.pk],
    }
    return voucher_create(**{**fields, **overrides})


def test_create_a_voucher_for_own_products(product):
    voucher = create(product)
    assert voucher.seller == product.seller
    assert list(voucher.products.all()) == [product]
    assert voucher.amount == Decimal("20.00")


def test_create_for_all_products(product):
    voucher = create(product, product_ids=[])
    assert voucher.products.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("100000000")}, "amount"),
        ({"min_order_amount": Decimal("-1")}, "min_order_amount"),
        ({"name": ""}, "name"),
        ({"name": "two\nlines"}, "name"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_create_refuses_bad_values(product, overrides, field):
    with pytest.raises(ValidationError) as exc:
        create(product, **overrides)
    assert field in exc.value.error_dict
    assert not Voucher.objects.exists()


def test_create_refuses_validity_out_of_order(product):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        create(product, valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=1))
    assert "valid_until" in exc.value.error_dict
    with pytest.raises(ValidationError):
        create(product, valid_from=now - timedelta(days=3), valid_until=now - timedelta(days=1))
    assert not Voucher.objects.exists()


def test_create_refuses_another_sellers_product(product):
    other = listed_product()
    with pytest.raises(ValidationError) as exc:
        create(product, product_ids=[other.pk])
    assert "product_ids" in exc.value.error_dict
    assert not Voucher.objects.exists()


def test_create_refuses_an_unlisted_product(product):
    draft = draft_product(seller=product.seller)
    with pytest.raises(ValidationError):
        create(product, product_ids=[draft.pk])

"""Private offers: which one applies at checkout, its discount, creating and revoking."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.core.exceptions import DomainError
from orders.models import PrivateOffer
from orders.services.offers import (
    offer_discount,
    private_offer_create,
    private_offer_for,
    private_offer_revoke,
)
from tests.factories.accounts import UserFactory
from tests.factories.catalog import draft_product, listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return listed_product()


@pytest.fixture
def buyer():
    return UserFactory()


def make_offer(product, buyer, **fields):
    now = timezone.now()
    values = {
        "seller": product.seller,
        "product": product,
        "buyer": buyer,
        "kind": PrivateOffer.Kind.PERCENT,
        "value": Decimal("10"),
        "valid_from": now - timedelta(days=1),
        "valid_until": now + timedelta(days=10),
    }
    return PrivateOffer.objects.create(**{**values, **fields})


# --- private_offer_for -------------------------------------------------------------------


def test_the_valid_offer_is_found(product, buyer):
    offer = make_offer(product, buyer)
    assert private_offer_for(buyer=buyer, product=product) == offer


def test_no_offer_for_another_buyer(product, buyer):
    make_offer(product, buyer)
    assert private_offer_for(buyer=UserFactory(), product=product) is None
    assert private_offer_for(buyer=None, product=product) is None


def test_no_offer_for_another_product(product, buyer):
    make_offer(product, buyer)
    assert private_offer_for(buyer=buyer, product=listed_product(seller=product.seller)) is None


def test_no_offer_outside_validity(product, buyer):
    now = timezone.now()
    make_offer(product, buyer, valid_from=now + timedelta(days=1))
    make_offer(product, buyer, valid_from=now - timedelta(days=5), valid_until=now)
    assert private_offer_for(buyer=buyer, product=product) is None
    later = now + timedelta(days=2)
    assert private_offer_for(buyer=buyer, product=product, at=later) is not None


def test_no_revoked_offer(product, buyer):
    make_offer(product, buyer, revoked_at=timezone.now())
    assert private_offer_for(buyer=buyer, product=product) is None


# --- offer_discount ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "list_amount", "expected"),
    [
        ("percent", "10", "99.00", "9.90"),
        ("percent", "15", "0.10", "0.02"),  # 0.015 rounds half up
        ("percent", "33", "0.05", "0.02"),  # 0.0165
        ("percent", "1", "0.49", "0.00"),  # 0.0049
        ("percent", "99", "1000.00", "990.00"),
        ("amount", "30.00", "99.00", "30.00"),
        ("amount", "150.00", "99.00", "99.00"),  # capped at the list amount
        ("amount", "5.00", "0", "0.00"),
    ],
)
def test_offer_discount(product, buyer, kind, value, list_amount, expected):
    offer = make_offer(product, buyer, kind=kind, value=Decimal(value))
    assert offer_discount(offer=offer, list_amount=Decimal(list_amount)) == Decimal(expected)


def test_no_offer_no_discount():
    assert offer_discount(offer=None, list_amount=Decimal("99.00")) == Decimal("0.00")


# --- private_offer_create / revoke ----------------------------------------------------------


def create(product, buyer, **overrides):
    now = timezone.now()
    fields = {
        "seller": product.seller,
        "account_name": buyer.username,
        "account_id": buyer.account_id,
        "product_id": product.pk,
        "kind": "percent",
        "value": Decimal("20"),
        "valid_from": now,
        "valid_until": now + timedelta(days=30),
    }
    return private_offer_create(**{**fields, **overrides})


def test_create_an_offer(product, buyer):
    offer = create(product, buyer)
    assert (offer.buyer, offer.product, offer.kind, offer.value) == (
        buyer,
        product,
        "percent",
        Decimal("20.00"),
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": Decimal("0")}, "value"),
        ({"value": Decimal("100")}, "value"),
        ({"value": Decimal("12.5")}, "value"),
        ({"kind": "amount", "value": Decimal("0")}, "value"),
        ({"kind": "amount", "value": Decimal("-3")}, "value"),
        ({"kind": "amount", "value": Decimal("100000000")}, "value"),
        ({"kind": "free"}, "kind"),
        ({"account_id": "0" * 32}, "account_id"),
        ({"account_name": "nobody"}, "account_id"),
    ],
)
def test_create_refuses_bad_input(product, buyer, overrides, field):
    with pytest.raises(ValidationError) as exc:
        create(product, buyer, **overrides)
    assert field in exc.value.error_dict
    assert not PrivateOffer.objects.exists()


def test_name_and_id_of_two_different_accounts_are_refused(product, buyer):
    other = UserFactory()
    with pytest.raises(ValidationError):
        create(product, buyer, account_id=other.account_id)
    assert not PrivateOffer.objects.exists()


def test_create_refuses_another_sellers_or_an_unlisted_product(product, buyer):
    for bad in (listed_product(), draft_product(seller=product.seller)):
        with pytest.raises(ValidationError) as exc:
            create(product, buyer, product_id=bad.pk)
        assert "product" in exc.value.error_dict
    assert not PrivateOffer.objects.exists()


def test_create_refuses_the_sellers_own_account(product):
    with pytest.raises(ValidationError):
        create(product, product.seller.user)


def test_create_refuses_validity_out_of_order(product, buyer):
    now = timezone.now()
    with pytest.raises(ValidationError):
        create(product, buyer, valid_from=now, valid_until=now - timedelta(hours=1))
    assert not PrivateOffer.objects.exists()


def test_create_refuses_an_overlapping_offer(product, buyer):
    create(product, buyer)
    with pytest.raises(DomainError, match="already has an offer"):
        create(product, buyer, kind="amount", value=Decimal("5"))
    assert PrivateOffer.objects.count() == 1


def test_revoke(product, buyer):
    offer = create(product, buyer)
    private_offer_revoke(offer=offer, seller=product.seller)
    offer.refresh_from_db()
    assert offer.revoked_at is not None
    assert private_offer_for(buyer=buyer, product=product) is None
    with pytest.raises(DomainError):
        private_offer_revoke(offer=offer, seller=product.seller)
    # revoked: a new one may be made for the same period
    create(product, buyer)


def test_revoke_by_another_seller_is_refused(product, buyer):
    offer = create(product, buyer)
    with pytest.raises(DomainError):
        private_offer_revoke(offer=offer, seller=listed_product().seller)
    offer.refresh_from_db()
    assert offer.revoked_at is None

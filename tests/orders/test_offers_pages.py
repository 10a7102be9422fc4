"""Seller center › Private offers: list, create, revoke; only the seller's own offers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from orders.models import PrivateOffer
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory, ApprovedSellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    return seller


def make_offer(product, buyer=None, **fields):
    now = timezone.now()
    values = {
        "seller": product.seller,
        "product": product,
        "buyer": buyer or UserFactory(),
        "kind": PrivateOffer.Kind.PERCENT,
        "value": Decimal("10"),
        "valid_from": now - timedelta(days=1),
        "valid_until": now + timedelta(days=10),
    }
    return PrivateOffer.objects.create(**{**values, **fields})


def form_data(buyer, product, **overrides):
    now = timezone.localtime()
    return {
        "account_name": buyer.username,
        "account_id": buyer.account_id,
        "product": product.pk,
        "kind": "amount",
        "value": "30.00",
        "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        **overrides,
    }


def test_list_shows_own_offers_with_states(client, seller):
    product = listed_product(seller=seller)
    now = timezone.now()
    make_offer(product)
    make_offer(product, revoked_at=now)
    make_offer(product, valid_from=now - timedelta(days=5), valid_until=now - timedelta(days=1))
    make_offer(product, valid_from=now + timedelta(days=1))
    make_offer(listed_product())  # another seller's
    response = client.get(reverse("seller:private_offer_list"))
    assert response.status_code == 200
    states = sorted(o.state for o in response.context["page"].object_list)
    assert states == ["active", "expired", "pending", "revoked"]


def test_list_queries_do_not_grow_with_rows(client, seller):
    product = listed_product(seller=seller)
    make_offer(product)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("seller:private_offer_list"))
    for _ in range(5):
        make_offer(listed_product(seller=seller))
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("seller:private_offer_list"))
    assert len(six) == len(one)
    assert len(one) <= 10


def test_create_an_offer(client, seller):
    product = listed_product(seller=seller)
    buyer = UserFactory()
    response = client.post(reverse("seller:private_offer_create"), form_data(buyer, product))
    assert response.status_code == 302
    offer = PrivateOffer.objects.get()
    assert (offer.seller, offer.buyer, offer.product) == (seller, buyer, product)
    assert (offer.kind, offer.value) == ("amount", Decimal("30.00"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "percent", "value": "100"},
        {"kind": "percent", "value": "0"},
        {"value": "-1"},
        {"account_id": "0" * 32},
        {"account_name": ""},
        {"kind": "bogus"},
    ],
)
def test_bad_input_changes_nothing(client, seller, overrides):
    product = listed_product(seller=seller)
    response = client.post(
        reverse("seller:private_offer_create"), form_data(UserFactory(), product, **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PrivateOffer.objects.exists()


def test_name_and_id_of_different_accounts_are_refused_in_chinese(client, seller):
    product = listed_product(seller=seller)
    a, b = UserFactory(), UserFactory()
    with translation.override("zh-hans"):
        response = client.post(
            reverse("seller:private_offer_create"),
            form_data(a, product, account_id=b.account_id),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 200
    assert "账号" in " ".join(response.context["form"].errors["account_id"])
    assert not PrivateOffer.objects.exists()


def test_another_sellers_product_is_not_offered(client, seller):
    listed_product(seller=seller)
    other = listed_product()
    response = client.post(reverse("seller:private_offer_create"), form_data(UserFactory(), other))
    assert response.status_code == 200
    assert "product" in response.context["form"].errors
    assert not PrivateOffer.objects.exists()


def test_revoke_own_offer(client, seller):
    offer = make_offer(listed_product(seller=seller))
    response = client.post(reverse("seller:private_offer_revoke", args=[offer.pk]))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.revoked_at is not None


def test_revoke_by_get_changes_nothing(client, seller):
    offer = make_offer(listed_product(seller=seller))
    response = client.get(reverse("seller:private_offer_revoke", args=[offer.pk]))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.revoked_at is None


def test_another_sellers_offer_is_404_and_unchanged(client, seller):
    offer = make_offer(listed_product())
    url = reverse("seller:private_offer_revoke", args=[offer.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    offer.refresh_from_db()
    assert offer.revoked_at is None


@pytest.mark.parametrize("name", ["seller:private_offer_list", "seller:private_offer_create"])
def test_pages_refuse_buyers_and_anonymous(client, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(ApprovedSellerFactory().user)
    assert client.get(url).status_code == 403


def test_revoke_refuses_buyers(client):
    offer = make_offer(listed_product())
    client.force_login(offer.buyer)
    assert client.post(reverse("seller:private_offer_revoke", args=[offer.pk])).status_code == 403
    offer.refresh_from_db()
    assert offer.revoked_at is None

"""Seller center › Application tools: access keys, production interfaces, test accounts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.catalog.models import DeliveryType
from orders.models import ProductInterface
from sellers.models import AccessKey
from sellers.models import TestAccount as SellerTestAccount
from sellers.services import credentials
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog import listed_product
from tests.factories.isv import (
    AccessKeyFactory,
    OpenApiKeyFactory,
    ProductInterfaceFactory,
    TestAccountFactory,
)
from tests.factories.sellers import ActiveSellerFactory, ApprovedSellerFactory

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8001/produce"


@pytest.fixture
def seller():
    return ActiveSellerFactory()


@pytest.fixture
def client_for(client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


@pytest.fixture
def seller_client(client_for, seller):
    return client_for(seller.user)


def _snapshot():
    return (
        list(AccessKey.objects.order_by("pk").values()),
        list(ProductInterface.objects.order_by("pk").values()),
        SellerTestAccount.objects.count(),
    )


# --- access -----------------------------------------------------------------------------------

GET_PAGES = [
    ("seller:access_key_list", {}),
    ("seller:access_key_create", {}),
    ("seller:interface_list", {}),
    ("seller:test_account_list", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), GET_PAGES)
def test_pages_need_a_seller(client, client_for, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # to log in
    assert client_for(UserFactory()).get(url).status_code == 403
    assert client_for(ApprovedSellerFactory().user).get(url).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), GET_PAGES)
def test_pages_open_for_an_active_seller(seller_client, name, kwargs):
    assert seller_client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_another_sellers_key_and_product_are_404_and_nothing_changes(seller_client):
    theirs = ProductInterfaceFactory()
    their_key = theirs.access_key
    before = _snapshot()
    for name, kwargs in (
        ("seller:access_key_rotate", {"pk": their_key.pk}),
        ("seller:access_key_revoke", {"pk": their_key.pk}),
        ("seller:interface_edit", {"product_pk": theirs.product.pk}),
    ):
        url = reverse(name, kwargs=kwargs)
        assert seller_client.get(url).status_code == 404
        data = {"production_url": URL, "access_key": their_key.pk}
        assert seller_client.post(url, data).status_code == 404
    assert _snapshot() == before


def test_a_product_without_a_production_interface_is_404(seller, seller_client):
    hardware = listed_product(seller=seller, delivery_type=DeliveryType.HARDWARE)
    url = reverse("seller:interface_edit", kwargs={"product_pk": hardware.pk})
    assert seller_client.get(url).status_code == 404


# --- access keys ------------------------------------------------------------------------------


def test_create_shows_the_secret_once(seller, seller_client, caplog):
    caplog.set_level(logging.DEBUG)
    response = seller_client.post(
        reverse("seller:access_key_create"), {"kind": AccessKey.Kind.OPEN_API}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = AccessKey.objects.get(seller=seller)
    secret = response.context["secret"]
    assert credentials.access_key_secret(key) == secret
    assert secret in response.content.decode()
    assert "won’t be shown again" in response.content.decode() or "won't be shown again" in (
        response.content.decode().replace("&#x27;", "'")
    )
    for page in ("seller:access_key_list", "seller:interface_list"):
        assert secret not in seller_client.get(reverse(page)).content.decode()
    assert secret not in caplog.text
    assert secret not in str(seller_client.session.items())


def test_create_refused_shows_the_reason(seller, seller_client):
    AccessKeyFactory.create_batch(credentials.MAX_KEYS_PER_KIND, seller=seller)
    before = _snapshot()
    response = seller_client.post(
        reverse("seller:access_key_create"), {"kind": AccessKey.Kind.INTERFACE}
    )
    assert response.status_code == 200
    assert "revoke one" in response.content.decode()
    assert _snapshot() == before
    response = seller_client.post(reverse("seller:access_key_create"), {"kind": "root"})
    assert response.status_code == 200 and response.context["form"].errors
    assert _snapshot() == before


def test_list_shows_metadata_only(seller, seller_client, django_assert_max_num_queries):
    keys = [AccessKeyFactory(seller=seller, secret=f"secret-number-{n}") for n in range(3)]
    OpenApiKeyFactory(seller=seller, revoked_at=timezone.now())
    AccessKeyFactory(secret="someone-elses-key")
    with django_assert_max_num_queries(8):
        response = seller_client.get(reverse("seller:access_key_list"))
    body = response.content.decode()
    assert all(k.key_id in body for k in keys)
    assert "secret-number" not in body and "someone-elses" not in body
    assert all(k.secret_encrypted not in body for k in keys)


def test_rotate_confirms_then_shows_the_new_secret(seller, seller_client):
    interface = ProductInterfaceFactory(product=listed_product(seller=seller))
    old = interface.access_key
    url = reverse("seller:access_key_rotate", kwargs={"pk": old.pk})
    page = seller_client.get(url)
    assert page.status_code == 200 and old.key_id in page.content.decode()
    assert AccessKey.objects.filter(seller=seller).count() == 1
    response = seller_client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = AccessKey.objects.filter(seller=seller).exclude(pk=old.pk).get()
    assert credentials.access_key_secret(new) == response.context["secret"]
    old.refresh_from_db()
    assert old.expires_at is not None and credentials.access_key_usable(old)
    # The product still signs with the old key: the page says so and links to it.
    assert reverse("seller:interface_edit", args=[interface.product.pk]) in (
        response.content.decode()
    )
    listing = seller_client.get(reverse("seller:interface_list")).content.decode()
    assert "rotated" in listing
    # A second rotation of the same key is refused with a message.
    response = seller_client.post(url, follow=True)
    assert "already been rotated" in response.content.decode()
    assert AccessKey.objects.filter(seller=seller).count() == 2


def test_revoke_confirms_then_ends_the_key(seller, seller_client):
    key = OpenApiKeyFactory(seller=seller)
    url = reverse("seller:access_key_revoke", kwargs={"pk": key.pk})
    assert seller_client.get(url).status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is None
    response = seller_client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert credentials.open_api_key_lookup(key.key_id) is None


# --- production interfaces ------------------------------------------------------------------


def test_set_up_a_production_interface(seller, seller_client):
    product = listed_product(seller=seller)
    key = AccessKeyFactory(seller=seller)
    url = reverse("seller:interface_edit", kwargs={"product_pk": product.pk})
    page = seller_client.get(url)
    assert page.status_code == 200 and "kit_access_key" not in page.context["form"].fields
    response = seller_client.post(url, {"production_url": URL, "access_key": key.pk})
    assert response.status_code == 302
    interface = ProductInterface.objects.get(product=product)
    assert (interface.production_url, interface.access_key) == (URL, key)
    listing = seller_client.get(reverse("seller:interface_list")).content.decode()
    assert URL in listing and key.key_id in listing


def test_joint_product_takes_a_kit_key(seller, seller_client):
    product = listed_product(seller=seller, delivery_type=DeliveryType.JOINT_SAAS)
    key, kit = AccessKeyFactory(seller=seller), AccessKeyFactory(seller=seller)
    url = reverse("seller:interface_edit", kwargs={"product_pk": product.pk})
    response = seller_client.post(
        url, {"production_url": URL, "access_key": key.pk, "kit_access_key": kit.pk}
    )
    assert response.status_code == 302
    assert ProductInterface.objects.get(product=product).kit_access_key == kit


@pytest.fixture
def production(settings):
    settings.ISV_ALLOW_HTTP = False
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/produce", "domain name"),
        ("http://localhost/produce", "HTTPS"),
        ("https://localhost/produce", "internal"),
        ("not a url", "full URL"),
    ],
)
def test_bad_urls_in_production_are_refused_with_a_message(
    production, seller, seller_client, url, message
):
    interface = ProductInterfaceFactory(product=listed_product(seller=seller))
    before = _snapshot()
    response = seller_client.post(
        reverse("seller:interface_edit", kwargs={"product_pk": interface.product.pk}),
        {"production_url": url, "access_key": interface.access_key.pk},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _snapshot() == before


def test_another_sellers_key_or_an_unusable_key_is_not_a_choice(seller, seller_client):
    product = listed_product(seller=seller, delivery_type=DeliveryType.JOINT_SAAS)
    mine = AccessKeyFactory(seller=seller)
    url = reverse("seller:interface_edit", kwargs={"product_pk": product.pk})
    bad = [
        AccessKeyFactory(),
        OpenApiKeyFactory(seller=seller),
        AccessKeyFactory(seller=seller, revoked_at=timezone.now()),
        AccessKeyFactory(seller=seller, expires_at=timezone.now() - timedelta(minutes=1)),
    ]
    for key in bad:
        for data in (
            {"production_url": URL, "access_key": key.pk},
            {"production_url": URL, "access_key": mine.pk, "kit_access_key": key.pk},
        ):
            response = seller_client.post(url, data)
            assert response.status_code == 200
            assert "valid choice" in response.content.decode()
    assert not ProductInterface.objects.exists()


def test_interface_list_query_count(seller, seller_client, django_assert_max_num_queries):
    for _ in range(3):
        ProductInterfaceFactory(product=listed_product(seller=seller))
    joint = listed_product(seller=seller, delivery_type=DeliveryType.JOINT_SAAS)
    ProductInterfaceFactory(product=joint, kit_access_key=AccessKeyFactory(seller=seller))
    listed_product(seller=seller)  # not set up yet
    with django_assert_max_num_queries(8):
        response = seller_client.get(reverse("seller:interface_list"))
    assert len(response.context["rows"]) == 5


# --- test accounts --------------------------------------------------------------------------


def test_create_a_test_account_that_can_log_in(seller, seller_client):
    response = seller_client.post(reverse("seller:test_account_create"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    account = SellerTestAccount.objects.get(seller=seller)
    password = response.context["password"]
    assert password in response.content.decode()
    listing = seller_client.get(reverse("seller:test_account_list")).content.decode()
    assert account.user.username in listing and password not in listing
    fresh = Client()
    response = fresh.post(
        reverse("accounts:login"), {"username": account.user.username, "password": password}
    )
    assert response.status_code == 302
    assert fresh.get(reverse("buyer:dashboard")).wsgi_request.user == account.user


def test_test_account_limit_and_get_refused(seller, seller_client):
    assert seller_client.get(reverse("seller:test_account_create")).status_code == 405
    TestAccountFactory.create_batch(credentials.MAX_TEST_ACCOUNTS, seller=seller)
    response = seller_client.post(reverse("seller:test_account_create"), follow=True)
    assert "at most" in response.content.decode()
    assert SellerTestAccount.objects.filter(seller=seller).count() == credentials.MAX_TEST_ACCOUNTS


def test_test_account_list_shows_only_mine(seller, seller_client, django_assert_max_num_queries):
    mine = TestAccountFactory.create_batch(3, seller=seller)
    theirs = TestAccountFactory()
    with django_assert_max_num_queries(6):
        body = seller_client.get(reverse("seller:test_account_list")).content.decode()
    assert all(a.user.username in body for a in mine)
    assert theirs.user.username not in body


def test_password_constant_is_not_used_for_test_accounts():
    # The factory password is for tests; generated ones are random.
    assert PASSWORD not in {credentials.new_secret() for _ in range(3)}

"""Access keys, test accounts and production interface settings: the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from marketplace.catalog.models import DeliveryType
from marketplace.core import crypto
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from orders.models import ProductInterface
from orders.services.interfaces import product_interface_set
from sample_isv.server import DEFAULT_ACCESS_KEY
from sellers.models import AccessKey
from sellers.models import TestAccount as SellerTestAccount
from sellers.services import credentials
from tests.factories.catalog import listed_product
from tests.factories.isv import (
    AccessKeyFactory,
    OpenApiKeyFactory,
    ProductInterfaceFactory,
    TestAccountFactory,
)
from tests.factories.sellers import ActiveSellerFactory, ApprovedSellerFactory

pytestmark = pytest.mark.django_db

INTERFACE, OPEN_API = AccessKey.Kind.INTERFACE, AccessKey.Kind.OPEN_API


# --- factories ------------------------------------------------------------------------------


def test_factories_make_the_sample_isv_interface():
    interface = ProductInterfaceFactory()
    assert interface.production_url == "http://127.0.0.1:8001/produce"
    assert interface.access_key.seller == interface.product.seller
    assert interface.access_key.kind == INTERFACE
    assert credentials.access_key_secret(interface.access_key) == DEFAULT_ACCESS_KEY
    assert interface.product.delivery_type == DeliveryType.SAAS
    assert credentials.access_key_secret(AccessKeyFactory(secret="s3cret")) == "s3cret"
    assert TestAccountFactory().user.test_account.seller


# --- access keys ----------------------------------------------------------------------------


def test_create_returns_the_secret_once_and_stores_it_encrypted():
    seller = ActiveSellerFactory()
    key, secret = credentials.access_key_create(seller=seller, kind=OPEN_API, actor=seller.user)
    assert len(key.key_id) == 20 and key.key_id.isalnum() and key.key_id.upper() == key.key_id
    assert len(secret) == 40
    key.refresh_from_db()
    assert secret not in key.secret_encrypted
    assert crypto.decrypt(key.secret_encrypted) == secret
    assert credentials.access_key_secret(key) == secret
    assert credentials.access_key_usable(key)
    assert secret not in str(key) and secret not in repr(key)
    assert [row.action for row in history_for(key)] == ["create"]
    assert all(secret not in (row.reason or "") for row in history_for(key))


def test_every_key_is_different():
    seller = ActiveSellerFactory()
    made = [credentials.access_key_create(seller=seller, kind=INTERFACE, actor=None)]
    made.append(credentials.access_key_create(seller=seller, kind=INTERFACE, actor=None))
    assert made[0][0].key_id != made[1][0].key_id and made[0][1] != made[1][1]


def test_create_refuses_a_bad_kind_a_seller_not_active_and_too_many_keys():
    with pytest.raises(DomainError):
        credentials.access_key_create(seller=ActiveSellerFactory(), kind="root", actor=None)
    with pytest.raises(DomainError):
        credentials.access_key_create(seller=ApprovedSellerFactory(), kind=INTERFACE, actor=None)
    seller = ActiveSellerFactory()
    AccessKeyFactory.create_batch(credentials.MAX_KEYS_PER_KIND, seller=seller)
    with pytest.raises(DomainError, match="revoke"):
        credentials.access_key_create(seller=seller, kind=INTERFACE, actor=None)
    # The other kind has its own allowance, and revoked keys don't count.
    credentials.access_key_create(seller=seller, kind=OPEN_API, actor=None)
    credentials.access_key_revoke(key=seller.access_keys.filter(kind=INTERFACE)[0], actor=None)
    credentials.access_key_create(seller=seller, kind=INTERFACE, actor=None)
    assert AccessKey.objects.filter(seller=seller).count() == credentials.MAX_KEYS_PER_KIND + 2


def test_rotate_keeps_the_old_key_for_the_overlap(settings):
    settings.ACCESS_KEY_ROTATION_OVERLAP_HOURS = 24
    old = AccessKeyFactory(kind=OPEN_API, secret="old-secret")
    with time_machine.travel(timezone.now(), tick=False):
        new, secret = credentials.access_key_rotate(key=old, actor=None)
        old.refresh_from_db()
        assert old.expires_at == timezone.now() + timedelta(hours=24)
    assert new.seller == old.seller and new.kind == OPEN_API and new.pk != old.pk
    assert credentials.access_key_secret(new) == secret != "old-secret"
    assert credentials.access_key_usable(old) and credentials.access_key_usable(new)
    later = timezone.now() + timedelta(hours=24, seconds=1)
    assert not credentials.access_key_usable(old, at=later)
    assert credentials.access_key_usable(new, at=later)
    assert credentials.open_api_key_lookup(old.key_id)[1] == "old-secret"
    with time_machine.travel(later):
        assert credentials.open_api_key_lookup(old.key_id) is None
        assert credentials.open_api_key_lookup(new.key_id) == (new, secret)


def test_rotate_with_an_explicit_overlap_and_refusals():
    key = AccessKeyFactory()
    credentials.access_key_rotate(key=key, actor=None, overlap=timedelta(0))
    key.refresh_from_db()
    assert not credentials.access_key_usable(key)
    with pytest.raises(DomainError):  # already ended
        credentials.access_key_rotate(key=key, actor=None)
    expiring = AccessKeyFactory()
    credentials.access_key_rotate(key=expiring, actor=None)
    count = AccessKey.objects.count()
    with pytest.raises(DomainError, match="already been rotated"):
        credentials.access_key_rotate(key=expiring, actor=None)
    revoked = AccessKeyFactory(revoked_at=timezone.now())
    with pytest.raises(DomainError):
        credentials.access_key_rotate(key=revoked, actor=None)
    with pytest.raises(DomainError):
        credentials.access_key_rotate(key=AccessKeyFactory(), actor=None, overlap=timedelta(-1))
    assert AccessKey.objects.count() == count + 2  # only the two factories' keys


def test_revoke_ends_the_key_at_once_and_is_idempotent():
    key = OpenApiKeyFactory()
    revoked = credentials.access_key_revoke(key=key, actor=None)
    assert revoked.revoked_at is not None
    assert not credentials.access_key_usable(revoked)
    assert credentials.open_api_key_lookup(key.key_id) is None
    again = credentials.access_key_revoke(key=key, actor=None)
    assert again.revoked_at == revoked.revoked_at
    assert [row.action for row in history_for(key)] == ["revoke"]


def test_open_api_lookup_only_finds_usable_open_api_keys_of_selling_sellers():
    key = OpenApiKeyFactory(secret="sk")
    assert credentials.open_api_key_lookup(key.key_id) == (key, "sk")
    assert credentials.open_api_key_lookup(AccessKeyFactory().key_id) is None  # interface key
    assert credentials.open_api_key_lookup("NOSUCHKEY") is None
    assert credentials.open_api_key_lookup("") is None
    key.seller.status = "exited"
    key.seller.save()
    assert credentials.open_api_key_lookup(key.key_id) is None


def test_mark_used_writes_at_most_once_a_minute():
    key = AccessKeyFactory()
    now = timezone.now()
    credentials.access_key_mark_used(key=key, at=now)
    key.refresh_from_db()
    assert key.last_used_at == now
    credentials.access_key_mark_used(key=key, at=now + timedelta(seconds=30))
    key.refresh_from_db()
    assert key.last_used_at == now
    credentials.access_key_mark_used(key=key, at=now + timedelta(minutes=2))
    key.refresh_from_db()
    assert key.last_used_at == now + timedelta(minutes=2)


# --- test accounts --------------------------------------------------------------------------


def test_test_account_is_a_buyer_account_that_logs_in_with_the_password_shown_once():
    seller = ActiveSellerFactory(store_name="Acme Cloud")
    account, password = credentials.test_account_create(seller=seller, actor=seller.user)
    assert account.user.username == "test-acme-cloud-1"
    assert SellerTestAccount.objects.get(user=account.user).seller == seller
    assert account.user.check_password(password) and len(password) >= 16
    assert credentials.is_test_account(account.user)
    assert not credentials.is_test_account(seller.user)
    second, _password = credentials.test_account_create(seller=seller, actor=seller.user)
    assert second.user.username == "test-acme-cloud-2"


def test_test_account_names_skip_taken_names_and_non_ascii_store_names():
    seller = ActiveSellerFactory(store_name="云办公")
    from tests.factories.accounts import UserFactory

    UserFactory(username=f"test-seller{seller.pk}-1")
    account, _password = credentials.test_account_create(seller=seller, actor=None)
    assert account.user.username == f"test-seller{seller.pk}-2"


def test_test_accounts_are_limited_per_seller():
    seller = ActiveSellerFactory()
    for _ in range(credentials.MAX_TEST_ACCOUNTS):
        credentials.test_account_create(seller=seller, actor=None)
    with pytest.raises(DomainError):
        credentials.test_account_create(seller=seller, actor=None)
    assert SellerTestAccount.objects.filter(seller=seller).count() == credentials.MAX_TEST_ACCOUNTS
    with pytest.raises(DomainError):
        credentials.test_account_create(seller=ApprovedSellerFactory(), actor=None)


# --- production interface -------------------------------------------------------------------


@pytest.fixture
def production(settings, monkeypatch):
    import socket

    from marketplace.core import netguard

    settings.ISV_ALLOW_HTTP = False
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = False
    table = {"isv.example.com": "93.184.216.34", "intranet.example.com": "10.0.0.8"}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", getaddrinfo)


def test_interface_set_creates_then_updates():
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller)
    key = AccessKeyFactory(seller=seller)
    interface = product_interface_set(
        seller=seller,
        product=product,
        production_url=" http://127.0.0.1:8001/produce ",
        access_key=key,
        actor=seller.user,
    )
    assert interface.production_url == "http://127.0.0.1:8001/produce"
    other = AccessKeyFactory(seller=seller)
    again = product_interface_set(
        seller=seller,
        product=product,
        production_url="http://127.0.0.1:8001/v2",
        access_key=other,
        actor=seller.user,
    )
    assert again.pk == interface.pk and again.access_key == other
    assert ProductInterface.objects.count() == 1
    assert [r.action for r in history_for(interface)] == ["create", "update"]


def test_joint_products_may_have_a_kit_key_others_may_not():
    seller = ActiveSellerFactory()
    key, kit = AccessKeyFactory(seller=seller), AccessKeyFactory(seller=seller)
    joint = listed_product(seller=seller, delivery_type=DeliveryType.JOINT_SAAS)
    interface = product_interface_set(
        seller=seller,
        product=joint,
        production_url="http://127.0.0.1:8001/produce",
        access_key=key,
        kit_access_key=kit,
        actor=None,
    )
    assert interface.kit_access_key == kit
    saas = listed_product(seller=seller)
    with pytest.raises(DomainError, match="joint"):
        product_interface_set(
            seller=seller,
            product=saas,
            production_url="http://127.0.0.1:8001/produce",
            access_key=key,
            kit_access_key=kit,
            actor=None,
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://isv.example.com/produce",
        "https://intranet.example.com/produce",
        "https://127.0.0.1/produce",
        "https://nowhere.example.com/produce",
        "not a url",
    ],
)
def test_interface_set_refuses_urls_the_guard_refuses(production, url):
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller)
    with pytest.raises(DomainError):
        product_interface_set(
            seller=seller,
            product=product,
            production_url=url,
            access_key=AccessKeyFactory(seller=seller),
            actor=None,
        )
    assert not ProductInterface.objects.exists()
    product_interface_set(
        seller=seller,
        product=product,
        production_url="https://isv.example.com/produce",
        access_key=AccessKeyFactory(seller=seller),
        actor=None,
    )


def test_interface_set_refuses_keys_and_products_that_are_not_the_sellers():
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller)
    url = "http://127.0.0.1:8001/produce"
    bad_keys = [
        AccessKeyFactory(),  # another seller's
        OpenApiKeyFactory(seller=seller),  # wrong kind
        AccessKeyFactory(seller=seller, revoked_at=timezone.now()),
        AccessKeyFactory(seller=seller, expires_at=timezone.now() - timedelta(seconds=1)),
    ]
    for key in bad_keys:
        with pytest.raises(DomainError):
            product_interface_set(
                seller=seller, product=product, production_url=url, access_key=key, actor=None
            )
    with pytest.raises(DomainError):  # another seller's kit key
        joint = listed_product(seller=seller, delivery_type=DeliveryType.JOINT_SAAS)
        product_interface_set(
            seller=seller,
            product=joint,
            production_url=url,
            access_key=AccessKeyFactory(seller=seller),
            kit_access_key=AccessKeyFactory(),
            actor=None,
        )
    with pytest.raises(DomainError):  # another seller's product
        product_interface_set(
            seller=seller,
            product=listed_product(),
            production_url=url,
            access_key=AccessKeyFactory(seller=seller),
            actor=None,
        )
    with pytest.raises(DomainError):  # no production interface for this type
        product_interface_set(
            seller=seller,
            product=listed_product(seller=seller, delivery_type=DeliveryType.HARDWARE),
            production_url=url,
            access_key=AccessKeyFactory(seller=seller),
            actor=None,
        )
    assert not ProductInterface.objects.exists()

"""seed_isv (demo wiring of the sample ISV): idempotent, keys that decrypt to the demo
secrets, every SaaS / joint / license product of the demo sellers on the sample ISV."""

import pytest
from django.core.management import call_command

from marketplace.catalog.models import DeliveryType, Product
from orders.management.commands.seed_isv import OPEN_API_AK, OPEN_API_SK, TEST_CASE_NAME
from orders.models import InterfaceTestCase, Order, ProductInterface, ProvisioningCall
from orders.services.interfaces import INTERFACE_TYPES
from sample_isv.server import DEFAULT_ACCESS_KEY
from sellers.models import AccessKey
from sellers.models import TestAccount as SellerTestAccount
from sellers.services.credentials import access_key_secret, open_api_key_lookup

pytestmark = pytest.mark.django_db


def _rows() -> dict:
    return {
        "keys": sorted(AccessKey.objects.values_list("pk", "key_id", "kind", "seller_id")),
        "interfaces": sorted(
            ProductInterface.objects.values_list("pk", "product_id", "production_url", "access_key")
        ),
        "cases": sorted(InterfaceTestCase.objects.values_list("pk", "product_id", "name")),
        "accounts": sorted(SellerTestAccount.objects.values_list("pk", "seller_id", "user_id")),
    }


def test_seed_demo_wires_the_demo_sellers_to_the_sample_isv_idempotently(capsys, settings):
    call_command("seed_demo")
    first = _rows()
    out = capsys.readouterr().out
    call_command("seed_demo")
    call_command("seed_isv")
    assert _rows() == first  # seeded three times: the same rows

    products = Product.objects.filter(
        seller__user__username__in=["seller-cloudnova", "seller-datamill"],
        delivery_type__in=INTERFACE_TYPES,
    )
    assert products.count() >= 4
    interfaces = ProductInterface.objects.select_related("access_key", "product")
    assert {i.product_id for i in interfaces} == set(products.values_list("pk", flat=True))
    for interface in interfaces:
        assert interface.production_url == settings.SAMPLE_ISV_URL
        assert interface.access_key.kind == AccessKey.Kind.INTERFACE
        assert interface.access_key.seller_id == interface.product.seller_id
        assert access_key_secret(interface.access_key) == DEFAULT_ACCESS_KEY
    saas = products.filter(delivery_type__in=[DeliveryType.SAAS, DeliveryType.JOINT_SAAS])
    assert set(
        InterfaceTestCase.objects.filter(name=TEST_CASE_NAME).values_list("product_id", flat=True)
    ) == set(saas.values_list("pk", flat=True))
    [case] = InterfaceTestCase.objects.filter(product=saas.first())
    assert case.activity == ProvisioningCall.Activity.NEW_INSTANCE
    assert case.body["testFlag"] == "1"

    key, secret = open_api_key_lookup(OPEN_API_AK)
    assert secret == OPEN_API_SK and key.seller.user.username == "seller-cloudnova"
    [account] = SellerTestAccount.objects.select_related("user", "seller__user")
    assert account.seller.user.username == "seller-cloudnova"
    assert account.user.check_password("demo-pass-2026")
    assert OPEN_API_AK in out and OPEN_API_SK in out and account.user.username in out

    # Seeded before the demo orders: the paid SaaS orders have their newInstance calls.
    calls = ProvisioningCall.objects.filter(activity=ProvisioningCall.Activity.NEW_INSTANCE)
    assert calls.exists()
    assert set(calls.values_list("subscription__product_id", flat=True)) <= {
        i.product_id for i in interfaces
    }
    assert not Order.objects.filter(is_test=True).exists()


def test_a_lost_secret_is_restored_and_production_is_left_alone(settings, capsys):
    call_command("seed_demo")
    key = AccessKey.objects.get(key_id=OPEN_API_AK)
    key.secret_encrypted = "not a fernet token"
    key.save()
    call_command("seed_isv")
    key.refresh_from_db()
    assert access_key_secret(key) == OPEN_API_SK

    settings.PRODUCTION = True
    before = AccessKey.objects.count()
    call_command("seed_isv")
    assert "skipped" in capsys.readouterr().out
    assert AccessKey.objects.count() == before

"""Bind a joint SaaS service to the buyer's enterprise: the kit syncs against the real
sample ISV on loopback (orders/isv/kit.py, orders/views/kit.py)."""

import threading

import pytest
import requests
from django.core import mail
from django.urls import reverse

from marketplace.catalog.models import DeliveryType
from marketplace.core.exceptions import DomainError
from orders.isv.kit import (
    REDACTED,
    kit_sync_retry,
    kit_syncs_send,
    kit_timestamp,
    tenant_bind,
)
from orders.models import KitSync, TenantBinding
from sample_isv.server import DEFAULT_ACCESS_KEY, make_server
from tests.factories.accounts import EnterpriseVerificationFactory, UserFactory
from tests.factories.catalog import listed_product
from tests.factories.isv import AccessKeyFactory, ProductInterfaceFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db
KIT_KEY = "kit-key-for-tests"


@pytest.fixture
def isv(tmp_path):
    server = make_server(
        "127.0.0.1",
        0,
        access_keys=[DEFAULT_ACCESS_KEY],
        kit_access_keys=[KIT_KEY],
        db_path=tmp_path / "isv.sqlite3",
    )
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    server.base = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def isv_control(isv, **changes):
    requests.post(f"{isv.base}/_control", json=changes).raise_for_status()


def isv_kit(isv) -> dict:
    return requests.get(f"{isv.base}/_state").json()["kit"]


@pytest.fixture
def subscription(isv, settings):
    settings.TENANT_DOMAIN_SUFFIX = "tenants.example.com"
    product = listed_product(name="Joint CRM", delivery_type=DeliveryType.JOINT_SAAS)
    ProductInterfaceFactory(
        product=product,
        production_url=f"{isv.base}/produce",
        kit_access_key=AccessKeyFactory(seller=product.seller, secret=KIT_KEY),
    )
    order = PaidOrderFactory(product=product)
    sub = order.subscription
    sub.instance_id = "inst-1"
    sub.save()
    return sub


def bind(subscription, name="Acme Ltd"):
    tenant_bind(subscription_id=subscription.pk, buyer=subscription.buyer, name=name)
    return kit_syncs_send(subscription_id=subscription.pk)


def test_bind_sends_the_four_syncs_to_the_sample_isv(subscription, isv):
    syncs = bind(subscription)

    binding = TenantBinding.objects.get(subscription=subscription)
    assert binding.domain_name == f"{binding.tenant_code}.tenants.example.com"
    assert [s.path for s in syncs] == [
        "tenantSync",
        "applicationSync",
        "allOrgSync",
        "authSync",
    ]
    assert {s.status for s in syncs} == {KitSync.Status.SUCCEEDED}
    kit = isv_kit(isv)
    assert kit["tenant"] == [
        {
            "tenantId": binding.tenant_id,
            "orderId": subscription.orders.get().number,
            "tenantCode": binding.tenant_code,
            "name": "Acme Ltd",
            "domainName": binding.domain_name,
        }
    ]
    assert kit["application"][0]["clientId"].startswith(binding.tenant_code)
    assert [o["orgCode"] for o in kit["org"]] == ["root"]
    user = kit["user"][0]
    assert (user["userName"], user["role"], user["enable"]) == (
        subscription.buyer.username,
        "admin",
        "true",
    )
    # The client secret is sent, never stored.
    application = KitSync.objects.get(subscription=subscription, path="applicationSync")
    assert application.payload["clientSecret"] == REDACTED
    assert mail.outbox == []


def test_failure_stops_tells_the_seller_and_retry_continues(
    subscription, isv, django_capture_on_commit_callbacks
):
    isv_control(isv, fail_mode="code:000005")
    with django_capture_on_commit_callbacks(execute=True):
        syncs = bind(subscription)

    assert [s.status for s in syncs] == ["failed", "pending", "pending", "pending"]
    assert "000005" in syncs[0].last_error
    assert syncs[0].result_code == "000005"
    seller = subscription.seller
    assert seller.user.notifications.filter(template="kit_sync_failed").count() == 1
    group = subscription.product.listed_version.service_group
    assert sorted(m.to[0] for m in mail.outbox) == sorted([seller.user.email, group.email])
    assert all("tenantSync" in m.subject for m in mail.outbox)
    assert isv_kit(isv)["tenant"] == []

    isv_control(isv, reset=True)
    syncs = kit_sync_retry(subscription_id=subscription.pk, buyer=subscription.buyer)

    assert [s.status for s in syncs] == ["succeeded"] * 4
    assert syncs[0].attempts == 2
    assert len(isv_kit(isv)["tenant"]) == 1


def test_a_dead_server_is_a_failure_too(subscription, isv):
    isv_control(isv, fail_mode="http500")
    syncs = bind(subscription)
    assert syncs[0].status == "failed"
    assert syncs[0].http_status == 500


def test_bind_refusals(subscription):
    with pytest.raises(DomainError):
        tenant_bind(subscription_id=subscription.pk, buyer=subscription.buyer, name="  ")
    with pytest.raises(DomainError):  # another buyer's service
        tenant_bind(subscription_id=subscription.pk, buyer=UserFactory(), name="X")
    subscription.status = "frozen"
    subscription.save()
    with pytest.raises(DomainError):
        tenant_bind(subscription_id=subscription.pk, buyer=subscription.buyer, name="X")
    assert not TenantBinding.objects.exists()


def test_only_joint_saas_with_an_interface(isv):
    plain = PaidOrderFactory().subscription
    with pytest.raises(DomainError):
        tenant_bind(subscription_id=plain.pk, buyer=plain.buyer, name="X")
    joint = PaidOrderFactory(
        product=listed_product(delivery_type=DeliveryType.JOINT_SAAS)
    ).subscription
    with pytest.raises(DomainError):
        tenant_bind(subscription_id=joint.pk, buyer=joint.buyer, name="X")


def test_binding_twice_is_refused(subscription):
    bind(subscription)
    with pytest.raises(DomainError):
        tenant_bind(subscription_id=subscription.pk, buyer=subscription.buyer, name="Again")
    assert KitSync.objects.count() == 4


def test_retry_needs_a_failure(subscription):
    bind(subscription)
    with pytest.raises(DomainError):
        kit_sync_retry(subscription_id=subscription.pk, buyer=subscription.buyer)


def test_kit_timestamp_is_beijing_time_in_ms():
    import datetime as dt

    moment = dt.datetime(2026, 1, 1, 4, 5, 6, 789000, tzinfo=dt.UTC)
    assert kit_timestamp(moment) == "20260101120506789"


# --- pages ----------------------------------------------------------------------------------


def test_page_offers_binding_prefilled_with_the_enterprise(client, subscription):
    EnterpriseVerificationFactory(user=subscription.buyer, company_name="Acme Verified")
    client.force_login(subscription.buyer)

    page = client.get(reverse("orders:service_detail", args=[subscription.pk]))

    assert page.status_code == 200
    assert 'data-testid="kit-bind"' in page.content.decode()
    assert 'value="Acme Verified"' in page.content.decode()


def test_bind_and_retry_through_the_pages(client, subscription, isv):
    client.force_login(subscription.buyer)
    isv_control(isv, fail_mode="http500")

    response = client.post(
        reverse("orders:service_kit_bind", args=[subscription.pk]), {"name": "Acme"}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert 'data-testid="kit-retry"' in page
    assert "HTTP status 500" in page

    isv_control(isv, reset=True)
    response = client.post(reverse("orders:service_kit_retry", args=[subscription.pk]))
    page = client.get(response.url).content.decode()
    assert 'data-testid="kit-retry"' not in page
    assert TenantBinding.objects.get().domain_name in page
    assert set(KitSync.objects.values_list("status", flat=True)) == {"succeeded"}


def test_another_buyers_service_is_404(client, subscription):
    client.force_login(UserFactory())
    for name in ("orders:service_kit_bind", "orders:service_kit_retry"):
        response = client.post(reverse(name, args=[subscription.pk]), {"name": "Evil"})
        assert response.status_code == 404
    assert not TenantBinding.objects.exists()


def test_anonymous_is_sent_to_log_in(client, subscription):
    response = client.post(reverse("orders:service_kit_bind", args=[subscription.pk]))
    assert response.status_code == 302
    assert "login" in response.url
    assert client.get(reverse("orders:service_kit_bind", args=[subscription.pk])).status_code in (
        302,
        405,
    )

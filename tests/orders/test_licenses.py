"""License codes (isv-api-reference §4.4): the buyer's claim, activation and heartbeat
through the open API, and the "license activated" seam for supervision."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from orders.models import License, Subscription
from orders.services import licenses
from tests.factories.catalog import listed_product
from tests.factories.isv import OpenApiKeyFactory
from tests.factories.orders import PaidOrderFactory

from .openapi_helpers import BASE, SECRET, post_json

pytestmark = pytest.mark.django_db

ACTIVATE = BASE + "license/activate"
HEARTBEAT = BASE + "license/heartbeat"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def key():
    return OpenApiKeyFactory(secret=SECRET)


@pytest.fixture
def order(key):
    return PaidOrderFactory(
        product=listed_product(seller=key.seller, delivery_type="license_code"), quantity=2
    )


@pytest.fixture
def license(order):
    return License.objects.create(subscription=order.subscription, code="LIC-0001")


@pytest.fixture
def claimed(license):
    return licenses.license_claim(license_id=license.pk, buyer=license.subscription.buyer)


@pytest.fixture
def hook_calls():
    calls = []

    def hook(license):
        calls.append(license.code)

    licenses.register_license_activated_hook(hook)
    yield calls
    licenses.unregister_license_activated_hook(hook)


def _code(response) -> str:
    return response.json()["error_code"]


def test_activation_of_a_claimed_code(client, key, order, claimed, hook_calls):
    effect = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    response = post_json(
        client,
        ACTIVATE,
        {
            "license": "LIC-0001",
            "real_effect_time": effect.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S"),
        },
        key=key,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["error_code"], body["error_msg"]) == ("92020000", "success")
    info = json.loads(body["data"]["license_code_info"])
    assert info["status"] == "ALIVE"
    assert (info["product_id"], info["order_id"], info["amount"]) == (
        str(order.product_id),
        order.number,
        2,
    )
    claimed.refresh_from_db()
    assert claimed.status == License.Status.ALIVE and claimed.activated_at is not None
    assert Subscription.objects.get(pk=order.subscription_id).starts_at == effect
    assert hook_calls == ["LIC-0001"]
    # Again: success, nothing changes, the handlers don't run twice.
    activated_at = claimed.activated_at
    again = post_json(client, ACTIVATE, {"license": "LIC-0001"}, key=key)
    assert _code(again) == "92020000"
    claimed.refresh_from_db()
    assert claimed.activated_at == activated_at
    assert hook_calls == ["LIC-0001"]


def test_unclaimed_code_cant_be_activated(client, key, license, hook_calls):
    response = post_json(client, ACTIVATE, {"license": "LIC-0001"}, key=key)
    assert (response.status_code, _code(response)) == (400, "92020004")
    license.refresh_from_db()
    assert license.status == License.Status.DELIVERED and license.activated_at is None
    assert hook_calls == []


def test_unknown_code(client, key):
    response = post_json(client, ACTIVATE, {"license": "NOPE"}, key=key)
    assert _code(response) == "92020005"
    assert _code(post_json(client, HEARTBEAT, {"license": "NOPE"}, key=key)) == "92020005"


def test_another_sellers_code(client, claimed, hook_calls):
    stranger = OpenApiKeyFactory(secret=SECRET)
    response = post_json(client, ACTIVATE, {"license": "LIC-0001"}, key=stranger)
    assert (response.status_code, _code(response)) == (403, "92020001")
    claimed.refresh_from_db()
    assert claimed.status == License.Status.CLAIMED
    assert hook_calls == []
    response = post_json(client, HEARTBEAT, {"license": "LIC-0001"}, key=stranger)
    assert (response.status_code, _code(response)) == (403, "92020001")


def test_effect_time_before_the_order_is_refused(client, key, claimed):
    response = post_json(
        client, ACTIVATE, {"license": "LIC-0001", "real_effect_time": "20000101000000"}, key=key
    )
    assert (response.status_code, _code(response)) == (400, "92020002")
    claimed.refresh_from_db()
    assert claimed.status == License.Status.CLAIMED


def test_bad_parameters(client, key):
    response = post_json(client, ACTIVATE, {"real_effect_time": "soon"}, key=key)
    assert (response.status_code, _code(response)) == (400, "92020002")


def test_a_failing_hook_rolls_the_activation_back(key, claimed):
    def broken(license):
        raise RuntimeError("supervision is down")

    licenses.register_license_activated_hook(broken)
    try:
        with pytest.raises(RuntimeError):
            licenses.license_activate(seller=key.seller, code="LIC-0001")
    finally:
        licenses.unregister_license_activated_hook(broken)
    claimed.refresh_from_db()
    assert claimed.status == License.Status.CLAIMED


def test_heartbeat(client, key, claimed):
    assert _code(post_json(client, HEARTBEAT, {"license": "LIC-0001"}, key=key)) == "92020004"
    licenses.license_activate(seller=key.seller, code="LIC-0001")
    response = post_json(
        client,
        HEARTBEAT,
        {"license": "LIC-0001", "heartbeatInfo": {"thirdPartyAccount": "acct", "ip": "1.2.3.4"}},
        key=key,
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["license_code"], data["status"]) == ("LIC-0001", "ALIVE")
    claimed.refresh_from_db()
    assert claimed.last_heartbeat_at is not None
    Subscription.objects.filter(pk=claimed.subscription_id).update(status="frozen")
    data = post_json(client, HEARTBEAT, {"license": "LIC-0001"}, key=key).json()["data"]
    assert data["status"] == "EXPIRED"
    Subscription.objects.filter(pk=claimed.subscription_id).update(status="released")
    data = post_json(client, HEARTBEAT, {"license": "LIC-0001"}, key=key).json()["data"]
    assert data["status"] == "RELEASED"


# --- the buyer's claim -----------------------------------------------------------------------


def test_buyer_claims_from_the_service_page(client, license):
    buyer = license.subscription.buyer
    client.force_login(buyer)
    page = client.get(reverse("orders:service_detail", args=[license.subscription_id]))
    assert b'data-testid="license-claim"' in page.content
    response = client.post(reverse("orders:license_claim", args=[license.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:service_detail", args=[license.subscription_id])
    license.refresh_from_db()
    assert license.status == License.Status.CLAIMED and license.claimed_at is not None
    page = client.get(reverse("orders:service_detail", args=[license.subscription_id]))
    assert b'data-testid="license-claim"' not in page.content
    # Claiming again changes nothing.
    claimed_at = license.claimed_at
    client.post(reverse("orders:license_claim", args=[license.pk]))
    license.refresh_from_db()
    assert license.claimed_at == claimed_at


def test_another_buyer_cant_claim(client, license):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.post(reverse("orders:license_claim", args=[license.pk]))
    assert response.status_code == 404
    license.refresh_from_db()
    assert license.status == License.Status.DELIVERED


def test_claim_needs_post_and_login(client, license):
    url = reverse("orders:license_claim", args=[license.pk])
    assert client.post(url).status_code == 302  # to the log-in page
    client.force_login(license.subscription.buyer)
    assert client.get(url).status_code == 405
    license.refresh_from_db()
    assert license.status == License.Status.DELIVERED

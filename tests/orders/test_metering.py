"""Pay-per-use usage push (isv-api-reference §4.3): the service and the open API."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from orders.models import MeteringRecord, Subscription, UsageRecord
from orders.services.metering import UsageRecordIn, UsageRefused, metering_records_push
from sample_isv import aksk
from tests.factories.catalog import listed_product
from tests.factories.isv import AccessKeyFactory, OpenApiKeyFactory
from tests.factories.orders import SubscriptionFactory

from .openapi_helpers import BASE, SECRET, post_json, usage_time

pytestmark = pytest.mark.django_db

USAGE = BASE + "isv/usage-data"
INTERFACE_SECRET = "interface-key-secret"  # noqa: S105


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def key():
    return OpenApiKeyFactory(secret=SECRET)


@pytest.fixture
def product(key):
    return listed_product(seller=key.seller)


@pytest.fixture
def instance(product):
    return SubscriptionFactory(product=product, instance_id="inst-001")


@pytest.fixture
def package(instance):
    return SubscriptionFactory(
        product=instance.product,
        buyer=instance.buyer,
        billing_mode="package",
        quota_total=100,
        instance_id="pkg-001",
    )


def _record(sn="sn-1", instance_id="inst-001", value="1.5", begin_days_ago=1, **extra):
    now = timezone.now()
    return {
        "instance_id": instance_id,
        "record_time": usage_time(now),
        "begin_time": usage_time(now - dt.timedelta(days=begin_days_ago)),
        "end_time": usage_time(now),
        "usage_value": value,
        "metering_sn": sn,
        **extra,
    }


def _push(client, key, records, **kwargs):
    return post_json(client, USAGE, {"usage_records": records}, key=key, **kwargs)


def _code(response) -> str:
    return response.json()["error_code"]


def test_push_stores_each_record(client, key, instance):
    response = _push(client, key, [_record("a", value=2), _record("b", value="0.0001")])
    assert response.status_code == 200, response.content
    assert response.json() == {"error_code": "MKT.0000", "error_msg": "success"}
    rows = {r.metering_sn: r for r in MeteringRecord.objects.all()}
    assert set(rows) == {"a", "b"}
    assert rows["a"].usage_value == Decimal("2") and rows["b"].usage_value == Decimal("0.0001")
    assert rows["a"].subscription_id == instance.pk and rows["a"].seller_id == key.seller_id


def test_replayed_record_counts_once(client, key, instance):
    assert _push(client, key, [_record("a", value=2)]).status_code == 200
    first = MeteringRecord.objects.get()
    response = _push(client, key, [_record("a", value=5), _record("b")])
    assert (response.status_code, _code(response)) == (200, "MKT.0000")
    assert MeteringRecord.objects.count() == 2
    first.refresh_from_db()
    assert first.usage_value == Decimal("2")  # the first content stays


def test_too_many_records(client, key, instance):
    records = [_record(f"sn-{n}") for n in range(1001)]
    response = _push(client, key, records)
    assert (response.status_code, _code(response)) == (400, "MKT.9003")
    assert not MeteringRecord.objects.exists()


def test_another_sellers_instance_is_refused(client, key, instance):
    SubscriptionFactory(instance_id="theirs-001")  # another seller's product
    response = _push(client, key, [_record("a"), _record("b", instance_id="theirs-001")])
    assert (response.status_code, _code(response)) == (400, "MKT.9001")
    assert response.json()["extra_info"] == {"instance_id": ["theirs-001"]}
    assert not MeteringRecord.objects.exists()


def test_begin_time_older_than_21_days(client, key, instance):
    response = _push(client, key, [_record("a", begin_days_ago=22)])
    assert (response.status_code, _code(response)) == (400, "MKT.9004")
    assert response.json()["extra_info"] == {"metering_sn": ["a"]}
    assert not MeteringRecord.objects.exists()


@pytest.mark.parametrize(
    "record",
    [
        _record("a", value=0),
        _record("a", value="-1"),
        _record("a", value="1.00001"),
        _record("a", begin_days_ago=-1),  # begins after it ends
    ],
)
def test_invalid_usage_entities(client, key, instance, record):
    response = _push(client, key, [record])
    assert (response.status_code, _code(response)) == (400, "MKT.9002")
    assert not MeteringRecord.objects.exists()


def test_same_sn_twice_in_one_request(client, key, instance):
    response = _push(client, key, [_record("a"), _record("a")])
    assert _code(response) == "MKT.9002"
    assert not MeteringRecord.objects.exists()


@pytest.mark.parametrize(
    "record",
    [
        {**_record("a"), "begin_time": "2024-01-01 08:00:00"},
        {**_record("a"), "usage_value": "many"},
        {k: v for k, v in _record("a").items() if k != "metering_sn"},
    ],
)
def test_malformed_records(client, key, instance, record):
    response = _push(client, key, [record])
    assert (response.status_code, _code(response)) == (400, "MKT.0101")
    assert not MeteringRecord.objects.exists()


# --- packages ------------------------------------------------------------------------------


def test_usage_against_a_package_is_deducted_once(client, key, instance, package):
    record = _record("a", value=30, relate_pkg_instance="pkg-001")
    assert _push(client, key, [record]).status_code == 200
    assert _push(client, key, [record]).status_code == 200  # replay
    package.refresh_from_db()
    assert package.quota_used == 30
    assert UsageRecord.objects.get().key == "a"
    assert MeteringRecord.objects.get().package_subscription_id == package.pk


def test_package_overdraw_refuses_the_whole_request(client, key, instance, package):
    records = [
        _record("a", value=60, relate_pkg_instance="pkg-001"),
        _record("b", value=60, relate_pkg_instance="pkg-001"),
    ]
    response = _push(client, key, records)
    assert (response.status_code, _code(response)) == (400, "MKT.9002")
    package.refresh_from_db()
    assert package.quota_used == 0
    assert not MeteringRecord.objects.exists() and not UsageRecord.objects.exists()


def test_fractional_usage_against_a_package(client, key, instance, package):
    response = _push(client, key, [_record("a", value="1.5", relate_pkg_instance="pkg-001")])
    assert _code(response) == "MKT.9002"


def test_package_must_be_a_package_of_the_same_buyer(client, key, instance, product):
    SubscriptionFactory(product=product, billing_mode="package", quota_total=5, instance_id="p2")
    response = _push(client, key, [_record("a", value=1, relate_pkg_instance="p2")])
    assert (_code(response), response.json()["extra_info"]) == ("MKT.9001", {"instance_id": ["p2"]})
    response = _push(client, key, [_record("a", value=1, relate_pkg_instance="inst-001")])
    assert _code(response) == "MKT.9001"
    assert not MeteringRecord.objects.exists()


# --- body signature (§4.3) -----------------------------------------------------------------


def _body_headers(body, *, secret=INTERFACE_SECRET, ts=None, nonce="n0nce"):
    ts = ts or str(int(time.time() * 1000))
    return {
        "ts": ts,
        "nonce": nonce,
        "signature": aksk.body_signature(key=secret, ts=ts, nonce=nonce, body=body),
    }


def test_body_signature_is_verified_when_sent(client, key, instance):
    AccessKeyFactory(seller=key.seller, secret=INTERFACE_SECRET)
    body = {"usage_records": [_record("a", value=2)]}
    response = post_json(client, USAGE, body, key=key, extra=_body_headers(body))
    assert response.status_code == 200, response.content
    assert MeteringRecord.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"secret": "wrong"},
        {"ts": "1000"},  # far outside the window
    ],
)
def test_wrong_body_signature_is_refused(client, key, instance, headers):
    AccessKeyFactory(seller=key.seller, secret=INTERFACE_SECRET)
    body = {"usage_records": [_record("a", value=2)]}
    response = post_json(client, USAGE, body, key=key, extra=_body_headers(body, **headers))
    assert (response.status_code, _code(response)) == (400, "MKT.0102")
    assert not MeteringRecord.objects.exists()


def test_partial_body_signature_headers_are_refused(client, key, instance):
    body = {"usage_records": [_record("a", value=2)]}
    response = post_json(client, USAGE, body, key=key, extra={"nonce": "x"})
    assert _code(response) == "MKT.0102"


# --- the service directly ------------------------------------------------------------------


def test_service_refuses_an_empty_push(key):
    with pytest.raises(UsageRefused) as refused:
        metering_records_push(seller=key.seller, records=[])
    assert refused.value.code == "MKT.9002"


def test_service_ignores_blank_instance_ids(key, product):
    SubscriptionFactory(product=product, instance_id="")
    now = timezone.now()
    record = UsageRecordIn(
        instance_id="",
        metering_sn="a",
        usage_value=Decimal(1),
        record_time=now,
        begin_time=now,
        end_time=now,
    )
    with pytest.raises(UsageRefused) as refused:
        metering_records_push(seller=key.seller, records=[record])
    assert refused.value.code == "MKT.9001"
    assert Subscription.objects.count() == 1

"""AK/SK SDK-HMAC-SHA256 authentication, rate limit and request log of the open API
(isv-api-reference §2.5, §3.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from django.core.cache import cache
from django.utils import timezone

from orders.models import OpenApiLog
from orders.openapi import auth
from sample_isv import aksk
from sellers.services.credentials import access_key_revoke
from tests.factories.isv import AccessKeyFactory, OpenApiKeyFactory
from tests.factories.orders import PaidOrderFactory

from .openapi_helpers import BASE, SECRET, get

pytestmark = pytest.mark.django_db

QUERY = BASE + "order/query"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key():
    return OpenApiKeyFactory(secret=SECRET)


@pytest.fixture
def order(key):
    from tests.factories.catalog import listed_product

    return PaidOrderFactory(product=listed_product(seller=key.seller))


def _query(order) -> str:
    return f"{QUERY}?orderId={order.number}"


def test_a_signed_request_passes_and_is_logged(client, key, order):
    response = get(client, _query(order), key=key)
    assert response.status_code == 200, response.content
    assert response.json()["resultCode"] == "MKT.0000"
    log = OpenApiLog.objects.get()
    assert (log.seller_id, log.access_key_id, log.method) == (key.seller_id, key.key_id, "GET")
    assert (log.http_status, log.result_code) == (200, "MKT.0000")
    assert log.path == QUERY
    key.refresh_from_db()
    assert key.last_used_at is not None


def _refused(response, message_part: str = "") -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["resultCode"] == "MKT.0154"
    assert "orderInfo" not in body
    assert message_part in body["resultMsg"]
    assert response["WWW-Authenticate"] == "SDK-HMAC-SHA256"


def test_bad_signature_is_refused_and_logged(client, key, order):
    response = get(client, _query(order), key=key, secret="not-the-secret")
    _refused(response, "Signature mismatch")
    log = OpenApiLog.objects.get()
    assert (log.http_status, log.result_code, log.access_key_id) == (401, "MKT.0154", key.key_id)


def test_tampered_query_is_refused(client, key, order):
    other = PaidOrderFactory(product=order.product)
    headers = aksk.sign(
        method="GET", url=f"http://testserver{_query(order)}", key=key.key_id, secret=SECRET
    )
    _refused(client.get(_query(other), headers=headers), "Signature mismatch")


def test_expired_date_is_refused(client, key, order):
    stale = timezone.now() - dt.timedelta(minutes=16)
    _refused(get(client, _query(order), key=key, now=stale), "expired")


def test_date_within_the_window_passes(client, key, order):
    early = timezone.now() - dt.timedelta(minutes=14)
    assert get(client, _query(order), key=key, now=early).status_code == 200


def test_unsigned_host_is_refused(client, key, order):
    path = _query(order)
    date = aksk.sdk_date()
    canonical = aksk.canonical_request(
        method="GET",
        path=path.split("?")[0],
        query=path.split("?")[1],
        headers={"x-sdk-date": date},
        signed=["x-sdk-date"],
        body=b"",
    )
    signature = aksk.signature(SECRET, aksk.string_to_sign(canonical, date))
    headers = {
        "X-Sdk-Date": date,
        "Authorization": f"SDK-HMAC-SHA256 Access={key.key_id}, "
        f"SignedHeaders=x-sdk-date, Signature={signature}",
    }
    _refused(client.get(path, headers=headers), "host")


def test_unknown_access_key_is_refused(client, key, order):
    key.key_id = "UNKNOWNKEY0000000000"  # not saved: the signer uses an AK we don't know
    _refused(get(client, _query(order), key=key), "Unknown")


def test_revoked_and_interface_keys_are_refused(client, key, order):
    interface_key = AccessKeyFactory(seller=key.seller, secret=SECRET)
    _refused(get(client, _query(order), key=interface_key), "Unknown")
    access_key_revoke(key=key, actor=None)
    _refused(get(client, _query(order), key=key), "Unknown")


def test_missing_authorization_is_refused_and_logged(client, order):
    _refused(client.get(_query(order)), "Authorization")
    log = OpenApiLog.objects.get()
    assert (log.seller_id, log.access_key_id, log.http_status) == (None, "", 401)


def test_rate_limit_per_key(client, key, order, settings):
    settings.OPEN_API_RATE = "2/min"
    assert get(client, _query(order), key=key).status_code == 200
    assert get(client, _query(order), key=key).status_code == 200
    response = get(client, _query(order), key=key)
    assert response.status_code == 406
    body = response.json()
    assert body["resultCode"] == "MKT.0250"
    assert "extra_info" in body
    assert int(response["Retry-After"]) > 0
    # Another key of the same seller has its own budget.
    other = OpenApiKeyFactory(seller=key.seller, secret=SECRET)
    assert get(client, _query(order), key=other).status_code == 200
    assert list(OpenApiLog.objects.order_by("id").values_list("result_code", flat=True)) == [
        "MKT.0000",
        "MKT.0000",
        "MKT.0250",
        "MKT.0000",
    ]


# --- the signer and the verifier agree, and match a worked example ------------------------


def test_worked_example_canonical_request_and_signature():
    """Fixed inputs → the canonical request of the APIG signer (trailing "/" on the path,
    sorted and encoded query, blank line after the header block) and its signature."""
    body = b'{"license":"ABC"}'
    headers = {"host": "mkt.example.com", "x-sdk-date": "20240101T080000Z"}
    canonical = aksk.canonical_request(
        method="post",
        path="/api/mkp-openapi-public/global/v1/license/activate",
        query="b=2&a=x y&a=1",
        headers=headers,
        signed=["host", "x-sdk-date"],
        body=body,
    )
    body_hash = hashlib.sha256(body).hexdigest()
    assert canonical == (
        "POST\n/api/mkp-openapi-public/global/v1/license/activate/\na=1&a=x%20y&b=2\n"
        "host:mkt.example.com\nx-sdk-date:20240101T080000Z\n\nhost;x-sdk-date\n" + body_hash
    )
    to_sign = aksk.string_to_sign(canonical, "20240101T080000Z")
    assert to_sign == (
        "SDK-HMAC-SHA256\n20240101T080000Z\n" + hashlib.sha256(canonical.encode()).hexdigest()
    )
    expected = hmac.new(b"SK", to_sign.encode(), hashlib.sha256).hexdigest()
    assert aksk.signature("SK", to_sign) == expected
    # The server's own implementation gives the same.
    server = auth.canonical_request(
        method="POST",
        path="/api/mkp-openapi-public/global/v1/license/activate",
        query="b=2&a=x%20y&a=1",
        headers=headers,
        signed=["host", "x-sdk-date"],
        body=body,
    )
    assert server == canonical
    assert (
        auth.expected_signature(secret="SK", sdk_date="20240101T080000Z", canonical=server)
        == expected
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b", "/a/b/"),
        ("/a/b/", "/a/b/"),
        ("/market-event/ev%201/file", "/market-event/ev%201/file/"),
        ("/中文/x", "/%E4%B8%AD%E6%96%87/x/"),
    ],
)
def test_canonical_uri(path, expected):
    assert aksk.canonical_uri(path) == auth.canonical_uri(path) == expected

"""Open API: query order (+ mock orders) and upload string / file (isv-api-reference §4.1,
§4.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage

from orders.models import IsvUpload, Order
from orders.openapi.selectors import MOCK_ORDER_IDS
from tests.factories.catalog import listed_product
from tests.factories.isv import OpenApiKeyFactory
from tests.factories.orders import PaidOrderFactory

from .openapi_helpers import BASE, SECRET, get, multipart, post_multipart

pytestmark = pytest.mark.django_db

QUERY = BASE + "order/query"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def key():
    return OpenApiKeyFactory(secret=SECRET)


@pytest.fixture
def order(key):
    return PaidOrderFactory(product=listed_product(seller=key.seller), quantity=3)


# --- query order ---------------------------------------------------------------------------


def test_query_order_answers_the_reference_fields(client, key, order):
    response = get(
        client, f"{QUERY}?orderId={order.number}&orderLineId={order.number}-000001", key=key
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["resultCode"], body["resultMsg"]) == ("MKT.0000", "success")
    info = body["orderInfo"]
    assert info["orderId"] == order.number
    assert info["orderType"] == "NEW"
    assert info["createTime"] == order.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    (line,) = info["orderLine"]
    assert line["orderLineId"] == f"{order.number}-000001"
    assert line["chargingMode"] == "PERIOD"
    assert (line["periodType"], line["periodNumber"]) == ("month", 1)
    assert line["expireTime"] == order.subscription.expires_at.astimezone(dt.UTC).strftime(
        "%Y%m%d%H%M%S"
    )
    assert line["productInfo"] == [
        {"skuCode": order.spec_code, "productId": str(order.product_id), "linearValue": 3}
    ]
    assert info["buyerInfo"] == {
        "customerId": order.buyer.account_id,
        "customerName": order.buyer.username,
    }


@pytest.mark.parametrize(
    ("kind", "status", "order_type"),
    [
        (Order.Kind.RENEWAL, Order.Status.PAID, "RENEW"),
        (Order.Kind.UPGRADE, Order.Status.COMPLETED, "CHANGE"),
        (Order.Kind.TRIAL, Order.Status.PAID, "TRIAL"),
        (Order.Kind.NEW, Order.Status.UNSUBSCRIBED, "UNSUBSCRIBE"),
        (Order.Kind.NEW, Order.Status.REFUNDED, "UNSUBSCRIBE"),
    ],
)
def test_order_types(client, key, order, kind, status, order_type):
    Order.objects.filter(pk=order.pk).update(kind=kind, status=status)
    body = get(client, f"{QUERY}?orderId={order.number}", key=key).json()
    assert body["orderInfo"]["orderType"] == order_type


def test_another_sellers_order_is_refused(client, key):
    theirs = PaidOrderFactory()
    response = get(client, f"{QUERY}?orderId={theirs.number}", key=key)
    assert response.status_code == 401
    body = response.json()
    assert body["resultCode"] == "MKT.0150"
    assert "orderInfo" not in body
    assert body["extra_info"] == {"orderId": theirs.number}
    # An unknown order gets the same answer (existence is not revealed).
    unknown = get(client, f"{QUERY}?orderId=20990101ABCDEF123456", key=key).json()
    assert unknown["resultCode"] == "MKT.0150"


def test_wrong_order_line_and_missing_order_id(client, key, order):
    response = get(client, f"{QUERY}?orderId={order.number}&orderLineId=X-000002", key=key)
    assert (response.status_code, response.json()["resultCode"]) == (400, "MKT.0101")
    response = get(client, QUERY, key=key)
    assert (response.status_code, response.json()["resultCode"]) == (400, "MKT.0101")
    assert "orderId" in response.json()["resultMsg"]


@pytest.mark.parametrize("mock_id", MOCK_ORDER_IDS)
def test_mock_orders_answer_fixed_data_for_any_key(client, key, mock_id):
    response = get(client, f"{QUERY}?orderId={mock_id}&orderLineId={mock_id}-000001", key=key)
    assert response.status_code == 200, response.content
    info = response.json()["orderInfo"]
    assert info["orderId"] == mock_id
    assert info["orderLine"][0]["orderLineId"] == f"{mock_id}-000001"
    assert info["orderType"] in {
        "NEW",
        "TRIAL",
        "TRIAL_TO_FORMAL",
        "UNSUBSCRIBE",
        "RENEW",
        "CHANGE",
    }


def test_mock_order_types():
    from orders.openapi.selectors import mock_order_info

    assert mock_order_info("MOCKMONTYTRIALTOFORMAL")["orderType"] == "TRIAL_TO_FORMAL"
    assert mock_order_info("MOCKONDEMANDPKG")["orderLine"][0]["chargingMode"] == "ON_DEMAND_PKG"
    assert mock_order_info("MOCKPERIODDAYTRIAL")["orderLine"][0]["periodType"] == "day"
    assert mock_order_info("NOTAMOCK") is None


def test_query_order_query_count(client, key, order, django_assert_max_num_queries):
    # Key + seller, seller's account, last-used update, order (+ buyer, spec,
    # subscription), the log row.
    with django_assert_max_num_queries(7):
        assert get(client, f"{QUERY}?orderId={order.number}", key=key).status_code == 200


# --- upload --------------------------------------------------------------------------------


def _upload_path(event_id="EVT-20240101-0001"):
    return f"{BASE}market-event/{event_id}/file"


def _meta(**fields) -> tuple[None, str, bytes]:
    return (None, "application/json", json.dumps(fields).encode())


def test_upload_characters(client, key):
    body = multipart({"isvUpdateFileReq": _meta(type="CHARACTERS", characters="hello 世界")})
    response = post_multipart(client, _upload_path(), body, key=key)
    assert response.status_code == 200, response.content
    assert response.json() == {"error_code": "MKT.0000", "error_msg": "success"}
    upload = IsvUpload.objects.get()
    assert (upload.seller_id, upload.event_id, upload.type) == (
        key.seller_id,
        "EVT-20240101-0001",
        "CHARACTERS",
    )
    assert upload.characters == "hello 世界"


def test_upload_file_is_stored_with_its_checksum(client, key):
    content = b"report line 1\nreport line 2\n"
    digest = hashlib.sha256(content).hexdigest()
    body = multipart(
        {
            "isvUpdateFileReq": _meta(type="FILE", file_name="报告.csv", sha256=digest.upper()),
            "file": ("report.csv", "text/csv", content),
        }
    )
    response = post_multipart(client, _upload_path(), body, key=key)
    assert response.status_code == 200, response.content
    upload = IsvUpload.objects.get()
    assert (upload.type, upload.file_name, upload.sha256) == ("FILE", "报告.csv", digest)
    assert upload.file.name.startswith("isv-uploads/") and upload.file.name.endswith(".csv")
    with default_storage.open(upload.file.name) as stored:
        assert stored.read() == content


def test_upload_meta_as_a_file_part(client, key):
    body = multipart(
        {
            "isvUpdateFileReq": (
                "meta.json",
                "application/json",
                b'{"type":"CHARACTERS","characters":"x"}',
            )
        }
    )
    assert post_multipart(client, _upload_path(), body, key=key).status_code == 200
    assert IsvUpload.objects.get().characters == "x"


def test_upload_with_a_wrong_sha256_is_refused(client, key):
    content = b"the real bytes"
    body = multipart(
        {
            "isvUpdateFileReq": _meta(
                type="FILE", file_name="a.txt", sha256=hashlib.sha256(b"other").hexdigest()
            ),
            "file": ("a.txt", "text/plain", content),
        }
    )
    response = post_multipart(client, _upload_path(), body, key=key)
    assert response.status_code == 400
    assert response.json()["error_code"] == "MKT.0101"
    assert "sha256" in response.json()["error_msg"]
    assert not IsvUpload.objects.exists()


@pytest.mark.parametrize(
    "parts",
    [
        {"isvUpdateFileReq": _meta(type="CHARACTERS")},  # no characters
        {"isvUpdateFileReq": _meta(type="FILE", file_name="a", sha256="0" * 64)},  # no file
        {"isvUpdateFileReq": _meta(type="OTHER")},
        {"isvUpdateFileReq": (None, "application/json", b"not json")},
        {"file": ("a.txt", "text/plain", b"x")},  # no meta
    ],
)
def test_bad_upload_requests_are_refused(client, key, parts):
    response = post_multipart(client, _upload_path(), multipart(parts), key=key)
    assert (response.status_code, response.json()["error_code"]) == (400, "MKT.0101")
    assert not IsvUpload.objects.exists()


def test_upload_size_limit(client, key, settings):
    settings.OPEN_API_UPLOAD_MAX_BYTES = 10
    content = b"01234567890"
    body = multipart(
        {
            "isvUpdateFileReq": _meta(
                type="FILE", file_name="a.bin", sha256=hashlib.sha256(content).hexdigest()
            ),
            "file": ("a.bin", "application/octet-stream", content),
        }
    )
    response = post_multipart(client, _upload_path(), body, key=key)
    assert (response.status_code, response.json()["error_code"]) == (400, "MKT.0101")
    assert not IsvUpload.objects.exists()


def test_upload_unsigned_is_refused(client):
    body = multipart({"isvUpdateFileReq": _meta(type="CHARACTERS", characters="x")})
    response = client.post(
        _upload_path(), data=body, content_type="multipart/form-data; boundary=XyZopenapiBoundary"
    )
    assert (response.status_code, response.json()["error_code"]) == (401, "MKT.0154")
    assert not IsvUpload.objects.exists()

# ruff: noqa: F811 - the fixtures imported from isv_helpers are test parameters
"""client.post_activity / post_kit against the real sample ISV on loopback: signed so the
reference server accepts it, every bad answer classified with its reason, the outbound
guard and a revoked key refused before anything is sent."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from orders.isv.client import post_activity, post_kit
from tests.factories.isv import AccessKeyFactory
from tests.orders.isv_helpers import interface, isv  # noqa: F401

pytestmark = pytest.mark.django_db
BODY = {"activity": "newInstance", "orderId": "O1", "orderLineId": "O1-000001", "businessId": "b1"}


def test_a_signed_call_is_accepted_by_the_sample_isv(interface):
    exchange = post_activity(interface=interface, body=BODY)
    assert exchange.ok, exchange.error
    assert exchange.http_status == 200 and exchange.result_code == "000000"
    assert exchange.response_json["instanceId"] == "b1"
    assert "signature=" in exchange.url and exchange.latency_ms is not None


def test_a_key_the_seller_does_not_know_is_refused_with_000001(interface):
    interface.access_key = AccessKeyFactory(seller=interface.product.seller, secret="other")
    interface.save()
    exchange = post_activity(interface=interface, body=BODY)
    assert not exchange.ok and exchange.result_code == "000001"
    assert "Result code 000001" in exchange.error


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ({"fail_mode": "http500"}, "HTTP status 500"),
        ({"fail_mode": "garbage"}, "not valid JSON"),
        ({"fail_mode": "wrong-content-type"}, "Wrong content type"),
        ({"fail_mode": "code:000104"}, "Result code 000104: injected failure"),
        ({"fail_mode": "slow", "slow_ms": 1000}, "timeout"),
    ],
)
def test_bad_answers_are_failures_with_their_reason(interface, isv, behaviour, reason):
    isv.behaviour.update(behaviour)
    exchange = post_activity(interface=interface, body=BODY, timeout=0.3)
    assert not exchange.ok and reason in exchange.error


def test_the_guard_refuses_loopback_in_production_mode(interface, settings):
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = False
    exchange = post_activity(interface=interface, body=BODY)
    assert not exchange.ok and exchange.http_status is None and exchange.error
    assert "signature=" not in exchange.url  # nothing was signed or sent


def test_a_revoked_key_signs_nothing(interface):
    interface.access_key.revoked_at = timezone.now()
    interface.access_key.save()
    exchange = post_activity(interface=interface, body=BODY)
    assert not exchange.ok and exchange.http_status is None
    assert "revoked or expired" in exchange.error


class _Redirect(BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_redirects_are_not_followed(interface):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        interface.production_url = f"http://127.0.0.1:{server.server_port}/produce"
        exchange = post_activity(interface=interface, body=BODY)
    finally:
        server.shutdown()
        server.server_close()
    assert not exchange.ok and exchange.http_status == 302


def test_kit_calls_are_header_signed(interface, isv):
    body = {
        "instanceId": "",
        "testFlag": 1,
        "timeStamp": "20240101120000000",
        "orderId": "O1",
        "tenantId": "t-1",
        "tenantCode": "acme",
        "name": "ACME",
        "domainName": "acme.example.com",
        "flag": 1,
    }
    exchange = post_kit(interface=interface, path="/produceAPI/v2/tenantSync", body=body)
    assert exchange.ok, exchange.error
    assert exchange.url.endswith("/produce/produceAPI/v2/tenantSync")
    assert set(exchange.headers) == {"x-sign", "x-timestamp", "x-nonce"}

"""The interface debugging console (issue 9 › 7) against the real sample ISV on a loopback
port: default bodies, verdicts, saved test cases, the conformance run, ownership."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from orders.isv import console
from orders.isv.client import Exchange
from orders.models import InterfaceTestCase
from sample_isv.server import DEFAULT_ACCESS_KEY, make_server
from tests.factories.catalog import listed_product
from tests.factories.isv import ProductInterfaceFactory
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def isv(tmp_path):
    """The sample ISV, as `make run` starts it, on a free loopback port."""
    server = make_server(
        "127.0.0.1", 0, access_keys=[DEFAULT_ACCESS_KEY], db_path=tmp_path / "isv.sqlite3"
    )
    yield _serve(server)
    server.shutdown()
    server.server_close()


class CarelessHandler(BaseHTTPRequestHandler):
    """A seller server that checks no signature at all: every request succeeds."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        answer = {
            "resultCode": "000000",
            "resultMsg": "ok",
            "instanceId": body.get("businessId") or "i-1",
            "appInfo": {"frontEndUrl": "http://127.0.0.1/app"},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def careless():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CarelessHandler)
    server.daemon_threads = True
    yield _serve(server)
    server.shutdown()
    server.server_close()


def interface_at(url: str, seller=None):
    product = listed_product(seller=seller or ActiveSellerFactory())
    return ProductInterfaceFactory(product=product, production_url=f"{url}/produce")


@pytest.fixture
def interface(isv):
    return interface_at(isv)


@pytest.fixture
def seller_client(client, interface):
    client.force_login(interface.product.seller.user)
    return client


# --- service -------------------------------------------------------------------------------


@pytest.mark.parametrize("activity", console.ACTIVITIES)
def test_every_default_body_passes_against_the_sample_isv(interface, activity):
    body = console.console_default_body(activity=activity, product=interface.product)
    assert body["testFlag"] == "1"
    run = console.console_send(interface=interface, activity=activity, body=body)
    assert run.ok, run.verdict
    assert run.exchange.request_body["testFlag"] == "1"
    assert "signature=" in run.exchange.url and "nonce=" in run.exchange.url


def test_default_new_instance_uses_a_mock_order_and_a_fresh_business_id():
    first = console.console_default_body(activity="newInstance")
    second = console.console_default_body(activity="newInstance")
    assert first["orderId"] == "MOCKPERIODYEARNEW"
    assert first["orderLineId"] == "MOCKPERIODYEARNEW-000001"
    assert first["businessId"] != second["businessId"]


def test_a_real_call_is_never_sent(interface):
    body = console.console_default_body(activity="newInstance") | {"testFlag": "0"}
    run = console.console_send(interface=interface, activity="newInstance", body=body)
    assert run.exchange.request_body["testFlag"] == "1"


def checks_of(result: dict) -> dict:
    return {c["check"]: c for c in result["checks"]}


def test_verdict_explains_each_failure():
    exchange = Exchange(
        url="http://x",
        request_body={},
        http_status=500,
        response_json={"resultCode": "000001", "resultMsg": "bad"},
        result_code="000001",
        latency_ms=7000,
    )
    result = console.verdict(activity="newInstance", exchange=exchange, content_type="text/html")
    checks = checks_of(result)
    assert not result["ok"]
    assert {name: c["ok"] for name, c in checks.items()} == {
        "http_status": False,
        "content_type": False,
        "result_code": False,
        "required_fields": False,
        "latency": False,
    }
    assert checks["required_fields"]["params"]["missing"] == ["instanceId", "appInfo.frontEndUrl"]
    rows = {row["check"]: row["text"] for row in console.describe_all(result["checks"])}
    assert "authentication failed" in rows["result_code"]
    assert "text/html" in rows["content_type"]
    assert "7000 ms" in rows["latency"]


def test_query_instance_usage_info_needs_value_and_time():
    answer = {
        "resultCode": "000000",
        "info": [{"instanceId": "i-1", "usageInfo": [{"usageValue": 1.5}]}],
    }
    assert console.required_fields_missing("queryInstance", answer) == [
        "info[].usageInfo[].statisticalTime"
    ]
    assert console.required_fields_missing("queryInstance", {"info": []}) == ["info[].instanceId"]
    assert console.required_fields_missing("releaseInstance", {}) is None


def test_unreachable_server_is_a_connection_failure(interface):
    interface.production_url = "http://127.0.0.1:9/produce"
    run = console.console_send(
        interface=interface, activity="queryInstance", body={"instanceId": "x"}
    )
    assert not run.ok
    assert run.verdict["checks"][0]["check"] == "connection"


def test_conformance_run_passes_against_the_sample_isv(interface):
    results = console.conformance_run(interface=interface)
    assert {r["check"]: r["ok"] for r in results} == {
        "idempotency": True,
        "tampered_signature": True,
        "stale_timestamp": True,
        "query_instance": True,
    }, results
    assert all(e["request"]["testFlag"] == "1" for r in results for e in r["exchanges"])


def test_conformance_run_catches_a_server_that_ignores_signatures(careless):
    interface = interface_at(careless)
    results = {r["check"]: r for r in console.conformance_run(interface=interface)}
    assert not results["tampered_signature"]["ok"]
    assert results["tampered_signature"]["params"]["code"] == "000000"
    assert not results["stale_timestamp"]["ok"]
    # It answers each call's businessId: not idempotent either.
    assert not results["idempotency"]["ok"]
    label, text = console.describe(results["tampered_signature"])
    assert "000001" in text


# --- pages ---------------------------------------------------------------------------------


def form_data(interface, activity="newInstance", **extra):
    body = console.console_default_body(activity=activity, product=interface.product)
    return {
        "product": interface.product.pk,
        "activity": activity,
        "body": json.dumps(body),
        **extra,
    }


def test_console_page_prefills_a_valid_body_and_warns_about_untested_products(
    seller_client, interface
):
    url = reverse("seller:interface_console")
    response = seller_client.get(url, {"product": interface.product.pk, "activity": "newInstance"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "MOCKPERIODYEARNEW" in html
    assert 'data-testid="untested-warning"' in html
    assert reverse("seller:interface_conformance", args=[interface.product.pk]) in html
    response = seller_client.get(url, {"activity": "updateInstanceStatus"})
    assert "FREEZE" in response.content.decode()


def test_preview_shows_the_signed_url(seller_client, interface):
    response = seller_client.post(
        reverse("seller:interface_console_preview"), form_data(interface), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="console-preview"' in html
    assert "signature=" in html and "timestamp=" in html and "nonce=" in html
    assert "<html" not in html  # the panel only


def test_send_shows_the_verdict(seller_client, interface):
    url = reverse("seller:interface_console_send")
    response = seller_client.post(url, form_data(interface), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="verdict" data-ok="true"' in html
    assert 'data-check="required_fields" data-ok="true"' in html
    # Without htmx the whole page comes back with the result in it.
    response = seller_client.post(url, form_data(interface, activity="queryInstance"))
    assert response.status_code == 200
    assert 'data-testid="test-case-list"' in response.content.decode() or "no-test-cases" in (
        response.content.decode()
    )
    assert 'data-testid="verdict" data-ok="true"' in response.content.decode()


def test_bad_json_is_refused(seller_client, interface):
    data = form_data(interface) | {"body": "[1, 2"}
    response = seller_client.post(reverse("seller:interface_console_send"), data)
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()


def test_save_list_run_and_delete_a_test_case(seller_client, interface):
    response = seller_client.post(
        reverse("seller:interface_test_case_create"), form_data(interface, name="Create")
    )
    assert response.status_code == 302
    case = InterfaceTestCase.objects.get()
    assert (case.product, case.activity, case.body["testFlag"]) == (
        interface.product,
        "newInstance",
        "1",
    )
    page = seller_client.get(reverse("seller:interface_console")).content.decode()
    assert f'data-testid="test-case-{case.pk}"' in page
    assert 'data-testid="untested-warning"' not in page
    response = seller_client.post(
        reverse("seller:interface_test_case_run", args=[case.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="verdict" data-ok="true"' in response.content.decode()
    case.refresh_from_db()
    assert case.last_ok is True and case.last_run_at is not None
    # A re-run is a new call: a new businessId.
    assert case.last_verdict["request"]["businessId"] != case.body["businessId"]
    response = seller_client.post(reverse("seller:interface_test_case_delete", args=[case.pk]))
    assert response.status_code == 302
    assert not InterfaceTestCase.objects.exists()


def test_a_test_case_needs_a_name(seller_client, interface):
    response = seller_client.post(
        reverse("seller:interface_test_case_create"), form_data(interface)
    )
    assert response.status_code == 400
    assert not InterfaceTestCase.objects.exists()


def test_conformance_page(seller_client, interface):
    response = seller_client.post(
        reverse("seller:interface_conformance", args=[interface.product.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="conformance"' in response.content.decode()


def test_test_case_list_query_count(seller_client, interface, django_assert_max_num_queries):
    for n in range(5):
        InterfaceTestCase.objects.create(
            product=interface.product, name=f"t{n}", activity="queryInstance", body={}
        )
    other = interface_at("http://127.0.0.1:9", seller=interface.product.seller)
    InterfaceTestCase.objects.create(
        product=other.product, name="x", activity="queryInstance", body={}
    )
    with django_assert_max_num_queries(14):
        response = seller_client.get(reverse("seller:interface_console"))
    assert response.content.decode().count('data-testid="test-case-') == 7  # 6 rows + list


# --- ownership -----------------------------------------------------------------------------


def test_another_sellers_objects_are_not_found(seller_client, isv):
    theirs = interface_at(isv)
    case = InterfaceTestCase.objects.create(
        product=theirs.product, name="theirs", activity="queryInstance", body={}
    )
    for name in ("interface_test_case_run", "interface_test_case_delete"):
        assert seller_client.post(reverse(f"seller:{name}", args=[case.pk])).status_code == 404
    assert InterfaceTestCase.objects.filter(pk=case.pk).exists()
    case.refresh_from_db()
    assert case.last_run_at is None
    url = reverse("seller:interface_conformance", args=[theirs.product.pk])
    assert seller_client.post(url).status_code == 404
    # Their product is not a choice of the form: refused, nothing saved or sent.
    for name in (
        "interface_console_send",
        "interface_console_preview",
        "interface_test_case_create",
    ):
        response = seller_client.post(reverse(f"seller:{name}"), form_data(theirs, name="x"))
        assert response.status_code == 400
    assert InterfaceTestCase.objects.count() == 1
    page = seller_client.get(reverse("seller:interface_console")).content.decode()
    assert "theirs" not in page


def test_only_sellers_open_the_console(client, interface):
    url = reverse("seller:interface_console")
    assert client.get(url).status_code == 302  # to the log-in page
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_the_verdict_reads_in_chinese(seller_client, interface):
    response = seller_client.post(
        reverse("seller:interface_console_send"),
        form_data(interface),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert "接口调试" in html
    assert "必填字段齐全。" in html
    assert "HTTP 200，符合要求。" in html

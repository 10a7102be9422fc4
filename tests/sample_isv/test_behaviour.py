"""The sample ISV's switches (faults, delays, asynchronous provisioning), its loopback
control and state endpoints, and its call back to the open API."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from sample_isv.__main__ import parse_args
from sample_isv.client import OpenApi, query_order_later
from sample_isv.server import Behaviour, make_server
from tests.sample_isv.test_server import KEY, sign


@pytest.fixture
def server(tmp_path):
    server = make_server("127.0.0.1", 0, access_keys=[KEY], db_path=tmp_path / "isv.sqlite3")
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def post(server, body: dict, **kwargs) -> requests.Response:
    return requests.post(f"{server.url}/produce", json=body, params=sign(body), **kwargs)


def new_instance(server, order_id="ORD-1", **kwargs) -> requests.Response:
    body = {
        "activity": "newInstance",
        "orderId": order_id,
        "orderLineId": f"{order_id}-000001",
        "businessId": uuid.uuid4().hex,
    }
    return post(server, body, **kwargs)


def control(server, **changes) -> dict:
    response = requests.post(f"{server.url}/_control", json=changes)
    assert response.status_code == 200, response.text
    return response.json()


def state(server) -> dict:
    return requests.get(f"{server.url}/_state").json()


def test_state_counts_instances_and_calls_per_order(server):
    first = new_instance(server).json()["instanceId"]
    again = new_instance(server).json()["instanceId"]
    new_instance(server, "ORD-2")

    current = state(server)
    assert first == again
    assert current["instances"] == {"ORD-1": 1, "ORD-2": 1}
    assert current["new_instance_calls"] == {"ORD-1": 2, "ORD-2": 1}
    assert current["counters"] == {"requests": 3, "faults": 0}


@pytest.mark.parametrize(
    ("mode", "status", "content_type"),
    [
        ("http500", 500, "text/plain"),
        ("garbage", 200, "application/json"),
        ("wrong-content-type", 200, "text/html"),
        ("code:000005", 200, "application/json"),
    ],
)
def test_fail_modes_do_no_work(server, mode, status, content_type):
    assert control(server, fail_mode=mode)["fail_rate"] == 1

    response = new_instance(server)

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith(content_type)
    if mode == "garbage":
        with pytest.raises(ValueError):
            response.json()
    if mode == "code:000005":
        assert response.json()["resultCode"] == "000005"
    assert state(server)["instances"] == {}
    assert state(server)["counters"]["faults"] == 1


def test_recover_after_failing(server):
    control(server, fail_mode="http500")
    assert new_instance(server).status_code == 500

    control(server, reset=True)

    assert new_instance(server).json()["resultCode"] == "000000"
    assert state(server)["instances"] == {"ORD-1": 1}


def test_fail_rate_fails_some(server):
    control(server, fail_rate=0.5, fail_mode="http500")
    statuses = [new_instance(server, f"O{n}").status_code for n in range(40)]
    assert 0 < statuses.count(500) < 40


def test_slow_still_does_the_work_once(server):
    control(server, fail_mode="slow", slow_ms=600)

    with pytest.raises(requests.Timeout):
        new_instance(server, timeout=0.2)
    time.sleep(0.6)
    control(server, fail_mode="none")
    retry = new_instance(server)

    assert retry.json()["resultCode"] == "000000"
    assert state(server)["instances"] == {"ORD-1": 1}


def test_delay(server):
    control(server, delay_ms=300)
    started = time.monotonic()
    assert new_instance(server).json()["resultCode"] == "000000"
    assert time.monotonic() - started >= 0.3


def test_async_provisioning(server):
    control(server, async_seconds=0.5)

    created = new_instance(server).json()
    instance_id = created["instanceId"]
    query = {"activity": "queryInstance", "instanceId": instance_id}
    early = post(server, query).json()
    time.sleep(0.6)
    late = post(server, query).json()

    assert created["resultCode"] == "000000"
    assert "appInfo" not in created
    assert early["info"] == [{"instanceId": instance_id}]
    assert late["info"][0]["appInfo"]["frontEndUrl"].endswith(f"/app/{instance_id}")


def test_the_front_end_url_is_a_page(server):
    url = new_instance(server).json()["appInfo"]["frontEndUrl"]
    page = requests.get(url)
    assert page.status_code == 200
    assert "Instance" in page.text


def test_control_refuses_nonsense(server):
    for changes in ({"fail_mode": "explode"}, {"fail_rate": 2}, {"colour": "red"}):
        response = requests.post(f"{server.url}/_control", json=changes)
        assert response.status_code == 400
    assert state(server)["behaviour"] == {
        "fail_rate": 0.0,
        "fail_mode": "http500",
        "delay_ms": 0,
        "slow_ms": 10_000,
        "async_seconds": 0.0,
    }


def test_command_line_switches():
    args = parse_args(["--fail-mode", "garbage", "--delay-ms", "5", "--async", "3"])
    assert (args.fail_rate, args.fail_mode, args.delay_ms, args.async_seconds) == (
        1.0,
        "garbage",
        5,
        3.0,
    )
    assert parse_args(["--fail-rate", "0.3"]).fail_rate == 0.3
    with pytest.raises(ValueError):
        Behaviour(fail_mode="code:12")


class FakeOpenApi(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):
        FakeOpenApi.seen.append((self.path, self.headers.get("Authorization", "")))
        data = json.dumps({"resultCode": "MKT.0000", "resultMsg": "success"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_calls_the_open_api_back_after_creating(server):
    api_server = HTTPServer(("127.0.0.1", 0), FakeOpenApi)
    threading.Thread(target=api_server.serve_forever, args=(0.05,), daemon=True).start()
    api = OpenApi(url=f"http://127.0.0.1:{api_server.server_port}/v1", ak="AK1", sk="SK1")
    server.on_instance_created = query_order_later(api, server.record_callback)
    try:
        new_instance(server)
        new_instance(server)  # a retry: no second call back
        for _ in range(50):
            if state(server)["callbacks"]:
                break
            time.sleep(0.05)
    finally:
        api_server.shutdown()
        api_server.server_close()

    assert state(server)["callbacks"] == [
        {"orderId": "ORD-1", "httpStatus": 200, "resultCode": "MKT.0000"}
    ]
    path, authorization = FakeOpenApi.seen[0]
    assert path == "/v1/order/query?orderId=ORD-1&orderLineId=ORD-1-000001"
    assert authorization.startswith("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date")

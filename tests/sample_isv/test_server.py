"""The sample ISV server over real HTTP on a loopback port, signed as §2.1 describes."""

import hashlib
import hmac
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests

from sample_isv.server import make_server

KEY = "test-access-key-0123456789"


def sign(body: dict, key: str = KEY, *, timestamp: str | None = None) -> dict:
    """An independent rendering of isv-api-reference.md §2.1, to check the server against."""
    timestamp = timestamp or str(int(time.time() * 1000))
    nonce = secrets.token_hex(32)
    payload = json.dumps(
        {k: v for k, v in body.items() if v is not None}, sort_keys=True, separators=(",", ":")
    )
    digest = hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()
    canonical = key + nonce + timestamp + digest
    signature = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest().upper()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


@pytest.fixture
def isv(tmp_path):
    server = make_server(
        "127.0.0.1", 0, access_keys=["old-key", KEY], db_path=tmp_path / "isv.sqlite3"
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def call(isv):
    def post(body: dict, *, params: dict | None = None) -> dict:
        response = requests.post(
            f"{isv}/saasproduce", json=body, params=sign(body) if params is None else params
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()

    return post


def new_instance(call, order_id="ORD-1", line="ORD-1-000001", business_id=None) -> dict:
    body = {
        "activity": "newInstance",
        "orderId": order_id,
        "orderLineId": line,
        "businessId": business_id or uuid.uuid4().hex,
        "testFlag": "0",
    }
    return call(body)


def test_healthz(isv):
    response = requests.get(f"{isv}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_new_instance_is_idempotent_by_order(call):
    first = new_instance(call, business_id="biz-first")
    again = new_instance(call, business_id="biz-second")
    other = new_instance(call, order_id="ORD-2", line="ORD-2-000001")

    assert first["resultCode"] == "000000"
    assert first["instanceId"] == "biz-first"
    assert first["appInfo"]["frontEndUrl"].endswith("/app/biz-first")
    assert again["resultCode"] == "000000"
    assert again["instanceId"] == "biz-first"
    assert other["instanceId"] != "biz-first"


def test_query_instance_returns_known_instances(call):
    a = new_instance(call)["instanceId"]
    b = new_instance(call, order_id="ORD-2", line="ORD-2-000001")["instanceId"]

    result = call({"activity": "queryInstance", "instanceId": f"{a},{b},unknown"})

    assert result["resultCode"] == "000000"
    assert sorted(i["instanceId"] for i in result["info"]) == sorted([a, b])


def test_query_refuses_more_than_100_ids(call):
    ids = ",".join(f"i{n}" for n in range(101))
    assert call({"activity": "queryInstance", "instanceId": ids})["resultCode"] == "000002"


def test_refresh_status_upgrade_release(call):
    instance_id = new_instance(call)["instanceId"]
    refresh = {
        "activity": "refreshInstance",
        "scene": "RENEWAL",
        "orderId": "REN-1",
        "orderLineId": "REN-1-000001",
        "instanceId": instance_id,
        "expireTime": "20270101000000",
    }
    assert call(refresh)["resultCode"] == "000000"
    assert call(refresh)["resultCode"] == "000000"  # the same renewal again: still a success
    for status in ("FREEZE", "FREEZE", "UNFREEZE"):
        body = {"activity": "updateInstanceStatus", "instanceId": instance_id, "status": status}
        assert call(body)["resultCode"] == "000000"
    upgrade = {
        "activity": "upgradeInstance",
        "instanceId": instance_id,
        "orderId": "UPG-1",
        "orderLineId": "UPG-1-000001",
    }
    assert call(upgrade)["resultCode"] == "000000"
    assert call(upgrade)["resultCode"] == "000000"
    release = {"activity": "releaseInstance", "instanceId": instance_id}
    assert call(release)["resultCode"] == "000000"
    assert call(release)["resultCode"] == "000000"  # releasing twice is a success


def test_unknown_instance_and_bad_input(call):
    assert call({"activity": "releaseInstance", "instanceId": "nope"})["resultCode"] == "000003"
    bad_status = {"activity": "updateInstanceStatus", "instanceId": "x", "status": "PAUSE"}
    assert call(bad_status)["resultCode"] == "000002"
    assert call({"activity": "newInstance", "orderId": "O"})["resultCode"] == "000002"
    assert call({"activity": "dance"})["resultCode"] == "000002"


def test_test_flag_returns_a_stub_and_stores_nothing(call):
    body = {
        "activity": "newInstance",
        "orderId": "T-1",
        "orderLineId": "T-1-000001",
        "businessId": "biz-test",
        "testFlag": "1",
    }
    first = call(body)
    again = call({**body, "businessId": "biz-test-2"})
    assert first["resultCode"] == "000000"
    assert first["instanceId"] == again["instanceId"]  # what the conformance run checks
    assert first["appInfo"]["frontEndUrl"]
    query = call({"activity": "queryInstance", "instanceId": first["instanceId"]})
    assert query["info"] == []
    stub = call({"activity": "queryInstance", "instanceId": "a,b", "testFlag": "1"})
    assert [i["instanceId"] for i in stub["info"]] == ["a", "b"]


def test_change_instance_check_allows_every_change(call):
    instance_id = new_instance(call)["instanceId"]
    body = {"activity": "changeInstanceCheck", "instanceId": instance_id, "productInfo": {}}
    assert call(body)["resultCode"] == "000000"
    assert call({**body, "instanceId": "nope"})["resultCode"] == "000003"


def test_signature_is_checked(call):
    body = {"activity": "queryInstance", "instanceId": "x"}

    assert call(body, params=sign(body, key="wrong-key"))["resultCode"] == "000001"
    tampered = sign(body)
    assert call({**body, "instanceId": "y"}, params=tampered)["resultCode"] == "000001"
    stale = sign(body, timestamp=str(int(time.time() * 1000) - 120_000))
    assert call(body, params=stale)["resultCode"] == "000001"
    no_signature = {k: v for k, v in sign(body).items() if k != "signature"}
    assert call(body, params=no_signature)["resultCode"] == "000001"
    no_nonce = {k: v for k, v in sign(body).items() if k != "nonce"}
    assert call(body, params=no_nonce)["resultCode"] == "000002"


def test_a_replayed_request_is_refused(call):
    body = {"activity": "queryInstance", "instanceId": "x"}
    params = sign(body)

    assert call(body, params=params)["resultCode"] == "000000"
    assert call(body, params=params)["resultCode"] == "000001"


def test_old_key_still_accepted_during_rotation(call):
    body = {"activity": "queryInstance", "instanceId": "x"}
    assert call(body, params=sign(body, key="old-key"))["resultCode"] == "000000"


def test_body_that_is_not_json(isv):
    response = requests.post(f"{isv}/", data=b"not json", params=sign({}))
    assert response.json()["resultCode"] == "000002"


def test_state_survives_a_restart(tmp_path):
    db = tmp_path / "isv.sqlite3"

    def create(business_id: str) -> str:
        server = make_server("127.0.0.1", 0, access_keys=[KEY], db_path=db)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        body = {
            "activity": "newInstance",
            "orderId": "O-1",
            "orderLineId": "O-1-000001",
            "businessId": business_id,
        }
        try:
            url = f"http://127.0.0.1:{server.server_port}/"
            return requests.post(url, json=body, params=sign(body)).json()["instanceId"]
        finally:
            server.shutdown()
            server.server_close()

    assert create("first") == "first"
    assert create("second") == "first"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_runs_as_a_module(tmp_path):
    """`python -m sample_isv --port N` serves /healthz (the Procfile's `isv` process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sample_isv", "--port", str(port), "--db", str(tmp_path / "i.db")]
    )
    try:
        for _ in range(100):
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("sample_isv did not start within 10 s")
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)

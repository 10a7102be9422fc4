"""The sample ISV's kit sync paths (§1.9-§1.12) with the x-sign header signature (§2.2)."""

import hashlib
import hmac
import json
import secrets
import threading
import time

import pytest
import requests

from orders.isv.signing import kit_headers
from sample_isv.server import make_server

KEY = "basic-key"
KIT_KEY = "kit-key-0123"


def kit_sign(body: dict, key: str = KIT_KEY, *, timestamp: str | None = None) -> dict:
    """An independent rendering of §2.2, to check the server against."""
    timestamp = timestamp or str(int(time.time() * 1000))
    nonce = secrets.token_hex(32)
    payload = json.dumps(
        {k: v for k, v in body.items() if v is not None},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    message = key + nonce + timestamp + payload
    sign = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().upper()
    return {"x-sign": sign, "x-timestamp": timestamp, "x-nonce": nonce}


@pytest.fixture
def server(tmp_path):
    server = make_server(
        "127.0.0.1", 0, access_keys=[KEY], kit_access_keys=[KIT_KEY], db_path=tmp_path / "i.db"
    )
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}/produce"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def kit(server):
    def post(name: str, body: dict, headers: dict | None = None) -> dict:
        data = json.dumps(body, ensure_ascii=False).encode()
        response = requests.post(
            f"{server.url}/produceAPI/v2/{name}",
            data=data,
            headers={"Content-Type": "application/json", **(headers or kit_sign(body))},
        )
        assert response.status_code == 200
        return response.json()

    return post


def kit_state(server) -> dict:
    return requests.get(f"http://127.0.0.1:{server.server_port}/_state").json()["kit"]


TENANT = {
    "instanceId": "inst-1",
    "orderId": "ORD-1",
    "tenantId": "t-1",
    "tenantCode": "acme",
    "name": "阿克米 Acme",
    "domainName": "acme.tenants.example.com",
    "flag": 1,
    "testFlag": 0,
    "timeStamp": "20260101120000000",
}


def test_tenant_add_is_idempotent_and_delete_always_succeeds(kit, server):
    assert kit("tenantSync", TENANT)["resultCode"] == "000000"
    assert kit("tenantSync", TENANT)["resultCode"] == "000000"
    assert len(kit_state(server)["tenant"]) == 1
    assert kit_state(server)["tenant"][0]["name"] == "阿克米 Acme"

    renamed = TENANT | {"flag": 2, "name": "Acme Ltd"}
    assert kit("tenantSync", renamed)["resultCode"] == "000000"
    assert kit_state(server)["tenant"][0]["name"] == "Acme Ltd"

    delete = TENANT | {"flag": 0}
    assert kit("tenantSync", delete)["resultCode"] == "000000"
    assert kit("tenantSync", delete)["resultCode"] == "000000"
    assert kit_state(server)["tenant"] == []


def test_application_auth_and_orgs(kit, server):
    common = {"instanceId": "inst-1", "tenantId": "t-1", "testFlag": 0, "timeStamp": "1"}
    app = common | {"appId": "app-1", "clientId": "c-1", "clientSecret": "s", "flag": 1}
    user = {"userName": "alice", "name": "Alice", "orgCode": "root", "role": "admin"}
    auth = common | {
        "appId": "app-1",
        "userList": [user | {"enable": "true"}],
        "currentSyncTime": "20260101120000000",
        "flag": 1,
    }
    orgs = common | {
        "orgInfoList": json.dumps([{"orgCode": "root", "orgName": "Acme"}]),  # doc: a string
    }
    for name, body in [("applicationSync", app), ("authSync", auth), ("allOrgSync", orgs)] * 2:
        assert kit(name, body)["resultCode"] == "000000", name
    sub = common | {"orgCode": "sales", "orgName": "Sales", "parentCode": "root", "flag": 1}
    assert kit("singleOrgSync", sub)["resultCode"] == "000000"

    state = kit_state(server)
    assert [a["clientId"] for a in state["application"]] == ["c-1"]
    assert "s" not in json.dumps(state["application"][0]["secret"])
    assert [u["userName"] for u in state["user"]] == ["alice"]
    assert sorted(o["orgCode"] for o in state["org"]) == ["root", "sales"]

    # A full sync replaces the departments; a revoke removes the user.
    assert kit("allOrgSync", orgs)["resultCode"] == "000000"
    assert kit("authSync", auth | {"flag": 3})["resultCode"] == "000000"
    state = kit_state(server)
    assert [o["orgCode"] for o in state["org"]] == ["root"]
    assert state["user"] == []


def test_bad_kit_input(kit):
    assert kit("tenantSync", TENANT | {"flag": 7})["resultCode"] == "000002"
    assert kit("tenantSync", TENANT | {"domainName": ""})["resultCode"] == "000002"
    bad_users = {"instanceId": "i", "tenantId": "t", "appId": "a", "currentSyncTime": "1"}
    assert kit("authSync", bad_users | {"userList": "nope", "flag": 1})["resultCode"] == "000002"


def test_test_flag_stores_nothing(kit, server):
    assert kit("tenantSync", TENANT | {"testFlag": 1})["resultCode"] == "000000"
    assert kit_state(server)["tenant"] == []


def test_kit_signature_is_checked(kit, server):
    assert kit("tenantSync", TENANT, kit_sign(TENANT, key=KEY))["resultCode"] == "000001"
    tampered = kit_sign(TENANT)
    assert kit("tenantSync", TENANT | {"name": "X"}, tampered)["resultCode"] == "000001"
    stale = kit_sign(TENANT, timestamp=str(int(time.time() * 1000) - 120_000))
    assert kit("tenantSync", TENANT, stale)["resultCode"] == "000001"
    replay = kit_sign(TENANT)
    assert kit("tenantSync", TENANT, replay)["resultCode"] == "000000"
    assert kit("tenantSync", TENANT, replay)["resultCode"] == "000001"
    no_nonce = {k: v for k, v in kit_sign(TENANT).items() if k != "x-nonce"}
    assert kit("tenantSync", TENANT, no_nonce)["resultCode"] == "000002"
    assert kit_state(server)["tenant"] != []


def test_the_marketplace_signer_is_accepted(kit):
    """orders/isv/signing.py (what the marketplace sends) and the sample agree."""
    assert kit("tenantSync", TENANT, kit_headers(key=KIT_KEY, body=TENANT))["resultCode"] == (
        "000000"
    )


def test_kit_paths_fail_too(kit, server):
    requests.post(f"http://127.0.0.1:{server.server_port}/_control", json={"fail_mode": "http500"})
    response = requests.post(
        f"{server.url}/produceAPI/v2/tenantSync", json=TENANT, headers=kit_sign(TENANT)
    )
    assert response.status_code == 500

"""The sample ISV passes the debugging console's conformance run and the marketplace's
client (orders/isv) classifies its faults as failures."""

import threading

import pytest
import requests

from orders.isv.client import post_activity, post_kit
from orders.isv.console import conformance_run
from sample_isv.server import DEFAULT_ACCESS_KEY, make_server
from tests.factories.isv import ProductInterfaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def isv(tmp_path):
    server = make_server(
        "127.0.0.1", 0, access_keys=[DEFAULT_ACCESS_KEY], db_path=tmp_path / "isv.sqlite3"
    )
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    server.base = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def interface(isv):
    return ProductInterfaceFactory(production_url=f"{isv.base}/produce")


def test_conformance_run_passes(interface):
    results = conformance_run(interface=interface, timeout=5)
    assert {r["check"]: r["ok"] for r in results} == {
        "idempotency": True,
        "tampered_signature": True,
        "stale_timestamp": True,
        "query_instance": True,
    }


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("http500", "HTTP status 500"),
        ("garbage", "not valid JSON"),
        ("wrong-content-type", "Wrong content type"),
        ("code:000005", "Result code 000005"),
    ],
)
def test_faults_are_failed_attempts(interface, isv, mode, reason):
    requests.post(f"{isv.base}/_control", json={"fail_mode": mode}).raise_for_status()
    body = {"activity": "queryInstance", "instanceId": "x"}

    exchange = post_activity(interface=interface, body=body, timeout=5)
    kit = post_kit(
        interface=interface,
        path="/produceAPI/v2/tenantSync",
        body={"tenantId": "t", "flag": 0, "testFlag": 0},
        timeout=5,
    )

    assert not exchange.ok and reason in exchange.error
    assert not kit.ok and reason in kit.error


def test_slow_is_a_timeout(interface, isv):
    requests.post(f"{isv.base}/_control", json={"fail_mode": "slow", "slow_ms": 1500})
    exchange = post_activity(
        interface=interface, body={"activity": "queryInstance", "instanceId": "x"}, timeout=0.3
    )
    assert not exchange.ok
    assert "timeout" in exchange.error

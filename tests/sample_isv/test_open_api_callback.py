"""The sample ISV calls our real open API back (query order, AK/SK) after creating an
instance: the sample's client, `aksk.py` and the open API agree."""

import threading
import time
import uuid

import pytest
import requests

from sample_isv.client import OpenApi, query_order, query_order_later
from sample_isv.server import make_server
from tests.factories.isv import OpenApiKeyFactory
from tests.factories.orders import PaidOrderFactory
from tests.sample_isv.test_server import KEY, sign


@pytest.fixture
def api(live_server, transactional_db):
    order = PaidOrderFactory()
    key = OpenApiKeyFactory(seller=order.seller, secret="open-api-secret")
    url = f"{live_server.url}/api/mkp-openapi-public/global/v1"
    return order, OpenApi(url=url, ak=key.key_id, sk="open-api-secret")


def test_query_order_with_aksk(api):
    order, open_api = api
    answer = query_order(open_api, order_id=order.number)
    assert answer["httpStatus"] == 200, answer
    assert answer["resultCode"] == "MKT.0000"
    wrong = OpenApi(url=open_api.url, ak=open_api.ak, sk="wrong")
    assert query_order(wrong, order_id=order.number)["httpStatus"] != 200


def test_new_instance_queries_the_order_back(api, tmp_path):
    order, open_api = api
    server = make_server("127.0.0.1", 0, access_keys=[KEY], db_path=tmp_path / "isv.db")
    server.on_instance_created = query_order_later(open_api, server.record_callback)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        body = {
            "activity": "newInstance",
            "orderId": order.number,
            "orderLineId": f"{order.number}-000001",
            "businessId": uuid.uuid4().hex,
        }
        assert requests.post(f"{base}/produce", json=body, params=sign(body)).ok
        for _ in range(100):
            callbacks = requests.get(f"{base}/_state").json()["callbacks"]
            if callbacks:
                break
            time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    assert callbacks == [{"orderId": order.number, "httpStatus": 200, "resultCode": "MKT.0000"}]

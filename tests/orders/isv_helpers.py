"""Shared by the dispatcher tests: the real sample ISV on a free loopback port (its own
temporary SQLite file), a product interface pointing at it, and a paid SaaS order.

Import the fixtures into a test module: `from tests.orders.isv_helpers import isv  # noqa`.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from orders.models import Order
from orders.services.checkout import order_pay, order_place
from sample_isv.server import DEFAULT_ACCESS_KEY, make_server
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.isv import ProductInterfaceFactory


@pytest.fixture
def isv(tmp_path):
    """The sample ISV, started in a thread: `.url`, `.behaviour`, `.state()`."""
    server = make_server(
        "127.0.0.1", 0, access_keys=[DEFAULT_ACCESS_KEY], db_path=tmp_path / "isv.sqlite3"
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def interface(isv):
    return ProductInterfaceFactory(production_url=f"{isv.url}/produce")


def buy(product, *, capture, buyer=None, spec_index: int = 0) -> Order:
    """Place and pay an order for `product` (the after-commit kick is NOT run: the test
    dispatches when it says so)."""
    buyer = buyer or UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("10000.00"))
    spec = list(product.listed_version.specs.order_by("position", "id"))[spec_index]
    price = spec.prices.first()
    order = order_place(buyer=buyer, spec=spec, period=price.period, agreement_accepted=True)
    with capture(execute=False):
        order = order_pay(order_id=order.pk, buyer=buyer)
    return order

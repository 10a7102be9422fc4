"""Checkout under real concurrency on PostgreSQL: threads, each with its own connection
and transactions (issue 8 › Concurrency and integrity)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from buyers.models import LedgerEntry, Wallet
from buyers.selectors import ledger_mismatches
from marketplace.catalog.models import SpecSales
from marketplace.catalog.sales import SoldOut
from orders.models import Order
from orders.services.checkout import order_checkout
from supervision.models import Case
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_seller_server(settings):
    # These tests are about stock and money: the products have no production interface,
    # and the HTTP dispatcher would fail their newInstance calls (and refund the orders)
    # as soon as the eager Celery task runs. The outbox rows are still written.
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"


# Threads at once: well under PostgreSQL's default 100 connections, which other test
# runs on the same server share.
WORKERS = 40


def _checkout(buyer, spec, key: str) -> str:
    try:
        order_checkout(
            buyer=buyer,
            spec=spec,
            period="month",
            agreement_accepted=True,
            idempotency_key=key,
            pay_method="balance",
        )
        return "paid"
    except SoldOut:
        return "sold out"
    except Exception as exc:  # anything else is a failure of the test
        return f"error: {exc!r}"
    finally:
        connection.close()


def test_200_checkouts_for_a_stock_of_50_sell_exactly_50():
    product = listed_product()
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=50)
    spec = product.listed_version.specs.get(code="spec-0")
    buyers = [UserFactory() for _ in range(200)]
    for buyer in buyers:
        WalletFactory(buyer=buyer, balance=Decimal("200.00"))
    start = threading.Barrier(WORKERS)

    def run(index: int) -> str:
        if index < WORKERS:  # the first wave starts together
            start.wait()
        return _checkout(buyers[index], spec, f"race-{index}")

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(run, range(200)))

    assert [r for r in results if r.startswith("error")] == []
    assert results.count("paid") == 50
    assert results.count("sold out") == 150
    assert SpecSales.objects.get(product=product, spec_code="spec-0").stock == 0
    # Paid; SaaS by period is supervised: processing, each with its case.
    paid_orders = Order.objects.filter(payment_status=Order.PaymentStatus.PAID)
    assert paid_orders.filter(status=Order.Status.PROCESSING).count() == 50
    assert Case.objects.filter(order__in=paid_orders).count() == 50
    assert Order.objects.count() == 50  # a refused checkout leaves nothing behind
    paid = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT)
    assert paid.count() == 50
    assert sum(e.amount for e in paid) == Decimal("-4950.00")
    assert Wallet.objects.filter(balance=Decimal("101.00")).count() == 50
    assert ledger_mismatches() == []


def test_the_same_buyer_double_submitting_gets_one_order():
    product = listed_product()
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=10)
    spec = product.listed_version.specs.get(code="spec-0")
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))
    start = threading.Barrier(2)

    def run(_index: int) -> str:
        start.wait()
        return _checkout(buyer, spec, "same-key")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))

    assert results == ["paid", "paid"]  # both answer with the one paid order
    assert Order.objects.count() == 1
    assert SpecSales.objects.get(product=product, spec_code="spec-0").stock == 9
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("401.00")
    assert ledger_mismatches() == []


def test_concurrent_payments_never_overdraw_one_wallet():
    """One buyer, balance for two orders, five unpaid hardware orders paid at once."""
    from orders.services.checkout import order_pay, order_place

    product = listed_product(
        delivery_type="hardware", specs=[("Box", "one_off", [("once", "40.00")])]
    )
    spec = product.listed_version.specs.get()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("100.00"))
    orders = [
        order_place(buyer=buyer, spec=spec, agreement_accepted=True, idempotency_key=f"o{i}")
        for i in range(5)
    ]
    start = threading.Barrier(5)

    def pay(order) -> str:
        start.wait()
        try:
            order_pay(order_id=order.pk, buyer=buyer)
            return "paid"
        except Exception as exc:
            return type(exc).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(pay, orders))

    assert results.count("paid") == 2
    assert results.count("InsufficientFunds") == 3
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("20.00")
    assert ledger_mismatches() == []

"""API package usage under real concurrency on PostgreSQL (`package_usage_deduct`): threads,
each with its own connection and transaction, never overdraw a quota and count a key once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from marketplace.catalog.models import DeliveryType, Spec
from marketplace.core.exceptions import DomainError
from orders.models import Subscription, UsageRecord
from orders.services.packages import package_usage_deduct
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def package(quota: int) -> Subscription:
    product = listed_product(
        delivery_type=DeliveryType.API_APIG,
        specs=[(f"{quota} calls", "package", [("package", "100.00")])],
    )
    Spec.objects.filter(version=product.listed_version).update(
        package_quota=quota, package_kind="stop_when_used_up"
    )
    order = PaidOrderFactory(product=product)
    Subscription.objects.filter(pk=order.subscription_id).update(
        quota_total=quota, quota_used=0, billing_mode="package", expires_at=None
    )
    return Subscription.objects.get(pk=order.subscription_id)


def _deduct(subscription_id: int, amount: int, key: str) -> str:
    try:
        package_usage_deduct(subscription_id=subscription_id, amount=amount, key=key)
        return "ok"
    except DomainError as exc:
        return f"refused: {exc.message}"
    except Exception as exc:  # anything else is a failure of the test
        return f"error: {exc!r}"
    finally:
        connection.close()


class Watcher(threading.Thread):
    """Reads quota_used over and over while the deductions run: the highest value seen."""

    def __init__(self, subscription_id: int):
        super().__init__(daemon=True)
        self.subscription_id = subscription_id
        self.highest = 0
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                used = (
                    Subscription.objects.filter(pk=self.subscription_id)
                    .values_list("quota_used", flat=True)
                    .get()
                )
                self.highest = max(self.highest, used)
        finally:
            connection.close()


def test_30_deductions_of_10_against_a_quota_of_100_let_exactly_10_through():
    subscription = package(100)
    watcher = Watcher(subscription.pk)
    start = threading.Barrier(30)

    def run(index: int) -> str:
        start.wait()
        return _deduct(subscription.pk, 10, f"call-{index}")

    watcher.start()
    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(run, range(30)))
    watcher.stop.set()
    watcher.join()

    assert [r for r in results if r.startswith("error")] == []
    assert results.count("ok") == 10
    assert results.count("refused: Not enough quota left in this package.") == 20
    subscription.refresh_from_db()
    assert subscription.quota_used == 100 and subscription.quota_left == 0
    assert watcher.highest <= 100
    records = UsageRecord.objects.filter(subscription=subscription)
    assert records.count() == 10  # a refused deduction leaves no record
    assert records.aggregate(total=Sum("amount"))["total"] == 100


def test_the_same_key_sent_twice_at_once_counts_once():
    subscription = package(1000)
    pairs = 10
    start = threading.Barrier(pairs * 2)

    def run(index: int) -> str:
        start.wait()
        return _deduct(subscription.pk, 7, f"retry-{index // 2}")  # two threads per key

    with ThreadPoolExecutor(max_workers=pairs * 2) as pool:
        results = list(pool.map(run, range(pairs * 2)))

    assert results == ["ok"] * (pairs * 2)  # the second of a pair answers "counted"
    subscription.refresh_from_db()
    assert subscription.quota_used == 7 * pairs
    assert UsageRecord.objects.filter(subscription=subscription).count() == pairs

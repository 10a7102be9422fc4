"""Usage push under real concurrency on PostgreSQL: the same metering_sn pushed by several
threads at once (a seller's retries racing) is stored once and deducted from its package
once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import MeteringRecord, Subscription, UsageRecord
from orders.services.metering import UsageRecordIn, metering_records_push
from tests.factories.catalog import listed_product
from tests.factories.isv import OpenApiKeyFactory
from tests.factories.orders import SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 8


def test_concurrent_replays_of_one_record_count_once():
    key = OpenApiKeyFactory()
    product = listed_product(seller=key.seller)
    instance = SubscriptionFactory(product=product, instance_id="inst-pg")
    package = SubscriptionFactory(
        product=product,
        buyer=instance.buyer,
        billing_mode="package",
        quota_total=100,
        instance_id="pkg-pg",
    )
    now = timezone.now()
    record = UsageRecordIn(
        instance_id="inst-pg",
        metering_sn="sn-race",
        usage_value=Decimal(7),
        record_time=now,
        begin_time=now - dt.timedelta(hours=1),
        end_time=now,
        relate_pkg_instance="pkg-pg",
    )
    start = threading.Barrier(WORKERS)

    def push(_: int) -> str:
        try:
            start.wait()
            metering_records_push(seller=key.seller, records=[record])
            return "ok"
        except Exception as exc:
            return f"error: {exc!r}"
        finally:
            connection.close()

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(push, range(WORKERS)))
    assert results == ["ok"] * WORKERS
    assert MeteringRecord.objects.filter(metering_sn="sn-race").count() == 1
    assert UsageRecord.objects.filter(subscription=package).count() == 1
    assert Subscription.objects.get(pk=package.pk).quota_used == 7

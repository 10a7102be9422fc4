"""Claims under real concurrency on PostgreSQL (`SELECT … FOR UPDATE SKIP LOCKED`): two
dispatchers claiming at the same time never claim the same row, a row locked by one is
skipped (not waited for) by the other, and per-subscription order holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from orders.models import ProvisioningCall
from orders.provisioning import call_enqueue, calls_claim
from tests.factories.orders import SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_kick(monkeypatch):
    """The rows stay pending: the claims below are the only dispatchers."""
    monkeypatch.setattr("orders.provisioning._kick", lambda call_id: None)


def test_concurrent_claims_never_take_the_same_row():
    subscriptions = [SubscriptionFactory() for _ in range(60)]
    for subscription in subscriptions:
        call_enqueue(subscription=subscription, activity="newInstance", payload={})
        call_enqueue(subscription=subscription, activity="refreshInstance", payload={})
    start = threading.Barrier(8)

    def claim(_n: int) -> list[int]:
        try:
            start.wait()
            taken = []
            for _round in range(5):
                taken += calls_claim(limit=7)
            return taken
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    claimed = [call_id for result in results for call_id in result]
    assert len(claimed) == len(set(claimed)) == 60  # each first call once, nothing twice
    assert set(
        ProvisioningCall.objects.filter(pk__in=claimed).values_list("activity", flat=True)
    ) == {"newInstance"}
    assert ProvisioningCall.objects.filter(status="sending").count() == 60
    assert ProvisioningCall.objects.filter(attempts=1).count() == 60


def test_a_row_locked_by_another_claim_is_skipped_not_waited_for():
    first, second = SubscriptionFactory(), SubscriptionFactory()
    locked = call_enqueue(subscription=first, activity="newInstance", payload={})
    free = call_enqueue(subscription=second, activity="newInstance", payload={})
    holding, done = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                ProvisioningCall.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(10)
        assert calls_claim() == [free.pk]  # returns at once, without the locked row
    finally:
        done.set()
        thread.join()
    assert calls_claim() == [locked.pk]

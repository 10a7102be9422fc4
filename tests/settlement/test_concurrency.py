"""Under real concurrency on PostgreSQL (threads, each with its own connection): two
billing runs of the same period at once make one bill per group and no duplicate line
(issue 12 › Bad input and faults: "two workers: one bill"); the database itself refuses
to change a fee policy version in force."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from settlement.models import Bill, BillLine, CarryOver, FeePolicy, PartnerShareBill
from settlement.services import settlement_run
from tests.factories.settlement import FeePolicyFactory, beijing, billable_order, settle_product

from .helpers import line_keys

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(n: int, fn):
    start = threading.Barrier(n)

    def run(index: int):
        start.wait()
        try:
            return fn(index)
        except Exception as exc:  # the test looks at what each got
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_two_runs_of_the_same_period_at_once_make_one_bill():
    FeePolicyFactory(ratio=Decimal("0.05"))
    products = [settle_product() for _ in range(4)]
    for product in products:
        for day in (2, 9, 16):
            billable_order(product=product, amount="500.00", paid_at=beijing(2024, 5, day))
    billable_order(product=settle_product(), amount="20.00", paid_at=beijing(2024, 5, 3))

    results = _run_together(
        2, lambda i: settlement_run(period="2024-05", batch_size=1 + i, source=f"worker-{i}")
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.status for r in results} == {"finished"}
    assert Bill.objects.count() == 4
    assert sum(r.bills_created for r in results) == 4
    assert CarryOver.objects.count() == 1
    keys = line_keys()
    assert len(keys) == len(set(keys)) == 12
    assert sum(r.lines_created for r in results) == 12
    assert BillLine.objects.values("order").distinct().count() == 12
    assert PartnerShareBill.objects.count() == 0


def test_the_database_refuses_to_change_a_version_in_force():
    policy = FeePolicyFactory(ratio=Decimal("0.05"), effective_from=beijing(2024, 1, 1))
    with pytest.raises(DatabaseError, match="in force"), transaction.atomic():
        FeePolicy.objects.filter(pk=policy.pk).update(ratio=Decimal("0.01"))
    future = FeePolicyFactory(ratio=Decimal("0.05"), effective_from=beijing(2099, 1, 1))
    FeePolicy.objects.filter(pk=future.pk).update(ratio=Decimal("0.06"))  # not yet in force
    policy.refresh_from_db()
    assert policy.ratio == Decimal("0.05")

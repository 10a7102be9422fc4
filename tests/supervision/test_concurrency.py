"""Under real concurrency on PostgreSQL (threads, each with its own connection): two
acceptances complete a case once; two completion sweeps complete each order once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marketplace.core.models import TransitionLog
from orders.models import Order
from supervision import services as s
from supervision.exceptions import CaseFinished
from supervision.flows import FlowCode, Node
from supervision.models import CaseLog
from supervision.services.log import verify_chain

from .helpers import case_at

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


def test_two_concurrent_acceptances_complete_the_case_once():
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    results = _run_together(2, lambda _i: s.case_accept(case_id=case.pk, actor=case.buyer))
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], CaseFinished), results
    assert CaseLog.objects.filter(case=case, action="accept").count() == 1
    assert verify_chain(case.pk) is None


def test_two_workers_sweeping_at_once_complete_each_order_once():
    cases = [case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE) for _ in range(12)]
    for case in cases:
        s.case_accept(case_id=case.pk, actor=case.buyer)
    results = _run_together(2, lambda _i: s.orders_complete_supervised(batch=3))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 12
    order_ids = [c.order_id for c in cases]
    assert Order.objects.filter(pk__in=order_ids, status=Order.Status.COMPLETED).count() == 12
    completes = TransitionLog.objects.filter(
        action="complete", object_id__in=[str(pk) for pk in order_ids]
    )
    assert completes.count() == 12


def test_two_overdue_sweeps_at_once_flag_each_case_once():
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from marketplace.core.models import Notification
    from tests.factories.supervision import open_case

    for _ in range(6):
        open_case(flow=FlowCode.ORCHESTRATION)
    Notification.objects.all().delete()
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        results = _run_together(2, lambda _i: s.cases_flag_overdue(batch=2))
    assert sum(results) == 6, results
    counts = Notification.objects.filter(template="supervision_overdue").values_list(
        "context", flat=True
    )
    assert sum(c["count"] for c in counts) == 6

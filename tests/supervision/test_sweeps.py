"""The beat jobs (issue 11 › Deadlines, › Order status, › Speed): idempotent, set-based,
a constant number of queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.audit import history_for
from marketplace.core.models import Notification
from orders.models import Order
from supervision import services as s
from supervision import tasks
from supervision.flows import FlowCode, Node
from supervision.models import Case
from supervision.selectors import case_list_for_seller
from tests.factories.accounts import SupportFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import open_case

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db


def _overdue_cases(n: int, seller=None):
    seller = seller or ActiveSellerFactory()
    cases = [open_case(flow=FlowCode.ORCHESTRATION, seller=seller) for _ in range(n)]
    return seller, cases


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_overdue_cases_are_flagged_once_and_their_sellers_and_operators_told():
    support = SupportFactory()
    seller, cases = _overdue_cases(3)
    not_yet = open_case(flow=FlowCode.ORCHESTRATION, avg_delivery_days=30)
    Notification.objects.all().delete()
    later = timezone.now() + dt.timedelta(days=6)
    with time_machine.travel(later):
        assert s.cases_flag_overdue() == 3
        assert s.cases_flag_overdue() == 0  # once
        assert tasks.flag_overdue_cases() == 0
        listed = case_list_for_seller(seller, {"overdue": True})
        assert {c.pk for c in listed} == {c.pk for c in cases}
    assert Case.objects.filter(overdue_at__isnull=False).count() == 3
    assert Case.objects.get(pk=not_yet.pk).overdue_at is None
    digests = Notification.objects.filter(template="supervision_overdue")
    assert list(digests.values_list("user_id", flat=True)) == [seller.user_id]
    assert digests.get().context["count"] == 3
    assert set(
        Notification.objects.filter(template="supervision_overdue_operators").values_list(
            "user_id", flat=True
        )
    ) == {support.pk}


def test_a_delivered_case_is_not_overdue_and_a_returned_one_gets_a_new_deadline():
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    assert case.due_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert s.cases_flag_overdue() == 0
        s.case_reject(case_id=case.pk, actor=case.buyer, reason="Again")
        case.refresh_from_db()
        assert case.due_at > timezone.now() + dt.timedelta(days=4)


def test_the_overdue_sweep_is_constant_in_queries():
    _overdue_cases(2)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        small = _queries(s.cases_flag_overdue)
    Case.objects.update(overdue_at=None)
    _overdue_cases(8)  # another seller too: one more digest, same queries
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert _queries(s.cases_flag_overdue) == small


def test_accepted_orders_are_completed_once_with_their_history():
    cases = [case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE) for _ in range(3)]
    for case in cases[:2]:
        s.case_accept(case_id=case.pk, actor=case.buyer)
    assert s.orders_complete_supervised() == 2
    assert s.orders_complete_supervised() == 0  # idempotent
    assert tasks.complete_supervised_orders() == 0
    for case in cases[:2]:
        order = Order.objects.get(pk=case.order_id)
        assert order.status == Order.Status.COMPLETED and order.completed_at is not None
        rows = [r for r in history_for(order) if r.action == "complete"]
        assert [(r.from_state, r.to_state) for r in rows] == [("processing", "completed")]
    assert Order.objects.get(pk=cases[2].order_id).status == Order.Status.PROCESSING


def test_an_order_no_longer_processing_is_left_alone():
    case = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE)
    s.case_accept(case_id=case.pk, actor=case.buyer)
    Order.objects.filter(pk=case.order_id).update(status=Order.Status.UNSUBSCRIBED)
    assert s.orders_complete_supervised() == 0
    assert Order.objects.get(pk=case.order_id).status == Order.Status.UNSUBSCRIBED
    assert Case.objects.get(pk=case.pk).order_synced_at is not None  # not looked at again


def test_the_completion_sweep_is_constant_in_queries():
    def accepted(n):
        for _ in range(n):
            case = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE)
            s.case_accept(case_id=case.pk, actor=case.buyer)

    accepted(2)
    small = _queries(s.orders_complete_supervised)
    accepted(7)
    assert _queries(s.orders_complete_supervised) == small


def test_the_completion_sweep_works_in_batches(django_assert_max_num_queries):
    for _ in range(5):
        case = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE)
        s.case_accept(case_id=case.pk, actor=case.buyer)
    assert s.orders_complete_supervised(batch=2) == 5
    assert Order.objects.filter(status=Order.Status.COMPLETED).count() == 5


class FeedProvider:
    polls = True
    answers: dict = {}

    def signed_for(self, *, carrier, tracking_number):
        return self.answers.get(tracking_number)


def test_a_carrier_feed_records_signed_for_as_the_system(settings):
    settings.SUPERVISION_LOGISTICS_PROVIDER = "tests.supervision.test_sweeps.FeedProvider"
    case = case_at(FlowCode.HARDWARE, Node.IN_TRANSIT)
    other = case_at(FlowCode.HARDWARE, Node.IN_TRANSIT)
    when = timezone.now()
    FeedProvider.answers = {case.tracking_number: when}
    assert s.cases_poll_logistics() == 1
    case.refresh_from_db()
    assert case.node == Node.SIGNED_FOR and case.signed_for_at == when
    row = case.log.order_by("-seq").first()
    assert (row.action, row.role, row.actor) == ("mark_signed_for", "system", None)
    assert Case.objects.get(pk=other.pk).node == Node.IN_TRANSIT
    assert s.cases_poll_logistics() == 0


def test_the_manual_provider_polls_nothing():
    case = case_at(FlowCode.HARDWARE, Node.IN_TRANSIT)
    before = snapshot(case)
    assert tasks.poll_logistics() == 0
    assert snapshot(case) == before


def test_each_sweep_batch_is_a_handful_of_queries(django_assert_num_queries):
    _overdue_cases(4)
    # savepoint, claim the rows, flag them, the permission, the operators, the digests
    # (one INSERT), release.
    later = time_machine.travel(timezone.now() + dt.timedelta(days=6))
    with later, django_assert_num_queries(7):
        assert s.cases_flag_overdue() == 4
    accepted = [case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE) for _ in range(3)]
    for case in accepted:
        s.case_accept(case_id=case.pk, actor=case.buyer)
    # savepoint, claim the cases, lock the orders, complete them, history (one INSERT),
    # mark the cases, release.
    with django_assert_num_queries(7):
        assert s.orders_complete_supervised() == 3


def test_due_hardware_is_accepted_set_based_each_with_its_chained_row():
    from supervision.models import SupervisionStatus
    from supervision.services.log import verify_chain

    from .helpers import actions

    def signed_for(n: int) -> list:
        return [case_at(FlowCode.HARDWARE, Node.SIGNED_FOR) for _ in range(n)]

    few = signed_for(2)
    frozen = case_at(FlowCode.HARDWARE, Node.SIGNED_FOR)
    s.appeal_open(case_id=frozen.pk, actor=frozen.buyer, reason="Damaged")
    before = snapshot(frozen)
    later = timezone.now() + dt.timedelta(days=11)
    with time_machine.travel(later):
        few_queries = _queries(lambda: s.cases_auto_accept_hardware())
    many = signed_for(5)
    with time_machine.travel(later + dt.timedelta(days=11)):
        # savepoint, claim, the log rows (one INSERT), the cases (one UPDATE), the
        # notifications (one INSERT), release: whatever the number of cases.
        assert _queries(lambda: s.cases_auto_accept_hardware()) == few_queries
        assert s.cases_auto_accept_hardware() == 0  # idempotent
        assert s.cases_auto_accept_hardware(batch=2) == 0
    for case in few + many:
        case.refresh_from_db()
        assert (case.node, case.status) == (Node.COMPLETED, SupervisionStatus.COMPLETED)
        assert case.accepted_at == case.completed_at is not None
        assert actions(case)[-1] == "auto_accept" and verify_chain(case.pk) is None
        sent = Notification.objects.filter(
            template="supervision_completed", context__case_id=case.pk
        )
        assert set(sent.values_list("user_id", flat=True)) == {case.buyer_id, case.seller.user_id}
    assert snapshot(frozen) == before  # frozen by the appeal: left alone


def test_the_auto_acceptance_works_in_batches():
    cases = [case_at(FlowCode.HARDWARE, Node.SIGNED_FOR) for _ in range(3)]
    with time_machine.travel(timezone.now() + dt.timedelta(days=11)):
        assert s.cases_auto_accept_hardware(batch=2) == 3
    assert {c.status for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {"completed"}

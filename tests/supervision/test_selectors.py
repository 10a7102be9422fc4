"""Reads for the centers, dashboards and settlement: scoped by owner, filters, constant
queries on the lists, the actions a role has now, to-do counts, supervision status."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order
from supervision import services as s
from supervision.flows import FlowCode, Node, Role
from supervision.models import SupervisionStatus
from supervision.selectors import (
    CaseFilters,
    case_actions_for,
    case_list_for_buyer,
    case_list_for_seller,
    case_log,
    case_progress,
    orders_settleable,
    settleable_order_ids,
    supervision_status_for_orders,
    todo_count_for_buyer,
    todo_count_for_seller,
)
from tests.factories.accounts import UserFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import open_case, supervised_order

from .helpers import case_at, drive

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return ActiveSellerFactory()


@pytest.fixture
def buyer():
    return UserFactory()


def _render(cases) -> list:
    """What a list row shows: order number, product, buyer, node and status labels."""
    return [
        (
            c.order.number,
            c.product.name,
            c.buyer.username,
            c.seller.pk,
            c.get_node_display(),
            c.get_status_display(),
        )
        for c in cases
    ]


def test_lists_are_scoped_and_constant_in_queries(seller, buyer, django_assert_num_queries):
    mine = [open_case(seller=seller, buyer=buyer) for _ in range(2)]
    open_case()  # someone else's
    with django_assert_num_queries(1):
        assert len(_render(case_list_for_seller(seller))) == 2
    with django_assert_num_queries(1):
        assert len(_render(case_list_for_buyer(buyer))) == 2
    for _ in range(5):
        open_case(seller=seller, buyer=buyer)
    with django_assert_num_queries(1):
        assert len(_render(case_list_for_seller(seller))) == 7
    assert {c.pk for c in case_list_for_buyer(buyer)} >= {c.pk for c in mine}


def test_filters(seller):
    standard = open_case(seller=seller)
    other = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE, seller=seller)
    s.case_accept(case_id=other.pk, actor=other.buyer)
    overdue = open_case(flow=FlowCode.ORCHESTRATION, seller=seller)

    def ids(**filters):
        return {c.pk for c in case_list_for_seller(seller, filters)}

    assert ids(status="completed") == {other.pk}
    assert ids(node=Node.REQUIREMENTS) == {standard.pk}
    assert ids(flow=FlowCode.STANDARD) == {standard.pk}
    assert ids(product=standard.product_id) == {standard.pk}
    today = timezone.localdate()
    assert ids(opened_from=today, opened_to=today) == {standard.pk, other.pk, overdue.pk}
    assert ids(opened_to=today - dt.timedelta(days=1)) == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert ids(overdue=True) == {overdue.pk}
    assert {c.pk for c in case_list_for_seller(seller, CaseFilters(status="in_progress"))} == {
        standard.pk,
        overdue.pk,
    }


def test_actions_follow_the_node_and_the_role():
    case = open_case()
    assert case_actions_for(case, Role.BUYER) == [
        "submit_requirements",
        "upload_evidence",
        "appeal_open",
    ]
    assert case_actions_for(case, Role.SELLER) == ["upload_evidence"]
    drive(case, Node.ACCEPTANCE)
    case.refresh_from_db()
    assert case_actions_for(case, Role.BUYER)[:2] == ["accept", "reject"]
    s.case_accept(case_id=case.pk, actor=case.buyer)
    case.refresh_from_db()
    assert case_actions_for(case, Role.BUYER) == []


def test_todo_counts(seller, buyer, django_assert_num_queries):
    a = open_case(seller=seller, buyer=buyer)  # requirements: the buyer's
    b = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW, seller=seller, buyer=buyer)
    c = case_at(FlowCode.HARDWARE, Node.SIGNED_FOR, seller=seller, buyer=buyer)  # buyer's
    case_at(FlowCode.LICENSE_CODE, Node.ACTIVATION, seller=seller, buyer=buyer)  # system's
    with django_assert_num_queries(1):
        assert todo_count_for_buyer(buyer) == 2
    with django_assert_num_queries(1):
        assert todo_count_for_seller(seller) == 1
    s.appeal_open(case_id=a.pk, actor=buyer, reason="Frozen cases wait for no one")
    assert todo_count_for_buyer(buyer) == 1
    s.case_confirm_requirements(case_id=b.pk, actor=seller.user)
    assert todo_count_for_seller(seller) == 1  # implementing is the seller's too
    s.case_accept(case_id=c.pk, actor=buyer)
    assert todo_count_for_buyer(buyer) == 0


def test_supervision_status_for_settlement(django_assert_num_queries):
    plain = supervised_order(delivery_type="image")
    running = open_case()
    done = case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE)
    s.case_accept(case_id=done.pk, actor=done.buyer)
    frozen = open_case()
    s.appeal_open(case_id=frozen.pk, actor=frozen.buyer, reason="x")
    ids = [plain.pk, running.order_id, done.order_id, frozen.order_id]
    with django_assert_num_queries(1):
        statuses = supervision_status_for_orders(ids)
    assert statuses == {
        plain.pk: SupervisionStatus.NOT_INVOLVED,
        running.order_id: SupervisionStatus.IN_PROGRESS,
        done.order_id: SupervisionStatus.COMPLETED,
        frozen.order_id: SupervisionStatus.IN_APPEAL,
    }
    with django_assert_num_queries(1):
        assert settleable_order_ids(ids) == {plain.pk, done.order_id}
    assert set(
        orders_settleable(Order.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    ) == {
        plain.pk,
        done.order_id,
    }


def test_progress_and_log():
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    progress = case_progress(case)
    assert [p["node"] for p in progress] == [
        "requirements",
        "requirements_review",
        "implementing",
        "acceptance",
        "completed",
    ]
    assert [p["state"] for p in progress] == ["done", "done", "current", "todo", "todo"]
    assert [row.action for row in case_log(case)] == [
        "open",
        "submit_requirements",
        "confirm_requirements",
    ]

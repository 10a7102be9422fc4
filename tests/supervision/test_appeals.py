"""Appeals (issue 11 › Appeals): who may appeal when, the frozen case, the operator's
three decisions, once each; both parties e-mailed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from marketplace.core.exceptions import PermissionDenied
from marketplace.core.models import Notification
from orders.models import Order, Refund, Subscription
from supervision import services as s
from supervision.exceptions import AppealAlreadyDecided, InputRequired, OperatorPermissionDenied
from supervision.flows import FlowCode, Node, Role
from supervision.models import Appeal, CaseLog, SupervisionStatus
from supervision.selectors import (
    case_actions_for,
    case_can_appeal,
    case_steer_to_appeal,
    settleable_order_ids,
)
from supervision.services.log import verify_chain
from tests.factories.accounts import FinanceFactory, OperatorFactory, SupportFactory
from tests.factories.buyers import WalletFactory
from tests.factories.supervision import evidence_jpeg, evidence_pdf

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    appeal = s.appeal_open(
        case_id=case.pk, actor=case.buyer, reason="Not what we asked", files=[evidence_jpeg()]
    )
    case.refresh_from_db()
    return case, appeal


def test_the_buyer_appeals_at_any_node_and_the_case_freezes(frozen):
    case, appeal = frozen
    assert case.status == SupervisionStatus.IN_APPEAL and case.is_frozen
    assert case.node == Node.ACCEPTANCE  # frozen where it was
    assert (appeal.role, appeal.node, appeal.status) == (Role.BUYER, Node.ACCEPTANCE, "open")
    assert appeal.files.count() == 1
    row = CaseLog.objects.get(case=case, action="appeal_open")
    assert row.files[0]["sha256"] == appeal.files.get().sha256
    assert case_actions_for(case, Role.BUYER) == []
    assert settleable_order_ids([case.order_id]) == set()


def test_the_buyer_may_appeal_at_the_first_node():
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS)
    assert case_can_appeal(case, Role.BUYER)
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Wrong product")


def test_the_seller_may_appeal_once_the_buyer_is_idle_for_the_configured_days(settings):
    settings.SUPERVISION_SELLER_APPEAL_AFTER_DAYS = 3
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    assert not case_can_appeal(case, Role.SELLER)
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    with time_machine.travel(later):
        assert case_can_appeal(case, Role.SELLER)
        assert "appeal_open" in case_actions_for(case, Role.SELLER)
        appeal = s.appeal_open(case_id=case.pk, actor=case.seller.user, reason="No answer")
    assert appeal.role == Role.SELLER


def test_the_seller_may_not_appeal_outside_the_acceptance_step():
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert not case_can_appeal(case, Role.SELLER)


def test_after_the_configured_rejections_the_buyer_is_steered_to_appeal(settings):
    settings.SUPERVISION_REJECTIONS_BEFORE_APPEAL = 2
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    s.case_reject(case_id=case.pk, actor=case.buyer, reason="1")
    case.refresh_from_db()
    assert not case_steer_to_appeal(case)
    s.case_mark_delivered(
        case_id=case.pk, actor=case.seller.user, description="2", files=[evidence_pdf()]
    )
    s.case_reject(case_id=case.pk, actor=case.buyer, reason="2")
    case.refresh_from_db()
    assert case.rejection_count == 2 and case_steer_to_appeal(case)


def test_force_complete(frozen):
    case, appeal = frozen
    operator = SupportFactory()
    Notification.objects.all().delete()
    s.appeal_decide(appeal_id=appeal.pk, actor=operator, decision="force_complete", note="Done")
    case.refresh_from_db()
    appeal.refresh_from_db()
    assert (case.node, case.status) == (Node.COMPLETED, SupervisionStatus.COMPLETED)
    assert (appeal.status, appeal.decision, appeal.decided_by) == (
        "decided",
        "force_complete",
        operator,
    )
    row = case.log.get(action="appeal_decide")
    assert (row.role, row.from_node, row.to_node) == (
        Role.OPERATOR,
        Node.ACCEPTANCE,
        Node.COMPLETED,
    )
    assert verify_chain(case.pk) is None
    told = set(
        Notification.objects.filter(template="supervision_appeal_decided").values_list(
            "user_id", flat=True
        )
    )
    assert told == {case.buyer_id, case.seller.user_id}
    assert s.orders_complete_supervised() == 1
    case.order.refresh_from_db()
    assert case.order.status == Order.Status.COMPLETED


def test_return_to_seller_starts_a_new_deadline(frozen):
    case, appeal = frozen
    s.appeal_decide(
        appeal_id=appeal.pk, actor=SupportFactory(), decision="return_to_seller", note="Redo"
    )
    case.refresh_from_db()
    assert (case.node, case.status) == (Node.IMPLEMENTING, SupervisionStatus.IN_PROGRESS)
    assert case.due_at > timezone.now() + dt.timedelta(days=case.delivery_days - 1)
    s.case_mark_delivered(
        case_id=case.pk, actor=case.seller.user, description="Redone", files=[evidence_pdf()]
    )


def test_refund_goes_through_the_orders_refund_once(frozen):
    case, appeal = frozen
    order = case.order
    WalletFactory(buyer=case.buyer)
    finance = FinanceFactory()
    s.appeal_decide(appeal_id=appeal.pk, actor=finance, decision="refund", note="Refund it")
    case.refresh_from_db()
    order.refresh_from_db()
    assert (case.node, case.status) == (Node.CLOSED, SupervisionStatus.CLOSED_BY_REFUND)
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == order.amount
    assert Refund.objects.filter(order=order).count() == 1
    assert Refund.objects.get(order=order).amount == Decimal("500.00")
    before = snapshot(case)
    with pytest.raises(AppealAlreadyDecided):
        s.appeal_decide(appeal_id=appeal.pk, actor=finance, decision="refund", note="Again")
    assert snapshot(case) == before
    assert Refund.objects.filter(order=order).count() == 1
    # Closed by refund: not settleable, nothing more to complete.
    assert settleable_order_ids([order.pk]) == set()
    assert s.orders_complete_supervised() == 0


def test_a_refund_decision_needs_the_refund_permission_too(frozen):
    case, appeal = frozen
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        s.appeal_decide(appeal_id=appeal.pk, actor=SupportFactory(), decision="refund", note="R")
    assert snapshot(case) == before
    assert not Refund.objects.exists()


def test_a_free_order_is_unsubscribed_by_a_refund_decision():
    case = case_at(FlowCode.SAAS, Node.IMPLEMENTING, spec_index=1)  # the free trial spec
    assert case.order.amount == 0
    appeal = s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Never delivered")
    s.appeal_decide(appeal_id=appeal.pk, actor=FinanceFactory(), decision="refund", note="Close")
    case.order.refresh_from_db()
    assert case.order.status == Order.Status.UNSUBSCRIBED
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("actor", "decision", "note", "error"),
    [
        (lambda: OperatorFactory(), "force_complete", "x", OperatorPermissionDenied),
        (lambda: None, "force_complete", "x", OperatorPermissionDenied),
        (lambda: SupportFactory(), "burn_it", "x", InputRequired),
        (lambda: SupportFactory(), "force_complete", " ", InputRequired),
    ],
)
def test_bad_decisions_are_refused(frozen, actor, decision, note, error):
    case, appeal = frozen
    before = snapshot(case)
    with pytest.raises(error):
        s.appeal_decide(appeal_id=appeal.pk, actor=actor(), decision=decision, note=note)
    assert snapshot(case) == before
    assert Appeal.objects.get(pk=appeal.pk).status == "open"


def test_the_other_party_and_the_operators_hear_of_an_appeal():
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    support = SupportFactory()
    Notification.objects.all().delete()
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Slow")
    told = set(
        Notification.objects.filter(template="supervision_appeal_opened").values_list(
            "user_id", flat=True
        )
    )
    assert told == {case.seller.user_id, support.pk}


def test_the_subscription_ends_with_a_full_refund(frozen):
    case, appeal = frozen
    WalletFactory(buyer=case.buyer)
    s.appeal_decide(appeal_id=appeal.pk, actor=FinanceFactory(), decision="refund", note="R")
    status = Subscription.objects.get(pk=case.order.subscription_id).status
    assert status in (Subscription.Status.UNSUBSCRIBED, Subscription.Status.RELEASED)

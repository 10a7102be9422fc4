"""The appeal queue and the decision page of the supervision admin: open appeals first,
oldest first; support and finance decide (a refund only with `orders.refund_order`:
finance); a refusal is a message with nothing changed; both parties are told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from marketplace.core.models import Notification
from orders.models import Order, Refund
from supervision import services as s
from supervision.flows import FlowCode, Node
from supervision.models import SupervisionStatus
from supervision.selectors import appeal_queue
from tests.factories.accounts import (
    FinanceFactory,
    OperatorFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
)
from tests.factories.buyers import WalletFactory
from tests.factories.supervision import evidence_jpeg

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db

APPEALS = reverse("admin:supervision_appeal_changelist")


def _decide(appeal) -> str:
    return reverse("admin:supervision_appeal_decide", args=[appeal.pk])


def _change(appeal) -> str:
    return reverse("admin:supervision_appeal_change", args=[appeal.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def appeal():
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    return s.appeal_open(
        case_id=case.pk, actor=case.buyer, reason="Not what we asked", files=[evidence_jpeg()]
    )


def _state(appeal) -> dict:
    appeal.refresh_from_db()
    return {
        "case": snapshot(appeal.case),
        "appeal": (appeal.status, appeal.decision, appeal.note),
        "refunds": Refund.objects.count(),
    }


# --- the queue -----------------------------------------------------------------------------


def test_open_appeals_come_first_oldest_first(client):
    start = timezone.now() - dt.timedelta(days=5)
    appeals = []
    for day in range(4):
        with time_machine.travel(start + dt.timedelta(days=day)):
            case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
            appeals.append(s.appeal_open(case_id=case.pk, actor=case.buyer, reason=f"R{day}"))
    oldest, old, newer, newest = appeals
    s.appeal_decide(appeal_id=old.pk, actor=SupportFactory(), decision="force_complete", note="n")
    s.appeal_decide(
        appeal_id=newest.pk, actor=SupportFactory(), decision="force_complete", note="n"
    )
    client.force_login(SupportFactory())
    response = client.get(APPEALS)
    order = [a.pk for a in response.context["cl"].result_list]
    assert order[:2] == [a.pk for a in appeal_queue()] == [oldest.pk, newer.pk]
    assert order[2:] == [newest.pk, old.pk]  # decided: newest first
    html = response.content.decode()
    assert _decide(oldest) in html and _decide(newer) in html
    assert _decide(old) not in html


def test_the_queue_costs_the_same_queries_for_more_appeals(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(FinanceFactory())

    def appeals(n):
        for _ in range(n):
            case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
            s.appeal_open(case_id=case.pk, actor=case.buyer, reason="R")

    appeals(1)
    client.get(APPEALS)
    with CaptureQueriesContext(connection) as few:
        client.get(APPEALS)
    appeals(3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(APPEALS)
    assert response.context["cl"].result_count == 4
    assert len(many) == len(few)


# --- the decision page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_user", "refund_offered"),
    [(SupportFactory, False), (FinanceFactory, True)],
    ids=["support", "finance"],
)
def test_the_decision_page_shows_the_appeal_and_what_the_operator_may_decide(
    client, appeal, make_user, refund_offered
):
    client.force_login(make_user())
    assert _decide(appeal) in client.get(_change(appeal)).content.decode()
    response = client.get(_decide(appeal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not what we asked" in html and appeal.case.order.number in html
    assert 'href="/files/' in html  # the proof, through a signed link
    choices = [c[0] for c in response.context["form"].fields["decision"].choices]
    assert ("refund" in choices) is refund_offered
    assert {"force_complete", "return_to_seller"} <= set(choices)


@pytest.mark.parametrize("make_user", [ReviewerFactory, OperatorFactory], ids=["reviewer", "staff"])
def test_other_staff_may_not_decide(client, appeal, make_user):
    before = _state(appeal)
    client.force_login(make_user())
    assert client.get(_decide(appeal)).status_code == 403
    response = client.post(_decide(appeal), {"decision": "force_complete", "note": "x"})
    assert response.status_code == 403
    assert _state(appeal) == before


def test_viewing_appeals_is_not_deciding_them(client, appeal):
    """Staff who may view appeals but not decide them get no decision link and a 403."""
    user = OperatorFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="supervision", codename__in=["view_appeal", "view_case"]
        )
    )
    client.force_login(user)
    assert client.get(APPEALS).status_code == 200
    assert _decide(appeal) not in client.get(APPEALS).content.decode()
    assert _decide(appeal) not in client.get(_change(appeal)).content.decode()
    before = _state(appeal)
    assert (
        client.post(_decide(appeal), {"decision": "force_complete", "note": "x"}).status_code == 403
    )
    assert _state(appeal) == before


def test_support_forces_completion_and_both_parties_are_told(client, appeal):
    operator = SupportFactory()
    client.force_login(operator)
    Notification.objects.all().delete()
    response = client.post(
        _decide(appeal),
        {"decision": "force_complete", "note": "The delivery is fine."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _change(appeal)
    appeal.refresh_from_db()
    case = appeal.case
    assert (appeal.status, appeal.decision, appeal.decided_by) == (
        "decided",
        "force_complete",
        operator,
    )
    assert appeal.note == "The delivery is fine."
    assert (case.node, case.status) == (Node.COMPLETED, SupervisionStatus.COMPLETED)
    assert any("decided" in t for t in messages_of(response))
    told = set(
        Notification.objects.filter(template="supervision_appeal_decided").values_list(
            "user_id", flat=True
        )
    )
    assert told == {case.buyer_id, case.seller.user_id}
    # Decided: the page sends back to the appeal, which no longer offers a decision.
    response = client.get(_decide(appeal), follow=True)
    assert response.redirect_chain[-1][0] == _change(appeal)
    assert _decide(appeal) not in response.content.decode()


def test_finance_returns_the_case_to_the_seller(client, appeal):
    client.force_login(FinanceFactory())
    client.post(_decide(appeal), {"decision": "return_to_seller", "note": "Add the table."})
    appeal.refresh_from_db()
    assert appeal.case.node == Node.IMPLEMENTING
    assert appeal.case.status == SupervisionStatus.IN_PROGRESS


@pytest.mark.parametrize(
    "make_user",
    [FinanceFactory, lambda: UserFactory(is_staff=True, is_superuser=True)],
    ids=["finance", "superuser"],
)
def test_a_refund_decision_refunds_the_order(client, appeal, make_user):
    WalletFactory(buyer=appeal.case.buyer)
    client.force_login(make_user())
    client.post(_decide(appeal), {"decision": "refund", "note": "Refund it all."})
    appeal.refresh_from_db()
    order = Order.objects.get(pk=appeal.case.order_id)
    assert appeal.case.status == SupervisionStatus.CLOSED_BY_REFUND
    assert order.status == Order.Status.REFUNDED
    assert Refund.objects.filter(order=order).count() == 1


def test_support_may_not_refund(client, appeal):
    client.force_login(SupportFactory())
    before = _state(appeal)
    response = client.post(_decide(appeal), {"decision": "refund", "note": "Refund"})
    assert response.status_code == 200
    assert response.context["form"].errors["decision"]
    assert _state(appeal) == before


def test_a_note_is_required(client, appeal):
    client.force_login(SupportFactory())
    before = _state(appeal)
    response = client.post(_decide(appeal), {"decision": "force_complete", "note": "   "})
    assert response.context["form"].errors["note"]
    assert _state(appeal) == before


def test_a_refusal_by_the_service_is_a_message_and_changes_nothing(client, appeal):
    client.force_login(SupportFactory())
    before = _state(appeal)
    response = client.post(_decide(appeal), {"decision": "force_complete", "note": "x" * 5001})
    assert response.status_code == 200  # the page again, with the service's reason
    assert any("at most 5000 characters" in t for t in messages_of(response))
    assert _state(appeal) == before


def test_an_appeal_decided_meanwhile_is_not_decided_again(client, appeal):
    """Another operator decided between this page and its POST."""
    client.force_login(SupportFactory())
    assert client.get(_decide(appeal)).status_code == 200
    s.appeal_decide(
        appeal_id=appeal.pk, actor=FinanceFactory(), decision="return_to_seller", note="First"
    )
    before = _state(appeal)
    response = client.post(
        _decide(appeal), {"decision": "force_complete", "note": "Second"}, follow=True
    )
    assert _state(appeal) == before
    assert any("already been decided" in t for t in messages_of(response))


def test_an_unknown_appeal_is_not_found(client):
    client.force_login(SupportFactory())
    for pk in (10**9, "abc"):
        url = reverse("admin:supervision_appeal_decide", args=[pk])
        assert client.get(url).status_code == 404


def test_the_decision_page_reads_in_chinese(client, settings, appeal):
    client.force_login(FinanceFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(_decide(appeal)).content.decode()
    for text in ("给双方的说明", "强制完成", "退回卖家", "退款退订", "冻结节点"):
        assert text in html, text
    assert "Note to both parties" not in html

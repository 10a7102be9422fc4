"""Seller center › Delivery management › Service supervision (issue 11 › 3): the list
with its filters (constant queries), the case page, each seller action through the page,
refusals shown with nothing changed, another seller's case a 404."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supervision.flows import FlowCode, Node
from supervision.models import Appeal, Case, CaseLog, EvidenceFile, SupervisionStatus
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import evidence_pdf, evidence_png, fake_pdf, open_case

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db


def list_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("seller:supervision_list") + (f"?{query}" if query else "")


def detail_url(case: Case) -> str:
    return reverse("seller:supervision_detail", kwargs={"pk": case.pk})


def action_url(case: Case, action: str) -> str:
    return reverse("seller:supervision_action", kwargs={"pk": case.pk, "action": action})


def text(response) -> str:
    return html.unescape(response.content.decode())


def as_seller(client, case: Case):
    client.force_login(case.seller.user)
    return client


def listed(response) -> set[int]:
    return {case.pk for case in response.context["page"].object_list}


# --- the list -------------------------------------------------------------------------------


@pytest.fixture
def several():
    """One seller's cases in several flows and nodes, and another seller's case."""
    seller = ActiveSellerFactory()
    cases = {
        "requirements": open_case(flow=FlowCode.STANDARD, seller=seller),
        "review": case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW, seller=seller),
        "implementing": case_at(FlowCode.DATA_FILE, Node.IMPLEMENTING, seller=seller),
        "acceptance": case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE, seller=seller),
        "completed": case_at(FlowCode.SAAS, Node.COMPLETED, seller=seller),
        "shipping": open_case(flow=FlowCode.HARDWARE, seller=seller),
    }
    theirs = open_case(flow=FlowCode.STANDARD)
    return seller, cases, theirs


def test_the_list_shows_the_sellers_own_cases_only(client, several):
    seller, cases, theirs = several
    client.force_login(seller.user)
    response = client.get(list_url())
    assert response.status_code == 200
    assert listed(response) == {c.pk for c in cases.values()}
    assert theirs.pk not in listed(response)
    page = text(response)
    assert "Service supervision" in page and cases["review"].order.number in page


def test_the_list_filters(client, several):
    seller, cases, _ = several
    client.force_login(seller.user)
    ids = {name: case.pk for name, case in cases.items()}
    assert listed(client.get(list_url(status="completed"))) == {ids["completed"]}
    assert listed(client.get(list_url(node="requirements_review"))) == {ids["review"]}
    assert listed(client.get(list_url(flow="hardware"))) == {ids["shipping"]}
    product = cases["acceptance"].product_id
    assert listed(client.get(list_url(product=product))) == {ids["acceptance"]}
    # Waiting for the seller: requirements to review, work to deliver, goods to ship.
    assert listed(client.get(list_url(todo="on"))) == {
        ids["review"],
        ids["implementing"],
        ids["shipping"],
    }
    # Overdue: past the implementation deadline.
    Case.objects.filter(pk=ids["implementing"]).update(due_at=timezone.now() - dt.timedelta(days=1))
    response = client.get(list_url(overdue="on"))
    assert listed(response) == {ids["implementing"]}
    assert "Overdue" in text(response)
    # Opened dates (Beijing business dates, inclusive).
    Case.objects.filter(pk=ids["requirements"]).update(
        opened_at=timezone.now() - dt.timedelta(days=40)
    )
    old = timezone.localdate() - dt.timedelta(days=40)
    assert listed(client.get(list_url(opened_from=old, opened_to=old))) == {ids["requirements"]}
    recent = listed(client.get(list_url(opened_from=timezone.localdate() - dt.timedelta(days=1))))
    assert ids["requirements"] not in recent and ids["review"] in recent
    # A value that doesn't validate is dropped: the wider list, not an error.
    assert len(listed(client.get(list_url(status="bogus", product="x")))) == len(cases)
    assert "No case matches these filters." in text(client.get(list_url(flow="joint")))


def test_the_list_costs_the_same_queries_for_more_cases(client):
    seller = ActiveSellerFactory()
    for flow in (FlowCode.STANDARD, FlowCode.HARDWARE, FlowCode.SAAS):
        open_case(flow=flow, seller=seller)
    client.force_login(seller.user)
    client.get(list_url())  # the session and caches warmed
    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url()).status_code == 200
    for flow in (FlowCode.DATA_FILE, FlowCode.LICENSE_CODE, FlowCode.JOINT, FlowCode.STANDARD):
        open_case(flow=flow, seller=seller)
    with CaptureQueriesContext(connection) as more:
        response = client.get(list_url())
    assert len(response.context["page"].object_list) == 7
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]


def test_the_list_costs_a_fixed_number_of_queries(client, several, django_assert_num_queries):
    seller, _, _ = several
    client.force_login(seller.user)
    client.get(list_url())
    # session, user, seller (the page's, the menu's), product choices, count, one page of
    # cases (with their order, product and parties).
    with django_assert_num_queries(7):
        client.get(list_url(todo="on"))


def test_a_buyer_or_a_visitor_cant_open_the_seller_list(client, several):
    _, cases, _ = several
    assert client.get(list_url()).status_code == 302  # log in
    client.force_login(cases["review"].buyer)
    assert client.get(list_url()).status_code == 403
    assert client.get(detail_url(cases["review"])).status_code == 403


# --- the case page ----------------------------------------------------------------------------


def test_the_case_page_shows_progress_requirements_log_and_evidence(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    response = as_seller(client, case).get(detail_url(case))
    assert response.status_code == 200
    page = text(response)
    states = {step["node"]: step["state"] for step in response.context["progress"]}
    assert states["requirements"] == "done" and states["acceptance"] == "current"
    assert states["completed"] == "todo"
    assert "Needs" in page and "Done" in page  # the requirements and the result (helpers)
    assert [e["row"].action for e in response.context["log"]] == [
        "open",
        "submit_requirements",
        "confirm_requirements",
        "mark_delivered",
    ]
    [evidence] = response.context["evidence"]
    assert evidence["name"] == "acceptance.pdf" and evidence["url"] in page
    # Acceptance is the buyer's: the seller may only upload evidence (and not appeal yet).
    assert [card.name for card in response.context["cards"]] == ["upload_evidence"]
    assert "You may appeal once the buyer's step has made no progress for 7 days." in page


def test_another_sellers_case_is_404_and_stays_unchanged(client):
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW)
    client.force_login(ActiveSellerFactory().user)
    before = snapshot(case)
    assert client.get(detail_url(case)).status_code == 404
    response = client.post(action_url(case, "confirm_requirements"), {})
    assert response.status_code == 404
    response = client.post(
        action_url(case, "upload_evidence"), {"upload_evidence-files": [evidence_pdf()]}
    )
    assert response.status_code == 404
    assert snapshot(case) == before


# --- each action through the page -------------------------------------------------------------


def test_confirm_requirements(client):
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW)
    response = as_seller(client, case).post(
        action_url(case, "confirm_requirements"), {"confirm_requirements-comment": "Clear."}
    )
    assert response.status_code == 302 and response.url == detail_url(case)
    case.refresh_from_db()
    assert case.node == Node.IMPLEMENTING and case.due_at is not None
    assert case.log.order_by("-seq").first().comment == "Clear."
    assert "Requirements confirmed." in text(client.get(response.url))


def test_return_requirements_needs_a_reason(client):
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW)
    as_seller(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "return_requirements"), {})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert snapshot(case) == before
    client.post(action_url(case, "return_requirements"), {"return_requirements-reason": "Vague"})
    case.refresh_from_db()
    assert case.node == Node.REQUIREMENTS


def test_submit_design_with_a_file(client):
    case = case_at(FlowCode.SITE_BUILDING, Node.DESIGN)
    as_seller(client, case)
    before = snapshot(case)
    # The design needs its file: refused by the form, nothing changed.
    response = client.post(action_url(case, "submit_design"), {"submit_design-description": "D"})
    assert response.status_code == 200 and snapshot(case) == before
    client.post(
        action_url(case, "submit_design"),
        {"submit_design-description": "Home page", "submit_design-files": [evidence_png()]},
    )
    case.refresh_from_db()
    assert case.node == Node.DESIGN_CONFIRMATION
    assert EvidenceFile.objects.filter(case=case, original_name="screenshot.png").exists()


def test_mark_delivered_with_description_and_files(client):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    response = as_seller(client, case).post(
        action_url(case, "mark_delivered"),
        {
            "mark_delivered-description": "Migrated 3 databases.",
            "mark_delivered-files": [evidence_pdf("report.pdf"), evidence_png()],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.node == Node.ACCEPTANCE and case.result_description == "Migrated 3 databases."
    assert case.evidence.count() == 2
    row = case.log.order_by("-seq").first()
    assert [f["name"] for f in row.files] == ["report.pdf", "screenshot.png"]


def test_a_file_refused_by_its_content_changes_nothing(client):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    as_seller(client, case)
    before = snapshot(case)
    response = client.post(
        action_url(case, "mark_delivered"),
        {"mark_delivered-description": "Done", "mark_delivered-files": [fake_pdf()]},
    )
    assert response.status_code == 200
    assert "“invoice.pdf”" in text(response)
    assert snapshot(case) == before
    # The description typed is still there to send again.
    assert response.context["cards"][0].form["description"].value() == "Done"


def test_deliver_code(client):
    case = open_case(flow=FlowCode.LICENSE_CODE)
    response = as_seller(client, case).post(
        action_url(case, "deliver_code"), {"deliver_code-code": "ABCD-1234-EFGH"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.node == Node.CODE_CLAIM and case.license.code == "ABCD-1234-EFGH"
    assert "ABCD-1234-EFGH" in text(client.get(detail_url(case)))


def test_ship_mark_signed_for_and_remind_the_buyer(client):
    case = open_case(flow=FlowCode.HARDWARE)
    as_seller(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "ship"), {"ship-carrier": "SF Express"})
    assert response.status_code == 200 and snapshot(case) == before
    client.post(
        action_url(case, "ship"),
        {
            "ship-carrier": "SF Express",
            "ship-tracking_number": "SF1234567890",
            "ship-recipient_phone": "13900000000",  # not the buyer's
        },
    )
    case.refresh_from_db()
    assert (case.node, case.tracking_number) == (Node.IN_TRANSIT, "SF1234567890")
    client.post(action_url(case, "mark_signed_for"), {})
    case.refresh_from_db()
    assert case.node == Node.SIGNED_FOR and case.signed_for_at is not None
    assert case.auto_accept_at is None  # the phones differ: the buyer must accept
    page = text(client.get(detail_url(case)))
    assert "the buyer must accept" in page
    response = client.post(action_url(case, "remind_buyer"), {"remind_buyer-comment": "Please"})
    assert response.status_code == 302
    assert case.log.order_by("-seq").first().action == "remind_buyer"


def test_mark_signed_for_at_a_time_in_the_future_is_refused(client):
    case = case_at(FlowCode.HARDWARE, Node.IN_TRANSIT)
    as_seller(client, case)
    before = snapshot(case)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        action_url(case, "mark_signed_for"), {"mark_signed_for-signed_for_at": later}
    )
    assert response.status_code == 200
    assert "must be after shipping and not in the future" in text(response)
    assert snapshot(case) == before


def test_upload_evidence(client):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    response = as_seller(client, case).post(
        action_url(case, "upload_evidence"),
        {"upload_evidence-files": [evidence_png()], "upload_evidence-comment": "Chat log"},
    )
    assert response.status_code == 302
    assert case.evidence.get().original_name == "screenshot.png"
    assert case.node == Case.objects.get(pk=case.pk).node  # evidence doesn't move the node


def test_the_seller_appeals_only_after_the_buyer_stalled(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    as_seller(client, case)
    before = snapshot(case)
    data = {"appeal_open-reason": "The buyer doesn't answer", "appeal_open-files": [evidence_pdf()]}
    response = client.post(action_url(case, "appeal_open"), data)
    assert response.status_code == 200
    assert "You may appeal when the buyer's acceptance has made no progress" in text(response)
    assert snapshot(case) == before
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        page = client.get(detail_url(case))
        assert "appeal_open" in [card.name for card in page.context["cards"]]
        data["appeal_open-files"] = [evidence_pdf()]
        response = client.post(action_url(case, "appeal_open"), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == SupervisionStatus.IN_APPEAL
    appeal = Appeal.objects.get(case=case)
    assert appeal.role == "seller" and appeal.files.count() == 1
    page = text(client.get(detail_url(case)))
    assert "An appeal is open on this case" in page and "The buyer doesn't answer" in page


# --- refusals ---------------------------------------------------------------------------------


def test_out_of_turn_gives_the_message_and_changes_nothing(client):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    as_seller(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "confirm_requirements"), {})
    assert response.status_code == 200
    assert "“Confirm requirements” can't be done at “Seller delivers”." in text(response)
    assert snapshot(case) == before


def test_a_buyers_action_is_not_a_seller_page(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    as_seller(client, case)
    before = snapshot(case)
    for action in ("accept", "reject", "submit_requirements", "operator_confirm", "nothing"):
        assert client.post(action_url(case, action), {"reject-reason": "x"}).status_code == 404
    assert snapshot(case) == before


def test_a_frozen_case_refuses_the_sellers_moves(client):
    from supervision.services import appeal_open

    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    appeal_open(case_id=case.pk, actor=case.buyer, reason="Too slow")
    as_seller(client, case)
    before = snapshot(case)
    page = client.get(detail_url(case))
    assert page.context["cards"] == []
    response = client.post(
        action_url(case, "mark_delivered"),
        {"mark_delivered-description": "Done", "mark_delivered-files": [evidence_pdf()]},
    )
    assert "nothing moves until an operator decides it" in text(response)
    assert snapshot(case) == before


def test_get_on_an_action_is_not_allowed(client):
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW)
    assert as_seller(client, case).get(action_url(case, "confirm_requirements")).status_code == 405
    assert CaseLog.objects.filter(case=case).count() == case.log_count


# --- dashboard and menu -------------------------------------------------------------------------


def test_the_dashboard_counts_the_cases_waiting_for_the_seller(client, several):
    seller, _, _ = several
    client.force_login(seller.user)
    response = client.get(reverse("seller:dashboard"))
    page = text(response)
    assert response.context["supervision_todo"] == 3
    assert f"{reverse('seller:supervision_list')}?todo=on" in page
    assert "Delivery management" in page  # the menu's group
    assert reverse("seller:supervision_list") in page

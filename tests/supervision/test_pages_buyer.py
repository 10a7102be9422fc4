"""Buyer center › Service supervision (issue 11 › 3): the list with its filters (constant
queries), the case page, each buyer action through the page, acceptance asking again
before it acts, the prompt to appeal after repeated rejections, refusals shown with
nothing changed, another buyer's case a 404."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supervision.flows import FlowCode, Node
from supervision.models import Appeal, Case, SupervisionStatus
from tests.factories.accounts import UserFactory
from tests.factories.supervision import evidence_docx, evidence_pdf, exe_file, open_case

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db


def list_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("supervision:list") + (f"?{query}" if query else "")


def detail_url(case: Case) -> str:
    return reverse("supervision:detail", kwargs={"pk": case.pk})


def accept_url(case: Case) -> str:
    return reverse("supervision:accept", kwargs={"pk": case.pk})


def action_url(case: Case, action: str) -> str:
    return reverse("supervision:action", kwargs={"pk": case.pk, "action": action})


def text(response) -> str:
    return html.unescape(response.content.decode())


def as_buyer(client, case: Case):
    client.force_login(case.buyer)
    return client


def listed(response) -> set[int]:
    return {case.pk for case in response.context["page"].object_list}


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- the list -------------------------------------------------------------------------------


@pytest.fixture
def several():
    """One buyer's cases in several flows and nodes, and another buyer's case."""
    buyer = UserFactory()
    cases = {
        "requirements": open_case(flow=FlowCode.STANDARD, buyer=buyer),
        "implementing": case_at(FlowCode.STANDARD, Node.IMPLEMENTING, buyer=buyer),
        "acceptance": case_at(FlowCode.ORCHESTRATION, Node.ACCEPTANCE, buyer=buyer),
        "claim": case_at(FlowCode.LICENSE_CODE, Node.CODE_CLAIM, buyer=buyer),
        "completed": case_at(FlowCode.SAAS, Node.COMPLETED, buyer=buyer),
    }
    theirs = open_case(flow=FlowCode.STANDARD)
    return buyer, cases, theirs


def test_the_list_shows_the_buyers_own_cases_only(client, several):
    buyer, cases, theirs = several
    client.force_login(buyer)
    response = client.get(list_url())
    assert response.status_code == 200
    assert listed(response) == {c.pk for c in cases.values()}
    assert theirs.pk not in listed(response)
    # In the buyer center's layout, with its menu entry.
    assert response.context["center"] == "buyer"
    assert reverse("supervision:list") in text(response)


def test_the_list_filters(client, several):
    buyer, cases, _ = several
    client.force_login(buyer)
    ids = {name: case.pk for name, case in cases.items()}
    assert listed(client.get(list_url(status="completed"))) == {ids["completed"]}
    assert listed(client.get(list_url(node="code_claim"))) == {ids["claim"]}
    assert listed(client.get(list_url(flow="orchestration"))) == {ids["acceptance"]}
    product = cases["implementing"].product_id
    assert listed(client.get(list_url(product=product))) == {ids["implementing"]}
    # Waiting for the buyer: requirements to give, a delivery to accept, a code to claim.
    assert listed(client.get(list_url(todo="on"))) == {
        ids["requirements"],
        ids["acceptance"],
        ids["claim"],
    }
    Case.objects.filter(pk=ids["implementing"]).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert listed(client.get(list_url(overdue="on"))) == {ids["implementing"]}
    Case.objects.filter(pk=ids["claim"]).update(opened_at=timezone.now() - dt.timedelta(days=9))
    day = timezone.localdate() - dt.timedelta(days=9)
    assert listed(client.get(list_url(opened_from=day, opened_to=day))) == {ids["claim"]}


def test_the_list_costs_the_same_queries_for_more_cases(client):
    buyer = UserFactory()
    for flow in (FlowCode.STANDARD, FlowCode.HARDWARE):
        open_case(flow=flow, buyer=buyer)
    client.force_login(buyer)
    client.get(list_url())
    with CaptureQueriesContext(connection) as few:
        client.get(list_url())
    for flow in (FlowCode.DATA_FILE, FlowCode.SAAS, FlowCode.LICENSE_PACKAGE):
        open_case(flow=flow, buyer=buyer)
    with CaptureQueriesContext(connection) as more:
        response = client.get(list_url(todo="on"))
    # Waiting for the buyer: the requirements of the standard and data-file cases.
    assert len(response.context["page"].object_list) == 2
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]


def test_the_list_costs_a_fixed_number_of_queries(client, several, django_assert_num_queries):
    buyer, _, _ = several
    client.force_login(buyer)
    client.get(list_url())
    # session, user, product choices, count, one page of cases (with their order, product
    # and parties).
    with django_assert_num_queries(5):
        client.get(list_url())


# --- the case page and ownership --------------------------------------------------------------


def test_another_buyers_or_the_sellers_look_is_404_and_changes_nothing(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    before = snapshot(case)
    for intruder in (UserFactory(), case.seller.user):
        client.force_login(intruder)
        assert client.get(detail_url(case)).status_code == 404
        assert client.get(accept_url(case)).status_code == 404
        post = client.post(accept_url(case), {"accept-confirm": "True"})
        assert post.status_code == 404
        reject = client.post(action_url(case, "reject"), {"reject-reason": "No"})
        assert reject.status_code == 404
    assert snapshot(case) == before


def test_the_case_page_shows_the_buyers_actions(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    response = as_buyer(client, case).get(detail_url(case))
    assert [card.name for card in response.context["cards"]] == [
        "accept",
        "reject",
        "upload_evidence",
        "appeal_open",
    ]
    page = text(response)
    assert accept_url(case) in page
    assert "acceptance.pdf" in page and response.context["evidence"][0]["url"] in page
    assert response.context["steer_to_appeal"] is False


# --- requirements and design ------------------------------------------------------------------


def test_submit_and_modify_requirements_with_files(client):
    case = open_case(flow=FlowCode.STANDARD)
    as_buyer(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "submit_requirements"), {})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert snapshot(case) == before
    response = client.post(
        action_url(case, "submit_requirements"),
        {
            "submit_requirements-requirements": "Migrate MySQL 5.7 to 8.0",
            "submit_requirements-files": [evidence_docx()],
        },
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.node == Node.REQUIREMENTS_REVIEW
    assert case.requirements == "Migrate MySQL 5.7 to 8.0"
    assert case.evidence.get().original_name == "report.docx"
    # The seller returns them; the buyer modifies them, starting from the text given.
    from supervision.services import case_return_requirements

    case_return_requirements(case_id=case.pk, actor=case.seller.user, reason="Which tables?")
    page = as_buyer(client, case).get(detail_url(case))
    form = page.context["cards"][0].form
    assert form["requirements"].value() == "Migrate MySQL 5.7 to 8.0"
    assert "Which tables?" in text(page)
    client.post(
        action_url(case, "submit_requirements"),
        {"submit_requirements-requirements": "All tables of db1"},
    )
    case = reload(case)
    assert (case.node, case.requirements) == (Node.REQUIREMENTS_REVIEW, "All tables of db1")


def test_confirm_the_design(client):
    case = case_at(FlowCode.SITE_BUILDING, Node.DESIGN_CONFIRMATION)
    response = as_buyer(client, case).post(
        action_url(case, "confirm_design"), {"confirm_design-comment": "Nice"}
    )
    assert response.status_code == 302
    assert reload(case).node == Node.IMPLEMENTING


def test_reject_the_design_needs_a_reason(client):
    case = case_at(FlowCode.SITE_BUILDING, Node.DESIGN_CONFIRMATION)
    as_buyer(client, case)
    before = snapshot(case)
    assert client.post(action_url(case, "reject_design"), {}).status_code == 200
    assert snapshot(case) == before
    client.post(action_url(case, "reject_design"), {"reject_design-reason": "Too dark"})
    assert reload(case).node == Node.DESIGN


# --- acceptance asks again; rejection needs a reason ----------------------------------------


def test_acceptance_asks_again_before_it_acts(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    as_buyer(client, case)
    before = snapshot(case)
    # The case page's button opens the question; nothing happens yet.
    question = client.get(accept_url(case))
    assert question.status_code == 200
    assert "Accept the delivery of order" in text(question)
    assert 'name="accept-confirm"' in text(question)
    # A POST without the confirmation only asks (again), keeping the comment.
    response = client.post(accept_url(case), {"accept-comment": "Looks good"})
    assert response.status_code == 200
    assert "Accept the delivery of order" in text(response)
    assert response.context["form"]["comment"].value() == "Looks good"
    assert snapshot(case) == before
    # The question's own form accepts.
    response = client.post(
        accept_url(case), {"accept-comment": "Looks good", "accept-confirm": "True"}
    )
    assert response.status_code == 302 and response.url == detail_url(case)
    case = reload(case)
    assert case.status == SupervisionStatus.COMPLETED and case.node == Node.COMPLETED
    assert case.log.order_by("-seq").first().comment == "Looks good"
    page = text(client.get(detail_url(case)))
    assert "Accepted: the case is completed." in page


def test_a_second_acceptance_gives_the_message_and_changes_nothing(client):
    case = case_at(FlowCode.STANDARD, Node.COMPLETED)
    as_buyer(client, case)
    before = snapshot(case)
    response = client.post(accept_url(case), {"accept-confirm": "True"}, follow=True)
    assert "This case is already completed." in text(response)
    assert snapshot(case) == before
    # Asking for the question when nothing waits for acceptance: told so.
    response = client.get(accept_url(case), follow=True)
    assert "This case is not waiting for your acceptance." in text(response)


def test_reject_needs_a_reason_then_goes_back_to_the_seller(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    as_buyer(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "reject"), {"reject-reason": "  "})
    assert response.status_code == 200
    assert snapshot(case) == before
    response = client.post(
        action_url(case, "reject"),
        {"reject-reason": "Half the tables are missing", "reject-files": [evidence_pdf()]},
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.node, case.rejection_count) == (Node.IMPLEMENTING, 1)


def test_after_repeated_rejections_the_buyer_is_steered_to_appeal(client, settings):
    settings.SUPERVISION_REJECTIONS_BEFORE_APPEAL = 2
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    as_buyer(client, case)
    for attempt in range(2):
        page = client.get(detail_url(case))
        assert "steer-to-appeal" not in text(page)
        client.post(action_url(case, "reject"), {"reject-reason": f"Still wrong {attempt}"})
        from .helpers import drive

        drive(case, Node.ACCEPTANCE)
    page = client.get(detail_url(case))
    assert page.context["steer_to_appeal"] is True
    assert "You have rejected this delivery 2 times." in text(page)
    assert page.context["cards"][0].name == "appeal_open"  # the appeal first


# --- license code, evidence, appeal -----------------------------------------------------------


def test_claim_the_code(client):
    case = case_at(FlowCode.LICENSE_CODE, Node.CODE_CLAIM)
    page = as_buyer(client, case).get(detail_url(case))
    assert case.license.code not in text(page)  # shown once claimed
    assert client.post(action_url(case, "claim_code"), {}).status_code == 302
    case = reload(case)
    assert case.node == Node.ACTIVATION
    assert case.license.code in text(client.get(detail_url(case)))


def test_upload_evidence_refuses_a_wrong_type(client):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    as_buyer(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "upload_evidence"), {})
    assert response.status_code == 200 and snapshot(case) == before
    response = client.post(
        action_url(case, "upload_evidence"), {"upload_evidence-files": [exe_file()]}
    )
    assert "“tool.exe”" in text(response)
    assert snapshot(case) == before
    client.post(action_url(case, "upload_evidence"), {"upload_evidence-files": [evidence_pdf()]})
    assert reload(case).evidence.count() == 1


def test_the_buyer_appeals_at_any_node(client):
    case = open_case(flow=FlowCode.STANDARD)
    as_buyer(client, case)
    before = snapshot(case)
    assert client.post(action_url(case, "appeal_open"), {}).status_code == 200
    assert snapshot(case) == before
    response = client.post(
        action_url(case, "appeal_open"),
        {"appeal_open-reason": "The seller never answers", "appeal_open-files": [evidence_pdf()]},
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.status == SupervisionStatus.IN_APPEAL and case.node == Node.REQUIREMENTS
    assert Appeal.objects.get(case=case).files.count() == 1
    page = client.get(detail_url(case))
    assert page.context["cards"] == []
    assert "An appeal is open on this case" in text(page)


def test_a_decided_appeal_shows_to_the_buyer(client):
    from supervision.services import appeal_decide, appeal_open
    from tests.factories.accounts import SupportFactory

    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    appeal = appeal_open(case_id=case.pk, actor=case.buyer, reason="Broken")
    appeal_decide(
        appeal_id=appeal.pk, actor=SupportFactory(), decision="return_to_seller", note="Fix it"
    )
    page = text(as_buyer(client, case).get(detail_url(case)))
    assert "Return to the seller" in page and "Fix it" in page


# --- refusals ---------------------------------------------------------------------------------


def test_out_of_turn_gives_the_message_and_changes_nothing(client):
    case = open_case(flow=FlowCode.SITE_BUILDING)
    as_buyer(client, case)
    before = snapshot(case)
    response = client.post(action_url(case, "confirm_design"), {})
    assert response.status_code == 200
    assert "can't be done at “Buyer submits requirements”" in text(response)
    assert snapshot(case) == before


def test_a_sellers_action_is_not_a_buyer_page(client):
    case = case_at(FlowCode.STANDARD, Node.REQUIREMENTS_REVIEW)
    as_buyer(client, case)
    before = snapshot(case)
    for action in ("confirm_requirements", "mark_delivered", "ship", "remind_buyer"):
        assert client.post(action_url(case, action), {}).status_code == 404
    assert snapshot(case) == before


# --- dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_counts_the_cases_waiting_for_the_buyer(client, several):
    buyer, _, _ = several
    client.force_login(buyer)
    response = client.get(reverse("buyer:dashboard"))
    assert response.context["supervision_todo"] == 3
    assert f"{reverse('supervision:list')}?todo=on" in text(response)

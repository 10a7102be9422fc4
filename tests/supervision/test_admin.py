"""The supervision admin (supervision/admin.py) as each operator group sees it: cases
listed, filtered and shown read-only with their log, evidence and appeals; the operator
node and signed-for actions for support only; the dispute bundle for whoever may view
cases; nothing added, changed or deleted by hand. Least privilege: each action and view
with the right group (it works), a wrong group (refused or not offered, nothing changed)
and a superuser."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from supervision import services as s
from supervision.bundle import read_bundle
from supervision.flows import FlowCode, Node, Role
from supervision.models import Appeal, Case, CaseLog, EvidenceFile
from tests.factories.accounts import (
    FinanceFactory,
    OperatorFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
)
from tests.factories.supervision import evidence_pdf

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db

CASES = reverse("admin:supervision_case_changelist")
GROUPS = {"support": SupportFactory, "finance": FinanceFactory, "reviewer": ReviewerFactory}


def _change(case) -> str:
    return reverse("admin:supervision_case_change", args=[case.pk])


def _bundle(case) -> str:
    return reverse("admin:supervision_case_bundle", args=[case.pk])


def run_action(client, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    return client.post(CASES, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def listed(client, **query) -> set[int]:
    response = client.get(CASES, query)
    assert response.status_code == 200
    return {c.pk for c in response.context["cl"].result_list}


@pytest.fixture
def joint():
    return case_at(FlowCode.JOINT, Node.OPERATOR_REVIEW)


@pytest.fixture
def shipped():
    return case_at(FlowCode.HARDWARE, Node.IN_TRANSIT)


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_sees_the_supervision_pages_it_may(client, joint, group):
    s.appeal_open(case_id=joint.pk, actor=joint.buyer, reason="Slow", files=[evidence_pdf()])
    client.force_login(GROUPS[group]())
    may = group in ("support", "finance")
    appeal = Appeal.objects.get(case=joint)
    row = CaseLog.objects.filter(case=joint).first()
    evidence = EvidenceFile.objects.filter(case=joint).first()
    pages = [
        CASES,
        _change(joint),
        reverse("admin:supervision_appeal_changelist"),
        reverse("admin:supervision_appeal_change", args=[appeal.pk]),
        reverse("admin:supervision_caselog_changelist"),
        reverse("admin:supervision_caselog_change", args=[row.pk]),
        reverse("admin:supervision_evidencefile_changelist"),
        reverse("admin:supervision_evidencefile_change", args=[evidence.pk]),
    ]
    for page in pages:
        assert client.get(page).status_code == (200 if may else 403), page
    response = client.get(_bundle(joint))
    assert response.status_code == (200 if may else 403)


def test_nothing_is_added_changed_or_deleted_by_hand(client, joint):
    client.force_login(superuser())
    row = CaseLog.objects.filter(case=joint).first()
    before = snapshot(joint)
    for model, obj in ((Case, joint), (CaseLog, row)):
        opts = model._meta
        name = f"admin:supervision_{opts.model_name}"
        assert client.get(reverse(f"{name}_add")).status_code == 403
        assert client.get(reverse(f"{name}_delete", args=[obj.pk])).status_code == 403
        assert client.post(reverse(f"{name}_change", args=[obj.pk]), {}).status_code == 403
    for model in (Appeal, EvidenceFile):
        assert (
            client.get(reverse(f"admin:supervision_{model._meta.model_name}_add")).status_code
            == 403
        )
    client.post(
        CASES, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [joint.pk], "post": "yes"}
    )
    assert snapshot(joint) == before


def test_the_support_group_holds_exactly_the_supervision_permissions():
    support, finance, reviewer = SupportFactory(), FinanceFactory(), ReviewerFactory()
    views = ("view_case", "view_caselog", "view_appeal", "view_evidencefile")
    for perm in views:
        assert support.has_perm(f"supervision.{perm}") and finance.has_perm(f"supervision.{perm}")
        assert not reviewer.has_perm(f"supervision.{perm}")
    assert support.has_perm("supervision.confirm_operator_node")
    assert not finance.has_perm("supervision.confirm_operator_node")
    for user in (support, finance, reviewer):
        for perm in ("add_case", "change_case", "delete_case", "change_caselog", "delete_caselog"):
            assert not user.has_perm(f"supervision.{perm}")


# --- the list --------------------------------------------------------------------------------


def test_filters_and_search(client, joint, shipped):
    standard = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    appealed = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    s.appeal_open(case_id=appealed.pk, actor=appealed.buyer, reason="Wrong")
    Case.objects.filter(pk=standard.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(SupportFactory())
    everyone = {joint.pk, shipped.pk, standard.pk, appealed.pk}
    assert listed(client) == everyone
    assert listed(client, flow__exact="joint") == {joint.pk}
    assert listed(client, node__exact="in_transit") == {shipped.pk}
    assert listed(client, status__exact="in_appeal") == {appealed.pk}
    assert listed(client, overdue="yes") == {standard.pk}
    assert standard.pk not in listed(client, overdue="no")
    assert listed(client, appeal="open") == {appealed.pk}
    assert listed(client, appeal="any") == {appealed.pk}
    assert listed(client, appeal="none") == everyone - {appealed.pk}
    assert listed(client, seller__id__exact=joint.seller_id) == {joint.pk}
    assert listed(client, q=joint.order.number) == {joint.pk}
    assert listed(client, q=shipped.buyer.username) == {shipped.pk}
    Order.objects.filter(pk=standard.order_id).update(product_name="Zebra data migration")
    assert listed(client, q="zebra") == {standard.pk}


def test_the_list_costs_the_same_queries_for_more_cases(client):
    client.force_login(SupportFactory())
    case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    client.get(CASES)
    with CaptureQueriesContext(connection) as few:
        client.get(CASES, {"q": ""})
    for flow in (FlowCode.JOINT, FlowCode.HARDWARE, FlowCode.SAAS):
        case_at(flow, Node.IMPLEMENTING if flow != FlowCode.HARDWARE else Node.SHIPPING)
    with CaptureQueriesContext(connection) as many:
        response = client.get(CASES, {"q": ""})
    assert response.context["cl"].result_count == 4
    assert len(many) == len(few)


# --- one case --------------------------------------------------------------------------------


def test_the_case_page_shows_order_progress_log_evidence_and_appeals(client):
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    s.appeal_open(
        case_id=case.pk, actor=case.buyer, reason="Nothing works", files=[evidence_pdf("why.pdf")]
    )
    client.force_login(FinanceFactory())
    response = client.get(_change(case))
    html = response.content.decode()
    assert reverse("admin:orders_order_change", args=[case.order_id]) in html
    assert case.order.number in html
    assert [p["state"] for p in response.context["progress"]].count("current") == 1
    rows = response.context["log_rows"]
    assert [r["row"].seq for r in rows] == list(range(1, case.log_count + 2))
    assert "Confirm done" in html and "Appeal" in html  # translated action labels
    for step in response.context["progress"]:
        assert str(step["label"]) in html
    last = CaseLog.objects.filter(case=case).order_by("-seq").first()
    assert last.hash[:12] in html and "Nothing works" in html
    # Evidence files through their signed links, never a storage path.
    evidence = list(EvidenceFile.objects.filter(case=case))
    assert len(response.context["evidence"]) == len(evidence) == 2
    assert html.count('href="/files/') >= 4  # in the evidence table and the log
    for item in evidence:
        assert item.file.name not in html
    assert "The hash chain verifies" in html
    assert response.context["bundle_url"] == _bundle(case)
    # Finance may decide the open appeal from here.
    appeal = Appeal.objects.get(case=case)
    assert reverse("admin:supervision_appeal_decide", args=[appeal.pk]) in html


def test_a_broken_chain_is_shown_on_the_case_page(client):
    from .test_bundle import tamper

    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    row = CaseLog.objects.get(case=case, seq=2)
    tamper("UPDATE supervision_caselog SET comment = %s WHERE id = %s", ["edited", row.pk])
    client.force_login(SupportFactory())
    html = client.get(_change(case)).content.decode()
    assert "broken at log entry 2" in html


# --- the operator node of joint flows ------------------------------------------------------


def test_support_confirms_the_operator_node(client, joint):
    operator = SupportFactory()
    client.force_login(operator)
    page = client.get(_change(joint))
    assert [d.action for d in page.context["decisions"]] == ["operator_confirm", "operator_return"]
    response = run_action(client, "operator_confirm", [joint])
    joint.refresh_from_db()
    assert joint.node == Node.ACCEPTANCE
    row = CaseLog.objects.filter(case=joint).order_by("-seq").first()
    assert (row.action, row.role, row.actor, row.from_node) == (
        "operator_confirm",
        Role.OPERATOR,
        operator,
        Node.OPERATOR_REVIEW,
    )
    assert any("1 delivery confirmed" in t for t in messages_of(response))


def test_the_change_page_button_confirms_too(client, joint):
    client.force_login(superuser())
    # As the decision form posts it: the action, the case, confirm.
    run_action(client, "operator_confirm", [joint], confirm="1")
    joint.refresh_from_db()
    assert joint.node == Node.ACCEPTANCE


def test_return_to_the_seller_asks_for_a_reason_first(client, joint):
    client.force_login(SupportFactory())
    before = snapshot(joint)
    response = run_action(client, "operator_return", [joint])
    assert "admin/action_reason.html" in [t.name for t in response.templates]
    response = run_action(client, "operator_return", [joint], confirm="1", reason="  ")
    assert response.context["form"].errors["reason"]
    assert snapshot(joint) == before
    run_action(client, "operator_return", [joint], confirm="1", reason="The SSO is missing")
    joint.refresh_from_db()
    assert joint.node == Node.IMPLEMENTING
    row = CaseLog.objects.filter(case=joint).order_by("-seq").first()
    assert (row.action, row.comment) == ("operator_return", "The SSO is missing")


@pytest.mark.parametrize(
    "make_user", [FinanceFactory, ReviewerFactory], ids=["finance", "reviewer"]
)
@pytest.mark.parametrize("action", ["operator_confirm", "operator_return", "mark_signed_for"])
def test_other_groups_may_not_act_on_the_node(client, joint, shipped, make_user, action):
    client.force_login(make_user())
    case = shipped if action == "mark_signed_for" else joint
    before = snapshot(case)
    data = {"confirm": "1", "reason": "r", "signed_for_confirm": "1"}
    response = client.post(CASES, {"action": action, ACTION_CHECKBOX_NAME: [case.pk], **data})
    if make_user is ReviewerFactory:
        assert response.status_code == 403
    else:
        # Not offered: neither in the action menu nor as a button; a forged POST is ignored.
        assert response.status_code == 302
        choices = dict(client.get(CASES).context["action_form"].fields["action"].choices)
        assert action not in choices and "export_bundle" in choices
        assert client.get(_change(case)).context["decisions"] == []
    assert snapshot(case) == before


def test_a_refused_move_is_a_message_and_changes_nothing(client):
    case = case_at(FlowCode.JOINT, Node.IMPLEMENTING)  # not at the operator node yet
    client.force_login(SupportFactory())
    before = snapshot(case)
    response = run_action(client, "operator_confirm", [case])
    assert snapshot(case) == before
    assert any("can't be done" in t for t in messages_of(response))


# --- hardware: signed for ----------------------------------------------------------------


def test_support_records_signed_for_with_the_carriers_time(client, shipped):
    client.force_login(SupportFactory())
    page = client.get(_change(shipped))
    assert [d.action for d in page.context["decisions"]] == ["mark_signed_for"]
    # The button (confirm=1) opens the page that asks for the time first.
    response = run_action(client, "mark_signed_for", [shipped], confirm="1")
    assert "admin/supervision/case/signed_for.html" in [t.name for t in response.templates]
    shipped.refresh_from_db()
    assert shipped.node == Node.IN_TRANSIT
    Case.objects.filter(pk=shipped.pk).update(shipped_at=timezone.now() - dt.timedelta(days=2))
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=3)).replace(
        second=0, microsecond=0
    )
    response = run_action(
        client,
        "mark_signed_for",
        [shipped],
        signed_for_confirm="1",
        signed_for_at=when.strftime("%Y-%m-%dT%H:%M"),
    )
    shipped.refresh_from_db()
    assert shipped.node == Node.SIGNED_FOR
    assert shipped.signed_for_at == when
    assert any("1 shipment recorded as signed for." in t for t in messages_of(response))


def test_a_signed_for_time_in_the_future_is_refused(client, shipped):
    client.force_login(SupportFactory())
    before = snapshot(shipped)
    later = timezone.localtime(timezone.now() + dt.timedelta(days=2))
    response = run_action(
        client,
        "mark_signed_for",
        [shipped],
        signed_for_confirm="1",
        signed_for_at=later.strftime("%Y-%m-%dT%H:%M"),
    )
    assert snapshot(shipped) == before
    assert any("not in the future" in t for t in messages_of(response))


# --- the dispute bundle ------------------------------------------------------------------------


@pytest.mark.parametrize("make_user", [SupportFactory, FinanceFactory, superuser])
def test_the_bundle_downloads_from_the_page_and_the_action(client, joint, make_user):
    client.force_login(make_user())
    response = client.get(_bundle(joint))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="supervision-case-{joint.pk}-' in response["Content-Disposition"]
    files = read_bundle(b"".join(response.streaming_content))
    manifest = json.loads(files["manifest.json"])
    assert manifest["chain"]["intact"] and manifest["case"]["id"] == joint.pk
    assert manifest["generated_by"] is not None

    response = client.post(CASES, {"action": "export_bundle", ACTION_CHECKBOX_NAME: [joint.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "log.json" in read_bundle(b"".join(response.streaming_content))


def test_the_bundle_action_takes_one_case(client, joint, shipped):
    client.force_login(SupportFactory())
    response = run_action(client, "export_bundle", [joint, shipped])
    assert any("Select one case" in t for t in messages_of(response))


def test_no_bundle_for_staff_without_the_view_permission(client, joint):
    client.force_login(OperatorFactory())
    assert client.get(_bundle(joint)).status_code == 403
    client.logout()
    response = client.get(_bundle(joint))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    client.force_login(SupportFactory())
    assert client.get(reverse("admin:supervision_case_bundle", args=[10**9])).status_code == 404


def test_the_case_page_reads_in_chinese(client, settings, joint):
    s.appeal_open(case_id=joint.pk, actor=joint.buyer, reason="Slow")
    client.force_login(SupportFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(_change(joint)).content.decode()
    for text in ("导出纠纷证据包", "证据链", "哈希链校验通过", "裁决申诉…", "申诉"):
        assert text in html, text
    assert "Export dispute bundle" not in html

"""Each flow from its first node to completion (05 › Flows), through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from orders.models import License, Order
from orders.services.licenses import license_activate
from supervision import services as s
from supervision.flows import FLOWS, FlowCode, Node
from supervision.models import SupervisionStatus
from supervision.services.log import verify_chain
from tests.factories.accounts import SupportFactory
from tests.factories.supervision import evidence_docx, evidence_pdf, evidence_png, open_case

from .helpers import actions, seller_user

pytestmark = pytest.mark.django_db


def _done(case, expected_actions):
    case.refresh_from_db()
    assert case.node == Node.COMPLETED
    assert case.status == SupervisionStatus.COMPLETED
    assert case.completed_at is not None
    assert actions(case) == ["open", *expected_actions]
    assert verify_chain(case.pk) is None
    # The order stays processing until the completion sweep.
    assert case.order.status == Order.Status.PROCESSING


def test_standard_with_a_returned_requirement_and_a_rejection():
    case = open_case(flow=FlowCode.STANDARD)
    buyer, seller = case.buyer, seller_user(case)
    assert case.node == Node.REQUIREMENTS and case.order.status == Order.Status.PROCESSING
    s.case_submit_requirements(case_id=case.pk, actor=buyer, requirements="Migrate 3 databases")
    s.case_return_requirements(case_id=case.pk, actor=seller, reason="Which versions?")
    s.case_submit_requirements(case_id=case.pk, actor=buyer, requirements="MySQL 8, 3 DBs")
    s.case_confirm_requirements(case_id=case.pk, actor=seller)
    case.refresh_from_db()
    assert case.node == Node.IMPLEMENTING and case.due_at is not None
    assert case.requirements == "MySQL 8, 3 DBs"
    s.case_mark_delivered(
        case_id=case.pk, actor=seller, description="Migrated", files=[evidence_pdf()]
    )
    s.case_reject(case_id=case.pk, actor=buyer, reason="One table is missing")
    case.refresh_from_db()
    assert case.node == Node.IMPLEMENTING and case.rejection_count == 1
    s.case_mark_delivered(
        case_id=case.pk, actor=seller, description="All tables", files=[evidence_docx()]
    )
    s.case_accept(case_id=case.pk, actor=buyer)
    _done(
        case,
        [
            "submit_requirements",
            "return_requirements",
            "submit_requirements",
            "confirm_requirements",
            "mark_delivered",
            "reject",
            "mark_delivered",
            "accept",
        ],
    )
    assert case.accepted_at is not None and case.result_description == "All tables"
    assert case.evidence.count() == 2


def test_site_building_confirms_the_design_before_implementation():
    case = open_case(flow=FlowCode.SITE_BUILDING)
    buyer, seller = case.buyer, seller_user(case)
    s.case_submit_requirements(case_id=case.pk, actor=buyer, requirements="A shop")
    s.case_confirm_requirements(case_id=case.pk, actor=seller)
    case.refresh_from_db()
    assert case.node == Node.DESIGN and case.due_at is None
    s.case_submit_design(
        case_id=case.pk, actor=seller, description="Mock-ups", files=[evidence_png()]
    )
    s.case_reject_design(case_id=case.pk, actor=buyer, reason="Bigger logo")
    s.case_submit_design(
        case_id=case.pk, actor=seller, description="Mock-ups v2", files=[evidence_png()]
    )
    s.case_confirm_design(case_id=case.pk, actor=buyer)
    s.case_mark_delivered(case_id=case.pk, actor=seller, description="Live", files=[evidence_pdf()])
    s.case_accept(case_id=case.pk, actor=buyer)
    _done(
        case,
        [
            "submit_requirements",
            "confirm_requirements",
            "submit_design",
            "reject_design",
            "submit_design",
            "confirm_design",
            "mark_delivered",
            "accept",
        ],
    )


def test_data_file():
    case = open_case(flow=FlowCode.DATA_FILE)
    s.case_submit_requirements(case_id=case.pk, actor=case.buyer, requirements="2024 prices")
    s.case_mark_delivered(
        case_id=case.pk, actor=seller_user(case), description="CSV", files=[evidence_xlsx_file()]
    )
    s.case_accept(case_id=case.pk, actor=case.buyer)
    _done(case, ["submit_requirements", "mark_delivered", "accept"])


def evidence_xlsx_file():
    from tests.factories.supervision import evidence_xlsx

    return evidence_xlsx()


@pytest.mark.parametrize("flow", [FlowCode.ORCHESTRATION, FlowCode.SAAS, FlowCode.LICENSE_PACKAGE])
def test_seller_confirms_done_and_buyer_accepts(flow):
    case = open_case(flow=flow)
    assert case.node == Node.IMPLEMENTING and case.due_at is not None
    s.case_mark_delivered(case_id=case.pk, actor=seller_user(case), description="Deployed")
    s.case_accept(case_id=case.pk, actor=case.buyer)
    _done(case, ["mark_delivered", "accept"])


def test_joint_flow_has_an_operator_node():
    case = open_case(flow=FlowCode.JOINT)
    operator = SupportFactory()
    s.case_mark_delivered(case_id=case.pk, actor=seller_user(case), description="Tenant ready")
    s.case_operator_return(case_id=case.pk, actor=operator, reason="Sync the org chart")
    s.case_mark_delivered(case_id=case.pk, actor=seller_user(case), description="Synced")
    s.case_operator_confirm(case_id=case.pk, actor=operator)
    s.case_accept(case_id=case.pk, actor=case.buyer)
    _done(
        case, ["mark_delivered", "operator_return", "mark_delivered", "operator_confirm", "accept"]
    )


def test_license_code_is_claimed_then_activated_by_the_open_api():
    case = open_case(flow=FlowCode.LICENSE_CODE)
    s.case_deliver_code(case_id=case.pk, actor=seller_user(case), code="LIC-ABC-001")
    case.refresh_from_db()
    assert case.node == Node.CODE_CLAIM
    license = License.objects.get(code="LIC-ABC-001")
    assert case.license == license and license.subscription_id == case.order.subscription_id
    s.case_claim_code(case_id=case.pk, actor=case.buyer)
    license.refresh_from_db()
    assert license.status == License.Status.CLAIMED
    effect = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    license_activate(seller=case.seller, code="LIC-ABC-001", real_effect_time=effect)
    _done(case, ["deliver_code", "claim_code", "activate"])
    case.order.subscription.refresh_from_db()
    assert case.order.subscription.starts_at == effect  # the service starts at activation


def test_a_code_claimed_in_purchased_services_also_completes_on_activation():
    from orders.services.licenses import license_claim

    case = open_case(flow=FlowCode.LICENSE_CODE)
    s.case_deliver_code(case_id=case.pk, actor=seller_user(case), code="LIC-2")
    license_claim(license_id=License.objects.get(code="LIC-2").pk, buyer=case.buyer)
    license_activate(seller=case.seller, code="LIC-2")
    _done(case, ["deliver_code", "activate"])


def test_license_code_orders_before_the_cutover_follow_the_buyer_confirms_flow(settings):
    case = open_case(flow=FlowCode.LICENSE_CODE_LEGACY)
    s.case_deliver_code(case_id=case.pk, actor=seller_user(case), code="OLD-1")
    s.case_accept(case_id=case.pk, actor=case.buyer)
    _done(case, ["deliver_code", "accept"])


def test_the_cutover_is_a_setting(settings):
    settings.SUPERVISION_LICENSE_CODE_CUTOVER = "2024-08-01"
    case = open_case(
        flow=FlowCode.LICENSE_CODE,
        created_at=dt.datetime(2024, 9, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    )
    assert case.flow == FlowCode.LICENSE_CODE


def test_hardware_is_accepted_automatically_ten_days_after_signed_for():
    case = open_case(flow=FlowCode.HARDWARE)
    seller = seller_user(case)
    s.case_ship(
        case_id=case.pk,
        actor=seller,
        carrier="SF Express",
        tracking_number="SF123",
        recipient_phone=case.buyer.mobile,
    )
    s.case_mark_signed_for(case_id=case.pk, actor=seller)
    case.refresh_from_db()
    assert case.node == Node.SIGNED_FOR
    assert case.auto_accept_at == case.signed_for_at + dt.timedelta(days=10)
    assert s.cases_auto_accept_hardware() == 0  # not yet
    with time_machine.travel(case.auto_accept_at + dt.timedelta(minutes=1)):
        assert s.cases_auto_accept_hardware() == 1
        assert s.cases_auto_accept_hardware() == 0  # idempotent
    _done(case, ["ship", "mark_signed_for", "auto_accept"])


def test_hardware_with_another_recipient_phone_waits_for_the_buyer():
    case = open_case(flow=FlowCode.HARDWARE)
    seller = seller_user(case)
    s.case_ship(
        case_id=case.pk,
        actor=seller,
        carrier="SF Express",
        tracking_number="SF124",
        recipient_phone="13900000000",
    )
    s.case_mark_signed_for(case_id=case.pk, actor=SupportFactory())
    case.refresh_from_db()
    assert case.auto_accept_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        assert s.cases_auto_accept_hardware() == 0
    s.case_remind_buyer(case_id=case.pk, actor=seller, comment="Please accept")
    s.case_accept(case_id=case.pk, actor=case.buyer)
    _done(case, ["ship", "mark_signed_for", "remind_buyer", "accept"])


def test_every_flow_reaches_completed_and_is_drawn():
    for flow in FLOWS.values():
        assert Node.COMPLETED in flow.nodes(), flow.code
        assert flow.mermaid().startswith("stateDiagram-v2")
        assert f"[*] --> {flow.initial}" in flow.mermaid()

"""Shared helpers of the supervision tests."""

from __future__ import annotations

from django.forms.models import model_to_dict

from supervision.models import Appeal, Case, CaseLog, EvidenceFile


def snapshot(case: Case) -> dict:
    """Everything a refused action must leave as it was."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "case": model_to_dict(fresh),
        "log": CaseLog.objects.filter(case=case).count(),
        "evidence": EvidenceFile.objects.filter(case=case).count(),
        "appeals": list(Appeal.objects.filter(case=case).values_list("pk", "status")),
        "order_status": fresh.order.status,
    }


def seller_user(case: Case):
    return case.seller.user


def actions(case: Case) -> list[str]:
    return list(CaseLog.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


# --- driving a case to a node through the services ----------------------------------------


def _step(case: Case) -> None:
    from supervision import services as s
    from supervision.flows import Node
    from tests.factories.accounts import SupportFactory
    from tests.factories.supervision import evidence_pdf

    seller = case.seller.user
    node = case.node
    if node == Node.REQUIREMENTS:
        s.case_submit_requirements(case_id=case.pk, actor=case.buyer, requirements="Needs")
    elif node == Node.REQUIREMENTS_REVIEW:
        s.case_confirm_requirements(case_id=case.pk, actor=seller)
    elif node == Node.DESIGN:
        s.case_submit_design(
            case_id=case.pk, actor=seller, description="Design", files=[evidence_pdf()]
        )
    elif node == Node.DESIGN_CONFIRMATION:
        s.case_confirm_design(case_id=case.pk, actor=case.buyer)
    elif node == Node.IMPLEMENTING:
        s.case_mark_delivered(
            case_id=case.pk, actor=seller, description="Done", files=[evidence_pdf()]
        )
    elif node == Node.OPERATOR_REVIEW:
        s.case_operator_confirm(case_id=case.pk, actor=SupportFactory())
    elif node == Node.CODE_DELIVERY:
        s.case_deliver_code(case_id=case.pk, actor=seller, code=f"CODE-{case.pk}")
    elif node == Node.CODE_CLAIM:
        s.case_claim_code(case_id=case.pk, actor=case.buyer)
    elif node == Node.SHIPPING:
        s.case_ship(
            case_id=case.pk,
            actor=seller,
            carrier="SF Express",
            tracking_number=f"SF{case.pk}",
            recipient_phone=case.buyer.mobile,
        )
    elif node == Node.IN_TRANSIT:
        s.case_mark_signed_for(case_id=case.pk, actor=seller)
    elif node == Node.ACCEPTANCE or node == Node.SIGNED_FOR:
        s.case_accept(case_id=case.pk, actor=case.buyer)
    else:  # pragma: no cover - a test asked for a node the flow never reaches
        raise AssertionError(f"no step from {node}")


def drive(case: Case, node: str) -> Case:
    """Move `case` along its flow's main line until it is at `node`."""
    for _ in range(12):
        case.refresh_from_db()
        if case.node == node:
            return case
        _step(case)
    raise AssertionError(f"{case.flow} never reached {node}")


def case_at(flow: str, node: str, **kw) -> Case:
    from tests.factories.supervision import open_case

    return drive(open_case(flow=flow, **kw), node)

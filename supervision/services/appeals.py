"""Appeals 申诉 and evidence uploads (05 › Acting on a case, issue 11 › Appeals).

- The buyer may appeal at any node, any time the case is open; the seller only when
  the buyer's acceptance step (flows.ACCEPTANCE_NODES) has not moved for
  `SUPERVISION_SELLER_APPEAL_AFTER_DAYS`. A reason is required; proof files optional.
  One open appeal per case; while it is open the case is frozen (status in_appeal):
  no node moves, no uploads.
- An operator holding `supervision.decide_appeal` decides once:
  * force_complete: the case completes (the order follows with the completion sweep);
  * return_to_seller: back to the flow's delivery node, a new implementation deadline;
  * refund: everything still refundable goes back through the orders' operator refund
    (`order_refund_by_operator`, which also needs `orders.refund_order`; a full refund
    makes the order refunded and ends the service); an order with nothing to refund (a
    free trial) is unsubscribed. The case closes (closed_by_refund).
  Both parties are e-mailed the decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.audit import move_to
from marketplace.core.permissions import is_operator_with
from orders.models import ORDER_STATUS, Order
from orders.services.unsubscribe import order_refund_by_operator, refundable

from ..exceptions import (
    AppealAlreadyDecided,
    AppealNotAllowed,
    CaseNotFound,
    InputRequired,
    OperatorPermissionDenied,
)
from ..files import evidence_check_all
from ..flows import Node, Role
from ..models import Appeal, Case, EvidenceFile, SupervisionStatus
from ..selectors import seller_may_appeal
from .engine import check_open, clean_text, enter, lock_case, store_files, visible_roles
from .log import log_append
from .notify import context, english, notify_roles, notify_users, operators_with

DECIDE_PERMISSION = "supervision.decide_appeal"


def _party_role(case: Case, actor) -> str:
    roles = case.role_of(actor)
    if Role.BUYER in roles:
        return Role.BUYER
    if Role.SELLER in roles:
        return Role.SELLER
    raise CaseNotFound()


@transaction.atomic
def appeal_open(*, case_id: int, actor, reason: str, files=()) -> Appeal:
    """A party appeals (module docstring); the case is frozen until an operator decides."""
    case = lock_case(case_id)
    role = _party_role(case, actor)
    if case.status in (SupervisionStatus.COMPLETED, SupervisionStatus.CLOSED_BY_REFUND):
        raise AppealNotAllowed(_("This case is finished: it can't be appealed."))
    if case.is_frozen:
        raise AppealNotAllowed(_("An appeal is already open on this case."))
    now = timezone.now()
    if role == Role.SELLER and not seller_may_appeal(case, now):
        raise AppealNotAllowed(
            _("You may appeal when the buyer's acceptance has made no progress for %(days)s days.")
            % {"days": settings.SUPERVISION_SELLER_APPEAL_AFTER_DAYS}
        )
    reason = clean_text(reason, required=True, message=_("Say why you appeal."), field="reason")
    checked = evidence_check_all(files)
    appeal = Appeal.objects.create(
        case=case, opened_by=actor, role=role, reason=reason, node=case.node, created_at=now
    )
    stored = store_files(case, checked, actor=actor, role=role, now=now, appeal=appeal)
    case.status = SupervisionStatus.IN_APPEAL
    log_append(
        case,
        actor=actor,
        role=role,
        action="appeal_open",
        from_node=case.node,
        to_node=case.node,
        comment=reason,
        files=stored,
        data={"appeal": appeal.pk},
        now=now,
    )
    case.save()
    other = Role.SELLER if role == Role.BUYER else Role.BUYER
    notify_roles(case, roles=(other,), template="supervision_appeal_opened", reason=reason)
    notify_users(
        operators_with(DECIDE_PERMISSION),
        template="supervision_appeal_opened",
        ctx=context(case, reason=reason),
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal_id: int, actor, decision: str, note: str) -> Appeal:
    """An operator decides an open appeal, once (module docstring)."""
    if not is_operator_with(actor, DECIDE_PERMISSION):
        raise OperatorPermissionDenied(_("You may not decide appeals."))
    case_id = Appeal.objects.filter(pk=appeal_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound(_("This appeal doesn't exist."))
    case = lock_case(case_id)  # the case first, as every other service locks it
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    if appeal.status != Appeal.Status.OPEN:
        raise AppealAlreadyDecided()
    if decision not in Appeal.Decision.values:
        raise InputRequired(_("Choose a decision."), field="decision")
    note = clean_text(
        note, required=True, message=_("Explain the decision to both parties."), field="note"
    )
    now = timezone.now()
    from_node = case.node
    data = {"appeal": appeal.pk, "decision": decision}
    if decision == Appeal.Decision.FORCE_COMPLETE:
        enter(case, Node.COMPLETED, now=now)
        case.status = SupervisionStatus.COMPLETED
        case.completed_at = now
    elif decision == Appeal.Decision.RETURN_TO_SELLER:
        case.node_entered_at = now
        case.due_at = None  # a new implementation deadline from now
        enter(case, case.flow_def.return_node, now=now)
        case.status = SupervisionStatus.IN_PROGRESS
    else:
        data.update(_refund(case.order, appeal=appeal, note=note, actor=actor))
        enter(case, Node.CLOSED, now=now)
        case.status = SupervisionStatus.CLOSED_BY_REFUND
        case.closed_at = now
    appeal.status = Appeal.Status.DECIDED
    appeal.decision = decision
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.note = note
    appeal.save()
    log_append(
        case,
        actor=actor,
        role=Role.OPERATOR,
        action="appeal_decide",
        from_node=from_node,
        to_node=case.node,
        comment=note,
        data=data,
        now=now,
    )
    case.save()
    notify_roles(
        case,
        roles=(Role.BUYER, Role.SELLER),
        template="supervision_appeal_decided",
        decision_label=english(Appeal.Decision(decision).label),
        note=note,
    )
    return appeal


def _refund(order: Order, *, appeal: Appeal, note: str, actor) -> dict:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    left = refundable(order)
    if left > 0:
        refund = order_refund_by_operator(
            order_id=order.pk,
            amount=left,
            reason=note,
            actor=actor,
            idempotency_key=f"appeal-{appeal.pk}",
        )
        return {"refund": str(refund.amount)}
    # Nothing paid (a free trial, a test order): the order is unsubscribed.
    if order.status in ORDER_STATUS.transitions["unsubscribe"].sources:
        move_to(
            order,
            ORDER_STATUS.check(order, "unsubscribe"),
            action="unsubscribe",
            actor=actor,
            reason=note[:500],
        )
    return {"refund": "0.00"}


@transaction.atomic
def evidence_upload(*, case_id: int, actor, files, comment: str = "") -> list[EvidenceFile]:
    """A party (or an operator allowed to view cases) adds evidence to an open case that
    is not frozen; one log row lists the files by their hashes."""
    case = lock_case(case_id)
    roles = visible_roles(case, actor)
    if not roles:
        raise CaseNotFound()
    check_open(case)
    role = next(r for r in (Role.BUYER, Role.SELLER, Role.OPERATOR) if r in roles)
    comment = clean_text(comment, required=False, message="", field="comment")
    checked = evidence_check_all(files)
    if not checked:
        raise InputRequired(_("Choose at least one file."), field="files")
    now = timezone.now()
    stored = store_files(case, checked, actor=actor, role=role, now=now)
    log_append(
        case,
        actor=actor,
        role=role,
        action="upload_evidence",
        from_node=case.node,
        to_node=case.node,
        comment=comment,
        files=stored,
        now=now,
    )
    case.save(update_fields=["log_count", "log_head"])
    return list(EvidenceFile.objects.filter(case=case, log_seq=case.log_count))

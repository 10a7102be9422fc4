"""The engine every node move goes through (05 › Acting on a case).

`act`, holding the case's row lock:
1. finds the case among the actor's (a buyer's, the seller's, or any for an operator
   allowed to view cases) — else `CaseNotFound`, as a page would answer 404;
2. refuses a finished case (`CaseFinished`: a second acceptance …) and a frozen one
   (`CaseFrozen`: an appeal is open);
3. checks the flow's declaration: the action starts from the current node and the
   actor holds one of its roles (`NotYourTurn`); an operator also needs the permission;
4. checks the input (a reason, a description, files by content) before writing;
5. moves the node, keeps the deadlines, stores the files, appends one chained log
   row, saves the case, and tells whoever acts next (mail after commit).
A refusal raises before anything is written: nothing changes, nothing is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.permissions import is_operator_with

from ..exceptions import (
    CaseFinished,
    CaseFrozen,
    CaseNotFound,
    InputRequired,
    NotYourTurn,
    OperatorPermissionDenied,
)
from ..files import CheckedFile, evidence_check_all, evidence_store
from ..flows import ACTION_LABELS, DELIVERY_NODES, Action, Flow, Node, Role
from ..models import Case, SupervisionStatus
from .log import log_append
from .notify import notify_next

VIEW_PERMISSION = "supervision.view_case"
OPERATOR_PERMISSION = "supervision.confirm_operator_node"
MAX_TEXT = 5000


def lock_case(case_id) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("order", "seller", "buyer")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise CaseNotFound()
    return case


def visible_roles(case: Case, actor) -> set[str]:
    """The roles `actor` holds on `case`: buyer, seller, and operator for staff allowed
    to view cases. Empty: not theirs (`CaseNotFound`)."""
    roles = case.role_of(actor)
    if actor is not None and is_operator_with(actor, VIEW_PERMISSION):
        roles.add(Role.OPERATOR)
    return roles


def check_open(case: Case) -> None:
    if case.status == SupervisionStatus.COMPLETED:
        raise CaseFinished(_("This case is already completed."))
    if case.status == SupervisionStatus.CLOSED_BY_REFUND:
        raise CaseFinished(_("This case was closed with a refund."))
    if case.is_frozen:
        raise CaseFrozen()


def _waiting_for(flow: Flow, node: str) -> str:
    roles = [Role(r).label for r in sorted(flow.turn(node))]
    return ", ".join(str(r) for r in roles) or str(Role.SYSTEM.label)


def _resolve_role(case: Case, actor, action: Action, roles: set[str]) -> str:
    if actor is None:
        if Role.SYSTEM in action.roles:
            return Role.SYSTEM
        raise NotYourTurn(_("This step is not done automatically."))
    allowed = [
        r for r in (Role.BUYER, Role.SELLER, Role.OPERATOR) if r in roles and r in action.roles
    ]
    if not allowed:
        raise NotYourTurn(
            _("It is not your turn: the case is at “%(node)s”, waiting for %(who)s.")
            % {"node": Node(case.node).label, "who": _waiting_for(case.flow_def, case.node)}
        )
    role = allowed[0]
    if role == Role.OPERATOR and not is_operator_with(actor, OPERATOR_PERMISSION):
        raise OperatorPermissionDenied(_("You may not confirm supervision steps."))
    return role


def clean_text(value, *, required: bool, message: str, field: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InputRequired(message, field=field)
    if len(value) > MAX_TEXT:
        raise InputRequired(
            _("Write at most %(count)s characters.") % {"count": MAX_TEXT}, field=field
        )
    return value


def act(
    *,
    case_id,
    actor,
    action_name: str,
    comment: str = "",
    comment_message: str = "",
    files: Iterable = (),
    files_message: str = "",
    data: dict | None = None,
    prepare: Callable[[Case, str], dict | None] | None = None,
    apply: Callable[[Case, dt.datetime], None] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Check and perform one declared move (module docstring). `prepare(case, role)`
    checks the action's own input on the locked case and returns more log data;
    `apply(case, now)` sets the action's own fields once everything passed."""
    case = lock_case(case_id)
    roles = visible_roles(case, actor) if actor is not None else {Role.SYSTEM}
    if not roles:
        raise CaseNotFound()
    check_open(case)
    flow = case.flow_def
    action = flow.action(action_name)
    if action is None or case.node not in action.sources:
        raise NotYourTurn(
            _("“%(action)s” can't be done at “%(node)s”.")
            % {"action": ACTION_LABELS.get(action_name, action_name), "node": Node(case.node).label}
        )
    role = _resolve_role(case, actor, action, roles)
    comment = clean_text(
        comment,
        required=action.needs_comment,
        message=comment_message or _("Say why."),
        field="comment",
    )
    checked = evidence_check_all(files)
    if action.needs_files and not checked:
        raise InputRequired(
            files_message or _("Attach at least one acceptance file."), field="files"
        )
    extra = prepare(case, role) if prepare else None
    now = now or timezone.now()
    move(
        case,
        action=action,
        role=role,
        actor=actor,
        now=now,
        comment=comment,
        checked=checked,
        data={**(data or {}), **(extra or {})},
        apply=apply,
    )
    return case


def store_files(case: Case, checked: list[CheckedFile], *, actor, role, now, appeal=None):
    seq = case.log_count + 1
    stored = []
    for item in checked:
        evidence = evidence_store(
            case=case, checked=item, actor=actor, role=role, log_seq=seq, now=now, appeal=appeal
        )
        stored.append(item.as_log(evidence.file.name))
    return stored


def move(
    case: Case,
    *,
    action: Action,
    role: str,
    actor,
    now: dt.datetime,
    comment: str = "",
    checked: list[CheckedFile] = (),
    data: dict | None = None,
    apply: Callable[[Case, dt.datetime], None] | None = None,
) -> None:
    """Write a checked move: node, deadlines, files, one log row, the case; notify."""
    from_node, target = case.node, action.target
    if apply:
        apply(case, now)
    enter(case, target, now=now)
    if target == Node.COMPLETED:
        case.status = SupervisionStatus.COMPLETED
        case.completed_at = now
    files = store_files(case, list(checked), actor=actor, role=role, now=now)
    log_append(
        case,
        actor=actor,
        role=role,
        action=action.name,
        from_node=from_node,
        to_node=target,
        comment=comment,
        files=files,
        data=data,
        now=now,
    )
    case.save()
    notify_next(case, action=action.name, comment=comment)


def enter(case: Case, node: str, *, now: dt.datetime) -> None:
    """Put the case at `node`, keeping the implementation deadline: entering a delivery
    node starts it (the product's average delivery days), leaving one clears it."""
    if node != case.node:
        case.node_entered_at = now
    if node in DELIVERY_NODES:
        if case.node not in DELIVERY_NODES or case.due_at is None:
            case.due_at = now + dt.timedelta(days=case.delivery_days)
            case.overdue_at = None
    else:
        case.due_at = None
        case.overdue_at = None
    case.node = node


def set_fields(**fields) -> Callable[[Case, dt.datetime], None]:
    def apply(case: Case, now: dt.datetime) -> None:
        for name, value in fields.items():
            setattr(case, name, value(now) if callable(value) else value)

    return apply

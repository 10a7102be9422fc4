"""What both centers' supervision pages share: the case actions a page offers (each a
form and the service it feeds), the case page's context and the list's filters.

The views stay thin: find the case among the person's own (a selector: 404 otherwise),
bind the action's form, call its service, show the service's message. The flows decide
which actions a page shows (`case_actions_for`); the services refuse anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marketplace.core.exceptions import DomainError

from . import services
from .flows import ACTION_LABELS, Node, Role
from .forms import (
    AcceptForm,
    ActionForm,
    AppealForm,
    CaseFilterForm,
    CommentForm,
    DeliverCodeForm,
    DescriptionFilesForm,
    EmptyForm,
    EvidenceFilesField,
    EvidenceForm,
    ReasonFilesForm,
    ReasonForm,
    RequirementsForm,
    ShipForm,
    SignedForForm,
)
from .models import Case
from .selectors import (
    case_actions_for,
    case_can_appeal,
    case_evidence,
    case_log,
    case_progress,
    case_steer_to_appeal,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class PageAction:
    form: type[ActionForm]
    service: Callable
    done: Promise  # the message once it is done
    hint: Promise  # one line above the form: what it does
    button: str = "primary"  # the button's Bootstrap colour


DANGER = "outline-danger"

ACTIONS: dict[str, PageAction] = {
    "submit_requirements": PageAction(
        RequirementsForm,
        services.case_submit_requirements,
        _("Requirements submitted: the seller is told."),
        _("Describe what you need; the seller confirms it or returns it to you to modify."),
    ),
    "confirm_requirements": PageAction(
        CommentForm,
        services.case_confirm_requirements,
        _("Requirements confirmed."),
        _("The requirements are clear: start the work."),
    ),
    "return_requirements": PageAction(
        ReasonForm,
        services.case_return_requirements,
        _("Requirements returned to the buyer to modify."),
        _("Tell the buyer what is missing or unclear; they modify the requirements."),
        DANGER,
    ),
    "submit_design": PageAction(
        DescriptionFilesForm,
        services.case_submit_design,
        _("Design submitted: the buyer is asked to confirm it."),
        _("Describe the design and attach it; the buyer confirms it before you implement it."),
    ),
    "confirm_design": PageAction(
        CommentForm,
        services.case_confirm_design,
        _("Design confirmed: the seller implements it."),
        _("The design is right: the seller implements it."),
    ),
    "reject_design": PageAction(
        ReasonForm,
        services.case_reject_design,
        _("Design rejected: the seller is told why."),
        _("Tell the seller what to change in the design."),
        DANGER,
    ),
    "mark_delivered": PageAction(
        DescriptionFilesForm,
        services.case_mark_delivered,
        _("Marked as delivered: the buyer is asked to accept."),
        _("Describe the result and attach the acceptance documents; the buyer is asked to accept."),
    ),
    "accept": PageAction(
        AcceptForm,
        services.case_accept,
        _("Accepted: the case is completed."),
        _("Accept the delivery: the case is completed and the seller is paid for it."),
    ),
    "reject": PageAction(
        ReasonFilesForm,
        services.case_reject,
        _("Rejected: the case goes back to the seller."),
        _("The delivery is not what was agreed: tell the seller why; it goes back to them."),
        DANGER,
    ),
    "deliver_code": PageAction(
        DeliverCodeForm,
        services.case_deliver_code,
        _("License code delivered: the buyer is asked to claim it."),
        _("The license code the buyer activates your software with."),
    ),
    "claim_code": PageAction(
        EmptyForm,
        services.case_claim_code,
        _("License code claimed."),
        _("Claim the license code, then enter it in the seller's software to activate it."),
    ),
    "ship": PageAction(
        ShipForm,
        services.case_ship,
        _("Shipment recorded."),
        _("The carrier, the tracking number and the recipient's phone on the waybill."),
    ),
    "mark_signed_for": PageAction(
        SignedForForm,
        services.case_mark_signed_for,
        _("Signed for recorded."),
        _("The shipment was signed for: record when."),
    ),
    "remind_buyer": PageAction(
        CommentForm,
        services.case_remind_buyer,
        _("The buyer is reminded to accept."),
        _("The recipient's phone is not the buyer's: ask the buyer to accept."),
    ),
    "upload_evidence": PageAction(
        EvidenceForm,
        services.evidence_upload,
        _("Evidence uploaded."),
        _("Files that show what happened: documents, chats, screenshots."),
        "outline-secondary",
    ),
    "appeal_open": PageAction(
        AppealForm,
        services.appeal_open,
        _("Appeal opened: the case is frozen until an operator decides it."),
        _(
            "A marketplace operator looks at the evidence and decides; "
            "the case is frozen until then."
        ),
        DANGER,
    ),
}

SELLER_ACTIONS = frozenset(
    {
        "confirm_requirements",
        "return_requirements",
        "submit_design",
        "mark_delivered",
        "deliver_code",
        "ship",
        "mark_signed_for",
        "remind_buyer",
        "upload_evidence",
        "appeal_open",
    }
)
BUYER_ACTIONS = frozenset(
    {
        "submit_requirements",
        "confirm_design",
        "reject_design",
        "accept",
        "reject",
        "claim_code",
        "upload_evidence",
        "appeal_open",
    }
)
CENTER_ACTIONS = {Role.SELLER: SELLER_ACTIONS, Role.BUYER: BUYER_ACTIONS}


def action_form(case: Case, name: str, data=None, files=None) -> ActionForm:
    """The action's form, fitted to the case: what the flow requires is marked required,
    the requirements being modified start from the current text."""
    form = ACTIONS[name].form(data, files, prefix=name)
    declared = case.flow_def.action(name)
    if declared is not None and declared.needs_files and "files" in form.fields:
        form.fields["files"].required = True
    if name == "submit_requirements" and case.requirements:
        form.initial["requirements"] = case.requirements
    return form


def is_multipart(form: ActionForm) -> bool:
    return any(isinstance(field, EvidenceFilesField) for field in form.fields.values())


def perform(request, case: Case, name: str, role: str):
    """Bind and run action `name` on `case` for `request.user`. Returns the form when it
    didn't happen (invalid, or the service refused: its message is shown and nothing
    changed), None when it did (its message is shown)."""
    if name not in CENTER_ACTIONS[role]:
        raise Http404
    action = ACTIONS[name]
    form = action_form(case, name, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return form
    try:
        action.service(case_id=case.pk, actor=request.user, **form.service_kwargs())
    except DomainError as exc:
        messages.error(request, exc.message)
        return form
    messages.success(request, action.done)
    return None


@dataclass
class ActionCard:
    name: str
    label: str
    form: ActionForm
    hint: str
    button: str
    multipart: bool


def case_context(case: Case, *, role: str, user, bound: dict | None = None) -> dict:
    """Everything the case page shows to `role` (buyer or seller)."""
    bound = bound or {}
    names = case_actions_for(case, role)
    cards = [
        ActionCard(
            name=name,
            label=ACTION_LABELS[name],
            form=bound.get(name) or action_form(case, name),
            hint=ACTIONS[name].hint,
            button=ACTIONS[name].button,
            multipart=is_multipart(ACTIONS[name].form()),
        )
        for name in names
        if name in CENTER_ACTIONS[role]
    ]
    steer = role == Role.BUYER and "appeal_open" in names and case_steer_to_appeal(case)
    if steer:  # the appeal first (05 › Appeals: after several rejections)
        cards.sort(key=lambda card: card.name != "appeal_open")
    return {
        "case": case,
        "order": case.order,
        "role": role,
        "progress": case_progress(case),
        "log": [
            {
                "row": row,
                "action": ACTION_LABELS.get(row.action, row.action),
                "from": _node_label(row.from_node),
                "to": _node_label(row.to_node),
            }
            for row in case_log(case)
        ],
        "evidence": case_evidence(case, user),
        "appeals": list(case.appeals.select_related("decided_by").order_by("created_at", "id")),
        "cards": cards,
        "steer_to_appeal": steer,
        "may_appeal": case_can_appeal(case, role),
        "seller_appeal_days": settings.SUPERVISION_SELLER_APPEAL_AFTER_DAYS,
        "now": timezone.now(),
        "waiting_for": sorted(str(Role(r).label) for r in case.flow_def.turn(case.node)),
    }


def _node_label(node: str) -> str:
    return str(Node(node).label) if node in Node.values else ""


def list_context(request, *, queryset_for: Callable, product_choices, role: str) -> dict:
    """The list page: the filter form (read from the query string), one page of cases."""
    form = CaseFilterForm(request.GET or None, product_choices=product_choices)
    filters = form.filters()
    if filters.pop("todo", False):
        filters["waiting_for"] = role
    page = Paginator(queryset_for(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "filter_form": form,
        "page": page,
        "is_filtered": bool(filters),
        "now": timezone.now(),
    }

"""Opening a case and the moves of the service flows (05 › Flows 1–5, 8): requirements,
design, delivery, the marketplace node, acceptance and rejection. Every move goes
through `engine.act` (checks, one chained log row, notification)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import rawsave
from orders.models import ORDER_STATUS, Order
from orders.services.history import history_row, history_save

from ..flows import DELIVERY_NODES, Role, flow_for_order, get_flow, is_supervised
from ..models import Case
from .engine import MAX_TEXT, act, set_fields
from .log import log_row
from .notify import notify_opened

# --- opening ---------------------------------------------------------------------------------


def _cached(obj, *path: str):
    """The related object at the end of `path` if every step is already loaded on `obj`
    (no query), else None."""
    for name in path:
        if obj is None or not obj._meta.get_field(name).is_cached(obj):
            return None
        obj = getattr(obj, name)
    return obj


def _order_facts(order: Order) -> tuple[str, int | None, int | None, str]:
    """(the version's flow template, its average delivery days, the seller's user id,
    the buyer's mobile) of `order`. A checkout holds them all (its spec with the version
    and the product's seller, its buyer): no query. Else one."""
    version = _cached(order, "spec", "version")
    seller = (
        _cached(order, "seller")
        or _cached(order, "product", "seller")
        or _cached(order, "spec", "version", "product", "seller")
    )
    buyer = _cached(order, "buyer")
    if version is not None and seller is not None and buyer is not None:
        return version.flow_template, version.avg_delivery_days, seller.user_id, buyer.mobile
    return (
        Order.objects.filter(pk=order.pk)
        .values_list(
            "spec__version__flow_template",
            "spec__version__avg_delivery_days",
            "seller__user_id",
            "buyer__mobile",
        )
        .first()
    ) or ("", None, None, "")


def _start_processing(order: Order) -> list:
    """05 › Acting on a case: while a case is open the order shows processing. The move
    is checked by the orders' machine; `order.status` is set, not saved, and the history
    row returned unsaved: the caller saves both."""
    if order.status != Order.Status.PAID:
        return []
    target = ORDER_STATUS.check(order, "start_processing")
    row = history_row(order, action="start_processing", from_state=order.status, to_state=target)
    order.status = target
    return [row]


def _open(order: Order) -> tuple[Case, list]:
    """Insert the case of supervised `order` with its first log row and tell whoever acts
    first; the order's move to processing is returned unsaved (`_start_processing`).
    Three statements (the case, its log row, its chain head: two on PostgreSQL) and the
    notification's one, plus one read when the order came without its spec, seller and
    buyer loaded."""
    template, days, seller_user_id, buyer_mobile = _order_facts(order)
    flow = get_flow(flow_for_order(order, flow_template=template or ""))
    now = timezone.now()
    case = Case(
        order=order,
        seller_id=order.seller_id,
        buyer_id=order.buyer_id,
        product_id=order.product_id,
        flow=flow.code,
        node=flow.initial,
        node_entered_at=now,
        delivery_days=days or settings.SUPERVISION_DEFAULT_DELIVERY_DAYS,
        opened_at=now,
        # The buyer's phone (hardware: whether a signed-for parcel reached them).
        buyer_phone=buyer_mobile or "",
    )
    buyer = _cached(order, "buyer")
    if buyer is not None:
        case.buyer = buyer
    if flow.initial in DELIVERY_NODES:
        case.due_at = now + dt.timedelta(days=case.delivery_days)
    rawsave.insert(case)
    # The first row of the chain: its previous hash is "" (a new case), its hash is
    # computed from the values in memory. The case's chain head and the row go in
    # together: one statement on PostgreSQL (`rawsave.insert_with`), two elsewhere.
    row = log_row(
        case,
        actor=None,
        role=Role.SYSTEM,
        action="open",
        to_node=flow.initial,
        data={"order": order.number, "flow": flow.code},
        now=now,
    )
    if connection.vendor == "postgresql":
        rawsave.insert_with(
            row,
            before="UPDATE supervision_case SET log_count = %s, log_head = %s "
            "WHERE id = %s RETURNING id",
            params=[case.log_count, case.log_head, case.pk],
            taken={"case": "id"},
        )
    else:
        rawsave.insert(row)
        rawsave.update(case, ["log_count", "log_head"])
    rows = _start_processing(order)
    notify_opened(case, seller_user_id=seller_user_id)
    return case, rows


@transaction.atomic
def case_open(*, order: Order) -> Case | None:
    """Open the case of a paid order and move the order to processing. None when the
    order is not supervised (`flows.is_supervised`: never renewals, upgrades, package
    repurchases). Idempotent: an order's case is opened once (one-to-one). The payment
    itself opens cases through `open_case_for_paid_order`."""
    if not is_supervised(order):
        return None
    existing = Case.objects.filter(order_id=order.pk).first()
    if existing is not None:
        return existing
    case, rows = _open(order)
    if rows:
        order.save(update_fields=["status"])
        history_save(rows)
    return case


def open_case_for_paid_order(order: Order) -> list:
    """The paid hook `SupervisionConfig.ready()` registers with `orders.hooks`: `_pay`
    runs it on the order it has just paid, before saving the order's row. That order was
    pending payment a moment ago in this transaction, so it has no case yet (no lookup;
    the one-to-one would refuse a second). Returns the unsaved `start_processing`
    history row: `_pay` saves the status with the payment's UPDATE and the row with its
    history INSERT (orders/hooks.py)."""
    if not is_supervised(order):
        return []
    _case, rows = _open(order)
    return rows


# --- the actions -----------------------------------------------------------------------------


@transaction.atomic
def case_submit_requirements(*, case_id: int, actor, requirements: str, files=()) -> Case:
    """The buyer submits (or resubmits, after the seller returned them) the requirements."""
    text = (requirements or "").strip()
    return act(
        case_id=case_id,
        actor=actor,
        action_name="submit_requirements",
        comment=text,
        comment_message=_("Describe your requirements."),
        files=files,
        apply=set_fields(requirements=text[:MAX_TEXT]),
    )


@transaction.atomic
def case_confirm_requirements(*, case_id: int, actor, comment: str = "") -> Case:
    return act(case_id=case_id, actor=actor, action_name="confirm_requirements", comment=comment)


@transaction.atomic
def case_return_requirements(*, case_id: int, actor, reason: str) -> Case:
    """The seller returns the requirements to the buyer to modify (驳回给用户修改)."""
    return act(
        case_id=case_id,
        actor=actor,
        action_name="return_requirements",
        comment=reason,
        comment_message=_("Say what the buyer should change."),
    )


@transaction.atomic
def case_submit_design(*, case_id: int, actor, description: str, files=()) -> Case:
    return act(
        case_id=case_id,
        actor=actor,
        action_name="submit_design",
        comment=description,
        comment_message=_("Describe the design."),
        files=files,
        files_message=_("Attach the design."),
    )


@transaction.atomic
def case_confirm_design(*, case_id: int, actor, comment: str = "") -> Case:
    return act(case_id=case_id, actor=actor, action_name="confirm_design", comment=comment)


@transaction.atomic
def case_reject_design(*, case_id: int, actor, reason: str) -> Case:
    return act(
        case_id=case_id,
        actor=actor,
        action_name="reject_design",
        comment=reason,
        comment_message=_("Say why you reject the design."),
    )


@transaction.atomic
def case_mark_delivered(*, case_id: int, actor, description: str, files=()) -> Case:
    """The seller confirms done (确认完成): the result description and, where the flow
    asks for them, the delivery acceptance files (交付验收件)."""
    text = (description or "").strip()
    return act(
        case_id=case_id,
        actor=actor,
        action_name="mark_delivered",
        comment=text,
        comment_message=_("Describe what was delivered."),
        files=files,
        apply=set_fields(result_description=text[:MAX_TEXT]),
    )


@transaction.atomic
def case_operator_confirm(*, case_id: int, actor, comment: str = "") -> Case:
    """The marketplace confirms a joint product's delivery (admin)."""
    return act(case_id=case_id, actor=actor, action_name="operator_confirm", comment=comment)


@transaction.atomic
def case_operator_return(*, case_id: int, actor, reason: str) -> Case:
    return act(
        case_id=case_id,
        actor=actor,
        action_name="operator_return",
        comment=reason,
        comment_message=_("Say what the seller should change."),
    )


@transaction.atomic
def case_accept(*, case_id: int, actor, comment: str = "") -> Case:
    """The buyer accepts (确认验收): the case is completed; the order is completed by
    the completion sweep (`orders_complete_supervised`). A second acceptance is refused."""
    return act(
        case_id=case_id,
        actor=actor,
        action_name="accept",
        comment=comment,
        apply=set_fields(accepted_at=lambda now: now),
    )


def _count_rejection(case: Case, now: dt.datetime) -> None:
    case.rejection_count += 1


@transaction.atomic
def case_reject(*, case_id: int, actor, reason: str, files=()) -> Case:
    """The buyer rejects the delivery (驳回) with a reason: back to the seller. After
    `SUPERVISION_REJECTIONS_BEFORE_APPEAL` rejections the pages steer the buyer to an
    appeal (`selectors.case_steer_to_appeal`)."""
    return act(
        case_id=case_id,
        actor=actor,
        action_name="reject",
        comment=reason,
        comment_message=_("Say why you reject the delivery."),
        files=files,
        apply=_count_rejection,
    )

"""The beat jobs' services (issue 11 › Deadlines, › Order status): set-based, a constant
number of queries per batch, idempotent, and safe in two workers at once (each batch
claims its rows with `SELECT … FOR UPDATE SKIP LOCKED` and writes with conditional
UPDATEs, so rows are never taken twice).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from marketplace.core.exceptions import DomainError
from orders.models import ORDER_STATUS, Order
from orders.services.history import history_row, history_save

from ..flows import ACTION_LABELS, Node, Role
from ..logistics import get_provider
from ..models import Case, CaseLog, SupervisionStatus
from .delivery import case_mark_signed_for
from .engine import OPERATOR_PERMISSION, enter
from .log import log_row
from .notify import context, english, notify_bulk, operators_with

logger = logging.getLogger(__name__)

# Order numbers listed in one digest e-mail (the count says how many there are).
DIGEST_NUMBERS = 20


def cases_flag_overdue(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Flag, once, the open cases past their implementation deadline (`due_at`) and tell
    each seller (one digest per seller per batch) and the operators (one digest each).
    Returns how many cases were flagged."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Case.objects.filter(
                    status=SupervisionStatus.IN_PROGRESS, overdue_at__isnull=True, due_at__lt=now
                )
                .order_by()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "seller__user_id", "order__number")[:batch]
            )
            if not rows:
                break
            Case.objects.filter(pk__in=[r[0] for r in rows], overdue_at__isnull=True).update(
                overdue_at=now
            )
            by_seller: dict[int, list[str]] = defaultdict(list)
            for _pk, user_id, number in rows:
                by_seller[user_id].append(number)
            numbers = [number for _pk, _user, number in rows]
            messages = [
                (user_id, "supervision_overdue", _digest(numbers_of_seller))
                for user_id, numbers_of_seller in by_seller.items()
            ]
            messages += [
                (operator.pk, "supervision_overdue_operators", _digest(numbers))
                for operator in operators_with(OPERATOR_PERMISSION).only("pk")
            ]
            notify_bulk(messages)
            total += len(rows)
        if len(rows) < batch:
            break
    return total


def _digest(numbers: list[str]) -> dict:
    return {"count": len(numbers), "order_numbers": sorted(numbers)[:DIGEST_NUMBERS]}


def orders_complete_supervised(*, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Complete the orders whose case is completed (05: "after acceptance the order
    becomes completed within 3 hours"), through the orders' declared `complete`
    transition, with their history rows. Orders no longer completable (refunded,
    unsubscribed meanwhile) are left as they are. Returns how many orders completed."""
    now = now or timezone.now()
    complete = ORDER_STATUS.transitions["complete"]
    total = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.filter(
                    status=SupervisionStatus.COMPLETED, order_synced_at__isnull=True
                )
                .order_by()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "order_id")[:batch]
            )
            if not cases:
                break
            orders = list(
                Order.objects.filter(pk__in=[o for _c, o in cases], status__in=complete.sources)
                .order_by()
                .select_for_update(of=("self",))
                .values_list("pk", "status")
            )
            if orders:
                Order.objects.filter(
                    pk__in=[pk for pk, _s in orders], status__in=complete.sources
                ).update(status=complete.target, completed_at=now)
                history_save(
                    history_row(
                        Order(pk=pk), action="complete", from_state=state, to_state=complete.target
                    )
                    for pk, state in orders
                )
            Case.objects.filter(pk__in=[c for c, _o in cases]).update(order_synced_at=now)
            total += len(orders)
        if len(cases) < batch:
            break
    return total


def cases_auto_accept_hardware(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Accept the signed-for hardware whose auto-acceptance time has come, as
    `case_auto_accept` would one by one, but set-based: each batch claims its cases
    (`FOR UPDATE SKIP LOCKED`: frozen or moved-on cases no longer match), appends each
    case's chained log row (one INSERT), completes the cases (one UPDATE) and tells both
    parties (one INSERT of notifications). Returns how many were accepted."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.filter(
                    status=SupervisionStatus.IN_PROGRESS,
                    node=Node.SIGNED_FOR,
                    auto_accept_at__lte=now,
                )
                .order_by("auto_accept_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("order", "seller")[:batch]
            )
            if not cases:
                break
            rows, messages = [], []
            for case in cases:
                action = case.flow_def.action("auto_accept")
                from_node = case.node
                # engine.move's writes for a system move to "completed", without files.
                case.accepted_at = now
                enter(case, action.target, now=now)
                case.status = SupervisionStatus.COMPLETED
                case.completed_at = now
                rows.append(
                    log_row(
                        case,
                        actor=None,
                        role=Role.SYSTEM,
                        action=action.name,
                        from_node=from_node,
                        to_node=action.target,
                        now=now,
                    )
                )
                ctx = context(case, action_label=english(ACTION_LABELS[action.name]), comment="")
                messages += [
                    (user_id, "supervision_completed", ctx)
                    for user_id in (case.buyer_id, case.seller.user_id)
                ]
            CaseLog.objects.bulk_create(rows)
            # The same writes in one UPDATE; each case's new log head is the hash of the
            # row just inserted (SET reads the row's old log_count).
            head = CaseLog.objects.filter(case_id=OuterRef("pk"), seq=OuterRef("log_count") + 1)
            Case.objects.filter(pk__in=[case.pk for case in cases]).update(
                node=Node.COMPLETED,
                node_entered_at=now,
                due_at=None,
                overdue_at=None,
                status=SupervisionStatus.COMPLETED,
                accepted_at=now,
                completed_at=now,
                log_head=Subquery(head.values("hash")[:1]),
                log_count=F("log_count") + 1,
            )
            notify_bulk(messages)
            total += len(cases)
        if len(cases) < batch:
            break
    return total


def cases_poll_logistics(*, batch: int = 500) -> int:
    """Ask the logistics provider about shipments in transit; record those signed for."""
    provider = get_provider()
    if not provider.polls:
        return 0
    shipments = list(
        Case.objects.filter(status=SupervisionStatus.IN_PROGRESS, node=Node.IN_TRANSIT)
        .order_by("shipped_at")
        .values_list("pk", "carrier", "tracking_number")[:batch]
    )
    done = 0
    for pk, carrier, tracking_number in shipments:
        when = provider.signed_for(carrier=carrier, tracking_number=tracking_number)
        if when is None:
            continue
        try:
            case_mark_signed_for(case_id=pk, actor=None, signed_for_at=when)
            done += 1
        except DomainError:  # moved on meanwhile (accepted, appealed): nothing to record
            logger.info("signed-for of case %s not recorded", pk, exc_info=True)
    return done

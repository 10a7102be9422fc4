"""Supervision reads (pages, dashboards, settlement). Scoped by owner in the query; list
selectors select their related rows so a page costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from marketplace.catalog.models import Product

from .files import evidence_url
from .flows import ACCEPTANCE_NODES, FINAL_NODES, FLOWS, Node, Role
from .models import Case, CaseLog, EvidenceFile, SupervisionStatus, can_view_case

# --- settlement (06: settle only "not involved" or "completed") ----------------------------


def supervision_status_for_orders(order_ids: Iterable[int]) -> dict[int, str]:
    """{order id: supervision status} for the given orders, in one indexed query (the
    case's unique order key); an order without a case is "not involved"."""
    order_ids = list(order_ids)
    found = dict(Case.objects.filter(order_id__in=order_ids).values_list("order_id", "status"))
    return {pk: found.get(pk, SupervisionStatus.NOT_INVOLVED) for pk in order_ids}


def settleable_order_ids(order_ids: Iterable[int]) -> set[int]:
    """The orders among `order_ids` whose supervision allows settlement, in one query."""
    order_ids = set(order_ids)
    blocked = set(
        Case.objects.filter(order_id__in=order_ids)
        .exclude(status=SupervisionStatus.COMPLETED)
        .values_list("order_id", flat=True)
    )
    return order_ids - blocked


def orders_settleable(queryset: QuerySet) -> QuerySet:
    """An Order queryset narrowed, in SQL, to orders with no case or a completed one
    (for settlement's set-based billing run)."""
    blocking = Case.objects.filter(order_id=OuterRef("pk")).exclude(
        status=SupervisionStatus.COMPLETED
    )
    return queryset.filter(~Exists(blocking))


# --- the centers' lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    node: str = ""
    flow: str = ""
    product: int | None = None
    overdue: bool = False
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    # A role ("buyer" / "seller"): only the open, unfrozen cases waiting for it (the
    # dashboards' to-do count links to the list filtered so).
    waiting_for: str = ""

    @classmethod
    def of(cls, filters: CaseFilters | Mapping | None) -> CaseFilters:
        if filters is None:
            return cls()
        if isinstance(filters, CaseFilters):
            return filters
        return cls(**{k: v for k, v in filters.items() if k in cls.__dataclass_fields__})


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(queryset: QuerySet, filters: CaseFilters | Mapping | None) -> QuerySet:
    f = CaseFilters.of(filters)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.node:
        queryset = queryset.filter(node=f.node)
    if f.flow:
        queryset = queryset.filter(flow=f.flow)
    if f.product:
        queryset = queryset.filter(product_id=f.product)
    if f.overdue:
        queryset = queryset.filter(status=SupervisionStatus.IN_PROGRESS, due_at__lt=timezone.now())
    # Beijing business dates (TIME_ZONE), inclusive.
    if f.opened_from:
        queryset = queryset.filter(opened_at__gte=_day_start(f.opened_from))
    if f.opened_to:
        queryset = queryset.filter(opened_at__lt=_day_start(f.opened_to + dt.timedelta(days=1)))
    if f.waiting_for in (Role.BUYER, Role.SELLER):
        nodes = BUYER_TODO_NODES if f.waiting_for == Role.BUYER else SELLER_TODO_NODES
        queryset = queryset.filter(status=SupervisionStatus.IN_PROGRESS, node__in=nodes)
    return queryset


def _listed(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("order", "product", "buyer", "seller").order_by(
        "-opened_at", "-id"
    )


def case_list_for_seller(seller, filters: CaseFilters | Mapping | None = None) -> QuerySet[Case]:
    """The seller's cases, newest first (seller center › delivery management)."""
    return _listed(_filtered(Case.objects.filter(seller=seller), filters))


def case_list_for_buyer(user, filters: CaseFilters | Mapping | None = None) -> QuerySet[Case]:
    """The buyer's cases, newest first (buyer center › service supervision)."""
    return _listed(_filtered(Case.objects.filter(buyer=user), filters))


def case_product_choices(*, seller=None, buyer=None) -> list[tuple[int, str]]:
    """(id, name) of the products the seller's (or the buyer's) cases are about: the
    lists' product filter, in one query. A seller's: its own products that have a case
    (an EXISTS per product: a seller may have 100,000 cases and a few dozen products),
    under their current names; a buyer's (a handful of cases): grouped over the orders'
    snapshots."""
    if buyer is None:
        rows = (
            Product.objects.filter(seller=seller)
            .filter(Exists(Case.objects.filter(product=OuterRef("pk"))))
            .values("name", product_id=F("pk"))
        )
    else:
        rows = (
            Case.objects.filter(buyer=buyer)
            .values("product_id")
            .annotate(name=Max("order__product_name"))
            .order_by()
        )
    return sorted(
        ((row["product_id"], row["name"]) for row in rows),
        key=lambda item: (item[1].lower(), item[0]),
    )


def _detail(queryset: QuerySet, pk) -> Case:
    case = (
        queryset.select_related("order", "product", "buyer", "seller__user", "license")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


def case_get_for_seller(seller, pk) -> Case:
    """One of the seller's cases, or 404 (another seller's too)."""
    return _detail(Case.objects.filter(seller=seller), pk)


def case_get_for_buyer(user, pk) -> Case:
    """One of the buyer's cases, or 404 (another buyer's too)."""
    return _detail(Case.objects.filter(buyer=user), pk)


# --- one case --------------------------------------------------------------------------------


def case_steer_to_appeal(case: Case) -> bool:
    """After SUPERVISION_REJECTIONS_BEFORE_APPEAL rejections the buyer is steered to
    appeal (the page shows the appeal first)."""
    return case.rejection_count >= settings.SUPERVISION_REJECTIONS_BEFORE_APPEAL


def case_can_appeal(case: Case, role: str, now: dt.datetime | None = None) -> bool:
    """May `role` open an appeal now (`appeal_open` would not refuse for the timing)."""
    if case.status != SupervisionStatus.IN_PROGRESS:
        return False
    if role == Role.BUYER:
        return True
    if role == Role.SELLER:
        return seller_may_appeal(case, now)
    return False


def seller_may_appeal(case: Case, now: dt.datetime | None = None) -> bool:
    """The buyer's acceptance step has made no progress for
    SUPERVISION_SELLER_APPEAL_AFTER_DAYS (05 › Appeals)."""
    now = now or timezone.now()
    days = settings.SUPERVISION_SELLER_APPEAL_AFTER_DAYS
    return case.node in ACCEPTANCE_NODES and case.node_entered_at <= now - dt.timedelta(days=days)


def case_actions_for(case: Case, role: str) -> list[str]:
    """The action names `role` may use now: the node's moves (flows), then
    `upload_evidence` and `appeal_open` where allowed. None on a frozen or finished case."""
    if case.status != SupervisionStatus.IN_PROGRESS:
        return []
    actions = case.flow_def.actions_for(case.node, role)
    if role in (Role.BUYER, Role.SELLER, Role.OPERATOR):
        actions.append("upload_evidence")
    if case_can_appeal(case, role):
        actions.append("appeal_open")
    return actions


def case_log(case: Case) -> list[CaseLog]:
    """The case's log, oldest first, with the actors."""
    return list(CaseLog.objects.filter(case=case).select_related("actor").order_by("seq"))


def case_evidence(case: Case, user) -> list[dict]:
    """The case's evidence files with signed links, for the two parties and operators
    allowed to view cases; an empty list for anyone else."""
    if not can_view_case(user, case):
        return []
    files = EvidenceFile.objects.filter(case=case).select_related("uploaded_by").order_by("id")
    return [
        {
            "evidence": evidence,
            "name": evidence.original_name,
            "url": evidence_url(evidence),
            "sha256": evidence.sha256,
            "size": evidence.size,
            "role": evidence.role,
            "log_seq": evidence.log_seq,
            "created_at": evidence.created_at,
        }
        for evidence in files
    ]


def case_progress(case: Case) -> list[dict]:
    """The flow's nodes for a progress bar: done / current / todo (closed cases end at
    "closed"; the path taken is the flow's main line)."""
    nodes = [n for n in case.flow_def.nodes() if n not in FINAL_NODES]
    nodes.append(Node.CLOSED if case.node == Node.CLOSED else Node.COMPLETED)
    current = nodes.index(case.node) if case.node in nodes else 0
    return [
        {
            "node": node,
            "label": Node(node).label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, node in enumerate(nodes)
    ]


# --- dashboards ------------------------------------------------------------------------------


def _todo_nodes(role: str) -> set[str]:
    """The nodes where some flow waits for `role` (node names mean the same in every flow)."""
    return {node for flow in FLOWS.values() for node in flow.nodes() if role in flow.turn(node)}


BUYER_TODO_NODES = frozenset(_todo_nodes(Role.BUYER))
SELLER_TODO_NODES = frozenset(_todo_nodes(Role.SELLER))


def todo_count_for_buyer(user) -> int:
    """Open, unfrozen cases waiting for the buyer (one indexed count)."""
    return Case.objects.filter(
        buyer=user, status=SupervisionStatus.IN_PROGRESS, node__in=BUYER_TODO_NODES
    ).count()


def todo_count_for_seller(seller) -> int:
    """Open, unfrozen cases waiting for the seller (one indexed count)."""
    return Case.objects.filter(
        seller=seller, status=SupervisionStatus.IN_PROGRESS, node__in=SELLER_TODO_NODES
    ).count()


def appeal_queue() -> QuerySet:
    """Open appeals, oldest first (the admin's queue)."""
    from .models import Appeal

    return (
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .select_related("case__order", "opened_by")
        .order_by("created_at", "id")
    )

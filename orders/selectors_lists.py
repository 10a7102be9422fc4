"""Reads behind the order lists, order pages and "my agreements" of both centers.

Every selector scopes by owner in the query itself (`buyer=` / `seller=`): another
account's order or agreement is never fetched, so a guessed number is a 404, never a
403 that would confirm it exists. Lists join what their rows show (no query per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from marketplace.core.audit import history_for
from sellers.models import Seller

from .models import Order, Refund, SignedAgreement


def order_list_for_buyer(*, buyer) -> QuerySet[Order]:
    """The buyer's orders, newest first, with the seller each row names."""
    return Order.objects.filter(buyer=buyer).select_related("seller")


def order_list_for_seller(*, seller: Seller) -> QuerySet[Order]:
    """The seller's orders, newest first, with the buyer each row names."""
    return Order.objects.filter(seller=seller).select_related("buyer")


def _order_detail(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related(
        "buyer", "seller", "subscription", "signed_agreement", "private_offer", "region"
    ).prefetch_related(
        "voucher_grants__voucher",
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")),
    )


def order_get_for_buyer(*, buyer, number: str) -> Order:
    """One of the buyer's orders by its number; anyone else's is a 404."""
    return get_object_or_404(_order_detail(Order.objects.filter(buyer=buyer)), number=number)


def order_get_for_seller(*, seller: Seller, number: str) -> Order:
    """One of the seller's orders by its number; anyone else's is a 404."""
    return get_object_or_404(_order_detail(Order.objects.filter(seller=seller)), number=number)


# Labels of the actions the order services log (the transitions' names); an unknown code
# (a later service) shows as it is.
HISTORY_ACTIONS = {
    "place": _("Order placed"),
    "pay": _("Paid"),
    "pay_on_credit": _("Paid on credit"),
    "repay": _("Credit repaid"),
    "cancel": _("Cancelled"),
    "expire": _("Cancelled: not paid in time"),
    "start_processing": _("Processing started"),
    "complete": _("Completed"),
    "unsubscribe": _("Unsubscribed"),
    "refund": _("Refunded"),
}
HISTORY_STATES = {**dict(Order.PaymentStatus.choices), **dict(Order.Status.choices)}


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    action: str
    from_state: str
    to_state: str
    reason: str


def order_history(*, order: Order) -> list[HistoryRow]:
    """The order's status and payment-status transitions, oldest first, labelled."""
    return [
        HistoryRow(
            at=row.created_at,
            action=str(HISTORY_ACTIONS.get(row.action, row.action)),
            from_state=str(HISTORY_STATES.get(row.from_state, row.from_state)),
            to_state=str(HISTORY_STATES.get(row.to_state, row.to_state)),
            reason=row.reason,
        )
        for row in history_for(order).order_by("created_at", "id")
    ]


def agreements_for_buyer(*, buyer) -> QuerySet[SignedAgreement]:
    """The agreements the buyer signed, newest first, with their orders and sellers."""
    return (
        SignedAgreement.objects.filter(buyer=buyer).select_related("order", "seller").defer("text")
    )


def agreements_for_seller(*, seller: Seller) -> QuerySet[SignedAgreement]:
    """The agreements the seller's customers signed, newest first."""
    return (
        SignedAgreement.objects.filter(seller=seller).select_related("order", "buyer").defer("text")
    )


def agreement_get_for_buyer(*, buyer, number: str) -> SignedAgreement:
    """The agreement signed with the buyer's order `number`; anyone else's is a 404."""
    return get_object_or_404(
        SignedAgreement.objects.select_related("order", "seller"),
        buyer=buyer,
        order__number=number,
    )


def agreement_get_for_seller(*, seller: Seller, number: str) -> SignedAgreement:
    """The agreement signed with the seller's order `number`; anyone else's is a 404."""
    return get_object_or_404(
        SignedAgreement.objects.select_related("order", "buyer"),
        seller=seller,
        order__number=number,
    )


def seller_product_choices(*, seller: Seller) -> list[tuple[int, str]]:
    """(id, name) of the products the seller has orders for: the list's product filter.
    One grouped query over the orders' snapshots (a renamed product shows one name)."""
    rows = (
        Order.objects.filter(seller=seller)
        .values("product_id")
        .annotate(name=Max("product_name"))
        .order_by()
    )
    return sorted(
        ((row["product_id"], row["name"]) for row in rows),
        key=lambda item: (item[1].lower(), item[0]),
    )

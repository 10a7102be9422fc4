"""Invoicing reads: which orders may be invoiced and why not, e-invoice availability,
and the pages' lists, every one scoped by its owner in the query.

E-invoice rules (06 › Invoicing, "open: pick the rules"; README › Invoicing):
1. orders from before the cut-over are invoiced by the marketplace, on paper only;
2. the seller has turned e-invoices off (seller center › invoices);
3. hardware orders are invoiced on paper (the invoice travels like the goods);
4. a request above `INVOICE_E_INVOICE_MAX_AMOUNT` is invoiced on paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType
from marketplace.core.audit import history_for
from orders.models import Order, Unsubscription

from .exceptions import InvoiceNotFound
from .models import InvoiceRequest, InvoiceRequestOrder, RedLetterInvoice, SellerInvoiceSettings

PAID = (Order.PaymentStatus.PAID, Order.PaymentStatus.PAID_ON_CREDIT, Order.PaymentStatus.REPAID)
OPEN_UNSUBSCRIPTION = (
    Unsubscription.Status.PENDING,
    Unsubscription.Status.AWAITING_RETURN,
    Unsubscription.Status.RETURN_SHIPPED,
)


def cut_over() -> dt.datetime:
    """`INVOICE_SELLER_ISSUES_FROM` as an aware moment (a naive value is Beijing time)."""
    value = settings.INVOICE_SELLER_ISSUES_FROM
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if moment is None:
        raise ValueError(f"INVOICE_SELLER_ISSUES_FROM is not a date and time: {value!r}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def issuer_for(order: Order) -> str:
    """The seller for orders placed from the cut-over on, the marketplace before it."""
    if order.created_at >= cut_over():
        return InvoiceRequest.Issuer.SELLER
    return InvoiceRequest.Issuer.MARKETPLACE


def orders_for_invoicing(buyer) -> QuerySet[Order]:
    """The buyer's orders, each annotated with what decides whether it may be invoiced."""
    return (
        Order.objects.filter(buyer=buyer)
        .select_related("seller")
        .annotate(
            open_unsubscription=Exists(
                Unsubscription.objects.filter(order=OuterRef("pk"), status__in=OPEN_UNSUBSCRIPTION)
            ),
            invoiced=Exists(InvoiceRequestOrder.objects.filter(order=OuterRef("pk"), live=True)),
        )
    )


def order_problem(order: Order) -> str:
    """Why `order` (from `orders_for_invoicing`) can't be invoiced now; "" if it can."""
    if order.payment_status == Order.PaymentStatus.REFUNDED or order.status in (
        Order.Status.REFUNDED,
        Order.Status.UNSUBSCRIBED,
    ):
        return _("Order %(number)s was refunded: it can't be invoiced.") % {"number": order.number}
    if order.payment_status not in PAID:
        return _("Order %(number)s is not paid yet.") % {"number": order.number}
    if order.refunded_amount > 0:
        return _("Order %(number)s was refunded: it can't be invoiced.") % {"number": order.number}
    if order.open_unsubscription:
        return _("Order %(number)s has a pending unsubscription.") % {"number": order.number}
    if order.invoiced:
        return _("Order %(number)s is already invoiced or in an invoice request.") % {
            "number": order.number
        }
    if order.amount <= 0:
        return _("Order %(number)s cost nothing: there is nothing to invoice.") % {
            "number": order.number
        }
    return ""


def e_invoice_unavailable(orders: Iterable[Order], *, issues_e_invoices: bool = True) -> str:
    """Why an e-invoice can't be asked for these orders (the disabled button's reason)."""
    orders = list(orders)
    if any(issuer_for(o) == InvoiceRequest.Issuer.MARKETPLACE for o in orders):
        return _("Orders placed before the cut-over are invoiced by the marketplace on paper.")
    if not issues_e_invoices:
        return _("This seller does not issue e-invoices: ask for a paper invoice.")
    if any(o.delivery_type == DeliveryType.HARDWARE for o in orders):
        return _("Hardware orders are invoiced on paper.")
    limit = Decimal(settings.INVOICE_E_INVOICE_MAX_AMOUNT)
    if sum((o.amount for o in orders), Decimal("0")) > limit:
        return _("An e-invoice covers at most ¥%(limit)s: ask for a paper invoice.") % {
            "limit": limit
        }
    return ""


def seller_issues_e_invoices(seller_id: int) -> bool:
    found = SellerInvoiceSettings.objects.filter(seller_id=seller_id).first()
    return True if found is None else found.issues_e_invoices


# --- pages -------------------------------------------------------------------------------------


def invoice_list_for_buyer(buyer) -> QuerySet[InvoiceRequest]:
    return (
        InvoiceRequest.objects.filter(buyer=buyer)
        .select_related("seller")
        .annotate(order_count=Count("lines"))
        .order_by("-requested_at", "-id")
    )


def invoice_get_for_buyer(buyer, pk: int) -> InvoiceRequest:
    found = InvoiceRequest.objects.filter(buyer=buyer, pk=pk).select_related("seller").first()
    if found is None:
        raise InvoiceNotFound
    return found


def invoice_list_for_seller(seller, *, status: str = "", overdue: bool = False):
    queryset = (
        InvoiceRequest.objects.filter(seller=seller)
        .select_related("buyer")
        .annotate(order_count=Count("lines"))
        .order_by("due_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    if overdue:
        queryset = queryset.filter(
            status=InvoiceRequest.Status.REQUESTED, due_at__lt=timezone.now()
        )
    return queryset


def invoice_get_for_seller(seller, pk: int) -> InvoiceRequest:
    found = InvoiceRequest.objects.filter(seller=seller, pk=pk).select_related("buyer").first()
    if found is None:
        raise InvoiceNotFound
    return found


def invoice_lines(request: InvoiceRequest) -> QuerySet[InvoiceRequestOrder]:
    return request.lines.select_related("order").order_by("order__created_at", "pk")


def red_letters(request: InvoiceRequest) -> QuerySet[RedLetterInvoice]:
    return request.red_letters.select_related("order").order_by("created_at", "pk")


def overdue_counts_by_seller() -> dict[int, int]:
    """{seller id: requests flagged overdue and still not issued} (the admin's column)."""
    rows = (
        InvoiceRequest.objects.filter(
            status=InvoiceRequest.Status.REQUESTED, overdue_flagged_at__isnull=False
        )
        .values("seller_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["seller_id"]: row["n"] for row in rows}


def overdue_q() -> Q:
    return Q(status=InvoiceRequest.Status.REQUESTED, overdue_flagged_at__isnull=False)


def mark_orders_for_invoicing(orders: Iterable[Order]) -> None:
    """For the buyer's order pages (my orders, an order, a purchased service): set on
    each order `invoice_request` (its live request, or None) and `may_ask_invoice` (paid,
    not refunded, not in a live request), in one query for all of them."""
    orders = list(orders)
    lines = InvoiceRequestOrder.objects.filter(
        order_id__in=[o.pk for o in orders], live=True
    ).select_related("request")
    found = {line.order_id: line.request for line in lines}
    for order in orders:
        order.invoice_request = found.get(order.pk)
        order.may_ask_invoice = (
            order.invoice_request is None
            and order.payment_status in PAID
            and order.status not in (Order.Status.REFUNDED, Order.Status.UNSUBSCRIBED)
            and not order.refunded_amount
            and order.amount > 0
        )


def invoice_history(request: InvoiceRequest) -> list:
    """The request's history rows (`marketplace.core.audit`), each with `action_label`,
    `from_label` and `to_label` in the reader's language (the rows keep the raw names)."""
    actions = {
        "request": _("Requested"),
        "issue": _("Issued"),
        "mail": _("Mailed"),
        "reject": _("Rejected"),
        "cancel": _("Withdrawn"),
    }
    states = dict(InvoiceRequest.Status.choices)
    rows = list(history_for(request))
    for row in rows:
        row.action_label = actions.get(row.action, row.action)
        row.from_label = str(states.get(row.from_state, row.from_state))
        row.to_label = str(states.get(row.to_state, row.to_state))
    return rows

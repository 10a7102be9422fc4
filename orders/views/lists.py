"""Buyer center › My orders (list with filters, order detail) and My agreements.

Every page reads through `orders.selectors_lists`, which scopes by the signed-in buyer in
the query: another buyer's order number is a 404. These pages live in the "orders" URL
namespace but belong to the buyer center, so they name that center for the layout.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from invoices.selectors import mark_orders_for_invoicing
from marketplace.core.navigation import entries_for

from .. import selectors_lists as selectors
from ..filters import OrderFilter

PAGE_SIZE = 20


def buyer_center(request, template: str, context: dict):
    """Render `template` in the buyer center's layout (its menu), whatever the namespace."""
    context = {"center": "buyer", "center_nav": entries_for("buyer", request.user), **context}
    return render(request, template, context)


@login_required
def order_list(request):
    filterset = OrderFilter(
        request.GET or None, queryset=selectors.order_list_for_buyer(buyer=request.user)
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    mark_orders_for_invoicing(page.object_list)  # "ask for an invoice" / its request
    return buyer_center(request, "orders/order_list.html", {"filter": filterset, "page": page})


@login_required
def order_detail(request, number: str):
    order = selectors.order_get_for_buyer(buyer=request.user, number=number)
    mark_orders_for_invoicing([order])
    return buyer_center(
        request,
        "orders/order_detail.html",
        {"order": order, "history": selectors.order_history(order=order)},
    )


@login_required
def agreement_list(request):
    agreements = selectors.agreements_for_buyer(buyer=request.user)
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return buyer_center(request, "orders/agreement_list.html", {"page": page})


@login_required
def agreement_detail(request, number: str):
    agreement = selectors.agreement_get_for_buyer(buyer=request.user, number=number)
    return buyer_center(request, "orders/agreement_detail.html", {"agreement": agreement})

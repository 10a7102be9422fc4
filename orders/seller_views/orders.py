"""Seller center › Orders (list with filters, CSV/XLSX export of the filtered list, order
detail) and My agreements (what the seller's customers signed).

Every read goes through `orders.selectors_lists`, scoped by the seller in the query: an
order or agreement of another seller is a 404. A seller who applied to exit still sees
its orders (they're still running until the exit completes).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sellers.models import Seller

from .. import exports
from .. import selectors_lists as selectors
from ..filters import SellerOrderFilter

PAGE_SIZE = 20
SELLER_STATUSES = (Seller.Status.ACTIVE, Seller.Status.EXIT_PENDING)


def order_seller_required(view):
    """Log-in, then an onboarded seller (403 otherwise); sets `request.seller`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seller = Seller.objects.filter(user=request.user).first()
        if seller is None or seller.status not in SELLER_STATUSES:
            raise PermissionDenied(_("Only an onboarded seller has orders to see."))
        request.seller = seller
        return view(request, *args, **kwargs)

    return wrapper


def _filter(request) -> SellerOrderFilter:
    return SellerOrderFilter(
        request.GET or None,
        queryset=selectors.order_list_for_seller(seller=request.seller),
        product_choices=selectors.seller_product_choices(seller=request.seller),
    )


@order_seller_required
def order_list(request):
    filterset = _filter(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/seller_order_list.html", {"filter": filterset, "page": page})


@order_seller_required
def order_export(request, fmt: str):
    """The filtered list (the same filters as the page, every page) as a file."""
    filename = f"orders-{timezone.localdate():%Y%m%d}"
    queryset = _filter(request).qs
    if fmt == "csv":
        return exports.orders_csv_response(queryset, filename=filename)
    if fmt == "xlsx":
        return exports.orders_xlsx_response(queryset, filename=filename)
    raise Http404


@order_seller_required
@require_GET
def order_detail(request, number: str):
    order = selectors.order_get_for_seller(seller=request.seller, number=number)
    return render(
        request,
        "orders/seller_order_detail.html",
        {"order": order, "history": selectors.order_history(order=order)},
    )


@order_seller_required
def agreement_list(request):
    agreements = selectors.agreements_for_seller(seller=request.seller)
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/seller_agreement_list.html", {"page": page})


@order_seller_required
@require_GET
def agreement_detail(request, number: str):
    agreement = selectors.agreement_get_for_seller(seller=request.seller, number=number)
    return render(request, "orders/seller_agreement_detail.html", {"agreement": agreement})

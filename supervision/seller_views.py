"""Seller center › Delivery management › Service supervision: the seller's cases (list
with filters), one case (progress, requirements, result, log, evidence) and the seller's
actions on it. Every read goes through the selectors, scoped by the seller: another
seller's case is a 404 and nothing changes."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orders.seller_views.orders import order_seller_required

from .flows import Role
from .pages import case_context, list_context, perform
from .selectors import case_get_for_seller, case_list_for_seller, case_product_choices

URLS = {"detail_url": "seller:supervision_detail", "action_url": "seller:supervision_action"}


@order_seller_required
@require_GET
def case_list(request):
    context = list_context(
        request,
        queryset_for=lambda filters: case_list_for_seller(request.seller, filters),
        product_choices=case_product_choices(seller=request.seller),
        role=Role.SELLER,
    )
    return render(request, "supervision/case_list.html", {**context, **URLS})


def _page(request, case, bound=None):
    context = case_context(case, role=Role.SELLER, user=request.user, bound=bound)
    return render(request, "supervision/case_detail.html", {**context, **URLS})


@order_seller_required
@require_GET
def case_detail(request, pk: int):
    return _page(request, case_get_for_seller(request.seller, pk))


@order_seller_required
@require_POST
def case_action(request, pk: int, action: str):
    case = case_get_for_seller(request.seller, pk)
    failed = perform(request, case, action, Role.SELLER)
    if failed is None:
        return redirect("seller:supervision_detail", pk=case.pk)
    return _page(request, case, bound={action: failed})

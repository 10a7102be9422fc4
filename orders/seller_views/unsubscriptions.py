"""Seller center › Unsubscription requests: the list, one request with its order, and the
decisions (approve = refund the amount asked, or ask a hardware buyer to ship the goods
back; refuse with a reason; confirm shipped-back goods inspected = refund). Every query
is scoped by the seller: another seller's request is a 404 and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core.audit import history_for
from marketplace.core.forms import call_service

from ..forms_lifecycle import RefuseForm
from ..models import Unsubscription
from ..services.unsubscribe import unsubscription_approve, unsubscription_refuse
from .orders import order_seller_required

PAGE_SIZE = 20
URL_NAMESPACE = "seller"


def unsubscription_list_for_seller(*, seller, status: str = ""):
    rows = Unsubscription.objects.filter(seller=seller).select_related("order", "buyer")
    if status in Unsubscription.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def _own(request, pk: int) -> Unsubscription:
    return get_object_or_404(
        Unsubscription.objects.select_related("order", "buyer"), pk=pk, seller=request.seller
    )


@order_seller_required
def unsubscription_list(request):
    status = request.GET.get("status", "")
    rows = unsubscription_list_for_seller(seller=request.seller, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/seller_unsubscriptions_list.html",
        {"page": page, "status": status, "statuses": Unsubscription.Status.choices},
    )


def _detail(request, unsubscription: Unsubscription, refuse_form=None, status=200):
    labels = dict(Unsubscription.Status.choices)
    return render(
        request,
        "orders/seller_unsubscriptions_detail.html",
        {
            "unsubscription": unsubscription,
            "order": unsubscription.order,
            "refuse_form": refuse_form or RefuseForm(),
            "history": [
                (row.created_at, labels.get(row.to_state, row.to_state), row.reason)
                for row in history_for(unsubscription)
            ],
        },
        status=status,
    )


@order_seller_required
@require_GET
def unsubscription_detail(request, pk: int):
    return _detail(request, _own(request, pk))


@order_seller_required
@require_POST
def unsubscription_approve_view(request, pk: int):
    unsubscription = _own(request, pk)
    form = RefuseForm()
    done = call_service(
        form,
        unsubscription_approve,
        unsubscription_id=unsubscription.pk,
        seller=request.seller,
        actor=request.user,
    )
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
    elif done.status == Unsubscription.Status.AWAITING_RETURN:
        messages.success(request, _("Approved: the buyer is asked to ship the goods back."))
    else:
        messages.success(request, _("Approved: the refund is made."))
    return redirect(f"{URL_NAMESPACE}:unsubscription_detail", pk=unsubscription.pk)


@order_seller_required
@require_POST
def unsubscription_refuse_view(request, pk: int):
    unsubscription = _own(request, pk)
    form = RefuseForm(request.POST)
    if form.is_valid() and call_service(
        form,
        unsubscription_refuse,
        unsubscription_id=unsubscription.pk,
        seller=request.seller,
        reason=form.cleaned_data["reason"],
        actor=request.user,
    ):
        messages.success(request, _("Request refused; the buyer is told why."))
        return redirect(f"{URL_NAMESPACE}:unsubscription_detail", pk=unsubscription.pk)
    unsubscription.refresh_from_db()
    return _detail(request, unsubscription, refuse_form=form)

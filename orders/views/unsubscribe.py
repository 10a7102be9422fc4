"""Buyer center › unsubscribe an order 退订: the rule that applies and the refund, the
request, its withdrawal and the hardware return shipping. Scoped by the buyer in every
query: another buyer's order or request is a 404 and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.core.forms import call_service

from ..forms_lifecycle import ShipBackForm, UnsubscribeForm
from ..models import Order, Unsubscription
from ..services.unsubscribe import (
    IMMEDIATE,
    refundable,
    unsubscription_request,
    unsubscription_rule,
    unsubscription_ship_back,
    unsubscription_withdraw,
)
from .lists import buyer_center


def _order(request, number: str) -> Order:
    return get_object_or_404(
        Order.objects.select_related("subscription", "seller"), number=number, buyer=request.user
    )


def _page(request, order: Order, form=None, ship_form=None):
    rule, why = unsubscription_rule(order)
    if form is None and rule is not None:
        form = UnsubscribeForm(
            negotiated=rule == Unsubscription.Rule.GUARANTEE,
            hardware=rule == Unsubscription.Rule.HARDWARE,
            initial={"proposed_amount": refundable(order)},
        )
    return buyer_center(
        request,
        "orders/unsubscribe.html",
        {
            "order": order,
            "rule": rule,
            "rule_label": Unsubscription.Rule(rule).label if rule else "",
            "why": why,
            "immediate": rule in IMMEDIATE,
            "refundable": refundable(order),
            "form": form,
            "ship_form": ship_form or ShipBackForm(),
            "requests": order.unsubscriptions.order_by("-created_at"),
        },
    )


@login_required
def unsubscribe(request, number: str):
    order = _order(request, number)
    if request.method != "POST":
        return _page(request, order)
    rule, why = unsubscription_rule(order)
    form = UnsubscribeForm(
        request.POST,
        negotiated=rule == Unsubscription.Rule.GUARANTEE,
        hardware=rule == Unsubscription.Rule.HARDWARE,
    )
    if form.is_valid():
        done = call_service(
            form,
            unsubscription_request,
            order_id=order.pk,
            buyer=request.user,
            reason=form.cleaned_data.get("reason", ""),
            proposed_amount=form.cleaned_data.get("proposed_amount"),
            goods_received=form.cleaned_data.get("goods_received", False),
        )
        if done is not None:
            if done.status == Unsubscription.Status.APPROVED:
                messages.success(request, _("Unsubscribed: the refund is on its way back."))
            else:
                messages.success(request, _("Request sent: the seller will answer it."))
            return redirect("orders:unsubscribe", number=order.number)
    return _page(request, order, form=form)


def _request(request, pk: int) -> Unsubscription:
    return get_object_or_404(
        Unsubscription.objects.select_related("order"), pk=pk, buyer=request.user
    )


@login_required
@require_POST
def unsubscription_withdraw_view(request, pk: int):
    unsubscription = _request(request, pk)
    form = UnsubscribeForm(request.POST)
    if call_service(
        form, unsubscription_withdraw, unsubscription_id=unsubscription.pk, buyer=request.user
    ):
        messages.success(request, _("Unsubscription request withdrawn."))
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect("orders:unsubscribe", number=unsubscription.order.number)


@login_required
@require_POST
def unsubscription_ship_back_view(request, pk: int):
    unsubscription = _request(request, pk)
    form = ShipBackForm(request.POST)
    if form.is_valid() and call_service(
        form,
        unsubscription_ship_back,
        unsubscription_id=unsubscription.pk,
        buyer=request.user,
        **form.cleaned_data,
    ):
        messages.success(request, _("Return shipping saved: the seller will inspect the goods."))
        return redirect("orders:unsubscribe", number=unsubscription.order.number)
    return _page(request, unsubscription.order, ship_form=form)

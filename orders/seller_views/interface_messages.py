"""Seller center › Production interface messages 生产接口消息 (04 › Retries, reference
§1.13): every call of the seller's products with filters (product, activity, state,
date), one call with its request and every attempt, and Restart 重新启动 on a failed call.
Every query is scoped by the seller (`orders.isv.messages`): another seller's call is a
404 and nothing changes."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from marketplace.catalog.models import Product
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError

from ..isv.messages import call_for_seller, calls_for_seller
from ..models import ProvisioningCall
from ..provisioning import call_restart
from ..services.subscriptions import PROVISIONED_TYPES
from .orders import order_seller_required

PAGE_SIZE = 20


class CallFilterForm(forms.Form):
    product = forms.TypedChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"data-user-content": ""}),  # the seller's product names
    )
    activity = forms.ChoiceField(label=gettext_lazy("Activity"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        products = Product.objects.filter(
            seller=seller, delivery_type__in=PROVISIONED_TYPES
        ).order_by("name", "id")
        self.fields["product"].choices = everything + [
            (p.pk, p.name or f"#{p.pk}") for p in products
        ]
        self.fields["activity"].choices = everything + list(ProvisioningCall.Activity.choices)
        self.fields["status"].choices = everything + list(ProvisioningCall.Status.choices)


@order_seller_required
@require_GET
def interface_messages(request):
    form = CallFilterForm(request.GET or None, seller=request.seller)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = calls_for_seller(
        seller=request.seller,
        product_id=filters.get("product"),
        activity=filters.get("activity") or "",
        status=filters.get("status") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/seller_interface_messages.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _json(value) -> str:
    """A request body as the seller's server sees it: JSON, not Python's repr."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@order_seller_required
@require_GET
def interface_message_detail(request, pk: int):
    call = call_for_seller(seller=request.seller, call_id=pk)
    if call is None:
        raise Http404
    labels = dict(ProvisioningCall.Status.choices)
    attempts = sorted(call.attempt_log.all(), key=lambda a: -a.number)
    for attempt in attempts:
        attempt.request_text = _json(attempt.request_body)
        try:  # the answer as the server wrote it, indented when it is JSON
            attempt.response_text = _json(json.loads(attempt.response_body))
        except ValueError:
            attempt.response_text = attempt.response_body
    return render(
        request,
        "orders/seller_interface_messages_detail.html",
        {
            "call": call,
            "payload_text": _json(call.payload),
            "attempts": attempts,
            "history": [
                (row.created_at, labels.get(row.to_state, row.to_state), row.actor)
                for row in history_for(call)
            ],
        },
    )


@order_seller_required
@require_POST
def interface_message_restart(request, pk: int):
    if call_for_seller(seller=request.seller, call_id=pk) is None:
        raise Http404
    try:
        call_restart(call_id=pk, actor=request.user, seller=request.seller)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Restarted: the call is sent again with a new retry window."))
    return redirect("seller:interface_message_detail", pk=pk)

"""Checkout pages: the confirm page the product page's "Buy" leads to (choices, price
breakdown, agreement, vouchers → "Place order"), the pay page of an order waiting for
payment, and its cancel button. Thin: form → `orders.services.checkout` → redirect.

The confirm page re-quotes with htmx when a choice changes (the quote fragment alone).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buyers.services.vouchers import voucher_grants_usable
from buyers.services.wallet import payment_methods
from marketplace.core.exceptions import DomainError

from .. import selectors
from ..forms import CheckoutForm, PayForm
from ..models import Order
from ..services.checkout import agreement_for, order_cancel, order_pay, order_place, order_quote


def _refuse(form, exc: DomainError) -> None:
    field = getattr(exc, "field", "")
    if field == "voucher_grant_ids":
        field = "vouchers"
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def checkout(request, product_id: int, spec_code: str):
    spec = selectors.spec_for_checkout(
        product_id=product_id, spec_code=spec_code, buyer=request.user
    )
    if spec is None:
        raise Http404
    product = spec.version.product
    grants = voucher_grants_usable(buyer=request.user, product=product).select_related("voucher")
    regions = list(product.regions.all())
    if request.method == "POST":
        data = request.POST
    else:
        # The product page links here with at most a region: that is not a choice yet.
        data = request.GET if "period" in request.GET else None
    region = request.GET.get("region", "")
    form = CheckoutForm(
        data,
        spec=spec,
        grants=grants,
        regions=regions,
        initial={"region": region if region in {r.code for r in regions} else ""},
    )
    quote = None
    if not form.is_bound:
        quote = order_quote(buyer=request.user, spec=spec, **form.initial_kwargs())
    elif form.is_valid():
        quote = order_quote(buyer=request.user, spec=spec, **form.service_kwargs())
        if request.method == "POST":
            try:
                with transaction.atomic():
                    order = order_place(
                        buyer=request.user,
                        spec=spec,
                        agreement_accepted=form.cleaned_data["agreement_accepted"],
                        idempotency_key=form.cleaned_data["idempotency_key"],
                        **form.service_kwargs(),
                    )
            except DomainError as exc:
                _refuse(form, exc)
            else:
                return redirect("orders:pay", order.number)
    agreement_kind, agreement_text = agreement_for(spec)
    context = {
        "product": product,
        "version": spec.version,
        "spec": spec,
        "form": form,
        "quote": quote,
        "agreement_text": agreement_text,
        "joint_terms": agreement_kind == "joint_terms",
    }
    template = "orders/checkout_quote.html" if request.htmx else "orders/checkout.html"
    return render(request, template, context)


def _own_order(request, number: str) -> Order:
    order = selectors.order_get_own(buyer=request.user, number=number)
    if order is None:
        raise Http404
    return order


@login_required
def pay(request, number: str):
    order = _own_order(request, number)
    if order.status != Order.Status.PENDING_PAYMENT:
        messages.info(request, _("This order is not waiting for payment."))
        return redirect("orders:detail", order.number)
    methods = payment_methods(buyer=request.user, product=order.product)
    form = PayForm(request.POST or None, methods=methods)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                order_pay(
                    order_id=order.pk,
                    buyer=request.user,
                    method=form.cleaned_data["method"],
                    coupon_ids=form.coupon_ids(),
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Paid. Thank you for your order."))
            return redirect("orders:detail", order.number)
    return render(request, "orders/pay.html", {"order": order, "form": form, "methods": methods})


@login_required
@require_POST
def cancel(request, number: str):
    order = _own_order(request, number)
    try:
        with transaction.atomic():
            order_cancel(order_id=order.pk, buyer=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order was cancelled."))
    return redirect("orders:detail", order.number)

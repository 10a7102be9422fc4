"""Seller center › sales configuration of a product (02 › Sales configuration)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from .. import delivery, services
from .. import seller_selectors as selectors
from ..forms import (
    AllowlistAddForm,
    SalesSettingsForm,
    SpecSalesForm,
)
from ._common import active_seller_required


@active_seller_required
@require_http_methods(["GET", "POST"])
def product_sales(request, pk: int):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    settings_form = SalesSettingsForm(
        request.POST or None,
        initial={
            "allowlist_enabled": product.allowlist_enabled,
            "trial_allowlist_enabled": product.trial_allowlist_enabled,
            "credit_line_allowed": product.credit_line_allowed,
            "cash_coupon_allowed": product.cash_coupon_allowed,
            "credit_specified_users_only": product.credit_specified_users_only,
            "regions": list(product.regions.all()),
        },
    )
    if product.delivery_type not in delivery.TRIAL_TYPES:
        del settings_form.fields["trial_allowlist_enabled"]  # no trial to restrict
    if (
        request.method == "POST"
        and settings_form.is_valid()
        and call_service(
            settings_form,
            services.product_sales_update,
            product=product,
            actor=request.user,
            **{"trial_allowlist_enabled": False, **settings_form.cleaned_data},
        )
    ):
        messages.success(request, _("Sales settings saved."))
        return redirect("seller:product_sales", pk=product.pk)
    return _render_sales(request, product, settings_form=settings_form)


def _render_sales(request, product, *, settings_form=None, spec_forms=None, allow_forms=None):
    overview = selectors.product_sales_overview(product=product)
    spec_forms = spec_forms or {}
    allow_forms = allow_forms or {}
    for row in overview["spec_rows"]:
        sales = row["sales"]
        row["form"] = spec_forms.get(row["code"]) or SpecSalesForm(
            initial={
                "stock": sales.stock if sales else None,
                "max_quantity_per_buyer": sales.max_quantity_per_buyer if sales else None,
                "max_orders_per_buyer": sales.max_orders_per_buyer if sales else None,
            },
            prefix=row["code"],
        )
    for allowlist in overview["allowlists"]:
        allowlist["form"] = allow_forms.get(allowlist["kind"]) or AllowlistAddForm(
            initial={"kind": allowlist["kind"]}, prefix=allowlist["kind"]
        )
    return render(
        request,
        "catalog/seller/sales.html",
        {
            "product": product,
            "settings_form": settings_form or SalesSettingsForm(),
            **overview,
        },
    )


@active_seller_required
@require_POST
def spec_sales(request, pk: int, code: str):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    form = SpecSalesForm(request.POST, prefix=code)
    if form.is_valid() and call_service(
        form,
        services.spec_sales_set,
        product=product,
        spec_code=code,
        actor=request.user,
        **form.cleaned_data,
    ):
        messages.success(request, _("Inventory and limits saved."))
        return redirect("seller:product_sales", pk=product.pk)
    return _render_sales(request, product, spec_forms={code: form})


@active_seller_required
@require_POST
def allowlist_add(request, pk: int, kind: str):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    form = AllowlistAddForm(request.POST, prefix=kind)
    if form.is_valid() and form.cleaned_data["kind"] == kind:
        entry = call_service(
            form,
            services.allowlist_add,
            product=product,
            kind=kind,
            account_name=form.cleaned_data["account_name"],
            account_id=form.cleaned_data["account_id"],
            actor=request.user,
        )
        if entry:
            messages.success(
                request, _("%(account)s was added.") % {"account": entry.user.username}
            )
            return redirect("seller:product_sales", pk=product.pk)
    return _render_sales(request, product, allow_forms={kind: form})


@active_seller_required
@require_POST
def allowlist_remove(request, pk: int, entry_id: int):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    entry = selectors.seller_allowlist_entry(seller=request.seller, product=product, pk=entry_id)
    try:
        services.allowlist_remove(entry=entry, actor=request.user)
        messages.success(request, _("%(account)s was removed.") % {"account": entry.user.username})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("seller:product_sales", pk=product.pk)

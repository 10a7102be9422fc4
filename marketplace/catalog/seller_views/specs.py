"""Seller center › the specs of a draft (with their prices and attributes) and the
seller's attribute names.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from .. import seller_selectors as selectors
from .. import services
from ..forms import (
    AttributeFormSet,
    AttributeNameForm,
    PriceFormSet,
    SpecForm,
    quiet,
    rows,
)
from ._common import _draft_or_404, active_seller_required


def _with_extra_row(data, prefix: str, **values):
    """`data` with one more row in formset `prefix`, holding `values` (field → value)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    index = int(data.get(key) or 0)
    data[key] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    return data


@active_seller_required
@require_http_methods(["GET", "POST"])
def spec_edit(request, pk: int, code: str = ""):
    """Add (no code) or change one spec with its prices and attributes.

    Buttons named `add` post the form back without saving it: `add=price|attribute`
    gives one more row; `add=attribute_name` creates an attribute name and puts it in a
    new attribute row. The page comes back with the input kept and no errors shown
    (htmx swaps just the form).
    """
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    draft = _draft_or_404(product)
    initial_spec = None
    if code:
        spec = draft.specs.prefetch_related("prices", "attributes__attribute").filter(code=code)
        spec = spec.first()
        if spec is None:
            raise Http404
        initial_spec = services.spec_as_input(spec)
    data = request.POST if request.method == "POST" else None
    adding = request.POST.get("add") if data is not None else None
    new_name = AttributeNameForm(
        data if adding == "attribute_name" else None, prefix="new_attribute"
    )
    if adding == "price":
        data = _with_extra_row(data, "prices")
    elif adding == "attribute":
        data = _with_extra_row(data, "attributes")
    elif adding == "attribute_name" and new_name.is_valid():
        created = call_service(
            new_name,
            services.attribute_name_create,
            seller=request.seller,
            actor=request.user,
            **new_name.cleaned_data,
        )
        if created:
            data = _with_extra_row(data, "attributes", attribute=str(created.pk))
            new_name = AttributeNameForm(prefix="new_attribute")
    spec_form = SpecForm(data, initial=initial_spec, delivery_type=product.delivery_type)
    prices = PriceFormSet(
        data,
        prefix="prices",
        initial=(initial_spec or {}).get("prices") or [{"max_periods": 1}],
    )
    attributes = AttributeFormSet(
        data,
        prefix="attributes",
        initial=[
            {**a, "attribute": a["attribute"].pk}
            for a in (initial_spec or {}).get("attributes", [])
        ],
        form_kwargs={"seller": request.seller},
    )
    if adding:
        quiet(spec_form, prices, attributes)
    elif data is not None:
        valid = spec_form.is_valid() & prices.is_valid() & attributes.is_valid()
        if valid:
            saved = call_service(
                spec_form,
                services.spec_save,
                product=product,
                spec={
                    **spec_form.cleaned_data,
                    "prices": rows(prices),
                    "attributes": rows(attributes),
                },
                original_code=code,
                actor=request.user,
            )
            if saved:
                messages.success(request, _("Spec saved."))
                return redirect("seller:product_detail", pk=product.pk)
    context = {
        "product": product,
        "code": code,
        "spec_name": (initial_spec or {}).get("name", ""),
        "spec_form": spec_form,
        "prices": prices,
        "attributes": attributes,
        "new_attribute": new_name,
        "has_attribute_names": selectors.seller_attribute_names(seller=request.seller).exists(),
        "periods_by_mode": {
            mode: sorted(periods) for mode, periods in services.PERIODS_BY_MODE.items()
        },
        "version": draft,
    }
    template = "catalog/seller/spec_form.html"
    if request.htmx and adding:
        template = "catalog/seller/_spec_form.html"
    return render(request, template, context)


@active_seller_required
@require_POST
def spec_delete(request, pk: int, code: str):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    try:
        services.spec_delete(product=product, code=code, actor=request.user)
        messages.success(request, _("Spec deleted."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("seller:product_detail", pk=product.pk)


# --- attribute names ---------------------------------------------------------------------


@active_seller_required
@require_http_methods(["GET", "POST"])
def attribute_names(request):
    form = AttributeNameForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.attribute_name_create,
            seller=request.seller,
            actor=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, _("Attribute name added."))
        return redirect("seller:attribute_names")
    return render(
        request,
        "catalog/seller/attribute_names.html",
        {"form": form, "names": selectors.seller_attribute_names(seller=request.seller)},
    )


@active_seller_required
@require_POST
def attribute_name_delete(request, pk: int):
    attribute = selectors.seller_attribute_name_get(seller=request.seller, pk=pk)
    try:
        services.attribute_name_delete(attribute=attribute, actor=request.user)
        messages.success(request, _("Attribute name deleted."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("seller:attribute_names")

"""Seller center › product management (02-products › Publishing, Sales configuration).

Every view works on the logged-in seller's own products (another seller's id is a 404)
and only for an active (onboarded) seller (else 403). Views are thin: form → service →
message → redirect.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service
from sellers.models import Seller

from . import seller_selectors as selectors
from . import services
from .agreements import agreement_template, support_terms_template
from .forms import (
    AllowlistAddForm,
    AttributeFormSet,
    AttributeNameForm,
    DelistForm,
    DeliveryTypeForm,
    PriceFormSet,
    ProductContentForm,
    SalesSettingsForm,
    SpecForm,
    SpecSalesForm,
    rows,
)
from .models import DeliveryType, Product, ProductVersion


def active_seller_required(view):
    """Log-in, then an active seller (403 otherwise); sets `request.seller`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seller = Seller.objects.filter(user=request.user).first()
        if seller is None or seller.status != Seller.Status.ACTIVE:
            raise PermissionDenied(_("Only an onboarded seller can manage products."))
        request.seller = seller
        return view(request, *args, **kwargs)

    return wrapper


def _run(request, service, **kwargs):
    """Run a service for a button (no form); put a refusal into the messages."""
    try:
        return service(**kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return None


# --- my products ----------------------------------------------------------------------------


@active_seller_required
def product_list(request):
    page = Paginator(selectors.seller_product_list(seller=request.seller), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "catalog/seller/product_list.html", {"page": page})


@active_seller_required
def product_new(request):
    """Step 1 of publishing: choose the delivery type."""
    form = DeliveryTypeForm(request.GET or None)
    if form.is_valid():
        return redirect("seller:product_create", delivery_type=form.cleaned_data["delivery_type"])
    return render(request, "catalog/seller/product_new.html", {"form": form})


@active_seller_required
@require_http_methods(["GET", "POST"])
def product_create(request, delivery_type: str):
    """Step 2: the information form for that delivery type; creates the draft."""
    if delivery_type not in DeliveryType.values:
        raise Http404
    form = ProductContentForm(
        request.POST or None,
        request.FILES or None,
        seller=request.seller,
        delivery_type=delivery_type,
    )
    if request.method == "POST" and form.is_valid():
        product = call_service(
            form,
            services.product_create,
            seller=request.seller,
            delivery_type=delivery_type,
            fields=form.service_fields(changed_only=False),
            actor=request.user,
        )
        if product:
            messages.success(request, _("Draft saved. Add its specs and prices, then submit it."))
            return redirect("seller:product_detail", pk=product.pk)
    return render(
        request,
        "catalog/seller/product_form.html",
        {"form": form, "delivery_type": DeliveryType(delivery_type), "product": None},
    )


@active_seller_required
def product_detail(request, pk: int):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    version = selectors.product_current_version(product=product)
    return render(
        request,
        "catalog/seller/product_detail.html",
        {
            "product": product,
            "version": version,
            "specs": selectors.version_specs(version=version) if version else [],
            "versions": selectors.product_versions(product=product),
            "history": selectors.product_history(product=product),
            "is_draft": version is not None and version.status == ProductVersion.Status.DRAFT,
            "problems": (
                services.submission_problems(product, version)
                if version is not None and version.status == ProductVersion.Status.DRAFT
                else {}
            ),
        },
    )


def _draft_or_404(product: Product) -> ProductVersion:
    draft = selectors.product_draft(product=product)
    if draft is None:
        raise Http404
    return draft


@active_seller_required
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    draft = _draft_or_404(product)
    form = ProductContentForm(
        request.POST or None,
        request.FILES or None,
        instance=draft,
        seller=request.seller,
        delivery_type=product.delivery_type,
    )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.product_version_update,
            product=product,
            fields=form.service_fields(changed_only=True),
            actor=request.user,
        )
        if saved:
            messages.success(request, _("Draft saved."))
            return redirect("seller:product_detail", pk=product.pk)
    return render(
        request,
        "catalog/seller/product_form.html",
        {
            "form": form,
            "delivery_type": DeliveryType(product.delivery_type),
            "product": product,
        },
    )


# --- specs of the draft ---------------------------------------------------------------------


def _with_extra_row(data, prefix: str):
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(int(data.get(key) or 0) + 1)
    return data


@active_seller_required
@require_http_methods(["GET", "POST"])
def spec_edit(request, pk: int, code: str = ""):
    """Add (no code) or change one spec with its prices and attributes.

    "Add a price / attribute row" posts the form back with `add=price|attribute`: the
    page comes back with one more row and nothing is saved (htmx swaps just the form).
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
    if adding == "price":
        data = _with_extra_row(data, "prices")
    elif adding == "attribute":
        data = _with_extra_row(data, "attributes")
    spec_form = SpecForm(data, initial=initial_spec)
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
    if data is not None and not adding:
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
        "spec_form": spec_form,
        "prices": prices,
        "attributes": attributes,
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


# --- lifecycle buttons ----------------------------------------------------------------------


def _lifecycle(service, success: str):
    @active_seller_required
    @require_POST
    def view(request, pk: int):
        product = selectors.seller_product_get(seller=request.seller, pk=pk)
        if _run(request, service, product=product, actor=request.user) is not None:
            messages.success(request, success)
        return redirect("seller:product_detail", pk=product.pk)

    return view


product_submit = _lifecycle(
    services.product_submit, _("Submitted for review. You'll see the result in “My products”.")
)
product_edit_listed = _lifecycle(
    services.product_edit_listed,
    _("A new version was opened for editing; the listed one stays on sale until it's approved."),
)
product_revise = _lifecycle(services.product_revise, _("A new draft is open: fix it and resubmit."))
product_relist = _lifecycle(
    services.product_relist, _("A new draft is open: submit it to have the product reviewed again.")
)


@active_seller_required
@require_http_methods(["GET", "POST"])
def product_delist(request, pk: int):
    product = selectors.seller_product_get(seller=request.seller, pk=pk)
    form = DelistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.product_delist,
            product=product,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if done:
            messages.success(request, _("The product is delisted: it can't be bought any more."))
            return redirect("seller:product_detail", pk=product.pk)
    return render(request, "catalog/seller/delist.html", {"product": product, "form": form})


# --- sales configuration --------------------------------------------------------------------


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
    if (
        request.method == "POST"
        and settings_form.is_valid()
        and call_service(
            settings_form,
            services.product_sales_update,
            product=product,
            actor=request.user,
            **settings_form.cleaned_data,
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


# --- attribute names and templates -----------------------------------------------------------


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


@active_seller_required
def product_templates(request):
    return render(request, "catalog/seller/templates.html")


TEMPLATE_FILES = {
    "agreement": ("product-service-agreement-template.txt", agreement_template),
    "support-terms": ("service-support-terms-template.txt", support_terms_template),
}


@active_seller_required
def template_download(request, name: str):
    if name not in TEMPLATE_FILES:
        raise Http404
    filename, read = TEMPLATE_FILES[name]
    response = HttpResponse(read(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Seller center › my products: publishing a product, editing its draft, and the
lifecycle buttons (submit, edit when listed, revise, relist, delist).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from .. import seller_selectors as selectors
from .. import services
from ..forms import (
    DelistForm,
    DeliveryTypeForm,
    ProductContentForm,
)
from ..models import DeliveryType, Product, ProductVersion
from ._common import _draft_or_404, active_seller_required


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


def _create_with_screenshots(*, seller, delivery_type, fields, screenshots, actor) -> Product:
    """The draft, then its screenshots, in call_service's one transaction: a refused
    screenshot leaves no product behind."""
    product = services.product_create(
        seller=seller, delivery_type=delivery_type, fields=fields, actor=actor
    )
    if screenshots:
        services.product_screenshots_update(product=product, add=screenshots, actor=actor)
    return product


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
            _create_with_screenshots,
            seller=request.seller,
            delivery_type=delivery_type,
            fields=form.service_fields(changed_only=False),
            screenshots=form.screenshot_changes()["add"],
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


def _draft_save(*, product: Product, fields: dict, screenshots: dict, actor) -> ProductVersion:
    """The draft's fields, then its screenshots, in call_service's one transaction: a
    refused screenshot leaves the fields unsaved too."""
    version = services.product_version_update(product=product, fields=fields, actor=actor)
    if screenshots["add"] or screenshots["remove"]:
        services.product_screenshots_update(product=product, actor=actor, **screenshots)
    return version


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
            _draft_save,
            product=product,
            fields=form.service_fields(changed_only=True),
            screenshots=form.screenshot_changes(),
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

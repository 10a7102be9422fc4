"""Public catalog pages: home, search, categories, product page, seller store.

Buyers see LISTED products only (02 › Lifecycle); anything else is a 404. When filters
change, htmx asks for the results fragment alone (`_results.html`).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from marketplace.core.shell import render_page
from sellers.models import Seller

from . import cache as list_cache
from . import selectors
from .filters import Sort
from .models import BillingMode, DeliveryType, Region
from .templatetags.catalog_tags import choice_labels

HOME_NEWEST = 8


def home(request):
    """Search bar on top, categories, and the newest products."""
    generation = list_cache.generation()

    def render_lists() -> str:
        newest = selectors.product_list().annotate(first_screenshot=selectors.first_screenshot())
        context = {
            "categories": list_cache.get_or_build(
                "categories", generation, selectors.category_tree
            ),
            "newest": list(newest[:HOME_NEWEST]),
        }
        return render_to_string("catalog/_home_lists.html", context, request)

    # The lists are the same for every visitor: rendered once per catalog generation and
    # language, as a search page's list is; a repeated visit reads the generation only.
    key = f"{get_language()}:catalog/_home_lists.html"
    lists = mark_safe(list_cache.get_or_build(key, generation, render_lists))
    return render_page(request, "home.html", {"home_lists": lists})


def _list_page(request, *, template: str, context: dict, params):
    """A search or category page. Its list part (filters, count, cards, pages; the
    results alone for htmx) is the same for every visitor, so it is rendered once per
    catalog generation, language and query string and then served from the cache
    (catalog/cache.py); the page around it is rendered for the visitor. Inside it, the
    product cards and the filter sidebar are cached on their own (another sort or page
    changes neither the sidebar nor the cards of products shown before; the sidebar
    counts results per choice, so a new search term renders it again)."""
    fragment = "catalog/_results.html" if request.htmx else "catalog/_listing.html"
    generation = list_cache.generation()

    def render_filters(filterset) -> str:
        language = get_language()
        filters_context = {
            **context,
            "params": params,
            "categories": list_cache.get_or_build(
                "categories", generation, selectors.category_tree
            ),
            "regions": list_cache.get_or_build(
                "regions", generation, lambda: list(Region.objects.all())
            ),
            "delivery_types": choice_labels(DeliveryType, language),
            "billing_modes": choice_labels(BillingMode, language),
            "selected_delivery_types": params.getlist("delivery_type"),
            "selected_billing_modes": params.getlist("billing_mode"),
            "facets": _facets_context(filterset, params),
            "tag_suggestions": list_cache.get_or_build(
                "tags", generation, selectors.tag_suggestions
            ),
        }
        return render_to_string("catalog/_filters.html", filters_context, request)

    def render_list() -> str:
        result = selectors.product_page(params=params, page_number=params.get("page"), cards=True)
        list_context = {
            **context,
            "filterset": result.filterset,
            "page_obj": result.page,
            "paginator": result.paginator,
            "cards": list_cache.rendered_cards(result.page.object_list),
            "params": params,
            # The pages' links carry the list parameters only, as the cache key does.
            "list_query": list_cache.list_params(request.GET),
        }
        if request.htmx:  # the sidebar's counted filters, swapped in out of band
            list_context["facets"] = _facets_context(result.filterset, params)
        else:  # the filter sidebar, and the sort menu
            key = list_cache.filters_key(request, params)
            list_context["filters"] = mark_safe(
                list_cache.get_or_build(key, generation, lambda: render_filters(result.filterset))
            )
            list_context["sort_choices"] = [(value, str(label)) for value, label in Sort.CHOICES]
        return render_to_string(fragment, list_context, request)

    key = list_cache.list_key(request, fragment, generation)
    html = mark_safe(list_cache.get_or_build(key, generation, render_list))
    if request.htmx:
        return HttpResponse(html)
    return render_page(request, template, {**context, "listing": html})


def _facets_context(filterset, params) -> dict:
    """The sidebar's counted filters (catalog/_facets.html): each choice with its count
    for the current search (selectors.product_facets) and whether it is picked. A
    choice with no products is left out unless it is picked or nothing was counted."""
    language = get_language()
    facets = selectors.product_facets(filterset=filterset)

    def choices(labels, counts: dict[str, int], picked: list[str]) -> list[dict]:
        rows = []
        for value, label in labels:
            count = counts.get(value, 0) if facets.exact else None
            checked = value in picked
            if checked or count is None or count > 0:
                rows.append({"value": value, "label": label, "count": count, "checked": checked})
        return rows

    return {
        "delivery_types": choices(
            choice_labels(DeliveryType, language),
            facets.delivery_types,
            params.getlist("delivery_type"),
        ),
        "billing_modes": choices(
            choice_labels(BillingMode, language),
            facets.billing_modes,
            params.getlist("billing_mode"),
        ),
        "sellers": facets.sellers,
        "seller": params.get("seller", ""),
    }


def search(request):
    """Search results over all listed products, with the same filters as categories."""
    return _list_page(
        request,
        template="catalog/search.html",
        context={"query": request.GET.get("q", "").strip()},
        params=list_cache.list_params(request.GET),
    )


def category(request, slug: str):
    """A category page: its products and its sub-categories' products."""
    found = selectors.category_get(slug=slug)
    if found is None:
        raise Http404
    params = list_cache.list_params(request.GET).copy()
    params["category"] = found.slug
    return _list_page(
        request,
        template="catalog/category.html",
        context={"category": found, "query": request.GET.get("q", "").strip()},
        params=params,
    )


def product_detail(request, pk: int):
    """Product page: specs and prices per billing mode, seller, service support.

    Its body (everything but the visitor's "may I buy" box) is the same for everyone, so
    it is cached per product and language with the `selectors.product_stamp` it was
    rendered for: a visitor without an account is served it after one query (the
    stamp), and whatever changes what the page shows (a new version, delisting, stock,
    the store name, anything that bumps the catalog generation) changes the stamp in the
    transaction of the change, so a stale body is never served after it commits."""
    key = list_cache.product_key(pk)
    cached = list_cache.cache.get(key)
    if (
        cached is not None
        and not request.user.is_authenticated
        and selectors.product_stamp_get(product_id=pk) == cached[0]
    ):
        return _product_response(request, cached, {})
    product = selectors.product_get_listed(product_id=pk)
    if product is None:
        if selectors.product_is_delisted(product_id=pk):
            # Still a 404 for robots and links; the buyer learns why.
            return render(request, "catalog/product_unavailable.html", status=404)
        raise Http404
    stamp = selectors.product_stamp(product)
    if cached is None or cached[0] != stamp:
        version = product.listed_version
        context = {
            "product": product,
            "version": version,
            "spec_groups": selectors.spec_groups(product),
            "tags": [t.strip() for t in version.tags.split(",") if t.strip()],
            "may_buy": MAY_BUY_SLOT,
        }
        body = render_to_string("catalog/_product_body.html", context, request)
        cached = (stamp, product.name, body)
        list_cache.cache.set(key, cached, list_cache.PRODUCT_TIMEOUT)
    return _product_response(request, cached, _may_buy_context(request, product))


MAY_BUY_SLOT = mark_safe("<!-- may-buy -->")


def _product_response(request, cached: tuple, may_buy_context: dict):
    _, title, body = cached
    may_buy = render_to_string("catalog/_may_buy.html", may_buy_context, request)
    return render_page(
        request,
        "catalog/product_detail.html",
        {"title": title, "body": mark_safe(body.replace(MAY_BUY_SLOT, may_buy, 1))},
    )


def _may_buy_context(request, product) -> dict:
    """The "may I buy" box: for a signed-in account, `sales.can_buy` per spec (the
    allowlists, the trial allowlist, inventory and, when the product has sales regions,
    the region the buyer picks in the box: accounts have none of their own)."""
    if not request.user.is_authenticated:
        return {}
    # A product without sales regions sells everywhere: no region to ask for.
    regions = list(Region.objects.all()) if product.regions.all() else []
    region = request.GET.get("region")
    if region not in {r.code for r in regions}:
        region = None
    checks = selectors.product_buy_checks(product=product, buyer=request.user, region=region)
    reasons = {check.reason for check in checks if not check.allowed}
    return {
        "buy_checks": checks,
        "buy_all_allowed": bool(checks) and not reasons,
        # the same reason for every spec (an allowlist, the region): said once
        "buy_common_reason": (
            next(iter(reasons)) if len(reasons) == 1 and not any(c.allowed for c in checks) else ""
        ),
        "buy_region": region,
        "buy_regions": regions,
        "buy_product_id": product.pk,
    }


def store(request, seller_id: int):
    """A seller's public store page with the seller's listed products."""
    seller: Seller | None = selectors.seller_store_get(seller_id=seller_id)
    if seller is None:
        raise Http404
    params = {"seller": str(seller.pk), "sort": request.GET.get("sort", Sort.NEWEST)}
    result = selectors.product_page(params=params, page_number=request.GET.get("page"), cards=True)
    context = {
        "seller": seller,
        "store_page": getattr(seller, "store_page", None),
        "page_obj": result.page,
        "paginator": result.paginator,
        "cards": list_cache.rendered_cards(result.page.object_list),
        "list_query": list_cache.list_params(request.GET),
    }
    return render(request, "catalog/store.html", context)

"""Public catalog pages: home, search, categories, product page, seller store.

Buyers see LISTED products only (02 › Lifecycle); anything else is a 404. When filters
change, htmx asks for the results fragment alone (`_results.html`).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from marketplace.core.shell import render_page
from sellers.models import Seller

from . import cache as list_cache
from . import fragments, selectors
from .filters import Sort
from .models import BillingMode, Category, DeliveryType, Region
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


def _listing(request, *, context: dict, params, generation: int) -> SafeString:
    """The list part of a search or category page (filters, count, cards, pages; the
    results alone for htmx). It is the same for every visitor, so it is rendered once
    per catalog generation, language and query string and then served from the cache
    (catalog/cache.py); the page around it is rendered for the visitor. Inside it, the
    product cards and the filter sidebar are cached on their own (another sort or page
    changes neither the sidebar nor the cards of products shown before; the sidebar
    counts results per choice, so a new search term renders it again). What a new
    search renders, the sidebar and the new cards, is written rather than rendered
    (catalog/fragments.py), the sidebar from its frame, which the list cache keeps."""
    fragment = "catalog/_results.html" if request.htmx else "catalog/_listing.html"
    # The templates' `params.sort`: every list parameter, blank if absent (a template's
    # lookup of a missing key costs an exception, and the sidebar makes one per option).
    values = {name: params.get(name, "") for name in list_cache.LIST_PARAMS}

    def render_filters(facets, frame: list[str] | bool | None, rendered: dict) -> str:
        """The sidebar, written from its frame (fragments.write_filters); the frame, if
        it was not cached (`frame`), built and put in `rendered` to be cached."""
        facets_html = fragments.write_facets(_facets_context(facets, params))
        if frame is None or frame is False:
            shared = list_cache.get_many_or_build(
                {
                    "categories": selectors.category_tree,
                    "regions": lambda: list(Region.objects.all()),
                    "tags": selectors.tag_suggestions,
                },
                generation,
            )
            filters_context = {
                **context,
                "params": values,
                "categories": shared["categories"],
                "regions": shared["regions"],
                "facets_html": facets_html,
                "tag_suggestions": shared["tags"],
            }
            if frame is None:
                frame = rendered[frame_key] = fragments.filters_frame(request, filters_context)
            if frame is False:  # values the template transforms: rendered as usual
                return render_to_string("catalog/_filters.html", filters_context, request)
        query = context.get("query", "")
        return fragments.write_filters(frame, params=values, facets_html=facets_html, query=query)

    def render_list(filters: str | None, frame: list[str] | bool | None) -> dict[str, str]:
        """The list fragment under `key`, and the sidebar under `filters_key` if it was
        not cached (`filters`), from its frame (`frame`, under `frame_key`)."""
        # the sidebar's counts come with the page, when the sidebar is to be rendered
        result = selectors.product_card_page(
            params=params, page_number=params.get("page"), facets=filters is None
        )
        rendered = {}
        list_context = {
            **context,
            "filterset": result.filterset,
            "page_obj": result.page,
            "paginator": result.paginator,
            "cards": list_cache.rendered_cards(result.page.object_list, selectors.product_cards),
            "params": values,
            # The pages' links carry the list parameters only, as the cache key does.
            "list_query": list_cache.list_params(request.GET),
        }
        if request.htmx:  # the sidebar's counted filters, swapped in out of band
            list_context["facets"] = _facets_context(result.facets, params)
        else:  # the filter sidebar, and the sort menu
            if filters is None:
                filters = rendered[filters_key] = render_filters(result.facets, frame, rendered)
            list_context["filters"] = mark_safe(filters)
            list_context["sort_choices"] = [(value, str(label)) for value, label in Sort.CHOICES]
        # Of the request the fragment shows its path only: no context processors (they
        # cost a tenth of the rendering), the request as a value of the context.
        rendered[key] = render_to_string(fragment, {**list_context, "request": request})
        return rendered

    key = list_cache.list_key(request, fragment, generation)
    names = [key]
    filters_key = frame_key = None
    if not request.htmx:
        filters_key = list_cache.filters_key(request, params)
        frame_key = fragments.filters_frame_key(request, params, context.get("category"))
        names += [filters_key, frame_key]
    found = list_cache.cached_many(names, generation)
    if key not in found:  # the list and the sidebar, read and stored in one round trip each
        rendered = render_list(found.get(filters_key), found.get(frame_key))
        list_cache.remember_many(rendered, generation)
        found[key] = rendered[key]
    return mark_safe(found[key])


def _facets_context(facets: selectors.Facets, params) -> dict:
    """The sidebar's counted filters (catalog/_facets.html): each choice with its count
    for the current search (selectors.Facets) and whether it is picked. A choice with
    no products is left out unless it is picked or nothing was counted."""
    language = get_language()

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
    query = request.GET.get("q", "").strip()
    listing = _listing(
        request,
        context={"query": query},
        params=list_cache.list_params(request.GET),
        generation=list_cache.generation(),
    )
    if request.htmx:
        return HttpResponse(listing)
    # Only strings, none blank: render_page writes the page from its frame (core/shell.py).
    page = {"query": query, "listing": listing} if query else {"listing": listing}
    return render_page(request, "catalog/search.html", page)


def category(request, slug: str):
    """A category page: its products and its sub-categories' products."""
    generation = list_cache.generation()
    # The category and its page's header (breadcrumb, heading), for this generation:
    # an edit to a category bumps it (cache.connect_signals).
    found = list_cache.get_or_build(
        f"{get_language()}:category:{slug}", generation, lambda: _category_header(request, slug)
    )
    if found is None:
        raise Http404
    category, header = found
    params = list_cache.list_params(request.GET).copy()
    params["category"] = category.slug
    listing = _listing(
        request,
        context={"category": category, "query": request.GET.get("q", "").strip()},
        params=params,
        generation=generation,
    )
    if request.htmx:
        return HttpResponse(listing)
    page = {"title": category.name, "header": header, "listing": listing}
    return render_page(request, "catalog/category.html", page)


def _category_header(request, slug: str) -> tuple[Category, SafeString] | None:
    found = selectors.category_get(slug=slug)
    if found is None:
        return None
    header = render_to_string("catalog/_category_header.html", {"category": found}, request)
    return found, mark_safe(header)


def product_detail(request, pk: int):
    """Product page: specs and prices per billing mode, seller, service support.

    Its body (everything but the visitor's "may I buy" box) is the same for everyone, so
    it is cached per product and language with the `selectors.product_stamp` it was
    rendered for: a visitor without an account is served it after one query (the
    stamp), and whatever changes what the page shows (a new version, delisting, stock,
    the store name, anything that bumps the catalog generation) changes the stamp in the
    transaction of the change, so a stale body is never served after it commits.
    The body is a Jinja2 template (`catalog/_product_body.jinja`, the same HTML): most
    visits to a product among many are its first, and Django's templates spent about
    four times as long on it (README › Performance: catalog pages)."""
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
        body = engines["jinja2"].get_template("catalog/_product_body.jinja").render(context)
        cached = (stamp, product.name, body)
        list_cache.cache.set(key, cached, list_cache.PRODUCT_TIMEOUT)
    return _product_response(request, cached, _may_buy_context(request, product))


MAY_BUY_SLOT = mark_safe("<!-- may-buy -->")


def _product_response(request, cached: tuple, may_buy_context: dict):
    """The page around a cached body: the "may I buy" box goes where the body has
    `MAY_BUY_SLOT` (product_detail.html includes it between the two halves). A visitor
    without an account has an empty `may_buy_context`, so the page's frame has the box
    (core/shell.py: only the log-in link's `next` differs between requests)."""
    _, title, body = cached
    head, _, tail = body.partition(MAY_BUY_SLOT)
    context = {"title": title, "body_head": mark_safe(head), "body_tail": mark_safe(tail)}
    return render_page(request, "catalog/product_detail.html", {**context, **may_buy_context})


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
    # The list is the same for every visitor: cached as a search page's is (the cache
    # key and the links are of the normalised list parameters, and so is the list).
    list_query = list_cache.list_params(request.GET)
    generation = list_cache.generation()

    def render_results() -> str:
        params = {"seller": str(seller.pk), "sort": list_query.get("sort", Sort.NEWEST)}
        result = selectors.product_card_page(params=params, page_number=list_query.get("page"))
        results_context = {
            "page_obj": result.page,
            "paginator": result.paginator,
            "cards": list_cache.rendered_cards(result.page.object_list, selectors.product_cards),
            "list_query": list_query,
            "in_store": True,
        }
        return render_to_string("catalog/_results.html", results_context, request)

    key = list_cache.list_key(request, "catalog/_results.html", generation)
    header = render_to_string(
        "catalog/_store_header.html",
        {"seller": seller, "store_page": getattr(seller, "store_page", None)},
        request,
    )
    page = {
        "title": seller.store_name,
        "header": mark_safe(header),
        "results": mark_safe(list_cache.get_or_build(key, generation, render_results)),
    }
    # Only strings: render_page writes the page from its frame (core/shell.py).
    return render_page(request, "catalog/store.html", page)

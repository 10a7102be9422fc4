"""Cached list pages of the public catalog (search, category and store pages).

Building and rendering a page of 24 product cards costs far more than its queries, and
buyers repeat the same searches. So the list part of those pages (filters, count, cards,
pagination: nothing that depends on who is asking) is cached as rendered HTML, keyed by
the catalog generation, the language, the path and the list parameters of the query
string (`list_params`: known names only, normalised; `?utm_source=...` or a random extra
parameter finds the same entry and makes no new one).

The generation is one database row (`CatalogGeneration`). Whatever changes what a list
shows bumps it in the same transaction as the change, so a list cached before the change
is never served after it commits, in any process and with any cache backend:
- `services.product_refresh_listing` (approval: listing fields and the product going
  on sale), `services.product_delist` and `services.product_sales_update` (regions);
- a category's, region's or service group's save or delete (admin, seller center) and a
  change to a product's regions, through the signals below.
A product page's body is cached too (`product_key`), checked against the product's
stamp (`selectors.product_stamp`: this generation, the version on sale, the store name
and the sold-out specs) on every request.
A category page's category and header are cached the same way (views.category); a store
page's list is, its header (the seller's own fields) is not.
The timeout bounds what a change made outside these paths can leave: raw SQL or a shell,
and a seller's new store name, which cards (each cached as long, per product, version on
sale and language: `rendered_cards`) show until then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import InvalidCacheBackendError, cache, caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .fragments import write_cards

LIST_TIMEOUT = 300  # seconds
CARD_TIMEOUT = 300  # seconds, as _product_card.html's {% cache %}
PRODUCT_TIMEOUT = 300  # seconds: a product page's body (views.product_detail)

T = TypeVar("T")


def generation() -> int:
    """The current catalog generation (one primary-key read, in plain SQL: every list
    page reads it, cached or not, and the ORM would spend longer building the query
    than the database answering it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM catalog_cataloggeneration WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_generation() -> None:
    """Make every cached list stale. Call inside the transaction of the change."""
    from .models import CatalogGeneration

    if not CatalogGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        row, created = CatalogGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
        if not created:
            CatalogGeneration.objects.filter(pk=1).update(value=F("value") + 1)


# The filters' parameters (_filters.html shows their values; with the search term they
# also decide its counts). The search term, sort and page are not among them.
FILTER_PARAMS = (
    "category",
    "delivery_type",
    "billing_mode",
    "price_min",
    "price_max",
    "region",
    "tag",
    "seller",
)
# Every query parameter that changes what a list shows (ProductFilter's and the page);
# the two multiple-choice filters take several values, the others their last one.
LIST_PARAMS = ("q", *FILTER_PARAMS, "sort", "page")
MULTI_VALUED = frozenset({"delivery_type", "billing_mode"})


def list_params(query: QueryDict) -> QueryDict:
    """The list parameters of a query string, normalised: known names only, in a fixed
    order, values stripped, blanks dropped, a single-valued parameter's last value (the
    one the filters use), a multiple-choice one's values sorted and unique, no `page=1`.

    Anything else (`utm_*`, a cache-buster) is dropped: it neither makes a cache entry of
    its own nor appears in the links of a cached list, which are built from this.
    """
    normal = QueryDict(mutable=True)
    for name in LIST_PARAMS:
        values = [value.strip() for value in query.getlist(name) if value.strip()]
        if not values:
            continue
        if name in MULTI_VALUED:
            normal.setlist(name, sorted(set(values)))
        else:
            normal[name] = values[-1]
    if normal.get("page") == "1":
        del normal["page"]
    normal._mutable = False
    return normal


def list_key(request, template: str, generation: int) -> str:
    """Cache key (see `get_or_build`) of `template` rendered for this request's list:
    the path and the normalised list parameters (`list_params`), nothing else."""
    params = list(list_params(request.GET).lists())
    digest = hashlib.md5(repr((request.path, params)).encode(), usedforsecurity=False).hexdigest()
    return f"{get_language()}:{template}:{digest}"


def filters_key(request, params) -> str:
    """Cache key (see `get_or_build`) of the filter sidebar: the page, the search term
    and the values of the filters, in their order (the sidebar shows the last value of a
    repeated one). The term is in it because the sidebar counts its results per choice
    (views._facets_context); a new sort or another page finds the sidebar rendered."""
    values = [(name, params.getlist(name)) for name in ("q", *FILTER_PARAMS)]
    digest = hashlib.md5(repr((request.path, values)).encode(), usedforsecurity=False).hexdigest()
    return f"{get_language()}:catalog/_filters.html:{digest}"


def product_key(product_id: int) -> str:
    """Cache key of a product page's body in this language; the entry holds the
    `selectors.product_stamp` it was rendered for, checked on every request."""
    return f"catalog-product:{get_language()}:{product_id}"


def get_or_build(name: str, generation: int, build: Callable[[], T]) -> T:
    """What is cached under `name` for this catalog generation, or `build()`'s result,
    cached for the next request. Lists, and what they are built from (the category
    tree, the regions)."""
    value = cached(name, generation)
    if value is None:
        value = build()
        remember(name, generation, value)
    return value


def get_many_or_build(builds: dict[str, Callable[[], object]], generation: int) -> dict:
    """`get_or_build` for several names, in one round trip each way."""
    found = cached_many(list(builds), generation)
    built = {name: build() for name, build in builds.items() if name not in found}
    if built:
        remember_many(built, generation)
    return {**found, **built}


def cached(name: str, generation: int):
    """What is cached under `name` for this catalog generation, or None (get_or_build)."""
    return cache.get(_key(name, generation))


def cached_many(names: list[str], generation: int) -> dict:
    """What is cached under these names for this catalog generation, by name (those
    cached only), in one round trip."""
    keys = {_key(name, generation): name for name in names}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}


def remember(name: str, generation: int, value) -> None:
    cache.set(_key(name, generation), value, LIST_TIMEOUT)


def remember_many(values: dict, generation: int) -> None:
    cache.set_many({_key(name, generation): v for name, v in values.items()}, LIST_TIMEOUT)


def _key(name: str, generation: int) -> str:
    return f"catalog-list:{generation}:{name}"


def rendered_cards(products, load: Callable[[list[int]], dict] | None = None) -> list[SafeString]:
    """The product cards (catalog/_card.html) of `products`, in order: what is cached for
    each product, version on sale and language, in one `get_many`, and the others
    written (fragments.write_cards: the template's bytes) and cached in one `set_many`.
    The keys are those of _product_card.html's `{% cache %}` (the home page), so both
    share every card.

    With `load`, `products` are references (selectors.CardRef: an id and the version on
    sale) and `load(ids)` reads the cards not cached, by id: a page whose cards are all
    cached reads none. One no longer on sale by then is left out."""
    language = get_language()

    def key(product) -> str:
        return make_template_fragment_key(
            "catalog-card", [product.pk, product.listed_version_id, language]
        )

    keys = [key(p) for p in products]
    store = _fragment_cache()
    found = store.get_many(keys) if keys else {}
    missing = [p for k, p in zip(keys, products, strict=True) if k not in found]
    if missing and load is not None:
        loaded = load([p.pk for p in missing])
        missing = [loaded[p.pk] for p in missing if p.pk in loaded]
    if missing:
        # written, not rendered: the template's bytes at a fraction of its cost (fragments)
        rendered = dict(zip(map(key, missing), write_cards(missing), strict=True))
        store.set_many(rendered, CARD_TIMEOUT)
        found.update(rendered)
    return [mark_safe(found[k]) for k in keys if k in found]


def _fragment_cache():
    """The cache that `{% cache %}` keeps template fragments in (as CacheNode picks it)."""
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return cache


def _bump(sender, **kwargs) -> None:
    bump_generation()


def _bump_on_regions(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump_generation()


def connect_signals() -> None:
    """Bump the generation on changes made outside the catalog services (CatalogConfig)."""
    from .models import Category, Product, Region

    for model in (Category, Region):
        post_save.connect(_bump, sender=model, dispatch_uid=f"catalog-list-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"catalog-list-{model.__name__}")
    m2m_changed.connect(
        _bump_on_regions, sender=Product.regions.through, dispatch_uid="catalog-list-regions"
    )
    # A service group's contacts show on the pages of the products naming it.
    from sellers.models import ServiceGroup

    post_save.connect(_bump, sender=ServiceGroup, dispatch_uid="catalog-list-ServiceGroup")
    post_delete.connect(_bump, sender=ServiceGroup, dispatch_uid="catalog-list-ServiceGroup")

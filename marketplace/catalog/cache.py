"""Cached list pages of the public catalog (search and category pages).

Building and rendering a page of 24 product cards costs far more than its queries, and
buyers repeat the same searches. So the list part of those pages (filters, count, cards,
pagination: nothing that depends on who is asking) is cached as rendered HTML, keyed by
the catalog generation, the language, the path and the query string.

The generation is one database row (`CatalogGeneration`). Whatever changes what a list
shows bumps it in the same transaction as the change, so a list cached before the change
is never served after it commits, in any process and with any cache backend:
- `services.product_refresh_listing` (approval: listing fields and the product going
  on sale), `services.product_delist` and `services.product_sales_update` (regions);
- a category's or region's save or delete (admin) and a change to a product's regions,
  through the signals below.
The timeout bounds what a change made outside these paths can leave: raw SQL or a shell,
and a seller's new store name, which cards (each cached as long, _product_card.html)
show until then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

LIST_TIMEOUT = 300  # seconds

T = TypeVar("T")


def generation() -> int:
    """The current catalog generation (one primary-key read)."""
    from .models import CatalogGeneration

    value = CatalogGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def bump_generation() -> None:
    """Make every cached list stale. Call inside the transaction of the change."""
    from .models import CatalogGeneration

    if not CatalogGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        row, created = CatalogGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
        if not created:
            CatalogGeneration.objects.filter(pk=1).update(value=F("value") + 1)


def list_key(request, template: str, generation: int) -> str:
    """Cache key (see `get_or_build`) of `template` rendered for this request's list.

    Every query parameter is part of it (sorted, so that their order doesn't matter):
    the rendered links carry them along.
    """
    params = sorted((name, sorted(values)) for name, values in request.GET.lists())
    digest = hashlib.md5(repr((request.path, params)).encode(), usedforsecurity=False).hexdigest()
    return f"{get_language()}:{template}:{digest}"


def get_or_build(name: str, generation: int, build: Callable[[], T]) -> T:
    """What is cached under `name` for this catalog generation, or `build()`'s result,
    cached for the next request. Lists, and what they are built from (the category
    tree, the regions)."""
    key = f"catalog-list:{generation}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, LIST_TIMEOUT)
    return value


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

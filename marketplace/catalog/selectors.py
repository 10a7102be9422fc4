"""Public reads of the catalog: only LISTED products, only what buyers may see.

Every list here costs a constant number of queries whatever its length: the product
row carries its listing fields (name, category, lowest price, billing modes), and the
few related rows a card shows come through `select_related`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.utils.datastructures import MultiValueDict

from sellers.models import Seller, StoreImage

from .filters import ProductFilter
from .models import (
    BillingMode,
    Category,
    Price,
    Product,
    ProductVersion,
    Spec,
    SpecAttribute,
)

# Counting every match of a broad term ("云" at 100k products) would cost more than
# the page itself; past this many we say "more than 1,000" and stop paging there
# (42 pages: nobody pages further, they narrow the search).
COUNT_CAP = 1_000
PAGE_SIZE = 24
MAX_PAGE_SIZE = 100

# Large text of the listed version that a product card never shows.
_CARD_DEFERRED = [
    "listed_version__description",
    "listed_version__agreement_text",
    "listed_version__support_terms_text",
    "listed_version__usage_guide",
    "listed_version__after_sales_scope",
    "listed_version__rejection_reason",
    "search_text",
    "delist_reason",
]

# Sellers whose store and products buyers may see (an exiting seller still serves).
VISIBLE_SELLER_STATUSES = [Seller.Status.ACTIVE, Seller.Status.EXIT_PENDING]


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP (`is_capped` tells the template)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        # No ORDER BY: any cap+1 matching rows will do, from whichever index is cheapest.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


class ProductPaginator(CappedPaginator):
    """Pages of listed products, fetched in two steps: the page's ids from the filtered
    query (catalog_product alone, so the planner's choice of index is all that matters),
    then those rows with their card's joins. A search term's selectivity is often
    misjudged, and a misjudged join plan is what made broad searches slow at 100k rows.
    """

    def rows(self) -> QuerySet[Product]:
        """Where the page's rows come from (the API's serializer reads more than a card)."""
        return product_listed_queryset().order_by()

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        rows = self.rows().in_bulk(ids)
        return super()._get_page([rows[pk] for pk in ids if pk in rows], number, paginator)


class ProductCardPaginator(ProductPaginator):
    """Pages of product cards (HTML list pages): the rows carry only what a card shows."""

    def rows(self) -> QuerySet[Product]:
        return product_card_queryset()


class CardLogo(str):
    """A card's logo: the stored file name (empty: none), with the `url` a FieldFile has."""

    __slots__ = ()

    @property
    def url(self) -> str:
        return _logo_storage().url(self)


def _logo_storage():
    return ProductVersion._meta.get_field("logo").storage


class CardVersion:
    __slots__ = ("id", "logo")

    def __init__(self, id: int | None, logo: str | None) -> None:
        self.id = id
        self.logo = CardLogo(logo or "")


class CardSeller:
    __slots__ = ("id", "store_name")

    def __init__(self, id: int, store_name: str) -> None:
        self.id = id
        self.store_name = store_name


class ProductCard:
    """What a product card (_card.html) shows, read from one row tuple: the attribute
    paths of a Product (`product.seller.store_name`, `product.listed_version.logo.url`)
    without building four model instances per card."""

    __slots__ = (
        "id",
        "name",
        "summary",
        "delivery_type",
        "billing_modes",
        "min_price",
        "category_id",
        "listed_version_id",
        "seller",
        "listed_version",
    )

    def __init__(self, row: tuple) -> None:
        (
            self.id,
            self.name,
            self.summary,
            self.delivery_type,
            self.billing_modes,
            self.min_price,
            self.category_id,
            self.listed_version_id,
            seller_id,
            store_name,
            logo,
        ) = row
        self.seller = CardSeller(seller_id, store_name)
        self.listed_version = CardVersion(self.listed_version_id, logo)

    @property
    def pk(self) -> int:
        return self.id


_CARD_ROW = [
    "id",
    "name",
    "summary",
    "delivery_type",
    "billing_modes",
    "min_price",
    "category_id",
    "listed_version_id",
    "seller_id",
    "seller__store_name",
    "listed_version__logo",
]


class ProductCardRowPaginator(CappedPaginator):
    """Pages of `ProductCard`s (the search and category pages): the page's ids as in
    ProductPaginator, then their card fields as plain tuples (no model instances)."""

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        rows = {
            row[0]: row
            for row in Product.objects.filter(status=Product.Status.LISTED, pk__in=ids)
            .order_by()
            .values_list(*_CARD_ROW)
        }
        cards = [ProductCard(rows[pk]) for pk in ids if pk in rows]
        return super()._get_page(cards, number, paginator)


def product_listed_queryset() -> QuerySet[Product]:
    """All products buyers can find, with what a product card shows.

    A listed product always has a listed version (services.product_approve sets both),
    and its seller is active or exiting: a seller can't exit while anything is listed
    (services.listed_products_block_exit). So the list filters on the product row alone,
    which lets search and sort use the product's own indexes at 100k rows.
    """
    return (
        Product.objects.filter(status=Product.Status.LISTED)
        .select_related("category", "seller", "listed_version")
        .defer(*_CARD_DEFERRED)
    )


# What a product card (_product_card.html) reads, and its category (small, and callers
# of product_page expect it): a page builds 24 of these, and every loaded column and
# joined row is Python work per card.
_CARD_FIELDS = [
    "id",
    "name",
    "summary",
    "delivery_type",
    "billing_modes",
    "min_price",
    "category",
    "seller__store_name",
    "listed_version__logo",
]


def product_card_queryset() -> QuerySet[Product]:
    """Listed products with only the fields a product card shows (list pages)."""
    return (
        Product.objects.filter(status=Product.Status.LISTED)
        .select_related("category", "seller", "listed_version")
        .only(*_CARD_FIELDS)
    )


def product_filter(*, params: Mapping | None, queryset: QuerySet | None = None) -> ProductFilter:
    """The filter set over listed products; `.qs` is the filtered, sorted list."""
    if queryset is None:
        queryset = product_listed_queryset()
    return ProductFilter(_as_query_dict(params), queryset=queryset)


def _as_query_dict(params: Mapping | None) -> MultiValueDict | None:
    """Let callers pass a plain dict ({"delivery_type": ["saas", "image"]}) as well as
    request.GET: multiple-choice filters read lists."""
    if not params:
        return None
    if isinstance(params, MultiValueDict):
        return params
    return MultiValueDict(
        {k: list(v) if isinstance(v, list | tuple) else [v] for k, v in params.items()}
    )


def product_list(*, params: Mapping | None = None) -> QuerySet[Product]:
    """Listed products matching search and filters `params` (see ProductFilter)."""
    return product_filter(params=params).qs


@dataclass
class ProductPage:
    filterset: ProductFilter
    page: object  # django.core.paginator.Page
    paginator: CappedPaginator


def product_page(
    *,
    params: Mapping,
    page_number: str | int | None = 1,
    per_page: int = PAGE_SIZE,
    cards: bool = False,
) -> ProductPage:
    """One page of the filtered list. Three queries: the capped count, the page's ids
    and the page's rows: Products, or with `cards` the lighter `ProductCard`s, which
    carry only what a product card shows (HTML list pages)."""
    filterset = product_filter(params=params)
    paginator_class = ProductCardRowPaginator if cards else ProductCardPaginator
    paginator = paginator_class(filterset.qs, min(per_page, MAX_PAGE_SIZE))
    page = paginator.get_page(page_number)
    return ProductPage(filterset=filterset, page=page, paginator=paginator)


def product_get_listed(*, product_id: int) -> Product | None:
    """A listed product with everything its page shows, or None if buyers may not see it.

    Draft, pending, rejected and delisted products are not visible (02 › Lifecycle);
    a delisted product is told apart by `product_get_delisted` for a kinder 404.
    """
    specs = Spec.objects.order_by("position", "id").prefetch_related(
        Prefetch("prices", queryset=Price.objects.order_by("amount", "id")),
        Prefetch(
            "attributes",
            queryset=SpecAttribute.objects.select_related("attribute").order_by("id"),
        ),
    )
    return (
        Product.objects.filter(
            pk=product_id,
            status=Product.Status.LISTED,
            listed_version__isnull=False,
            seller__status__in=VISIBLE_SELLER_STATUSES,
        )
        .select_related(
            "seller",
            "category",
            "category__parent",
            "listed_version",
            "listed_version__service_group",
        )
        .prefetch_related(
            Prefetch("listed_version__specs", queryset=specs),
            "listed_version__screenshots",
            "regions",
        )
        .first()
    )


def product_is_delisted(*, product_id: int) -> bool:
    return Product.objects.filter(pk=product_id, status=Product.Status.DELISTED).exists()


@dataclass
class BillingGroup:
    mode: str
    label: str
    specs: list[Spec]


def spec_groups(product: Product) -> list[BillingGroup]:
    """The listed version's specs grouped by billing mode, in BillingMode order."""
    by_mode: dict[str, list[Spec]] = {}
    for spec in product.listed_version.specs.all():
        by_mode.setdefault(spec.billing_mode, []).append(spec)
    return [
        BillingGroup(mode=mode, label=label, specs=by_mode[mode])
        for mode, label in BillingMode.choices
        if mode in by_mode
    ]


def category_tree() -> list[Category]:
    """Top-level categories with their children (two queries)."""
    return list(
        Category.objects.filter(parent__isnull=True).prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("position", "slug"))
        )
    )


def category_get(*, slug: str) -> Category | None:
    return (
        Category.objects.select_related("parent")
        .prefetch_related("children")
        .filter(slug=slug)
        .first()
    )


def seller_store_get(*, seller_id: int) -> Seller | None:
    """A seller whose store page buyers may open, with the store page and its images."""
    seller = (
        Seller.objects.filter(pk=seller_id, status__in=VISIBLE_SELLER_STATUSES)
        .select_related("store_page", "business_info")
        .first()
    )
    if seller is None:
        return None
    store = getattr(seller, "store_page", None)
    if store is not None:
        # Fill the relation's cache so that templates iterate without a query of their own.
        store.store_images = list(StoreImage.objects.filter(store_page=store))
    return seller

"""Public reads of the catalog: only LISTED products, only what buyers may see.

Every list here costs a constant number of queries whatever its length: the product
row carries its listing fields (name, category, lowest price, billing modes), and the
few related rows a card shows come through `select_related`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Case,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.datastructures import MultiValueDict
from django.utils.functional import SimpleLazyObject
from django_filters.constants import EMPTY_VALUES

from marketplace.core import rawload
from sellers.models import Seller, ServiceGroup, StoreImage

from . import listscan
from .filters import ProductFilter, Sort
from .models import (
    ApiEndpoint,
    AttributeName,
    BillingMode,
    CatalogGeneration,
    Category,
    DeliveryType,
    ImageRegion,
    Price,
    Product,
    ProductScreenshot,
    ProductVersion,
    Region,
    Spec,
    SpecAttribute,
    SpecSales,
)
from .sales import can_buy
from .search import SHORT_TERM, search_terms

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
        "first_screenshot",
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
            first_screenshot,
        ) = row
        self.seller = CardSeller(seller_id, store_name)
        self.listed_version = CardVersion(self.listed_version_id, logo)
        self.first_screenshot = first_screenshot or ""

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
    "first_screenshot",
]


def first_screenshot() -> Subquery:
    """The stored name of the listed version's first screenshot: a card without a logo
    shows it (a subquery in the card's own row, so no query per card)."""
    return Subquery(
        ProductScreenshot.objects.filter(version_id=OuterRef("listed_version_id"))
        .order_by("position", "id")
        .values("image")[:1]
    )


class ProductCardRowPaginator(CappedPaginator):
    """Pages of `ProductCard`s (the search and category pages): the page's ids as in
    ProductPaginator, then their card fields as plain tuples (no model instances)."""

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        cards = product_cards(ids)
        return super()._get_page([cards[pk] for pk in ids if pk in cards], number, paginator)


def product_cards(ids: list[int]) -> dict[int, ProductCard]:
    """The `ProductCard`s of these products by id, in one query (one not listed is left
    out). The query is written once in plain SQL (`_card_rows_sql`; the ORM spent
    several times the database's time building it) and, on PostgreSQL, prepared once
    per connection with the ids as one array parameter, whatever their number."""
    if not ids:
        return {}
    ids = [int(pk) for pk in ids]
    status = str(Product.Status.LISTED)
    if connection.vendor == "postgresql":
        sql = _card_rows_sql("= ANY(CAST(%s AS BIGINT[]))")
        rows = rawload.fetch(sql, [ids, status], prepare=True)
    else:
        rows = rawload.fetch(_card_rows_sql(f"IN ({', '.join(['%s'] * len(ids))})"), [*ids, status])
    convert = _card_price_converters()
    cards = {}
    for row in rows:
        if convert:
            row = list(row)
            for converter, column, db in convert:
                row[_CARD_PRICE] = converter(row[_CARD_PRICE], column, db)
        cards[row[0]] = ProductCard(row)
    return cards


_CARD_PRICE = _CARD_ROW.index("min_price")


@cache
def _card_rows_sql(ids_test: str) -> str:
    """`product_cards`' query, its columns in `_CARD_ROW`'s order (`ids_test`: how the
    ids are matched, `= ANY(...)` or `IN (...)`). tests/catalog/test_fragments.py holds it
    to the ORM's `values_list(*_CARD_ROW)` with `first_screenshot()`."""
    # `ids_test` holds placeholders only
    return (
        "SELECT p.id, p.name, p.summary, p.delivery_type, p.billing_modes, p.min_price, "  # noqa: S608
        "p.category_id, p.listed_version_id, p.seller_id, s.store_name, v.logo, "
        "(SELECT sh.image FROM catalog_productscreenshot sh "
        "WHERE sh.version_id = p.listed_version_id ORDER BY sh.position, sh.id LIMIT 1) "
        "FROM catalog_product p "
        "JOIN sellers_seller s ON s.id = p.seller_id "
        "LEFT JOIN catalog_productversion v ON v.id = p.listed_version_id "
        f"WHERE p.id {ids_test} AND p.status = %s"
    )


def _card_price_converters() -> list[tuple]:
    """The database converters the ORM applies to `min_price` (SQLite's decimals come
    as floats), as (converter, column, connection)."""
    db = connections[DEFAULT_DB_ALIAS]
    column = Product._meta.get_field("min_price").get_col("p")
    chain = db.ops.get_db_converters(column) + column.get_db_converters(db)
    return [(converter, column, db) for converter in chain]


class CardRef:
    """A product of a list page before its card is read: what the card cache keys on
    (cache.rendered_cards); `product_cards` reads the cards it has not cached."""

    __slots__ = ("id", "listed_version_id")

    def __init__(self, id: int, listed_version_id: int | None) -> None:
        self.id = id
        self.listed_version_id = listed_version_id

    @property
    def pk(self) -> int:
        return self.id


class CardRefPaginator(CappedPaginator):
    """Pages of `CardRef`s: the page's ids and versions, from the filtered query alone.
    Its list may be lazy (product_card_page): it is not read to check its order (a
    filter set's list is always sorted: its sort, or the model's ordering)."""

    def _check_object_list_is_ordered(self) -> None:
        pass

    def _get_page(self, object_list, number, paginator):
        refs = [CardRef(*row) for row in object_list.values_list("pk", "listed_version_id")]
        return super()._get_page(refs, number, paginator)

    def page_of(self, refs: list[CardRef], number: int):
        """Page `number` (in range), whose references were read already."""
        return super()._get_page(refs, number, self)


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
    facets: Facets | None = None  # product_card_page(facets=True)


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


FACET_SELLERS = 20  # sellers offered in the sidebar's seller filter, most products first
TAG_SUGGESTIONS = 50
TAG_SAMPLE = 2_000  # newest listed products whose tags the tag filter suggests


@dataclass
class Facets:
    """What the filter sidebar counts for the current search (`product_facets`).

    `exact`: the counts cover every match. Past COUNT_CAP matches (a broad term) they
    would cost more than the page, so the sidebar shows every choice without numbers.
    """

    exact: bool
    delivery_types: dict[str, int]
    billing_modes: dict[str, int]
    sellers: list[tuple[int, str, int | None]]  # (id, store name, count or None)


def _filtered_without(filterset: ProductFilter, *names: str) -> QuerySet[Product]:
    """The filter set's list without some of its filters (and unsorted)."""
    queryset = filterset.queryset
    for name, value in getattr(filterset.form, "cleaned_data", {}).items():
        if name not in names and name != "sort":
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset.order_by()


def _capped(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """At most COUNT_CAP + 1 of the matching products, to aggregate over."""
    return Product.objects.filter(pk__in=queryset.values("pk")[: COUNT_CAP + 1])


def product_facets(*, filterset: ProductFilter) -> Facets:
    """Result counts per delivery type, billing mode and seller for the filter set's
    search and filters (two queries). Each choice is counted as if it were picked
    alongside the others of its own filter: a delivery type's count applies every
    filter but the delivery types (ticking a second type adds its products), and so on
    for billing modes and the seller."""
    cleaned = getattr(filterset.form, "cleaned_data", {})
    types, modes = cleaned.get("delivery_type") or [], cleaned.get("billing_mode") or []
    type_picked, mode_picked = Q(), Q()
    if types:
        type_picked = Q(delivery_type__in=types)
    for mode in modes:
        mode_picked |= Q(billing_modes__contains=f",{mode},")
    counts = {"total": Count("pk")}
    for value in DeliveryType.values:
        counts[f"type_{value}"] = Count("pk", filter=Q(delivery_type=value) & mode_picked)
    for value in BillingMode.values:
        counts[f"mode_{value}"] = Count(
            "pk", filter=Q(billing_modes__contains=f",{value},") & type_picked
        )
    row = _capped(_filtered_without(filterset, "delivery_type", "billing_mode")).aggregate(**counts)
    exact = row["total"] <= COUNT_CAP

    seller = cleaned.get("seller")
    sellers = (
        _capped(_filtered_without(filterset, "seller"))
        .values("seller_id", "seller__store_name")
        .annotate(n=Count("pk"))
    )
    first = [Case(When(seller_id=seller, then=Value(0)), default=Value(1))] if seller else []
    sellers = sellers.order_by(*first, "-n", "seller__store_name")[:FACET_SELLERS]
    # Counted only when that sample holds every match: with no seller picked it is the
    # list above (exact), filtered further.
    count_sellers = exact and not seller
    return Facets(
        exact=exact,
        delivery_types={v: row[f"type_{v}"] for v in DeliveryType.values},
        billing_modes={v: row[f"mode_{v}"] for v in BillingMode.values},
        sellers=[
            (s["seller_id"], s["seller__store_name"], s["n"] if count_sellers else None)
            for s in sellers
        ],
    )


# The sidebar's counted filters. With none of them picked, every choice is counted over
# the list itself, which product_card_page reads anyway.
_FACET_FILTERS = ("delivery_type", "billing_mode", "seller")


def product_card_page(
    *,
    params: Mapping,
    page_number: str | int | None = 1,
    per_page: int = PAGE_SIZE,
    facets: bool = False,
) -> ProductPage:
    """One page of the filtered list for the HTML list pages, as `CardRef`s (the card
    cache's keys: `product_cards` reads the cards it has not cached), its capped count
    and, with `facets`, the sidebar's counts (as `product_facets` counts them).

    One statement reads them (catalog/listscan.py), evaluating the filters once: the
    capped sample of matches the count needs is the one counted per choice, and the
    page when it holds every match. A page number out of range, or a choice picked
    (whose counts are of other lists), takes the queries of `product_page`."""
    # The listed products alone: every read below takes its own columns (values_list),
    # and a queryset with joins to select and fields to defer costs more to copy at
    # each filter.
    filterset = product_filter(params=params, queryset=_listed())
    # The list itself (filterset.qs) is built only if it is read: for a page the
    # statement below does not give, or a list not compiled before (_compiled_list).
    rows = SimpleLazyObject(lambda: filterset.qs)
    paginator = CardRefPaginator(rows, min(per_page, MAX_PAGE_SIZE))
    filterset.is_valid()  # the form's cleaned_data (a bound filter set's)
    cleaned = getattr(filterset.form, "cleaned_data", {})
    counted = facets and not any(cleaned.get(name) for name in _FACET_FILTERS)
    number = _page_number(page_number)
    compiled = _compiled_list(filterset, facets=counted)
    scan = None
    if compiled is not None:
        scan = listscan.list_scan(
            compiled,
            cap=paginator.cap,
            per_page=paginator.per_page,
            number=number,
            facets=counted,
            billing_modes=BillingMode.values,
            sellers=FACET_SELLERS,
            seller_table=Seller._meta.db_table,
        )
        paginator.count = scan.count
    if scan and scan.page is not None and number is not None and number <= paginator.num_pages:
        page = paginator.page_of([CardRef(*ref) for ref in scan.page], number)
    else:
        page = paginator.get_page(page_number)
    found = None
    if scan and counted:
        exact = scan.count <= COUNT_CAP  # as product_facets counts
        found = Facets(
            exact=exact,
            delivery_types={v: scan.delivery_types.get(v, 0) for v in DeliveryType.values},
            billing_modes={v: scan.billing_modes.get(v, 0) for v in BillingMode.values},
            sellers=[(pk, name, n if exact else None) for pk, name, n in scan.sellers],
        )
    elif facets:
        found = product_facets(filterset=filterset)
    return ProductPage(filterset=filterset, page=page, paginator=paginator, facets=found)


def _listed() -> QuerySet[Product]:
    return Product.objects.filter(status=Product.Status.LISTED)


# The filters a list's SQL is kept for (`_compiled_list`): a search, a price range, a sort.
_SHAPED = frozenset({"q", "price_min", "price_max", "sort"})
_COMPILED: dict[tuple, listscan.CompiledList] = {}
_MAX_COMPILED = 256


def _compiled_list(filterset: ProductFilter, *, facets: bool) -> listscan.CompiledList | None:
    """The filter set's list as SQL (listscan.compile_list; None: empty without a query).

    Building and compiling the list's two querysets took the ORM about 2 ms of Python
    per list, half of what a new search cost beside its statement. The SQL depends on
    the list's *shape* only (which filters have a value, how many search terms and
    which of them are short, the sort, the database), the values go in as parameters.
    So for a list of the common filters (`_SHAPED`) the SQL is kept per shape, and a
    list of a known shape takes it with its own values, computed here as the ORM
    computes them (`_shaped_params`). It is kept only after the ORM, compiling a list of
    that shape, gave exactly those parameters: a shape whose parameters are not
    foreseen here is compiled every time, as any other list."""
    if not filterset.is_bound:  # no parameters: the listed products, newest first
        cleaned = {}
    else:
        cleaned = filterset.form.cleaned_data if filterset.is_valid() else None
    indexed = ((cleaned or {}).get("sort") or Sort.NEWEST) in Sort.INDEXED
    shape = _list_shape(cleaned, indexed, facets)
    if shape is not None:
        kept = _COMPILED.get(shape)
        if kept is not None:
            return kept.with_params(*_shaped_params(cleaned, indexed))
    # A page past the cap (a long list) walks the index of its sort, if it has one.
    compiled = listscan.compile_list(
        filterset.qs, walk=filterset.walk_qs() if indexed else filterset.qs, facets=facets
    )
    if shape is not None and compiled is not None:
        base, whole = _shaped_params(cleaned, indexed)
        if _same(compiled.base_params, base) and _same(compiled.whole_params, whole):
            if len(_COMPILED) >= _MAX_COMPILED:
                _COMPILED.clear()
            _COMPILED[shape] = compiled
    return compiled


def _same(params: tuple, foreseen: list) -> bool:
    """The same values of the same types (an Int4 is not an int to the driver)."""
    return len(params) == len(foreseen) and all(
        type(a) is type(b) and a == b for a, b in zip(params, foreseen, strict=True)
    )


def _list_shape(cleaned: dict | None, indexed: bool, facets: bool) -> tuple | None:
    """What the SQL of a list of the `_SHAPED` filters depends on; None for another list
    (an invalid value, another filter)."""
    if cleaned is None:
        return None
    present = {name for name, value in cleaned.items() if value not in EMPTY_VALUES}
    if not present <= _SHAPED:
        return None
    terms = search_terms(cleaned.get("q"))
    return (
        connection.vendor,
        connection.alias,
        tuple(sorted(present - {"sort"})),
        tuple(len(term) <= SHORT_TERM for term in terms),
        cleaned.get("sort") or None,
        indexed,
        facets,
    )


def _shaped_params(cleaned: dict, indexed: bool) -> tuple[list, list]:
    """The parameters the ORM gives a list of the `_SHAPED` filters (its own and its
    walking form's), in the order of its WHERE: the status, each search term
    (search.apply_search: a LIKE pattern and, on PostgreSQL for short terms alone, the
    short grams; walking, a substring test), the prices (ProductFilter's order)."""
    listed = Product.Status.LISTED
    base, whole = [listed], [listed]
    terms = search_terms(cleaned.get("q")) if cleaned.get("q") not in EMPTY_VALUES else []
    found = connection.ops.adapt_integerfield_value(0, "IntegerField")  # strpos(...) > 0
    for term in terms:
        base.append(f"%{connection.ops.prep_for_like_query(term)}%")
        whole += [term, found]
    short = [term for term in terms if len(term) <= SHORT_TERM]
    if connection.vendor == "postgresql" and short and len(short) == len(terms):
        base += short  # ARRAY[%s, ...]
    field = Product._meta.get_field("min_price")
    for name in ("price_min", "price_max"):
        value = cleaned.get(name)
        if value not in EMPTY_VALUES:
            prepared = field.get_db_prep_value(field.get_prep_value(value), connection, True)
            base.append(prepared)
            whole.append(prepared)
    return base, (whole if indexed else base)


def _page_number(value) -> int | None:
    """The page Paginator.get_page serves for `value` if the list has that many pages
    (None: the last page, for a number below 1)."""
    try:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def tag_suggestions() -> list[str]:
    """The tags most used by the newest listed products, for the tag filter's
    suggestions (one query over TAG_SAMPLE rows; callers cache it per generation)."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    rows = (
        Product.objects.filter(status=Product.Status.LISTED)
        .order_by("-listed_at", "-id")
        .values_list("listed_version__tags", flat=True)[:TAG_SAMPLE]
    )
    for tags in rows:
        for tag in {t.strip() for t in (tags or "").split(",") if t.strip()}:
            key = tag.lower()
            counts[key] = counts.get(key, 0) + 1
            spelling.setdefault(key, tag)
    ranked = sorted(counts, key=lambda key: (-counts[key], key))[:TAG_SUGGESTIONS]
    return sorted((spelling[key] for key in ranked), key=str.lower)


def product_get_listed(*, product_id: int) -> Product | None:
    """A listed product with everything its page shows, or None if buyers may not see it.

    Draft, pending, rejected and delisted products are not visible (02 › Lifecycle);
    a delisted product is told apart by `product_get_delisted` for a kinder 404.

    The product page's miss path (and the API's detail): seven small queries written
    once in SQL (core.rawload) instead of built by the ORM, which took 13 ms of Python
    for what the database answers in well under one (README › Performance). The result
    is the same instances, with the same related rows cached, as `select_related` of
    the seller, category (and its parent), listed version (and its service group) and
    `prefetch_related` of the version's specs (prices by amount, attributes with their
    names), screenshots, the product's regions and inventory rows would give.
    """
    rows = rawload.fetch(
        _page_sql(connection.vendor),
        [product_id, str(Product.Status.LISTED), *map(str, VISIBLE_SELLER_STATUSES)],
        prepare=True,
    )
    if not rows:
        return None
    instances, rest = rawload.build_joined(rows[0], (columns for _, columns in _PAGE_PRODUCT_JOIN))
    built = dict(zip((name for name, _ in _PAGE_PRODUCT_JOIN), instances, strict=True))
    (
        generation,
        specs,
        prices,
        attributes,
        screenshots,
        regions,
        spec_sales,
        image_regions,
        shipping_regions,
        api_endpoints,
    ) = rest
    product, version = built["product"], built["version"]
    product.catalog_generation = generation
    rawload.related(product, "seller", built["seller"])
    rawload.related(product, "listed_version", version)
    rawload.related(product, "category", built["category"])
    if built["category"] is not None:
        rawload.related(built["category"], "parent", built["parent"])
    rawload.related(version, "service_group", built["service_group"])

    # each child list in its model's Meta ordering (prices: cheapest first, as the page
    # lists them), as prefetch_related would have them
    specs = sorted(_PAGE_SPEC.build_all(rawload.from_json(specs)), key=lambda s: (s.position, s.pk))
    by_spec = {spec.pk: spec for spec in specs}
    spec_prices: dict[int, list] = {pk: [] for pk in by_spec}
    for price in sorted(
        _PAGE_PRICE.build_all(rawload.from_json(prices)), key=lambda p: (p.amount, p.pk)
    ):
        rawload.related(price, "spec", by_spec[price.spec_id])
        spec_prices[price.spec_id].append(price)
    spec_attributes: dict[int, list] = {pk: [] for pk in by_spec}
    for row in sorted(rawload.from_json(attributes)):  # by id: the first column
        attribute = _PAGE_ATTRIBUTE.build(row)
        rawload.related(attribute, "spec", by_spec[attribute.spec_id])
        name = _PAGE_ATTRIBUTE_NAME.build(row, len(_PAGE_ATTRIBUTE))
        rawload.related(attribute, "attribute", name)
        spec_attributes[attribute.spec_id].append(attribute)
    for spec in specs:
        rawload.related(spec, "version", version)
        rawload.prefetched(spec, "prices", spec_prices[spec.pk])
        rawload.prefetched(spec, "attributes", spec_attributes[spec.pk])
    rawload.prefetched(version, "specs", specs)
    screenshots = sorted(
        _PAGE_SCREENSHOT.build_all(rawload.from_json(screenshots)),
        key=lambda s: (s.position, s.pk),
    )
    for screenshot in screenshots:
        rawload.related(screenshot, "version", version)
    rawload.prefetched(version, "screenshots", screenshots)
    regions = sorted(_PAGE_REGION.build_all(rawload.from_json(regions)), key=lambda r: r.code)
    rawload.prefetched(product, "regions", regions)
    spec_sales = sorted(
        _PAGE_SPEC_SALES.build_all(rawload.from_json(spec_sales)), key=lambda s: s.pk
    )
    for sales in spec_sales:
        rawload.related(sales, "product", product)
    rawload.prefetched(product, "spec_sales", spec_sales)
    # what the delivery type describes (an image's ids per region, a hardware product's
    # shipping regions, an API product's APIs): empty lists for the other types
    images = []
    for row in rawload.from_json(image_regions):
        image = _PAGE_IMAGE_REGION.build(row)
        rawload.related(image, "region", _PAGE_REGION.build(row, len(_PAGE_IMAGE_REGION)))
        images.append(image)
    rawload.prefetched(version, "image_regions", sorted(images, key=lambda i: i.region.code))
    shipping = _PAGE_REGION.build_all(rawload.from_json(shipping_regions))
    rawload.prefetched(version, "shipping_regions", sorted(shipping, key=lambda r: r.code))
    apis = _PAGE_API_ENDPOINT.build_all(rawload.from_json(api_endpoints))
    rawload.prefetched(version, "api_endpoints", sorted(apis, key=lambda a: (a.position, a.pk)))
    _mark_sold_out(product)
    return product


_PAGE_PRODUCT_JOIN = [  # the main query's tables, in the order of its columns
    ("product", rawload.Columns(Product, "p")),
    ("version", rawload.Columns(ProductVersion, "v")),
    ("seller", rawload.Columns(Seller, "s")),
    ("category", rawload.Columns(Category, "c")),
    ("parent", rawload.Columns(Category, "cp")),
    ("service_group", rawload.Columns(ServiceGroup, "g")),
]
_PAGE_SPEC = rawload.Columns(Spec, "sp")
_PAGE_PRICE = rawload.Columns(Price, "pr")
_PAGE_ATTRIBUTE = rawload.Columns(SpecAttribute, "sa")
_PAGE_ATTRIBUTE_NAME = rawload.Columns(AttributeName, "an")
_PAGE_SCREENSHOT = rawload.Columns(ProductScreenshot, "sh")
_PAGE_REGION = rawload.Columns(Region, "r")
_PAGE_SPEC_SALES = rawload.Columns(SpecSales, "ss")
_PAGE_IMAGE_REGION = rawload.Columns(ImageRegion, "ir")
_PAGE_API_ENDPOINT = rawload.Columns(ApiEndpoint, "ae")


@cache
def _page_sql(vendor: str) -> str:
    """The product page's one query: the product row joined with its one-to-one rows,
    the catalog generation, and each list of child rows as a JSON column (in the
    `vendor`'s JSON functions)."""
    return rawload.select(
        *(columns for _, columns in _PAGE_PRODUCT_JOIN),
        "(SELECT gen.value FROM catalog_cataloggeneration gen WHERE gen.id = 1)",
        rawload.json_rows(_PAGE_SPEC, tail="FROM catalog_spec sp WHERE sp.version_id = v.id"),
        rawload.json_rows(
            _PAGE_PRICE,
            tail="FROM catalog_price pr JOIN catalog_spec sp ON sp.id = pr.spec_id "
            "WHERE sp.version_id = v.id",
        ),
        rawload.json_rows(
            _PAGE_ATTRIBUTE,
            _PAGE_ATTRIBUTE_NAME,
            tail="FROM catalog_specattribute sa JOIN catalog_spec sp ON sp.id = sa.spec_id "
            "JOIN catalog_attributename an ON an.id = sa.attribute_id WHERE sp.version_id = v.id",
        ),
        rawload.json_rows(
            _PAGE_SCREENSHOT, tail="FROM catalog_productscreenshot sh WHERE sh.version_id = v.id"
        ),
        rawload.json_rows(
            _PAGE_REGION,
            tail="FROM catalog_region r JOIN catalog_product_regions prr ON prr.region_id = r.id "
            "WHERE prr.product_id = p.id",
        ),
        rawload.json_rows(
            _PAGE_SPEC_SALES, tail="FROM catalog_specsales ss WHERE ss.product_id = p.id"
        ),
        rawload.json_rows(
            _PAGE_IMAGE_REGION,
            _PAGE_REGION,
            tail="FROM catalog_imageregion ir JOIN catalog_region r ON r.id = ir.region_id "
            "WHERE ir.version_id = v.id",
        ),
        rawload.json_rows(
            _PAGE_REGION,
            tail="FROM catalog_region r JOIN catalog_productversion_shipping_regions vsr "
            "ON vsr.region_id = r.id WHERE vsr.productversion_id = v.id",
        ),
        rawload.json_rows(
            _PAGE_API_ENDPOINT, tail="FROM catalog_apiendpoint ae WHERE ae.version_id = v.id"
        ),
        tail="FROM catalog_product p "
        "JOIN catalog_productversion v ON v.id = p.listed_version_id "
        "JOIN sellers_seller s ON s.id = p.seller_id "
        "LEFT JOIN catalog_category c ON c.id = p.category_id "
        "LEFT JOIN catalog_category cp ON cp.id = c.parent_id "
        "LEFT JOIN sellers_servicegroup g ON g.id = v.service_group_id "
        "WHERE p.id = %s AND p.status = %s AND s.status IN (%s, %s)",  # VISIBLE_SELLER_STATUSES
    )


assert len(VISIBLE_SELLER_STATUSES) == 2  # the main query's IN (%s, %s)


def _mark_sold_out(product: Product) -> None:
    """Set `spec.sold_out` on the listed version's specs (the page's badge, the API's
    field) from the product's inventory rows (02 › Inventory: NULL stock is unlimited),
    and the specs' version's product, so that `sales.can_buy` reads no more of it."""
    version = product.listed_version
    version.product = product
    stock = {row.spec_code: row.stock for row in product.spec_sales.all()}
    for spec in version.specs.all():
        left = stock.get(spec.code)
        spec.sold_out = left is not None and left < 1


@dataclass
class BuyCheck:
    """Whether the buyer may order one spec now, and why not (`sales.can_buy`)."""

    spec: Spec
    allowed: bool
    reason: str


def product_buy_checks(*, product: Product, buyer, region: str | None = None) -> list[BuyCheck]:
    """`sales.can_buy` for each spec on sale of a product from `product_get_listed`,
    for the product page's "may I buy" box. `region`: a sales-region code the buyer
    chose, or None to leave the region out (accounts have no region of their own)."""
    return [
        BuyCheck(spec, *can_buy(buyer=buyer, spec=spec, region=region))
        for spec in product.listed_version.specs.all()
    ]


def _generation_subquery() -> Subquery:
    return Subquery(CatalogGeneration.objects.filter(pk=1).values("value")[:1])


def product_stamp(product: Product) -> tuple:
    """What a product page shows beyond its version on sale, for its cache (views.
    product_detail): the catalog generation (regions, categories, sales settings and
    service groups bump it), the version on sale, the store name and the sold-out specs.
    `product` comes from `product_get_listed`; `product_stamp_get` reads the same."""
    sold_out = sorted(
        row.spec_code for row in product.spec_sales.all() if row.stock is not None and row.stock < 1
    )
    return (
        product.catalog_generation or 0,
        product.listed_version_id,
        product.seller.store_name,
        tuple(sold_out),
    )


def product_stamp_get(*, product_id: int) -> tuple | None:
    """`product_stamp` of a product buyers may see, in one query (None: they may not).
    In plain SQL, as a prepared statement: it is all a cached product page reads, and
    building it with the ORM took longer than the database answering it."""
    sql = (
        "SELECT (SELECT g.value FROM catalog_cataloggeneration g WHERE g.id = 1), "
        "p.listed_version_id, s.store_name, ss.spec_code, ss.stock "
        "FROM catalog_product p JOIN sellers_seller s ON s.id = p.seller_id "
        "LEFT JOIN catalog_specsales ss ON ss.product_id = p.id "
        "WHERE p.id = %s AND p.status = %s AND p.listed_version_id IS NOT NULL "
        "AND s.status IN (%s, %s)"  # VISIBLE_SELLER_STATUSES
    )
    rows = rawload.fetch(  # every cached product page and API detail: prepared
        sql,
        [product_id, str(Product.Status.LISTED), *map(str, VISIBLE_SELLER_STATUSES)],
        prepare=True,
    )
    if not rows:
        return None
    generation, version_id, store_name = rows[0][:3]
    sold_out = sorted(code for *_, code, stock in rows if stock is not None and stock < 1)
    return (generation or 0, version_id, store_name, tuple(sold_out))


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

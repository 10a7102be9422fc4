"""One statement for what a list page reads besides its cards (selectors.product_card_page).

A search or category page needs the capped count of its matches, the page's product ids
and, for the filter sidebar, its counts per delivery type, billing mode and seller, all
of the same filtered list. Read one by one they cost four queries, each evaluating the
filters (a search's LIKEs, a category's ids) again. Here the ORM compiles the filtered
list once (`compile_list`; selectors._compiled_list keeps the SQL of the common lists per
shape) and one statement reads the rest around it (`list_scan`):

- `s`, a sample: any COUNT_CAP + 1 matches (no ORDER BY: whichever index is cheapest).
  Its size is the capped count, and the sidebar counts over it (selectors.product_facets).
- the page: when the sample holds every match, the sample sorted; past the cap (a broad
  term) the sorted list itself, whose LIMIT lets the planner walk the sort's index.

The statement is portable SQL (PostgreSQL; SQLite for development and tests), one row set
whose rows are tagged by kind: (kind, label, ref, n, pos).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

NULL_ID = "CAST(NULL AS BIGINT)"
NULL_TEXT = "CAST(NULL AS TEXT)"


@dataclass
class ListScan:
    count: int  # at most cap + 1
    page: list[tuple[int, int | None]] | None  # (id, listed_version_id); None: not read
    delivery_types: dict[str, int]  # these three with `facets` only
    billing_modes: dict[str, int]
    sellers: list[tuple[int, str, int]]  # (id, store name, count), most products first


@dataclass(frozen=True)
class CompiledList:
    """A filtered, sorted list of products as SQL (`compile_list`): the list itself and
    the same list in the form to walk its sort's index in, each selecting `columns`."""

    columns: tuple[str, ...]
    ordering: tuple[str, ...]  # the sort, as order_by names ("-listed_at", "-id")
    base: str
    base_params: tuple
    whole: str
    whole_params: tuple

    def with_params(self, base_params, whole_params) -> CompiledList:
        """The same statements with other values (the same shape: selectors.
        _compiled_list checks that the ORM would write these)."""
        return replace(self, base_params=tuple(base_params), whole_params=tuple(whole_params))


def compile_list(queryset: QuerySet, *, walk: QuerySet, facets: bool) -> CompiledList | None:
    """The SQL of `queryset` (a filtered, sorted list of products) and of `walk` (the same
    list in the form to read a page of it past the cap in), selecting what `list_scan`
    reads (with `facets`, the sidebar's columns too). None: the list is empty without a
    query (an invalid id)."""
    ordering = tuple(queryset.query.order_by or queryset.model._meta.ordering)
    keys = [name.removeprefix("-") for name in ordering]
    columns = list(dict.fromkeys(["id", "listed_version_id", "seller_id", *keys]))
    if facets:
        columns += ["delivery_type", "billing_modes"]
    try:
        base, base_params = queryset.order_by().values_list(*columns).query.sql_with_params()
        whole, whole_params = walk.order_by().values_list(*columns).query.sql_with_params()
    except EmptyResultSet:
        return None
    return CompiledList(
        tuple(columns), ordering, base, tuple(base_params), whole, tuple(whole_params)
    )


def list_scan(
    compiled: CompiledList,
    *,
    cap: int,
    per_page: int,
    number: int | None,
    facets: bool,
    billing_modes: list[str],
    sellers: int,
    seller_table: str,
) -> ListScan:
    """The capped count of the list `compiled` (`compile_list`, with `facets` as here),
    page `number` of it (None: no page, it depends on the count) and with `facets` the
    sidebar's counts (`billing_modes`: the modes to count; `sellers`: how many
    sellers)."""
    qn = connection.ops.quote_name
    ordering = compiled.ordering
    keys = [name.removeprefix("-") for name in ordering]
    columns = compiled.columns
    base, base_params = compiled.base, compiled.base_params
    whole, whole_params = compiled.whole, compiled.whole_params
    order = ", ".join(
        qn(key) + (" DESC" if name.startswith("-") else "")
        for name, key in zip(ordering, keys, strict=True)
    )
    names = ", ".join(qn(c) for c in columns)
    # A page of a capped list: (cap + 1) matches make this many pages.
    capped_page = number is not None and number <= -(-(cap + 1) // per_page)

    # The statement's parts, in order: (name, SQL, params) of each WITH, then each row set.
    # `s`: the sample; `c`: its size; `m`: the billing modes and their LIKE patterns
    # (billing_modes is ",period,trial,"); `b`: the whole list, only for a capped list's
    # page (used once, PostgreSQL plans it inside the query that reads it, so the page's
    # LIMIT reaches the sort's index).
    ctes = [
        (f"s ({names})", f"{base} LIMIT %s", [*base_params, cap + 1]),
        ("c (n)", "SELECT COUNT(*) FROM s", []),
    ]
    selects = [
        (
            f"SELECT 'n' AS kind, {NULL_TEXT} AS label, {NULL_ID} AS ref, n, "  # noqa: S608
            f"{NULL_ID} AS pos FROM c",
            [],
        )
    ]
    if facets:
        patterns = []
        for mode in billing_modes:
            literal = mode.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            patterns += [mode, f"%,{literal},%"]
        ctes.append(
            (
                "m (mode, pattern)",
                "VALUES " + ", ".join(["(%s, %s)"] * len(billing_modes)),
                patterns,
            )
        )
        # Counted per choice only when the sample holds every match: past the cap the
        # sidebar shows no numbers. The first sellers are offered either way, as
        # product_facets orders them: most products first, then by name.
        selects += [
            (
                f"SELECT 'd', delivery_type, {NULL_ID}, COUNT(*), {NULL_ID} FROM s "  # noqa: S608
                "WHERE (SELECT n FROM c) <= %s GROUP BY delivery_type",
                [cap],
            ),
            (
                f"SELECT 'm', m.mode, {NULL_ID}, COUNT(*), {NULL_ID} FROM s "  # noqa: S608
                "JOIN m ON s.billing_modes LIKE m.pattern ESCAPE '\\' "
                "WHERE (SELECT n FROM c) <= %s GROUP BY m.mode",
                [cap],
            ),
            (
                "SELECT * FROM (SELECT 's', ss.store_name, s.seller_id, COUNT(*), "  # noqa: S608
                "ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, ss.store_name) AS pos "
                f"FROM s JOIN {qn(seller_table)} ss ON ss.id = s.seller_id "
                "GROUP BY s.seller_id, ss.store_name ORDER BY pos LIMIT %s) f",
                [sellers],
            ),
        ]
    if number is not None:
        first = (number - 1) * per_page
        selects.append(  # every match in the sample: the page is the sample, sorted
            (
                f"SELECT * FROM (SELECT 'p', {NULL_TEXT}, id, listed_version_id, "  # noqa: S608
                f"ROW_NUMBER() OVER (ORDER BY {order}) AS pos FROM s) p "
                "WHERE pos > %s AND pos <= %s AND (SELECT n FROM c) <= %s",
                [first, first + per_page, cap],
            )
        )
    if capped_page:
        ctes.append((f"b ({names})", whole, whole_params))
        selects.append(
            (
                f"SELECT * FROM (SELECT 'p', {NULL_TEXT}, id, listed_version_id, "  # noqa: S608
                f"ROW_NUMBER() OVER (ORDER BY {order}) AS pos FROM b "
                f"ORDER BY {order} LIMIT %s OFFSET %s) q WHERE (SELECT n FROM c) > %s",
                # the count stops at cap + 1, and so does the last page
                [min(per_page, cap + 1 - first), first, cap],
            )
        )
    sql = "WITH " + ", ".join(f"{name} AS ({body})" for name, body, _ in ctes)
    sql += " " + " UNION ALL ".join(body for body, _ in selects)
    params = [p for *_, part in ctes for p in part] + [p for _, part in selects for p in part]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    count = next(n for kind, _, _, n, _ in rows if kind == "n")
    ranked = sorted((kind, pos, ref, label, n) for kind, label, ref, n, pos in rows if pos)
    page = None
    if (number is not None and count <= cap) or capped_page:
        page = [(ref, version) for kind, _, ref, _, version in ranked if kind == "p"]
    return ListScan(
        count=count,
        page=page,
        delivery_types={label: n for kind, label, _, n, _ in rows if kind == "d"},
        billing_modes={label: n for kind, label, _, n, _ in rows if kind == "m"},
        sellers=[(ref, label, n) for kind, _, ref, label, n in ranked if kind == "s"],
    )

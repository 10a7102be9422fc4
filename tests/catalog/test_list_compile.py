"""A list's SQL kept per shape (selectors._compiled_list) is the SQL the ORM writes for
every list of that shape, with that list's own parameters."""

import pytest
from django.http import QueryDict

from marketplace.catalog import cache as list_cache
from marketplace.catalog import listscan, selectors
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_statements():
    selectors._COMPILED.clear()
    yield
    selectors._COMPILED.clear()


def filterset(query: str):
    params = list_cache.list_params(QueryDict(query))
    found = selectors.product_filter(params=params or None, queryset=selectors._listed())
    found.is_valid()
    return found


def fresh(query: str, facets: bool = True) -> listscan.CompiledList | None:
    """The ORM's SQL for the list, as compiled for every list before."""
    found = filterset(query)
    cleaned = getattr(found.form, "cleaned_data", {})
    indexed = (cleaned.get("sort") or "newest") in selectors.Sort.INDEXED
    walk = found.walk_qs() if indexed else found.qs
    return listscan.compile_list(found.qs, walk=walk, facets=facets)


def typed(params) -> list:
    return [(type(value), value) for value in params]


# Lists of one shape each: the first compiles and keeps the SQL, the others take it.
SHAPES = [
    ["q=office", "q=cloud", "q=%25_\\x", "q=ÄÖ%25"],
    ["q=数据", "q=云", "q=a%25", "q=ab"],
    ["q=数据+ai&price_max=5", "q=云+b&price_max=1e3", "q=%25%25+_&price_max=0"],
    ["q=数据+office&price_min=0", "q=ab+abc&price_min=12.5"],
    ["q=office&sort=name", "q=x_y&sort=name"],
    [
        "q=office&sort=price_asc&price_min=1&price_max=2",
        "q=bcd&sort=price_asc&price_min=0&price_max=0",
    ],
    ["price_max=10", "price_max=0.01"],
    ["sort=price_desc", "sort=price_desc&page=2"],
    ["", "utm_source=x"],
]


@pytest.mark.parametrize("queries", SHAPES)
def test_a_kept_statement_is_the_orm_statement(queries):
    listed_product(name="Cloud Office")
    for query in queries:
        found = filterset(query)
        kept = selectors._compiled_list(found, facets=True)
        expected = fresh(query)
        assert (kept.base, kept.whole) == (expected.base, expected.whole)
        assert typed(kept.base_params) == typed(expected.base_params)
        assert typed(kept.whole_params) == typed(expected.whole_params)
    assert len(selectors._COMPILED) == 1, "the shape's statement was not kept"


@pytest.mark.parametrize(
    "query",
    [
        "category=nope",
        "q=office&delivery_type=saas",
        "q=office&seller=1",
        "q=office&price_max=abc",  # invalid: ignored, as ever, by the ORM's list
        "q=" + "x" * 201,
        "q=office&tag=crm",
    ],
)
def test_other_lists_are_compiled_each_time(query):
    found = filterset(query)
    compiled = selectors._compiled_list(found, facets=False)
    expected = fresh(query, facets=False)
    assert (compiled is None) == (expected is None)
    if compiled is not None:
        assert compiled == expected
    assert not selectors._COMPILED


def test_the_page_reads_the_same_rows_from_a_kept_statement():
    for i in range(6):
        listed_product(name=f"Office {i} 数据", specs=[("S", "one_off", [("once", f"{i + 1}")])])
    for query in ["q=数据&price_max=3", "q=数据&price_max=5", "q=office&price_min=4"]:
        params = list_cache.list_params(QueryDict(query))
        first = selectors.product_card_page(params=params, per_page=2, facets=True)
        again = selectors.product_card_page(params=params, per_page=2, facets=True)
        old = selectors.product_page(params=params, per_page=2, cards=True)
        ids = [[card.pk for card in result.page] for result in (first, again, old)]
        assert ids[0] == ids[1] == ids[2]
        assert first.paginator.count == again.paginator.count == old.paginator.count
    assert selectors._COMPILED

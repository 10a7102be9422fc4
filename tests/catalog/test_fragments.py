"""The list pages' written fragments (catalog/fragments.py) are their templates' HTML, and
the lighter reads and filter set behind them (selectors.product_cards, filters.
ShallowFilters and SharedFields) give what the ORM and django-filter gave."""

import copy
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.http import QueryDict
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from marketplace.catalog import cache as list_cache
from marketplace.catalog import fragments, selectors
from marketplace.catalog.filters import ProductFilter
from marketplace.catalog.models import Product, ProductScreenshot, ProductVersion
from tests.factories.catalog import CategoryFactory, RegionFactory, SellerFactory, listed_product

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def card(**values) -> selectors.ProductCard:
    row = {
        "id": 7,
        "name": "Cloud <Office> & 'Co'",
        "summary": 'Docs "online" <b>',
        "delivery_type": "saas",
        "billing_modes": ",period,trial,",
        "min_price": Decimal("1234.5"),
        "category_id": 3,
        "listed_version_id": 9,
        "seller_id": 2,
        "store_name": "Acme & <Sons>",
        "logo": "",
        "first_screenshot": "",
    }
    row.update(values)
    return selectors.ProductCard(tuple(row.values()))


CARDS = [
    {},
    {"logo": "logos/a b&c.png"},
    {"first_screenshot": "shots/x'y.png"},
    {"logo": "logos/a.png", "first_screenshot": "shots/b.png"},
    {"min_price": None},
    {"min_price": Decimal("0")},
    {"min_price": Decimal("0.00")},
    {"min_price": Decimal("58000"), "billing_modes": ""},
    {"billing_modes": ",one_off,package,on_demand,period,trial,"},
    {"billing_modes": ",unknown,"},
    {"delivery_type": "image", "name": "云", "summary": ""},
    {"delivery_type": "not-a-type", "name": "<"},
    {"store_name": "", "name": "&amp;"},
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_written_card_is_the_rendered_card(language):
    template = get_template("catalog/_card.html").template
    with translation.override(language):
        products = [card(id=100 + i, **values) for i, values in enumerate(CARDS)]
        for product, written in zip(products, fragments.write_cards(products), strict=True):
            assert written == template.render(Context({"product": product}, autoescape=True))


def test_a_written_card_of_a_product_read_from_the_database(client):
    product = listed_product(name="Cloud <Office>", summary="A & B")
    with_shot = listed_product(name="Shot", specs=[("S", "one_off", [("once", "0")])])
    ProductScreenshot.objects.create(version=with_shot.listed_version, image="s/2.png", position=1)
    ProductScreenshot.objects.create(version=with_shot.listed_version, image="s/1.png", position=0)
    with_logo = listed_product(name="Logo")
    ProductVersion.objects.filter(pk=with_logo.listed_version_id).update(logo="logos/l.png")
    template = get_template("catalog/_card.html").template
    cards = selectors.product_cards([product.pk, with_shot.pk, with_logo.pk])
    for pk in (product.pk, with_shot.pk, with_logo.pk):
        expected = template.render(Context({"product": cards[pk]}, autoescape=True))
        assert fragments.write_card(cards[pk]) == expected
    assert "s/1.png" in fragments.write_card(cards[with_shot.pk])
    # the home page renders its cards (Products) with the template, and caches them under
    # the keys the list pages' written cards share
    html = client.get(reverse("home")).content.decode()
    for pk in (product.pk, with_shot.pk, with_logo.pk):
        assert fragments.write_card(cards[pk]) in html


def test_product_cards_reads_what_the_orm_reads():
    shots = listed_product(name="Shots", specs=[("S", "trial", [("free", "0")])])
    ProductScreenshot.objects.create(version=shots.listed_version, image="s/b.png", position=2)
    ProductScreenshot.objects.create(version=shots.listed_version, image="s/a.png", position=1)
    logo = listed_product(name="Logo", specs=[("S", "one_off", [("once", "12.50")])])
    ProductVersion.objects.filter(pk=logo.listed_version_id).update(logo="logos/x.png")
    plain = listed_product(name="Plain")
    delisted = listed_product(name="Gone", status=Product.Status.DELISTED)
    ids = [shots.pk, logo.pk, plain.pk, delisted.pk, 999999]
    reference = (
        Product.objects.filter(status=Product.Status.LISTED, pk__in=ids)
        .annotate(
            first_screenshot=Subquery(
                ProductScreenshot.objects.filter(version_id=OuterRef("listed_version_id"))
                .order_by("position", "id")
                .values("image")[:1]
            )
        )
        .values_list(*selectors._CARD_ROW)
    )
    expected = {row[0]: row for row in reference}
    cards = selectors.product_cards(ids)
    assert set(cards) == {shots.pk, logo.pk, plain.pk}
    for pk, card_ in cards.items():
        row = expected[pk]
        got = (
            card_.id,
            card_.name,
            card_.summary,
            card_.delivery_type,
            card_.billing_modes,
            card_.min_price,
            card_.category_id,
            card_.listed_version_id,
            card_.seller.id,
            card_.seller.store_name,
            str(card_.listed_version.logo),
            card_.first_screenshot or None,
        )
        assert got == row[:10] + (row[10] or "", row[11])
        assert type(card_.min_price) is type(row[5])
    assert cards[shots.pk].first_screenshot == "s/a.png"
    assert selectors.product_cards([]) == {}


def facets(**values) -> dict:
    base = {
        "delivery_types": [
            {"value": "saas", "label": "SaaS", "count": 1234, "checked": True},
            {"value": "image", "label": "Im<age>", "count": 0, "checked": False},
        ],
        "billing_modes": [
            {"value": "period", "label": "Period & co", "count": None, "checked": False},
        ],
        "sellers": [(3, "Ac<me> & 'Co'", 5), (4, "Beta", 1000000), (5, "云帆", None)],
        "seller": "4",
    }
    base.update(values)
    return base


FACETS = [
    {},
    {"delivery_types": [], "billing_modes": []},
    {"sellers": []},
    {"sellers": [], "seller": "77"},
    {"sellers": [(3, "Acme", None)], "seller": ""},
    {"seller": "abc"},
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("oob", [False, True])
def test_written_facets_are_the_rendered_facets(language, oob):
    with translation.override(language):
        for values in FACETS:
            context = {"facets": facets(**values)}
            if oob:
                context["oob"] = True
            expected = render_to_string("catalog/_facets.html", context)
            assert fragments.write_facets(facets(**values), oob=oob) == expected


SIDEBAR_QUERIES = [
    {"q": "office"},
    {"q": "office", "price_min": "5", "price_max": "<b>\"'&", "tag": "a&b <i>"},
    {"category": "database", "region": "cn-east", "q": "数据"},
    {"category": "software", "region": "nowhere", "price_max": "1e3"},
    {"category": "<nope>", "tag": "office"},
    {"billing_mode": "period", "delivery_type": "saas", "seller": "1"},
]


@pytest.fixture
def catalog():
    software = CategoryFactory(slug="software", name_en="Software & <co>")
    database = CategoryFactory(slug="database", name_en="Databases", parent=software)
    region = RegionFactory(code="cn-east")
    seller = SellerFactory(store_name="Acme <1>")
    for i in range(3):
        listed_product(
            name=f"Office {i} 数据",
            category=database if i else software,
            seller=seller,
            regions=[region] if i else [],
            tags="office, a&b <i>",
        )
    return {"software": software, "database": database}


def sidebar(html: str) -> str:
    start = html.index('<div class="catalog-filters"')
    return html[start : html.index("</aside>", start)]


def both_ways(client, monkeypatch, url: str, query: dict) -> tuple[str, str]:
    written = []
    real = fragments.write_filters
    with monkeypatch.context() as patched:
        patched.setattr(
            fragments, "write_filters", lambda *a, **kw: written.append(1) or real(*a, **kw)
        )
        framed = client.get(url, query).content.decode()
    assert written, "the sidebar was not written from its frame"
    cache.clear()  # the list and the sidebar are cached: render them again, as usual
    with monkeypatch.context() as patched:
        patched.setattr(fragments, "filters_frame", lambda request, context: False)
        rendered = client.get(url, query).content.decode()
    cache.clear()
    return sidebar(framed), sidebar(rendered)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("query", SIDEBAR_QUERIES)
@pytest.mark.parametrize("page", ["search", "category"])
def test_a_sidebar_from_its_frame_is_the_rendered_sidebar(
    client, monkeypatch, catalog, language, query, page
):
    client.cookies["django_language"] = language
    url = (
        reverse("catalog:search")
        if page == "search"
        else reverse("catalog:category", args=["database"])
    )
    framed, rendered = both_ways(client, monkeypatch, url, query)
    assert 'data-testid="filters"' in framed
    assert framed == rendered


def test_the_frame_is_kept_per_generation_and_selection(client, catalog, monkeypatch):
    built = []
    real = fragments.filters_frame

    def counting(request, context):
        built.append(context["params"].get("category"))
        return real(request, context)

    monkeypatch.setattr(fragments, "filters_frame", counting)
    search = reverse("catalog:search")
    client.get(search, {"q": "office"})
    client.get(search, {"q": "office", "price_max": "99"})
    client.get(search, {"q": "数据"})
    assert built == [""]  # one frame for every search without a category or region
    html = client.get(search, {"q": "office", "category": "database"}).content.decode()
    assert built == ["", "database"]
    assert '<option value="database"\n                    selected>' in html
    # a renamed category bumps the generation: a frame of the new tree
    catalog["database"].name_en = "Data stores"
    catalog["database"].save()
    html = client.get(search, {"q": "office", "price_max": "98"}).content.decode()
    assert built == ["", "database", ""] and "Data stores" in html


def test_a_new_search_reads_no_sidebar_lists(client, catalog, django_assert_num_queries):
    search = reverse("catalog:search")
    client.get(search, {"q": "office"})
    # the sidebar's lists (category tree, regions, tags) are read to build its frame only
    generation = list_cache.generation()
    cache.delete_many(
        [list_cache._key(name, generation) for name in ("categories", "regions", "tags")]
    )
    with django_assert_num_queries(2):  # the catalog generation, the list (cards cached)
        html = client.get(search, {"q": "offic", "price_max": "500"}).content.decode()
    assert 'value="500"' in html and "Databases" in html


# --- the filter set's copies -------------------------------------------------------------


def test_each_filter_set_has_its_own_filters_bound_to_itself():
    first, second = ProductFilter(QueryDict("q=a")), ProductFilter(QueryDict("q=b"))
    for name, base in ProductFilter.base_filters.items():
        mine, theirs = first.filters[name], second.filters[name]
        assert mine is not base and mine is not theirs
        assert mine.parent is first and theirs.parent is second
        if base.method is not None:
            assert mine.filter.f is mine and theirs.filter.f is theirs
    # filter_q reads its own filter set's `walk`: the walking form is the first's only
    assert str(first.walk_qs().query) != str(first.qs.query)
    assert str(second.qs.query) == str(ProductFilter(QueryDict("q=b")).qs.query)


VALIDATION = [
    "q=office&price_min=5&price_max=1e3&sort=name",
    "price_min=-1&price_max=abc&sort=nope&seller=1.5",
    "q=" + "x" * 201 + "&delivery_type=saas&delivery_type=nope&billing_mode=trial",
    "seller=99999999999999999999&region=cn-east&tag=a&category=software",
    "price_max=NaN&price_min=Infinity&category=nope",
]


@pytest.mark.parametrize("data", VALIDATION)
def test_the_shared_form_fields_validate_as_copied_ones(catalog, data):
    shared = ProductFilter(QueryDict(data)).form
    form_class = type(shared)
    copied = type("CopiedForm", (form_class,), {})
    copied.base_fields = copy.deepcopy(dict(form_class.base_fields))
    fresh = copied(QueryDict(data))
    assert shared.is_valid() == fresh.is_valid()
    assert shared.errors == fresh.errors
    assert shared.cleaned_data == fresh.cleaned_data
    assert shared.fields["q"] is form_class.base_fields["q"]

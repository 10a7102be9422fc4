"""The list pages' one statement (selectors.product_card_page, catalog/listscan.py) gives
what the separate queries give (selectors.product_page, product_facets); the store and
category pages are cached per catalog generation."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from marketplace.catalog import selectors, services
from marketplace.catalog.models import Category
from marketplace.catalog.search import apply_search
from tests.factories.catalog import CategoryFactory, RegionFactory, SellerFactory, listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog():
    parent = CategoryFactory(slug="software")
    child = CategoryFactory(slug="database", parent=parent)
    acme, beta = SellerFactory(store_name="Acme"), SellerFactory(store_name="Beta")
    region = RegionFactory(code="cn-east")
    kinds = [
        ("saas", [("S", "period", [("month", "10")])]),
        ("image", [("S", "one_off", [("once", "5")])]),
        ("saas", [("S", "trial", [("free", "0")]), ("P", "package", [("package", "99")])]),
    ]
    for i in range(14):
        delivery_type, specs = kinds[i % 3]
        listed_product(
            name=f"{'Office' if i % 2 else 'Photo'} {i:02d} 数据",
            seller=acme if i % 4 else beta,
            category=child if i % 5 else parent,
            delivery_type=delivery_type,
            specs=specs,
            regions=[region] if i % 3 == 0 else [],
            tags="",
        )
    return {"acme": acme, "beta": beta}


def read(params: dict, page) -> tuple:
    """(count, page number, ids, versions, facets) by both paths."""
    new = selectors.product_card_page(params=params, page_number=page, per_page=4, facets=True)
    old = selectors.product_page(params=params, page_number=page, per_page=4, cards=True)
    facets = selectors.product_facets(filterset=old.filterset)
    return tuple(
        (
            result.paginator.count,
            result.page.number,
            [p.pk for p in result.page.object_list],
            [p.listed_version_id for p in result.page.object_list],
            counted,
        )
        for result, counted in [(new, new.facets), (old, facets)]
    )


PARAMS = [
    {},
    {"q": "office"},
    {"q": "数据"},
    {"q": "of 数据"},
    {"q": "offic 数"},
    {"q": "photo", "sort": "price_asc"},
    {"q": "office", "sort": "name"},
    {"sort": "price_desc"},
    {"category": "software"},
    {"category": "database", "q": "photo"},
    {"region": "cn-east"},
    {"price_min": "6", "price_max": "50"},
    {"q": "nothing-like-this"},
]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("page", [None, 1, 2, "3", 4, 9, 0, "-1", "abc", "2.0"])
def test_one_statement_gives_what_the_separate_queries_give(catalog, params, page):
    new, old = read(params, page)
    assert new == old


@pytest.mark.parametrize(
    "params", [{"delivery_type": ["image"]}, {"billing_mode": ["trial"], "q": "office"}]
)
def test_a_picked_choice_is_counted_as_before(catalog, params):
    new, old = read(params, 1)
    assert new == old


def test_a_picked_seller_is_counted_as_before(catalog):
    new, old = read({"seller": str(catalog["acme"].pk)}, 1)
    assert new == old


def test_an_invalid_seller_lists_nothing(catalog):
    result = selectors.product_card_page(params={"seller": "abc"}, facets=True)
    assert result.paginator.count == 0 and list(result.page) == []


@pytest.mark.parametrize("params", [{}, {"q": "数据"}, {"q": "office", "sort": "price_asc"}])
@pytest.mark.parametrize("page", [1, 2, 3, 4, 5])
def test_past_the_cap_the_page_comes_from_the_sorted_list(catalog, monkeypatch, params, page):
    monkeypatch.setattr(selectors.CappedPaginator, "cap", 5)
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    new, old = read(params, page)
    # the sample behind the uncounted choices is any capped set of matches: its sellers
    # may differ, but both say "more than the cap" and show the same page
    assert new[:4] == old[:4]
    assert new[0] == 6 and not new[4].exact and not old[4].exact


def test_the_walking_search_finds_the_same_rows(catalog):
    from marketplace.catalog.models import Product

    for query in ["数据", "of 数据", "office", "o", "nothing"]:
        rows = Product.objects.filter(status=Product.Status.LISTED)
        assert set(apply_search(rows, query, walk=True)) == set(apply_search(rows, query))


def test_cached_cards_are_not_read_again(client, catalog, django_assert_num_queries):
    search = reverse("catalog:search")
    client.get(search, {"q": "office"})
    # another sort: the same cards, cached; the list and its count in one statement
    with django_assert_num_queries(2):  # the catalog generation, the list
        client.get(search, {"q": "office", "sort": "name"})


def test_the_store_list_is_cached_and_follows_a_delisting(client, django_assert_num_queries):
    seller = SellerFactory(store_name="Acme")
    product = listed_product(name="Acme Office", seller=seller)
    listed_product(name="Acme Photo", seller=seller)
    url = reverse("catalog:store", args=[seller.pk])
    assert "Acme Office" in client.get(url).content.decode()
    with django_assert_num_queries(2):  # the seller (with its store page), the generation
        assert "Acme Office" in client.get(url).content.decode()
    services.product_delist(product=product, actor=None)
    html = client.get(url).content.decode()
    assert "Acme Office" not in html and "Acme Photo" in html


def test_the_store_page_shows_a_new_store_name_at_once(client):
    seller = SellerFactory(store_name="Acme")
    listed_product(seller=seller)
    url = reverse("catalog:store", args=[seller.pk])
    client.get(url)
    seller.store_name = "Acme Renamed"
    seller.save(update_fields=["store_name"])
    assert 'data-testid="store-name" data-user-content>Acme Renamed<' in (
        client.get(url).content.decode()
    )


def test_a_store_list_of_another_sort_is_its_own(client):
    seller = SellerFactory()
    listed_product(name="B cheap", seller=seller, specs=[("S", "one_off", [("once", "1")])])
    listed_product(name="A dear", seller=seller, specs=[("S", "one_off", [("once", "9")])])
    url = reverse("catalog:store", args=[seller.pk])
    newest = client.get(url).content.decode()
    by_name = client.get(url, {"sort": " name "}).content.decode()  # normalised: "name"
    assert newest.index("A dear") < newest.index("B cheap")
    assert by_name.index("A dear") < by_name.index("B cheap")
    by_price = client.get(url, {"sort": "price_asc"}).content.decode()
    assert by_price.index("B cheap") < by_price.index("A dear")


def test_the_category_page_follows_a_renamed_category(client, django_assert_num_queries):
    parent = CategoryFactory(slug="software", name_en="Software")
    child = CategoryFactory(slug="database", name_en="Databases", parent=parent)
    listed_product(name="Cloud DB", category=child)
    url = reverse("catalog:category", args=["database"])
    html = client.get(url).content.decode()
    assert "<title>Databases" in html and "Cloud DB" in html
    assert reverse("catalog:category", args=["software"]) in html  # the breadcrumb
    with django_assert_num_queries(1):  # the generation: the category is cached too
        client.get(url)
    Category.objects.filter(pk=parent.pk).update(name_en="Programs")
    parent.refresh_from_db()
    parent.save()  # a category's save bumps the generation (cache.connect_signals)
    assert "Programs" in client.get(url).content.decode()
    assert client.get(reverse("catalog:category", args=["nope"])).status_code == 404

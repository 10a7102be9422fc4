"""Cached list pages (catalog/cache.py): a change to what a list shows is seen at once."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from marketplace.catalog import cache as list_cache
from marketplace.catalog import services
from marketplace.catalog.models import Category, Region
from tests.factories.catalog import RegionFactory
from tests.factories.catalog_publishing import (
    listed_product,
    operator,
    pending_product,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("catalog:search")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def search(client, q: str, **params) -> str:
    return client.get(SEARCH, {"q": q, **params}).content.decode()


def test_a_repeated_search_is_served_from_the_cache(client, django_assert_num_queries):
    listed_product(name="Cloud Office")
    assert "Cloud Office" in search(client, "cloud")
    with django_assert_num_queries(1):  # the catalog generation, nothing else
        assert "Cloud Office" in search(client, "cloud")
    # htmx asks for the results alone: a fragment of its own, also cached
    fragment = client.get(SEARCH, {"q": "cloud"}, headers={"HX-Request": "true"})
    assert "Cloud Office" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    with django_assert_num_queries(1):
        client.get(SEARCH, {"q": "cloud"}, headers={"HX-Request": "true"})


def test_query_parameters_are_part_of_the_key(client):
    listed_product(name="Cloud Office")
    listed_product(name="Cloud Drive")
    everything = search(client, "cloud")
    assert "Cloud Office" in everything and "Cloud Drive" in everything
    only_drive = search(client, "drive")
    assert "Cloud Drive" in only_drive and "Cloud Office" not in only_drive
    # the same parameters in another order share the cached list
    a = client.get(SEARCH, {"q": "cloud", "sort": "name"}).wsgi_request
    b = client.get(f"{SEARCH}?sort=name&q=cloud").wsgi_request
    c = client.get(f"{SEARCH}?sort=name&q=cloud&page=2").wsgi_request
    keys = [list_cache.list_key(r, "catalog/_listing.html", 7) for r in (a, b, c)]
    assert keys[0] == keys[1] != keys[2]


def test_approving_a_new_version_updates_cached_lists(client):
    product = listed_product(name="Cloud Office")
    assert "Cloud Office" in search(client, "cloud")
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_version_update(product=product, fields={"name": "Cloud Suite"})
    services.product_submit(product=product, actor=None)
    # under review: the listed version is still what buyers see (cached or not)
    assert "Cloud Office" in search(client, "cloud")
    services.product_approve(version=draft, actor=operator())
    html = search(client, "cloud")
    assert "Cloud Suite" in html and "Cloud Office" not in html


def test_a_newly_approved_product_appears_in_cached_lists(client):
    listed_product(name="Cloud Office")
    assert "Cloud Office" in search(client, "cloud")
    product = pending_product()
    services.product_approve(version=product.versions.get(), actor=operator())
    product.refresh_from_db()
    assert product.name in search(client, product.name.split()[0].lower())
    assert 'data-testid="product-card"' in search(client, "")


def test_delisting_removes_the_product_from_cached_lists(client):
    product = listed_product(name="Cloud Office")
    assert "Cloud Office" in search(client, "cloud")
    services.product_delist(product=product, actor=None)
    html = search(client, "cloud")
    assert "Cloud Office" not in html
    assert 'data-testid="no-results"' in html


def test_changing_sales_regions_updates_region_filtered_lists(client):
    north, south = RegionFactory(code="north"), RegionFactory(code="south")
    product = listed_product(name="Cloud Office")
    product.regions.set([north])
    assert "Cloud Office" in search(client, "cloud", region="north")
    assert "Cloud Office" not in search(client, "cloud", region="south")
    services.product_sales_update(
        product=product,
        allowlist_enabled=False,
        trial_allowlist_enabled=False,
        credit_line_allowed=False,
        cash_coupon_allowed=False,
        credit_specified_users_only=False,
        regions=[south],
    )
    assert "Cloud Office" not in search(client, "cloud", region="north")
    assert "Cloud Office" in search(client, "cloud", region="south")


def test_category_and_region_edits_update_cached_lists(client):
    product = listed_product(name="Cloud Office")
    category = product.category
    assert category.name_en in search(client, "cloud")  # the filter sidebar lists it
    # a write that bypasses models and services isn't seen: the list is cached
    Category.objects.filter(pk=category.pk).update(name_en="Unseen")
    assert "Unseen" not in search(client, "cloud")
    category.refresh_from_db()
    category.name_en = "Office software"
    category.save()  # as the admin saves it
    assert "Office software" in search(client, "cloud")
    url = reverse("catalog:category", args=[category.slug])
    assert 'data-testid="product-card"' in client.get(url).content.decode()
    region = RegionFactory(code="east", name_en="East China")
    assert "East China" in search(client, "cloud")
    region.name_en = "Eastern China"
    region.save()
    assert "Eastern China" in search(client, "cloud")
    region.delete()
    assert "Eastern China" not in search(client, "cloud")
    assert not Region.objects.filter(code="east").exists()


def test_the_generation_changes_with_every_bump():
    before = list_cache.generation()
    list_cache.bump_generation()
    assert list_cache.generation() == before + 1


def _cache_entries() -> int:
    return len(cache._cache)  # LocMemCache, the test settings' cache


def test_unknown_query_parameters_make_no_cache_entries(
    client, django_assert_num_queries, settings
):
    # Entries are counted in a local-memory cache (CI's default cache is Redis).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    listed_product(name="Cloud Office")
    # The first visitor came from a newsletter: the list cached for them carries nothing
    # of it into the pages of the next visitors (its links use the list parameters only).
    assert "Cloud Office" in search(client, "cloud", utm_source="newsletter-0426")
    entries = _cache_entries()
    for extra in ({}, {"x": "8f3a1c"}, {"x": "77b2e0", "utm": "1"}):
        with django_assert_num_queries(1):  # the catalog generation: served from the cache
            html = search(client, "cloud", **extra)
        assert "Cloud Office" in html
        assert "newsletter-0426" not in html
    # blanks, spaces and page=1 make no entries either
    with django_assert_num_queries(1):
        search(client, " cloud ", price_min="", page="1")
    assert _cache_entries() == entries


def test_list_parameters_are_normalised():
    from django.http import QueryDict

    query = QueryDict(
        "utm_source=x&q=+cloud+&billing_mode=trial&billing_mode=period&billing_mode=trial"
        "&sort=name&sort=price&page=1&tag=&x=1"
    )
    normal = list_cache.list_params(query)
    assert list(normal.lists()) == [
        ("q", ["cloud"]),
        ("billing_mode", ["period", "trial"]),
        ("sort", ["price"]),
    ]
    assert list_cache.list_params(QueryDict("page=2&q=a")).urlencode() == "q=a&page=2"


# --- the product page's cached body (views.product_detail) ----------------------------


def product_page(client, product) -> str:
    return client.get(reverse("catalog:product", args=[product.pk])).content.decode()


def test_a_new_price_shows_on_the_next_request(client):
    product = listed_product(name="Cloud Office")
    assert "Cloud Office" in product_page(client, product)
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_version_update(product=product, fields={"name": "Cloud Suite"})
    services.product_submit(product=product, actor=None)
    assert "Cloud Office" in product_page(client, product)  # under review: still on sale
    services.product_approve(version=draft, actor=operator())
    html = product_page(client, product)
    assert "Cloud Suite" in html and "Cloud Office" not in html


def test_a_delisted_product_is_not_served_from_the_cache(client):
    product = listed_product(name="Cloud Office")
    assert "Cloud Office" in product_page(client, product)
    services.product_delist(product=product, actor=None)
    response = client.get(reverse("catalog:product", args=[product.pk]))
    assert response.status_code == 404


def test_a_sold_out_spec_shows_on_the_next_request(client):
    from marketplace.catalog.models import SpecSales
    from marketplace.catalog.sales import stock_take

    product = listed_product()
    code = product.listed_version.specs.first().code
    SpecSales.objects.create(product=product, spec_code=code, stock=1)
    assert 'data-testid="sold-out"' not in product_page(client, product)
    stock_take(product=product, spec_code=code, quantity=1)  # one conditional UPDATE
    assert 'data-testid="sold-out"' in product_page(client, product)


def test_a_new_store_name_shows_on_the_next_request(client):
    product = listed_product()
    assert "New Store" not in product_page(client, product)
    product.seller.store_name = "New Store"
    product.seller.save(update_fields=["store_name"])
    assert "New Store" in product_page(client, product)


def test_the_may_buy_box_is_not_cached(client, django_user_model):
    product = listed_product()
    assert 'data-testid="may-buy-anonymous"' in product_page(client, product)
    client.force_login(django_user_model.objects.create_user("buyer1", password="x"))
    html = product_page(client, product)
    assert 'data-testid="may-buy-anonymous"' not in html
    assert 'data-testid="may-buy"' in html


CHANGE_IN_ANOTHER_PROCESS = """
import sys
import django

django.setup()
from marketplace.catalog import services
from marketplace.catalog.models import Product
from marketplace.catalog.sales import stock_take

product = Product.objects.get(pk=int(sys.argv[1]))
if sys.argv[2] == "sell-out":
    stock_take(product=product, spec_code=sys.argv[3], quantity=1)
else:
    services.product_delist(product=product, actor=None)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_process_is_seen_on_the_next_request(client):
    """The body cached in this process is checked against the database on every
    request: a sale (stock) or a delisting committed by another process shows at once."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from marketplace.catalog.models import SpecSales

    product = listed_product()
    code = product.listed_version.specs.first().code
    SpecSales.objects.create(product=product, spec_code=code, stock=1)
    assert 'data-testid="sold-out"' not in product_page(client, product)
    assert 'data-testid="sold-out"' not in product_page(client, product)  # from the cache
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }

    def other_process(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-c", CHANGE_IN_ANOTHER_PROCESS, str(product.pk), *args],
            check=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            timeout=120,
        )

    other_process("sell-out", code)
    assert 'data-testid="sold-out"' in product_page(client, product)
    other_process("delist")
    response = client.get(reverse("catalog:product", args=[product.pk]))
    assert response.status_code == 404

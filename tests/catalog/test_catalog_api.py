"""Read-only catalog API: list with filters and search, detail with specs and prices,
isolation of unlisted products, and the OpenAPI schema/docs."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from marketplace.catalog.models import Product
from tests.factories.catalog import CategoryFactory, draft_product, listed_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Product cards are cached by product and version id, which tests reuse."""
    cache.clear()
    yield
    cache.clear()


LIST = "/api/catalog/products/"


def test_list_returns_listed_products_with_listing_fields(client):
    category = CategoryFactory(slug="crm", name_en="CRM", name_zh="客户管理")
    product = listed_product(name="Sales CRM", category=category)
    listed_product(name="Gone", status=Product.Status.DELISTED)
    draft_product(name="Draft")
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == product.pk
    assert item["name"] == "Sales CRM"
    assert item["category"] == {"slug": "crm", "name_en": "CRM", "name_zh": "客户管理"}
    assert item["seller"]["store_name"] == product.seller.store_name
    assert item["min_price"] == "99.00"
    assert item["billing_modes"] == ["period", "trial"]


def test_list_search_filters_sort_and_page(client):
    listed_product(name="云数据库", specs=[("S", "one_off", [("once", "30")])])
    listed_product(name="数据迁移服务", specs=[("S", "one_off", [("once", "10")])])
    listed_product(name="Office", specs=[("S", "one_off", [("once", "20")])])

    def names(**params):
        return [p["name"] for p in client.get(LIST, params).json()["results"]]

    assert set(names(q="数据")) == {"云数据库", "数据迁移服务"}
    assert names(q="数据", sort="price_asc") == ["数据迁移服务", "云数据库"]
    assert names(price_max="20", sort="price_desc") == ["Office", "数据迁移服务"]
    assert names(billing_mode="period") == []
    page = client.get(LIST, {"page_size": 2, "sort": "name"}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_list_query_count_is_constant(client, django_assert_num_queries):
    for _ in range(10):
        listed_product()
    # the catalog generation (the cache's key), count, page ids, page rows
    with django_assert_num_queries(4):
        client.get(LIST, {"q": "office"})


def test_detail_has_specs_and_prices(client):
    product = listed_product(
        specs=[("Team", "period", [("month", "99.00"), ("year", "999.00")])], tags="crm, sales"
    )
    body = client.get(f"{LIST}{product.pk}/").json()
    assert body["name"] == product.name
    assert body["tags"] == ["crm", "sales"]
    [spec] = body["specs"]
    assert spec["name"] == "Team" and spec["billing_mode"] == "period"
    assert {(p["period"], p["amount"]) for p in spec["prices"]} == {
        ("month", "99.00"),
        ("year", "999.00"),
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda: draft_product(),
        lambda: listed_product(status=Product.Status.DELISTED),
        lambda: listed_product(status=Product.Status.PENDING_REVIEW),
    ],
    ids=["draft", "delisted", "pending"],
)
def test_detail_of_unlisted_product_is_404(client, make):
    assert client.get(f"{LIST}{make().pk}/").status_code == 404


def test_api_is_read_only(client):
    product = listed_product()
    assert client.post(LIST, {}).status_code in (403, 405)
    assert client.delete(f"{LIST}{product.pk}/").status_code in (403, 405)


def test_schema_contains_the_catalog_paths(client):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/catalog/products/" in text
    assert "/api/catalog/products/{id}/" in text


def test_docs_load_swagger_from_the_sidecar(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()

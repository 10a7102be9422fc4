"""Public catalog pages: home, search, category, product, store; isolation and queries."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from marketplace.catalog.models import DeliveryType, Product
from sellers.models import StoreImage
from tests.factories.catalog import (
    CategoryFactory,
    RegionFactory,
    SellerFactory,
    draft_product,
    listed_product,
)
from tests.factories.sellers import ExitedSellerFactory, ServiceGroupFactory, StorePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Product cards are cached by product and version id, which tests reuse."""
    cache.clear()
    yield
    cache.clear()


def test_home_has_search_bar_categories_and_newest(client):
    parent = CategoryFactory(slug="software", name_en="Software")
    CategoryFactory(slug="database", name_en="Databases", parent=parent)
    listed_product(name="Cloud Desk", category=parent)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="hero-search"' in html
    assert reverse("catalog:search") in html
    assert reverse("catalog:category", args=["software"]) in html
    assert "Databases" in html
    assert "Cloud Desk" in html


def test_home_in_chinese_shows_chinese_category_names(client):
    CategoryFactory(slug="software", name_en="Software", name_zh="软件")
    response = client.get(reverse("home"), headers={"accept-language": "zh-hans"})
    assert "软件" in response.content.decode()


def test_search_page_finds_chinese_and_english(client):
    listed_product(name="云数据库 MySQL")
    listed_product(name="Sales CRM")
    html = client.get(reverse("catalog:search"), {"q": "数据"}).content.decode()
    assert "云数据库 MySQL" in html and "Sales CRM" not in html
    html = client.get(reverse("catalog:search"), {"q": "crm"}).content.decode()
    assert "Sales CRM" in html and "云数据库" not in html


def test_search_page_with_no_results(client):
    response = client.get(reverse("catalog:search"), {"q": "nothing-like-this"})
    assert 'data-testid="no-results"' in response.content.decode()


def test_htmx_request_gets_only_the_results_fragment(client):
    listed_product(name="Fragmented")
    response = client.get(reverse("catalog:search"), {"q": "frag"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "Fragmented" in html
    assert "<html" not in html


def test_category_page_filters_and_sorts(client):
    parent = CategoryFactory(slug="software", name_en="Software")
    child = CategoryFactory(slug="database", name_en="Databases", parent=parent)
    listed_product(name="Parent thing", category=parent, specs=[("S", "one_off", [("once", "9")])])
    listed_product(name="Child thing", category=child, specs=[("S", "one_off", [("once", "5")])])
    listed_product(name="Elsewhere", category=CategoryFactory())
    url = reverse("catalog:category", args=["software"])
    html = client.get(url, {"sort": "price_asc"}).content.decode()
    assert "Elsewhere" not in html
    assert html.index("Child thing") < html.index("Parent thing")
    html = client.get(url, {"price_min": "6"}).content.decode()
    assert "Parent thing" in html and "Child thing" not in html
    assert client.get(reverse("catalog:category", args=["nope"])).status_code == 404


def test_pagination(client, settings):
    category = CategoryFactory()
    for i in range(26):
        listed_product(name=f"Item {i:02d}", category=category)
    url = reverse("catalog:category", args=[category.slug])
    first = client.get(url).content.decode()
    assert "Item 25" in first and "Item 01" not in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Item 01" in second and "Item 25" not in second


@pytest.mark.parametrize("how_many", [2, 20])
def test_list_pages_use_constant_queries(client, django_assert_num_queries, how_many):
    category = CategoryFactory()
    RegionFactory()
    for _ in range(how_many):
        listed_product(category=category)
    url = reverse("catalog:category", args=[category.slug])
    # category page: category + its children, catalog generation, the filter's category
    # lookup, descendants, the list (count and page: selectors.product_card_page), the
    # cards, regions, category tree (2), the sidebar's counts (2, a billing mode being
    # picked: types and billing modes, sellers), tag suggestions
    with django_assert_num_queries(13):
        response = client.get(url, {"q": "office", "billing_mode": "period"})
    assert response.content.decode().count('data-testid="product-card"') == how_many
    # search page: catalog generation, the list with the sidebar's counts (one statement)
    # (its cards, regions, category tree and tags were cached by the page above)
    with django_assert_num_queries(2):
        client.get(reverse("catalog:search"), {"q": "office"})
    # the same lists again come from the cache: the catalog generation is all they read
    with django_assert_num_queries(1):  # catalog generation: the category is cached too
        again = client.get(url, {"q": "office", "billing_mode": "period"})
    assert again.content.decode().count('data-testid="product-card"') == how_many
    with django_assert_num_queries(1):
        client.get(reverse("catalog:search"), {"q": "office"})
    # home: catalog generation, newest (the category tree is cached for this generation)
    with django_assert_num_queries(2):
        client.get(reverse("home"))
    with django_assert_num_queries(1):  # the catalog generation: the lists are cached
        client.get(reverse("home"))


def test_product_page_shows_specs_prices_seller_and_service_support(client):
    seller = SellerFactory(store_name="Acme Cloud")
    group = ServiceGroupFactory(
        seller=seller, name="Acme support", phone="400-123-4567", email="help@acme.example"
    )
    product = listed_product(
        name="Acme CRM",
        seller=seller,
        service_group=group,
        specs=[
            ("Team", "period", [("month", "99.00"), ("year", "999.00")]),
            ("Calls", "on_demand", [("unit", "0.10")]),
            ("Trial", "trial", [("free", "0")]),
        ],
        agreement_text="Acme agreement line one.",
        usage_guide="Open the console and add users.",
        regions=[RegionFactory(code="cn-east", name_en="East China")],
    )
    response = client.get(reverse("catalog:product", args=[product.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Acme CRM",
        "¥99.00 / month",
        "¥999.00 / year",
        "¥0.10 per unit (pay-as-you-go)",
        "Free trial",
        "Pay-as-you-go",
        "Service support",
        "Acme agreement line one.",
        "Acme support",
        "400-123-4567",
        "help@acme.example",
        "Open the console and add users.",
        "East China",
    ):
        assert text in html, text
    assert reverse("catalog:store", args=[seller.pk]) in html


def test_joint_product_shows_the_support_terms(client):
    product = listed_product(
        delivery_type=DeliveryType.JOINT_SAAS,
        agreement_text="",
        support_terms_text="Three-party service support terms.",
    )
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert "Service support terms" in html
    assert "Three-party service support terms." in html


def test_product_page_query_count_is_constant(client, django_assert_num_queries):
    product = listed_product(
        specs=[(f"Spec {i}", "period", [("month", "10"), ("year", "100")]) for i in range(6)]
    )
    # one: the product and its one-to-one rows, with its specs, prices, attributes,
    # screenshots, regions and inventory rows as JSON columns (selectors.product_get_listed)
    with django_assert_num_queries(1):
        first = client.get(reverse("catalog:product", args=[product.pk]))
    # the body comes from the cache after its stamp (generation, version, store, stock)
    with django_assert_num_queries(1):
        again = client.get(reverse("catalog:product", args=[product.pk]))
    rows = first.content.count(b'data-testid="spec-row"')
    assert rows == 6 and again.content.count(b'data-testid="spec-row"') == rows


@pytest.mark.parametrize(
    "make",
    [
        lambda: draft_product(),
        lambda: listed_product(status=Product.Status.PENDING_REVIEW),
        lambda: listed_product(status=Product.Status.REJECTED),
    ],
    ids=["draft", "pending", "rejected"],
)
def test_unlisted_products_are_404(client, make):
    product = make()
    assert client.get(reverse("catalog:product", args=[product.pk])).status_code == 404
    html = client.get(reverse("catalog:search")).content.decode()
    assert reverse("catalog:product", args=[product.pk]) not in html


def test_product_of_an_exited_seller_is_404(client):
    product = listed_product(seller=ExitedSellerFactory())
    assert client.get(reverse("catalog:product", args=[product.pk])).status_code == 404


def test_delisted_product_is_404_and_says_so(client):
    product = listed_product(status=Product.Status.DELISTED)
    response = client.get(reverse("catalog:product", args=[product.pk]))
    assert response.status_code == 404
    assert "no longer on sale" in response.content.decode()


def test_store_page_shows_store_and_listed_products(client, image_file):
    seller = SellerFactory(store_name="Acme Cloud")
    store = StorePageFactory(
        seller=seller,
        brand_story="Since 2010 we build clouds.",
        certificate_image=image_file("cert.png", size=(990, 300)),
    )
    StoreImage.objects.create(store_page=store, image=image_file("a.png", size=(780, 440)))
    listed_product(name="On sale", seller=seller)
    listed_product(name="Taken off", seller=seller, status=Product.Status.DELISTED)
    listed_product(name="Someone else's")
    response = client.get(reverse("catalog:store", args=[seller.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Cloud" in html
    assert "Since 2010 we build clouds." in html
    assert 'data-testid="store-certificate"' in html
    assert 'data-testid="store-images"' in html
    assert "On sale" in html
    assert "Taken off" not in html and "Someone else" not in html


def test_store_page_without_store_page_row(client):
    seller = SellerFactory()
    listed_product(name="Lonely", seller=seller)
    response = client.get(reverse("catalog:store", args=[seller.pk]))
    assert response.status_code == 200
    assert "Lonely" in response.content.decode()


def test_store_of_exited_or_unknown_seller_is_404(client):
    assert client.get(reverse("catalog:store", args=[ExitedSellerFactory().pk])).status_code == 404
    assert client.get(reverse("catalog:store", args=[999999])).status_code == 404

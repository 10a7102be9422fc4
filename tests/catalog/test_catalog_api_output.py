"""The catalog API's plain output (catalog/api.py: `product_list_item`,
`product_detail_data`) is its serializers' output byte for byte; its cached answers are
never served after a change they don't show; its throttles are DRF's, batched."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from marketplace.catalog import api, selectors, services
from marketplace.catalog.models import (
    ApiEndpoint,
    AttributeName,
    DeliveryType,
    ImageRegion,
    Price,
    Product,
    ProductScreenshot,
    ServiceForm,
    ServiceScope,
    SpecAttribute,
    SpecSales,
)
from marketplace.catalog.sales import stock_take
from marketplace.core.api_throttling import BatchedRateThrottles
from tests.factories.catalog import CategoryFactory, RegionFactory, listed_product

pytestmark = pytest.mark.django_db

LIST = "/api/catalog/products/"

SPECS = [
    ("Standard", "period", [("month", "99.00"), ("year", "999.50")]),
    ("Trial", "trial", [("free", "0")]),
    ("Calls", "package", [("package", "12.34")]),
    ("Metered", "on_demand", [("unit", "0.05")]),
]
# Per delivery type: version columns, and the rows ("image_regions", ...) it describes.
TYPES = {
    DeliveryType.SAAS: {},
    DeliveryType.IMAGE: {"image_os": "Ubuntu 22.04", "image_architecture": "arm64"},
    DeliveryType.HARDWARE: {
        "hardware_spec": "2U server",
        "hardware_weight_kg": Decimal("12.5"),
        "hardware_size": "60 × 40 × 9",
        "avg_delivery_days": 7,
    },
    DeliveryType.LICENSE_AUTO: {
        "license_type": "site",
        "license_term": "fixed",
        "license_term_months": 12,
        "deploy_contents": "Installer and keys",
    },
    DeliveryType.API_APIG: {"api_quota_unit": "calls"},
    DeliveryType.MANUAL_SERVICE: {"flow_template": "standard", "avg_delivery_days": 3},
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def rich_product(delivery_type: str, **kw) -> Product:
    """A product with everything the detail shows: specs of every kind, prices,
    attributes, regions, screenshots, stock, service forms and its type's delivery."""
    north, south = RegionFactory(code="cn-north-1"), RegionFactory(code="cn-south-1")
    product = listed_product(
        delivery_type=delivery_type,
        specs=SPECS,
        regions=[south, north],
        tags=" crm, 销售 ,,sales ",
        category=CategoryFactory(slug="crm", name_en="CRM", name_zh="客户管理"),
        service_forms=[ServiceForm.EMAIL, ServiceForm.PHONE],
        service_scope=[ServiceScope.CONSULTING],
        service_notes="Weekdays",
        **TYPES[delivery_type],
        **kw,
    )
    version = product.listed_version
    seller = product.seller
    specs = list(version.specs.order_by("position"))
    edition = AttributeName.objects.create(seller=seller, kind="enum", name="Edition")
    users = AttributeName.objects.create(seller=seller, kind="quantity", name="Users")
    SpecAttribute.objects.create(spec=specs[0], attribute=edition, options="basic,pro")
    SpecAttribute.objects.create(
        spec=specs[0], attribute=users, min_value=1, max_value=500, step=5, unit="user"
    )
    specs[2].package_kind = "per_call"
    specs[2].package_quota = 10000
    specs[2].save()
    Price.objects.filter(spec=specs[0], period="year").update(max_periods=3)
    Price.objects.filter(spec=specs[3]).update(unit="GB")
    SpecSales.objects.create(product=product, spec_code=specs[2].code, stock=0)
    SpecSales.objects.create(product=product, spec_code=specs[0].code, stock=5)
    for position in (1, 0):
        ProductScreenshot.objects.create(
            version=version, image=f"catalog/shot-{position}.png", position=position
        )
    if delivery_type == DeliveryType.IMAGE:
        ImageRegion.objects.create(version=version, region=north, image_id="img-123")
        ImageRegion.objects.create(version=version, region=south, image_id="img-456")
    if delivery_type == DeliveryType.HARDWARE:
        version.shipping_regions.set([north, south])
    if delivery_type == DeliveryType.API_APIG:
        ApiEndpoint.objects.create(
            version=version, method="POST", path="/v1/sms", description="Send"
        )
        ApiEndpoint.objects.create(
            version=version, method="GET", path="/v1/sms/{id}", description=""
        )
    return product


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("delivery_type", list(TYPES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_detail_is_the_serializers_output_byte_for_byte(client, delivery_type, language):
    product = rich_product(delivery_type)
    with translation.override(language):
        expected = rendered(
            api.ProductDetailSerializer(selectors.product_get_listed(product_id=product.pk)).data
        )
    first = client.get(f"{LIST}{product.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert first.content == expected
    again = client.get(f"{LIST}{product.pk}/", HTTP_ACCEPT_LANGUAGE=language)  # cached
    assert again.content == expected
    body = first.json()
    assert [s["sold_out"] for s in body["specs"]] == [False, False, True, False]
    assert body["specs"][0]["attributes"] and body["delivery"]


def test_the_detail_of_a_product_without_category_or_price(client):
    product = listed_product(specs=[])
    Product.objects.filter(pk=product.pk).update(category=None, min_price=None, listed_at=None)
    expected = rendered(
        api.ProductDetailSerializer(selectors.product_get_listed(product_id=product.pk)).data
    )
    assert client.get(f"{LIST}{product.pk}/").content == expected


def expected_page(products, *, count, next_link=None, previous=None) -> bytes:
    return rendered(
        {
            "count": count,
            "next": next_link,
            "previous": previous,
            "results": api.ProductListSerializer(products, many=True).data,
        }
    )


def newest_first() -> list[Product]:
    return list(selectors.product_listed_queryset().order_by("-listed_at", "-id"))


def test_the_list_is_the_serializers_output_byte_for_byte(client):
    for delivery_type in TYPES:
        rich_product(delivery_type)
    no_category = listed_product(specs=[])
    Product.objects.filter(pk=no_category.pk).update(category=None, min_price=None)
    products = newest_first()
    expected = expected_page(products, count=len(products))
    assert client.get(LIST).content == expected
    assert client.get(LIST).content == expected  # cached
    with translation.override("zh-hans"):
        assert client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content == expected


def test_a_cached_page_gets_this_requests_links(client):
    for _ in range(5):
        listed_product()
    products = newest_first()
    base = "http://testserver/api/catalog/products/"
    page2 = client.get(LIST, {"page": 2, "page_size": 2}).content
    assert page2 == expected_page(
        products[2:4],
        count=5,
        next_link=f"{base}?page=3&page_size=2",
        previous=f"{base}?page_size=2",
    )
    # the same page again, from the cache, with another parameter kept in the links
    cached = client.get(LIST, {"page": 2, "page_size": 2, "utm": "x"}).content
    assert cached == expected_page(
        products[2:4],
        count=5,
        next_link=f"{base}?page=3&page_size=2&utm=x",
        previous=f"{base}?page_size=2&utm=x",
    )
    assert client.get(LIST, {"page": 9, "page_size": 2}).status_code == 404
    assert client.get(LIST, {"page": "last", "page_size": 2}).json()["results"][0]["id"] == (
        products[4].pk
    )


def test_a_repeated_list_costs_one_query(client, django_assert_num_queries):
    listed_product()
    client.get(LIST, {"q": "office"})
    with django_assert_num_queries(1):  # the catalog generation
        assert client.get(LIST, {"q": "office"}).json()["count"] == 1


def test_a_repeated_detail_costs_one_query(client, django_assert_num_queries):
    product = listed_product()
    client.get(f"{LIST}{product.pk}/")
    with django_assert_num_queries(1):  # the product's stamp
        assert client.get(f"{LIST}{product.pk}/").json()["id"] == product.pk


def test_invalid_filters_are_still_refused(client):
    listed_product()
    assert client.get(LIST, {"seller": "abc"}).status_code == 400
    assert client.get(LIST, {"seller": "abc"}).status_code == 400  # nothing cached


# --- Freshness: the next request after a change commits shows it -----------------------


def new_price(product: Product, amount: str) -> None:
    """A new version with another price, approved (tests/factories/catalog_publishing)."""
    from tests.factories.catalog_publishing import operator

    draft = services.product_edit_listed(product=product, actor=None)
    Price.objects.filter(spec__version=draft, period="month").update(amount=Decimal(amount))
    services.product_submit(product=product, actor=None)
    services.product_approve(version=draft, actor=operator())


def prices(body: dict) -> set[str]:
    return {p["amount"] for s in body["specs"] for p in s["prices"]}


def test_a_new_price_shows_on_the_next_request(client):
    from tests.factories.catalog_publishing import listed_product as published

    product = published()
    detail = f"{LIST}{product.pk}/"
    before = client.get(detail).json()
    client.get(LIST)
    assert "77.00" not in prices(before)
    new_price(product, "77.00")
    assert "77.00" in prices(client.get(detail).json())
    product.refresh_from_db()
    [item] = client.get(LIST).json()["results"]
    assert item["min_price"] == f"{product.min_price:.2f}"
    assert item == api.ProductListSerializer(product).data


def test_a_delisted_product_is_gone_on_the_next_request(client):
    product = listed_product()
    detail = f"{LIST}{product.pk}/"
    assert client.get(detail).status_code == 200
    assert client.get(LIST).json()["count"] == 1
    services.product_delist(product=product, actor=None)
    assert client.get(detail).status_code == 404
    assert client.get(LIST).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_sold_out_and_store_name_show_on_the_next_detail(client):
    product = listed_product()
    code = product.listed_version.specs.first().code
    SpecSales.objects.create(product=product, spec_code=code, stock=1)
    detail = f"{LIST}{product.pk}/"
    assert client.get(detail).json()["specs"][0]["sold_out"] is False
    stock_take(product=product, spec_code=code, quantity=1)
    assert client.get(detail).json()["specs"][0]["sold_out"] is True
    product.seller.store_name = "New Store"
    product.seller.save(update_fields=["store_name"])
    assert client.get(detail).json()["seller"]["store_name"] == "New Store"


def test_new_regions_show_on_the_next_request(client):
    product = listed_product()
    detail = f"{LIST}{product.pk}/"
    assert client.get(detail).json()["regions"] == []
    assert client.get(LIST, {"region": "cn-east-1"}).json()["count"] == 0
    product.regions.set([RegionFactory(code="cn-east-1")])
    assert [r["code"] for r in client.get(detail).json()["regions"]] == ["cn-east-1"]
    assert client.get(LIST, {"region": "cn-east-1"}).json()["count"] == 1


def test_a_token_client_gets_the_same_answers(client):
    from marketplace.accounts.services import api_token_create
    from tests.factories.accounts import UserFactory

    product = rich_product(DeliveryType.IMAGE)
    anonymous = client.get(f"{LIST}{product.pk}/").content
    _, secret = api_token_create(user=UserFactory(), name="bench")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"{LIST}{product.pk}/", **auth).content == anonymous
    assert client.get(LIST, **auth).content == client.get(LIST).content


# --- Throttles -------------------------------------------------------------------------


@pytest.fixture
def small_rates(monkeypatch):
    rates = {"anon": "3/min", "user": "5/min"}
    for cls in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(cls, "THROTTLE_RATES", rates)
    return rates


def test_anonymous_clients_are_throttled_by_address_across_the_api(client, small_rates):
    product = listed_product()
    statuses = [
        client.get(f"{LIST}{product.pk}/", REMOTE_ADDR="10.1.1.1").status_code,
        client.get(LIST, REMOTE_ADDR="10.1.1.1").status_code,
        client.get(f"{LIST}{product.pk}/", REMOTE_ADDR="10.1.1.1").status_code,
    ]
    assert statuses == [200, 200, 200]
    refused = client.get(LIST, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    # the count is DRF's own (same keys): another API view refuses the address too
    assert client.get(reverse("api-schema"), REMOTE_ADDR="10.1.1.1").status_code == 429
    assert client.get(LIST, REMOTE_ADDR="10.1.1.2").status_code == 200


def test_a_history_written_by_drf_is_read_and_extended(rf, small_rates):
    """DRF's throttles on other views write lists; the batched check reads them, and
    DRF reads what it writes (an array of the same numbers)."""
    request = rf.get(LIST, REMOTE_ADDR="10.2.2.2")
    request.user = AnonymousUser()
    for _ in range(2):
        assert AnonRateThrottle().allow_request(request, None)  # DRF: a list
    batched = BatchedRateThrottles()
    assert batched.allow_request(request, None)  # the third of 3/min
    assert not batched.allow_request(request, None)
    assert 0 < batched.wait() <= 60
    drf = AnonRateThrottle()
    assert not drf.allow_request(request, None)  # DRF reads the batched history
    assert len(drf.history) == 3
    assert UserRateThrottle().allow_request(request, None)  # 2 of 5 by then


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min"},
    }
)
def test_the_configured_throttle_classes_are_the_ones_checked(rf, small_rates):
    request = rf.get(LIST, REMOTE_ADDR="10.3.3.3")
    request.user = AnonymousUser()
    batched = BatchedRateThrottles()
    assert [type(t) for t in batched.throttles] == [AnonRateThrottle]


def test_the_browsable_api_still_renders_cached_answers(client):
    for _ in range(3):
        listed_product()
    product = newest_first()[0]
    for path in (LIST, f"{LIST}{product.pk}/"):
        client.get(path, {"page_size": 2})  # cached
        page = client.get(path, {"page_size": 2}, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert product.name in page.content.decode()


def test_a_cached_answer_is_read_with_the_throttle_histories(client, monkeypatch):
    product = listed_product()
    paths = (LIST, f"{LIST}{product.pk}/")
    first = [client.get(path).content for path in paths]
    reads = []
    get_many = cache.get_many

    def recording_get_many(keys, *args, **kwargs):
        reads.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", recording_get_many)
    assert [client.get(path).content for path in paths] == first
    # one read a request: both histories (anonymous, by address) and the answer
    assert [[key.split(":")[0] for key in keys] for keys in reads] == [
        ["throttle_anon_127.0.0.1", "throttle_user_127.0.0.1", "catalog-api-list"],
        ["throttle_anon_127.0.0.1", "throttle_user_127.0.0.1", "catalog-api-product"],
    ]

"""Bounds on what sellers send for products (core/limits.py): the seller-center forms, the
seller API, the services and the catalog's query parameters all refuse an out-of-range
value with a message; nothing reaches the database unchecked (never a 500)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.catalog import services
from marketplace.catalog.models import SpecSales
from marketplace.core import limits
from tests.factories.catalog import listed_product as catalog_listed_product
from tests.factories.catalog_publishing import (
    AttributeNameFactory,
    PublishingSellerFactory,
    draft_product,
    listed_product,
    ready_specs,
)

pytestmark = pytest.mark.django_db

HUGE = [10**20, 3_000_000_000]


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


@pytest.fixture
def api(seller):
    client = APIClient()
    client.force_authenticate(seller.user)
    return client


def api_body(seller, **overrides):
    from tests.catalog.test_seller_api import create_body

    return create_body(seller, **overrides)


# --- inventory and purchase limits ------------------------------------------------------


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["stock", "max_quantity_per_buyer", "max_orders_per_buyer"])
def test_seller_center_refuses_huge_inventory_and_limits(seller, seller_client, field, value):
    product = listed_product(seller)
    response = seller_client.post(
        reverse("seller:spec_sales", args=[product.pk, "basic"]), {f"basic-{field}": str(value)}
    )
    assert response.status_code == 200
    assert "less than or equal to" in response.content.decode()
    assert not SpecSales.objects.exists()


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["stock", "max_quantity_per_buyer", "max_orders_per_buyer"])
def test_spec_sales_service_refuses_huge_values(seller, field, value):
    product = listed_product(seller)
    kwargs = {"stock": None, "max_quantity_per_buyer": None, "max_orders_per_buyer": None}
    kwargs[field] = value
    with pytest.raises(ValidationError) as exc:
        services.spec_sales_set(product=product, spec_code="basic", **kwargs)
    assert field in exc.value.message_dict
    assert not SpecSales.objects.exists()


def test_the_bounds_themselves_are_accepted(seller):
    product = listed_product(seller)
    row = services.spec_sales_set(
        product=product,
        spec_code="basic",
        stock=limits.MAX_STOCK,
        max_quantity_per_buyer=limits.MAX_PURCHASE_LIMIT,
        max_orders_per_buyer=limits.MAX_PURCHASE_LIMIT,
    )
    row.refresh_from_db()
    assert row.stock == limits.MAX_STOCK


# --- product content ---------------------------------------------------------------------


@pytest.mark.parametrize("value", HUGE)
def test_api_refuses_huge_delivery_days(seller, api, value):
    body = api_body(seller, delivery_type="manual_service", avg_delivery_days=value)
    response = api.post("/api/seller/products/", body, format="json")
    assert response.status_code == 400
    assert "avg_delivery_days" in response.json()


@pytest.mark.parametrize("value", HUGE)
def test_service_refuses_huge_delivery_days(seller, value):
    product = draft_product(seller, delivery_type="manual_service")
    with pytest.raises(ValidationError) as exc:
        services.product_version_update(product=product, fields={"avg_delivery_days": value})
    assert "avg_delivery_days" in exc.value.message_dict


def test_seller_center_refuses_huge_delivery_days(seller, seller_client):
    product = draft_product(seller, delivery_type="manual_service")
    version = product.versions.get()
    response = seller_client.post(
        reverse("seller:product_edit", args=[product.pk]),
        {
            "name": version.name,
            "category": version.category_id,
            "summary": version.summary,
            "description": version.description,
            "service_group": version.service_group_id,
            "agreement_text": version.agreement_text,
            "flow_template": "standard",
            "avg_delivery_days": str(10**20),
        },
    )
    assert response.status_code == 200
    assert "avg_delivery_days" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("description", limits.MAX_DESCRIPTION_LENGTH),
        ("usage_guide", limits.MAX_USAGE_GUIDE_LENGTH),
        ("after_sales_scope", limits.MAX_AFTER_SALES_SCOPE_LENGTH),
        ("agreement_text", limits.MAX_AGREEMENT_LENGTH),
    ],
)
def test_long_texts_are_refused_by_api_and_service(seller, api, field, limit):
    response = api.post("/api/seller/products/", api_body(seller, **{field: "x" * (limit + 1)}))
    assert response.status_code == 400
    assert field in response.json()
    product = draft_product(seller)
    with pytest.raises(ValidationError) as exc:
        services.product_version_update(product=product, fields={field: "y" * (limit + 1)})
    assert field in exc.value.message_dict
    services.product_version_update(product=product, fields={field: "y" * limit})


@pytest.mark.parametrize(
    ("delivery_type", "field", "limit"),
    [
        ("saas", "service_notes", limits.MAX_SERVICE_NOTES_LENGTH),
        ("hardware", "hardware_spec", limits.MAX_DELIVERY_TEXT_LENGTH),
        ("license_auto", "deploy_contents", limits.MAX_DELIVERY_TEXT_LENGTH),
    ],
)
def test_delivery_and_service_texts_are_bounded_in_the_service(seller, delivery_type, field, limit):
    product = draft_product(seller, delivery_type=delivery_type)
    with pytest.raises(ValidationError) as exc:
        services.product_version_update(product=product, fields={field: "y" * (limit + 1)})
    assert field in exc.value.message_dict


@pytest.mark.parametrize("name", ["Cloud\nOffice", "Cloud\r\nOffice", "Cloud\tOffice"])
def test_product_names_are_one_line(seller, api, name):
    response = api.post("/api/seller/products/", api_body(seller, name=name), format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    product = draft_product(seller)
    with pytest.raises(ValidationError, match="single line"):
        services.product_version_update(product=product, fields={"name": name})


# --- specs, prices and attributes --------------------------------------------------------


def spec(code: str, **extra) -> dict:
    return {
        "code": code,
        "name": code.title(),
        "billing_mode": "period",
        "prices": [{"period": "month", "amount": "10.00", "max_periods": 12}],
        **extra,
    }


def test_specs_per_product_are_capped(seller, api):
    too_many = [spec(f"s{i}") for i in range(limits.MAX_SPECS_PER_PRODUCT + 1)]
    response = api.post("/api/seller/products/", api_body(seller, specs=too_many), format="json")
    assert response.status_code == 400
    product = draft_product(seller)
    with pytest.raises(ValidationError, match="at most 50 specs"):
        services.product_version_update(
            product=product,
            specs=[
                {**spec(f"s{i}"), "prices": [{"period": "month", "amount": Decimal("10")}]}
                for i in range(limits.MAX_SPECS_PER_PRODUCT + 1)
            ],
        )


def test_attributes_per_spec_are_capped(seller, api):
    names = [AttributeNameFactory(seller=seller, name=f"A{i}") for i in range(21)]
    attributes = [
        {"attribute": n.name, "kind": "quantity", "min_value": 1, "max_value": 10, "step": 1}
        for n in names
    ]
    body = api_body(seller, specs=[spec("basic", attributes=attributes)])
    response = api.post("/api/seller/products/", body, format="json")
    assert response.status_code == 400
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["attributes"] = [
        {"attribute": n, "min_value": 1, "max_value": 10, "step": 1} for n in names
    ]
    with pytest.raises(ValidationError, match="at most 20 attributes"):
        services.product_version_update(product=product, specs=specs)


@pytest.mark.parametrize(
    "values",
    [
        {"min_value": 1, "max_value": 10, "step": 10},  # wider than max − min = 9
        {"min_value": 0, "max_value": 100, "step": 101},
    ],
)
def test_attribute_step_must_fit_its_range(seller, values):
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["attributes"] = [{"attribute": AttributeNameFactory(seller=seller), **values}]
    with pytest.raises(ValidationError, match="larger than its range"):
        services.product_version_update(product=product, specs=specs)


def test_attribute_step_that_fits_is_accepted(seller):
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["attributes"] = [
        {
            "attribute": AttributeNameFactory(seller=seller),
            "min_value": 1,
            "max_value": 10,
            "step": 9,
        }
    ]
    services.product_version_update(product=product, specs=specs)


@pytest.mark.parametrize("value", HUGE)
def test_api_refuses_huge_spec_numbers(seller, api, value):
    AttributeNameFactory(seller=seller, name="Users")
    for bad in (
        spec("basic", billing_mode="package", package_kind="per_call", package_quota=value),
        {**spec("basic"), "prices": [{"period": "month", "amount": "1", "max_periods": value}]},
        spec(
            "basic",
            attributes=[
                {
                    "attribute": "Users",
                    "kind": "quantity",
                    "min_value": 1,
                    "max_value": value,
                    "step": 1,
                }
            ],
        ),
    ):
        response = api.post("/api/seller/products/", api_body(seller, specs=[bad]), format="json")
        assert response.status_code == 400, bad


@pytest.mark.parametrize("value", HUGE)
def test_seller_center_refuses_huge_spec_numbers(seller, seller_client, value):
    product = draft_product(seller)
    users = AttributeNameFactory(seller=seller)
    response = seller_client.post(
        reverse("seller:spec_edit", args=[product.pk, "basic"]),
        {
            "code": "basic",
            "name": "Basic",
            "billing_mode": "period",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "0",
            "prices-0-period": "month",
            "prices-0-amount": "5",
            "prices-0-max_periods": str(value),
            "attributes-TOTAL_FORMS": "1",
            "attributes-INITIAL_FORMS": "0",
            "attributes-0-attribute": users.pk,
            "attributes-0-min_value": "1",
            "attributes-0-max_value": str(value),
            "attributes-0-step": "1",
        },
    )
    assert response.status_code == 200
    assert response.content.decode().count("less than or equal to") == 2


def test_a_service_given_text_for_a_number_says_so(seller):
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["prices"][0]["max_periods"] = "lots"
    with pytest.raises(ValidationError, match="whole numbers"):
        services.product_version_update(product=product, specs=specs)


# --- query parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1e30", "99999999999999999999999", str(2**63), "-1", "1.5", "abc", "0"]
)
def test_an_invalid_seller_id_is_a_400_in_the_api_and_an_empty_page(client, value):
    product = catalog_listed_product()

    response = client.get("/api/catalog/products/", {"seller": value})
    assert response.status_code == 400
    assert "seller" in response.json()

    page = client.get(reverse("catalog:search"), {"seller": value})
    assert page.status_code == 200
    assert product.name not in page.content.decode()


def test_a_valid_seller_id_still_filters(client):
    product = catalog_listed_product()
    other = catalog_listed_product(name="Other Suite")
    response = client.get("/api/catalog/products/", {"seller": product.seller_id})
    assert [p["id"] for p in response.json()["results"]] == [product.pk]
    assert other.pk != product.pk


@pytest.mark.postgres
@pytest.mark.parametrize("value", HUGE)
def test_on_postgresql_huge_values_are_messages_not_database_errors(
    client, seller, seller_client, api, value
):
    """PostgreSQL's integer column stops at 2,147,483,647: 3,000,000,000 would be a
    DataError (a 500) if it ever reached it."""
    product = listed_product(seller)
    response = seller_client.post(
        reverse("seller:spec_sales", args=[product.pk, "basic"]), {"basic-stock": str(value)}
    )
    assert response.status_code == 200
    with pytest.raises(ValidationError):
        services.spec_sales_set(
            product=product,
            spec_code="basic",
            stock=value,
            max_quantity_per_buyer=None,
            max_orders_per_buyer=None,
        )
    body = api_body(seller, delivery_type="manual_service", avg_delivery_days=value)
    assert api.post("/api/seller/products/", body, format="json").status_code == 400
    assert client.get("/api/catalog/products/", {"seller": str(value * 10**10)}).status_code == 400

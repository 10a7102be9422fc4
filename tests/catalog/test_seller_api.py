"""Seller-side product API at /api/seller/ (an ISV publishes from a script)."""

import base64

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.catalog.models import Product, ProductVersion
from sellers.models import Seller
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog_publishing import (
    GOOD_AGREEMENT,
    AttributeNameFactory,
    CategoryFactory,
    PublishingSellerFactory,
    ServiceGroupFactory,
    draft_product,
    listed_product,
)

pytestmark = pytest.mark.django_db

BASE = "/api/seller/products/"


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def api(seller):
    client = APIClient()
    client.force_authenticate(seller.user)
    return client


def create_body(seller, **overrides):
    body = {
        "delivery_type": "saas",
        "name": "Script Suite",
        "category": CategoryFactory().slug,
        "summary": "Published from a script",
        "description": "Everything online.",
        "service_group": ServiceGroupFactory(seller=seller).pk,
        "agreement_text": GOOD_AGREEMENT,
        "specs": [
            {
                "code": "basic",
                "name": "Basic",
                "billing_mode": "period",
                "prices": [{"period": "month", "amount": "49.90", "max_periods": 12}],
            }
        ],
    }
    body.update(overrides)
    return body


def test_create_then_submit(seller, api):
    response = api.post(BASE, create_body(seller), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert data["current_version"]["specs"][0]["prices"][0]["amount"] == "49.90"
    response = api.post(f"{BASE}{data['id']}/submit/")
    assert response.status_code == 200
    assert response.json()["status"] == "pending_review"
    assert response.json()["current_version"]["status"] == "pending_review"
    assert api.post(f"{BASE}{data['id']}/submit/").status_code == 409


def test_create_with_attributes_by_name(seller, api):
    AttributeNameFactory(seller=seller, name="Users", kind="quantity")
    body = create_body(seller)
    body["specs"][0]["attributes"] = [
        {"attribute": "Users", "kind": "quantity", "min_value": 1, "max_value": 100, "step": 1}
    ]
    response = api.post(BASE, body, format="json")
    assert response.status_code == 201, response.json()
    attrs = response.json()["current_version"]["specs"][0]["attributes"]
    assert attrs[0]["attribute"] == "Users" and attrs[0]["max_value"] == 100

    body["specs"][0]["attributes"][0]["attribute"] = "Seats"
    response = api.post(BASE, body, format="json")
    assert response.status_code == 400
    assert "Unknown attribute" in str(response.json())


@pytest.mark.parametrize(("amount", "message"), [("-1", "negative"), ("20000000", "above")])
def test_bad_prices_are_refused(seller, api, amount, message):
    body = create_body(seller)
    body["specs"][0]["prices"][0]["amount"] = amount
    response = api.post(BASE, body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["specs"])
    assert not Product.objects.exists()


def test_min_above_max_is_refused(seller, api):
    AttributeNameFactory(seller=seller, name="Users", kind="quantity")
    body = create_body(seller)
    body["specs"][0]["attributes"] = [
        {"attribute": "Users", "kind": "quantity", "min_value": 9, "max_value": 1}
    ]
    response = api.post(BASE, body, format="json")
    assert response.status_code == 400
    assert "minimum" in str(response.json())


def test_update_draft_and_submit_reports_bad_agreement(seller, api):
    product = draft_product(seller)
    response = api.patch(
        f"{BASE}{product.pk}/draft/",
        {"agreement_text": "Buyer (signature)\nDate: ____"},
        format="json",
    )
    assert response.status_code == 200
    response = api.post(f"{BASE}{product.pk}/submit/")
    assert response.status_code == 400
    assert "line 1" in str(response.json()["agreement_text"])


def test_update_replaces_specs(seller, api):
    product = draft_product(seller)
    response = api.patch(
        f"{BASE}{product.pk}/draft/",
        {
            "specs": [
                {
                    "code": "pack",
                    "name": "Pack",
                    "billing_mode": "one_off",
                    "prices": [{"period": "once", "amount": "10"}],
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [s["code"] for s in response.json()["current_version"]["specs"]] == ["pack"]


def test_list_shows_own_products_only(seller, api):
    own = draft_product(seller)
    draft_product()
    response = api.get(BASE)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [own.pk]


def test_another_sellers_product_is_404_everywhere(api):
    other = listed_product()
    assert api.get(f"{BASE}{other.pk}/").status_code == 404
    assert api.patch(f"{BASE}{other.pk}/draft/", {"name": "x"}, format="json").status_code == 404
    assert api.post(f"{BASE}{other.pk}/submit/").status_code == 404
    assert other.versions.get().status == ProductVersion.Status.APPROVED


def test_non_active_seller_gets_403():
    seller = PublishingSellerFactory(status=Seller.Status.APPROVED)
    client = APIClient()
    client.force_authenticate(seller.user)
    assert client.get(BASE).status_code == 403
    assert client.post(BASE, {}, format="json").status_code == 403
    client.force_authenticate(UserFactory())
    assert client.get(BASE).status_code == 403


def test_anonymous_is_refused():
    response = APIClient().get(BASE)
    assert response.status_code in (401, 403)


def test_basic_auth_works_for_scripts(seller):
    token = base64.b64encode(f"{seller.user.username}:{PASSWORD}".encode()).decode()
    response = APIClient().get(BASE, HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200


def test_session_post_without_csrf_is_refused(seller):
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller.user)
    response = client.post(BASE, create_body(seller), content_type="application/json")
    assert response.status_code == 403
    assert not Product.objects.exists()


def test_schema_stays_valid(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "/api/seller/products/" in response.content.decode()

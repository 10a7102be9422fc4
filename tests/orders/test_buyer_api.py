"""Buyer API /api/buyer/orders/: Idempotency-Key, place (and pay at once), own orders only."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from buyers.models import LedgerEntry, Wallet
from marketplace.catalog.models import SpecSales
from orders.models import Order
from supervision.models import Case
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/buyer/orders/"


@pytest.fixture
def buyer():
    user = UserFactory()
    WalletFactory(buyer=user, balance=Decimal("1000.00"))
    return user


@pytest.fixture
def api(buyer):
    client = APIClient()
    client.force_authenticate(buyer)
    return client


@pytest.fixture
def product():
    return listed_product()


def body(product, **kw):
    return {
        "product": product.pk,
        "spec_code": "spec-0",
        "period": "month",
        "agreement_accepted": True,
        **kw,
    }


def post(api, data, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(ORDERS, data, format="json", **headers)


def test_urls_are_named():
    assert reverse("buyer_api_orders") == ORDERS
    assert reverse("buyer_api_order_pay", args=["20260101ABCDEF123456"]).endswith("/pay/")


def test_idempotency_key_is_required(api, product):
    response = post(api, body(product), key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Order.objects.exists()


def test_place_then_same_key_answers_the_same_order(api, product, buyer):
    first = post(api, body(product))
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["status"] == "pending_payment"
    assert data["amount"] == "99.00" and data["list_amount"] == "99.00"
    again = post(api, body(product, quantity=5))
    assert again.status_code == 200
    assert again.json()["number"] == data["number"]
    assert Order.objects.filter(buyer=buyer).count() == 1


def test_place_and_pay_at_once(api, product, buyer):
    response = post(api, body(product, pay={"method": "balance"}))
    assert response.status_code == 201, response.json()
    data = response.json()
    # Paid; a SaaS period order is supervised: processing while its case is open.
    assert data["status"] == "processing" and data["payment_status"] == "paid"
    assert Case.objects.filter(order__number=data["number"]).exists()
    assert data["paid_balance"] == "99.00"
    assert data["subscription"] is not None
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("901.00")
    # the same key again: the same paid order, no second charge
    again = post(api, body(product, pay={"method": "balance"}))
    assert again.status_code == 200 and again.json()["number"] == data["number"]
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("901.00")


def test_a_failed_payment_places_nothing(product):
    poor = UserFactory()
    WalletFactory(buyer=poor, balance=Decimal("5.00"))
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=3)
    client = APIClient()
    client.force_authenticate(poor)
    response = post(client, body(product, pay={"method": "balance"}))
    assert response.status_code == 400
    assert "balance is not enough" in response.json()["detail"]
    assert not Order.objects.exists()
    assert SpecSales.objects.get().stock == 3
    assert LedgerEntry.objects.filter(kind="payment").count() == 0


def test_sold_out_is_409_with_000106(api, product):
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=0)
    response = post(api, body(product))
    assert response.status_code == 409
    assert response.json()["result_code"] == "000106"
    assert not Order.objects.exists()


def test_already_subscribed_is_409_with_000105(api, product, buyer):
    SubscriptionFactory(buyer=buyer, product=product)
    response = post(api, body(product))
    assert response.status_code == 409
    assert response.json()["result_code"] == "000105"
    assert "already subscribed" in response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field", "match"),
    [
        ({"agreement_accepted": False}, "agreement_accepted", "agreement"),
        ({"quantity": 0}, "quantity", "at least one"),
        ({"quantity": -3}, "quantity", "at least one"),
        ({"period": "once"}, "period", "not sold"),
        ({"periods": 2}, "periods", "at most 1 periods"),
        ({"attributes": {"Colour": "red"}}, "attributes", "no attribute"),
    ],
)
def test_bad_input_is_400_with_the_field(api, product, changes, field, match):
    response = post(api, body(product, **changes))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert match in response.json()["detail"]
    assert not Order.objects.exists()


def test_unknown_spec_or_product_is_400(api, product):
    response = post(api, body(product, spec_code="nope"))
    assert response.status_code == 400
    assert response.json()["field"] == "spec_code"
    response = post(api, {**body(product), "product": 10**9}, key="key-2")
    assert response.status_code == 400


def test_malformed_body_is_400(api, product):
    response = post(api, {"product": "x", "agreement_accepted": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) >= {"product", "spec_code", "agreement_accepted"}


def test_list_and_detail_show_own_orders_only(api, buyer, product):
    mine = OrderFactory(buyer=buyer, product=product)
    theirs = OrderFactory(product=product)
    listed = api.get(ORDERS).json()
    assert [row["number"] for row in listed["results"]] == [mine.number]
    assert api.get(f"{ORDERS}{mine.number}/").status_code == 200
    assert api.get(f"{ORDERS}{theirs.number}/").status_code == 404


def test_pay_endpoint(api, buyer, product):
    order = post(api, body(product)).json()
    url = f"{ORDERS}{order['number']}/pay/"
    response = api.post(url, {"method": "balance"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["payment_status"] == "paid"
    assert response.json()["status"] == "processing"  # supervised: its case is open
    assert Case.objects.filter(order__number=order["number"]).exists()
    twice = api.post(url, {}, format="json")
    assert twice.status_code == 400
    assert "already paid" in twice.json()["detail"]
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("901.00")


def test_paying_someone_elses_order_is_404(api, product):
    theirs = OrderFactory(product=product)
    response = api.post(f"{ORDERS}{theirs.number}/pay/", {}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.PENDING_PAYMENT


def test_credit_not_allowed_is_400(api, buyer, product):
    order = post(api, body(product)).json()
    response = api.post(f"{ORDERS}{order['number']}/pay/", {"method": "credit"}, format="json")
    assert response.status_code == 400
    assert "credit line" in response.json()["detail"]


def test_anonymous_is_refused(product):
    response = APIClient().post(ORDERS, body(product), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code in (401, 403)
    assert APIClient().get(ORDERS).status_code in (401, 403)


def test_basic_authentication(product):
    user = UserFactory()
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    client = APIClient()
    response = client.post(
        ORDERS,
        body(product),
        format="json",
        HTTP_AUTHORIZATION=f"Basic {token}",
        HTTP_IDEMPOTENCY_KEY="basic-1",
    )
    assert response.status_code == 201, response.content


def test_schema_documents_the_idempotency_header(client):
    response = client.get(reverse("api-schema"))
    assert b"Idempotency-Key" in response.content

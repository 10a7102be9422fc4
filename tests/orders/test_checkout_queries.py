"""Queries of one checkout (place + pay in one request), so the count can't creep back
(issue 8's checkout benchmark: 49 statements per order before, see bench/checkout.py).

The statements of a paid licence order, in order: the spec (+ prices, + attributes with
their names); BEGIN; the buyer's row locked (with whose test account it is); the
idempotency key; the product read fresh; its regions; the spec's sales row (limits);
the private offer; the order inserted (in a savepoint); the stock taken; the agreement;
the wallet; "not paid yet"; the balance taken (returning what is left); the ledger entry
(in a savepoint); the subscription; its two history rows; the order's one UPDATE; its
three history rows; COMMIT.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from buyers.models import LedgerEntry, Wallet
from marketplace.catalog.models import DeliveryType
from marketplace.core.audit import history_for
from orders.models import Order, Subscription
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db

ORDERS = "/api/buyer/orders/"
# The API request: the checkout statements above (the authentication is the test
# client's force_authenticate: no query). SQLite and PostgreSQL send the same ones.
CHECKOUT_QUERIES = 27


@pytest.fixture
def buyer():
    user = UserFactory()
    WalletFactory(buyer=user, balance=Decimal("1000.00"))
    return user


def test_place_and_pay_in_one_request_stays_within_its_queries(buyer, django_assert_num_queries):
    product = listed_product(delivery_type=DeliveryType.LICENSE_CODE)
    api = APIClient()
    api.force_authenticate(buyer)
    body = {
        "product": product.pk,
        "spec_code": "spec-0",
        "period": "month",
        "agreement_accepted": True,
        "pay": {"method": "balance"},
    }
    # Warm the per-process caches (content types) as a running server has them.
    assert api.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="warm").status_code == 201

    with django_assert_num_queries(CHECKOUT_QUERIES):
        response = api.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="counted")

    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    # Everything the query cuts could have lost is there.
    assert (order.status, order.payment_status) == (Order.Status.PAID, Order.PaymentStatus.PAID)
    assert order.paid_balance == order.amount == Decimal("99.00")
    assert response.json()["subscription"] == order.subscription_id is not None
    assert [(r.action, r.from_state, r.to_state) for r in history_for(order)] == [
        ("place", "", "pending_payment"),
        ("pay", "unpaid", "paid"),
        ("pay", "pending_payment", "paid"),
    ]
    subscription = order.subscription
    assert subscription.status == Subscription.Status.ACTIVE
    assert [(r.action, r.from_state, r.to_state) for r in history_for(subscription)] == [
        ("create", "", "pending"),
        ("activate", "pending", "active"),
    ]
    entry = LedgerEntry.objects.get(key=f"pay:{order.number}:balance")
    assert entry.amount == Decimal("-99.00")
    assert entry.balance_after == Wallet.objects.get(buyer=buyer).balance == Decimal("802.00")

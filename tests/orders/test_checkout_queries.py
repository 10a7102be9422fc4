"""Queries of one checkout (place + pay in one request), so the count can't creep back
(issue 8's checkout benchmark: 49 statements per order before, see bench/checkout.py).

The statements of a paid order no one supervises (an image), in order: the spec (with
its version, product, seller, prices and attributes: `orders.selectors.spec_for_checkout`);
BEGIN; the buyer's row locked (with whose test account it is and the wallet's id); one read
(`orders.services.checkout_read`): the product as it is now with its regions, the spec's
sales row (limits), the private offer and the order the idempotency key made; then,
on SQLite: the order inserted (a repeated key writes nothing: ON CONFLICT DO NOTHING, no
savepoint) and the agreement; the stock taken; the balance taken and its ledger entry;
the subscription; the order's one UPDATE; the history rows of the order and the
subscription in one INSERT; COMMIT. On PostgreSQL the buyer's lock also reserves the
order's id, and the order is written once, paid: the stock taken; the balance taken and
its ledger entry (one statement, `core.rawsave.insert_with`); the subscription; the
order, its agreement and every history row (one statement, `core.rawsave.insert_all`);
COMMIT. The rows are written by
`marketplace.core.rawsave` (statements built once, prepared on PostgreSQL).

A supervised order (licence code, SaaS by period, …: `supervision.flows.is_supervised`)
opens its case in the same transaction (the paid hook, `orders/hooks.py`), adding four
statements and no read (three on PostgreSQL): the case inserted, its first log row, the
case's chain head (the row's hash covers the case id, known after the insert; on
PostgreSQL the head and the row are one statement), the notification of whoever acts
first. The order's move to processing rides in the payment's UPDATE and its history
row in the same INSERT as the payment's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from buyers.models import LedgerEntry, Wallet
from marketplace.catalog.models import DeliveryType
from marketplace.core.audit import history_for
from marketplace.core.models import Notification
from orders.models import Order, Subscription
from supervision.flows import FlowCode, Node
from supervision.models import Case, CaseLog, SupervisionStatus
from supervision.services.log import verify_chain
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db

ORDERS = "/api/buyer/orders/"
# The API request: the checkout statements above (the authentication is the test
# client's force_authenticate: no query). PostgreSQL takes the balance with its ledger
# entry and writes the paid order with its agreement and history rows in one statement
# each (a data-modifying WITH).
# An order no one supervises (an image):
CHECKOUT_QUERIES = 10 if connection.vendor == "postgresql" else 14
# A supervised one (a licence code): its case, log row, chain head (with the log row
# in one statement on PostgreSQL), notification.
SUPERVISED_CHECKOUT_QUERIES = CHECKOUT_QUERIES + (3 if connection.vendor == "postgresql" else 4)


@pytest.fixture
def buyer():
    user = UserFactory()
    WalletFactory(buyer=user, balance=Decimal("1000.00"))
    return user


def _checkout(buyer, product, queries, assert_num_queries) -> Order:
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

    with assert_num_queries(queries):
        response = api.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="counted")

    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert response.json()["status"] == order.status
    # Everything the query cuts could have lost is there.
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.paid_balance == order.amount == Decimal("99.00")
    assert response.json()["subscription"] == order.subscription_id is not None
    subscription = order.subscription
    assert subscription.status == Subscription.Status.ACTIVE
    assert [(r.action, r.from_state, r.to_state) for r in history_for(subscription)] == [
        ("create", "", "pending"),
        ("activate", "pending", "active"),
    ]
    entry = LedgerEntry.objects.get(key=f"pay:{order.number}:balance")
    assert entry.amount == Decimal("-99.00")
    assert entry.balance_after == Wallet.objects.get(buyer=buyer).balance == Decimal("802.00")
    return order


def test_place_and_pay_in_one_request_stays_within_its_queries(buyer, django_assert_num_queries):
    product = listed_product(delivery_type=DeliveryType.IMAGE)
    order = _checkout(buyer, product, CHECKOUT_QUERIES, django_assert_num_queries)
    assert order.status == Order.Status.PAID
    assert [(r.action, r.from_state, r.to_state) for r in history_for(order)] == [
        ("place", "", "pending_payment"),
        ("pay", "unpaid", "paid"),
        ("pay", "pending_payment", "paid"),
    ]
    assert not Case.objects.filter(order=order).exists()


def test_a_supervised_checkout_opens_its_case_within_four_more_queries(
    buyer, django_assert_num_queries
):
    product = listed_product(delivery_type=DeliveryType.LICENSE_CODE, avg_delivery_days=3)
    order = _checkout(buyer, product, SUPERVISED_CHECKOUT_QUERIES, django_assert_num_queries)
    # Processing while its case is open, moved by the orders' machine, in its history.
    assert order.status == Order.Status.PROCESSING
    assert [(r.action, r.from_state, r.to_state) for r in history_for(order)] == [
        ("place", "", "pending_payment"),
        ("pay", "unpaid", "paid"),
        ("pay", "pending_payment", "paid"),
        ("start_processing", "paid", "processing"),
    ]
    case = Case.objects.get(order=order)
    assert (case.flow, case.node, case.status) == (
        FlowCode.LICENSE_CODE,
        Node.CODE_DELIVERY,
        SupervisionStatus.IN_PROGRESS,
    )
    assert (case.seller_id, case.buyer_id, case.product_id) == (
        order.seller_id,
        buyer.pk,
        product.pk,
    )
    assert case.delivery_days == 3 and case.due_at is not None
    assert case.buyer_phone == buyer.mobile
    [first] = CaseLog.objects.filter(case=case)
    assert (first.seq, first.action, first.prev_hash) == (1, "open", "")
    assert (case.log_count, case.log_head) == (1, first.hash)
    assert verify_chain(case.pk) is None
    # The seller delivers the code first: told (the e-mail is sent after commit).
    [mail] = Notification.objects.filter(context__case_id=case.pk)
    assert (mail.user_id, mail.template) == (product.seller.user_id, "supervision_turn")
    assert mail.context["order_number"] == order.number

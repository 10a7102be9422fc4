"""Test orders (issue 9): a seller's test account buys the seller's products without
money, also before they are listed; provisioning runs for real."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from buyers.models import LedgerEntry, Wallet
from marketplace.catalog.models import Product, ProductVersion, SpecSales
from marketplace.core.audit import history_for
from orders.models import Order, ProvisioningCall, Subscription
from orders.services.checkout import order_cancel, order_place, order_quote
from supervision.models import Case
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.catalog_publishing import draft_product, pending_product
from tests.factories.isv import TestAccountFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/buyer/orders/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def buy(user, product, *, spec_code="basic", key="k-1", pay=True, **extra):
    body = {
        "product": product.pk,
        "spec_code": spec_code,
        "period": "month",
        "agreement_accepted": True,
        **extra,
    }
    if pay:
        body["pay"] = {"method": "balance"}
    return api_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def ledger():
    return list(LedgerEntry.objects.order_by("pk").values_list("key", "amount"))


@pytest.fixture
def tester():
    """A test account with money on it (none may move)."""
    account = TestAccountFactory()
    WalletFactory(buyer=account.user, balance=Decimal("500.00"))
    return account


def test_test_account_buys_its_sellers_unlisted_saas_product_for_nothing(tester):
    product = pending_product(tester.seller)
    assert product.status == Product.Status.PENDING_REVIEW
    before = ledger()

    response = buy(tester.user, product)

    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert order.is_test
    # Paid; a SaaS period order is supervised like any (the seller tests its flow too):
    # processing while its case is open.
    assert (order.status, order.payment_status) == (
        Order.Status.PROCESSING,
        Order.PaymentStatus.PAID,
    )
    assert Case.objects.filter(order=order).exists()
    # The list price stays for display; nothing is charged.
    assert order.list_amount == order.unit_price == Decimal("99.00")
    assert order.amount == Decimal("0.00")
    assert (order.paid_balance, order.paid_credit, order.paid_coupon) == (0, 0, 0)
    assert order.version_number == product.versions.get().number
    assert [r.action for r in history_for(order)] == ["place", "pay", "pay", "start_processing"]
    # The same paid path as any order: a subscription, and the call to the seller's server.
    subscription = order.subscription
    assert subscription.status == Subscription.Status.PENDING
    call = ProvisioningCall.objects.get(subscription=subscription)
    assert call.activity == ProvisioningCall.Activity.NEW_INSTANCE
    assert call.payload["orderId"] == order.number
    # No money moved.
    assert ledger() == before
    assert Wallet.objects.get(buyer=tester.user).balance == Decimal("500.00")


def test_test_order_takes_no_stock_and_no_vouchers_and_cancelling_gives_none_back(tester):
    product = listed_product(seller=tester.seller)
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=3)
    spec = product.listed_version.specs.get(code="spec-0")

    order = order_place(
        buyer=tester.user,
        spec=spec,
        period="month",
        agreement_accepted=True,
        voucher_grant_ids=[12345],  # ignored: a test order uses no vouchers
    )

    assert order.is_test and order.amount == 0 and order.list_amount == Decimal("99.00")
    assert not order.voucher_grants.exists()
    assert SpecSales.objects.get(product=product).stock == 3
    order_cancel(order_id=order.pk, buyer=tester.user)
    assert SpecSales.objects.get(product=product).stock == 3


def test_quote_of_a_test_account_shows_the_price_and_charges_nothing(tester):
    product = listed_product(seller=tester.seller)
    spec = product.listed_version.specs.get(code="spec-0")

    quote = order_quote(buyer=tester.user, spec=spec, period="year")

    assert quote.ok and quote.is_test
    assert (quote.list_amount, quote.amount) == (Decimal("999.00"), Decimal("0.00"))


def test_test_account_cant_buy_another_sellers_product(tester):
    other = listed_product()
    before = ledger()

    response = buy(tester.user, other, spec_code="spec-0")

    assert response.status_code == 400
    assert "test account" in response.json()["detail"]
    assert not Order.objects.filter(buyer=tester.user).exists()
    assert ledger() == before
    assert Wallet.objects.get(buyer=tester.user).balance == Decimal("500.00")


def test_another_sellers_unlisted_product_is_not_on_sale_to_a_test_account(tester):
    response = buy(tester.user, pending_product())

    assert response.status_code == 400
    assert response.json()["field"] == "spec_code"
    assert not Order.objects.exists()


def test_drafts_are_not_bought_even_by_a_test_account(tester):
    product = draft_product(tester.seller)
    assert product.versions.get().status == ProductVersion.Status.DRAFT

    response = buy(tester.user, product)

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_real_buyer_cant_buy_an_unlisted_product():
    product = pending_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))

    response = buy(buyer, product)

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_real_buyer_of_a_listed_product_pays_as_before():
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))

    response = buy(buyer, product, spec_code="spec-0")

    assert response.status_code == 201
    order = Order.objects.get(number=response.json()["number"])
    assert not order.is_test and order.amount == order.paid_balance == Decimal("99.00")
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("401.00")


def test_test_orders_carry_the_test_badge_on_the_order_pages(client, tester):
    product = pending_product(tester.seller)
    test_order = Order.objects.get(number=buy(tester.user, product).json()["number"])
    real_buyer = UserFactory()
    WalletFactory(buyer=real_buyer, balance=Decimal("500.00"))
    listed = listed_product(seller=tester.seller)
    real = Order.objects.get(number=buy(real_buyer, listed, spec_code="spec-0").json()["number"])

    client.force_login(tester.user)
    assert 'data-testid="test-order-badge"' in client.get(reverse("orders:list")).text
    detail = client.get(reverse("orders:detail", args=[test_order.number])).text
    assert 'data-testid="test-order-badge"' in detail
    client.force_login(real_buyer)
    assert 'data-testid="test-order-badge"' not in client.get(reverse("orders:list")).text
    assert "test-order-badge" not in client.get(reverse("orders:detail", args=[real.number])).text
    client.force_login(tester.seller.user)
    seller_list = client.get(reverse("seller:order_list")).text
    assert seller_list.count('data-testid="test-order-badge"') == 1

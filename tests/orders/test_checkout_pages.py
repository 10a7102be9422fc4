"""Checkout pages: product page "Buy" → confirm page → pay page → order detail; cancel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from buyers.models import Wallet
from marketplace.catalog.models import Product, SpecSales
from orders.models import Order
from supervision.models import Case
from tests.factories.accounts import UserFactory
from tests.factories.buyers import (
    CashCouponFactory,
    VoucherFactory,
    VoucherGrantFactory,
    WalletFactory,
)
from tests.factories.catalog import AGREEMENT, listed_product
from tests.factories.orders import OrderFactory, PaidOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    user = UserFactory()
    WalletFactory(buyer=user, balance=Decimal("500.00"))
    return user


@pytest.fixture
def product():
    return listed_product()


def checkout_url(product, code="spec-0"):
    return reverse("orders:checkout", args=[product.pk, code])


def test_product_page_has_a_buy_button_per_spec_on_sale(client, buyer, product):
    client.force_login(buyer)
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert checkout_url(product, "spec-0") in html
    assert checkout_url(product, "spec-1") in html
    Product.objects.filter(pk=product.pk).update(allowlist_enabled=True)
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert checkout_url(product) not in html


def test_anonymous_is_sent_to_log_in(client, product):
    url = checkout_url(product)
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert "next=" in response["Location"]


def test_confirm_page_shows_price_and_agreement(client, buyer, product):
    client.force_login(buyer)
    response = client.get(checkout_url(product))
    assert response.status_code == 200
    html = response.content.decode()
    assert "¥99.00" in html
    assert AGREEMENT.splitlines()[0] in html
    assert 'name="agreement_accepted"' in html


def test_unknown_or_unlisted_spec_is_404(client, buyer, product):
    client.force_login(buyer)
    assert client.get(checkout_url(product, "nope")).status_code == 404
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DELISTED)
    assert client.get(checkout_url(product)).status_code == 404


def test_htmx_requote_returns_the_breakdown(client, buyer, product):
    client.force_login(buyer)
    response = client.get(
        checkout_url(product), {"period": "year", "quantity": "2"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "¥1,998.00" in html


def test_voucher_picker_lists_usable_grants_and_lowers_the_price(client, buyer, product):
    grant = VoucherGrantFactory(buyer=buyer, voucher=VoucherFactory(seller=product.seller))
    VoucherGrantFactory(buyer=buyer)  # another seller's: not offered here
    client.force_login(buyer)
    html = client.get(checkout_url(product)).content.decode()
    assert html.count('name="vouchers"') == 1
    response = client.get(
        checkout_url(product),
        {"period": "month", "quantity": "1", "vouchers": [str(grant.pk)]},
        HTTP_HX_REQUEST="true",
    )
    assert "¥89.00" in response.content.decode()


def test_place_needs_the_agreement(client, buyer, product):
    client.force_login(buyer)
    response = client.post(
        checkout_url(product), {"period": "month", "quantity": "1", "idempotency_key": "a"}
    )
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert not Order.objects.exists()


def test_place_redirects_to_pay_and_a_double_submit_places_once(client, buyer, product):
    client.force_login(buyer)
    data = {"period": "month", "quantity": "1", "agreement_accepted": "on", "idempotency_key": "k"}
    first = client.post(checkout_url(product), data)
    order = Order.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("orders:pay", args=[order.number])
    second = client.post(checkout_url(product), data)
    assert second["Location"] == first["Location"]
    assert Order.objects.count() == 1


def test_sold_out_is_said_on_the_page(client, buyer, product):
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=0)
    client.force_login(buyer)
    html = client.get(checkout_url(product)).content.decode()
    assert "Sold out." in html
    data = {"period": "month", "quantity": "1", "agreement_accepted": "on", "idempotency_key": "k"}
    response = client.post(checkout_url(product), data)
    assert response.status_code == 200
    assert not Order.objects.exists()


def test_pay_page_pays_and_redirects_to_the_order(client, buyer, product):
    order = OrderFactory(buyer=buyer, product=product)
    client.force_login(buyer)
    url = reverse("orders:pay", args=[order.number])
    html = client.get(url).content.decode()
    assert "Pay by" in html and "¥99.00" in html
    response = client.post(url, {"method": "balance"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    order.refresh_from_db()
    # Paid; the SaaS order is supervised: processing while its case is open.
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.status == Order.Status.PROCESSING
    assert Case.objects.filter(order=order).exists()
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("401.00")


def test_pay_page_offers_credit_and_coupons_where_allowed(client, buyer, product):
    Product.objects.filter(pk=product.pk).update(credit_line_allowed=True, cash_coupon_allowed=True)
    Wallet.objects.filter(buyer=buyer).update(credit_limit=Decimal("1000.00"))
    coupon = CashCouponFactory(buyer=buyer, amount=Decimal("20.00"))
    order = OrderFactory(buyer=buyer, product=product)
    client.force_login(buyer)
    url = reverse("orders:pay", args=[order.number])
    html = client.get(url).content.decode()
    assert 'value="credit"' in html and f'value="{coupon.pk}"' in html
    client.post(url, {"method": "credit", "coupons": [str(coupon.pk)]})
    order.refresh_from_db()
    assert (order.paid_coupon, order.paid_credit) == (Decimal("20.00"), Decimal("79.00"))
    assert order.payment_status == Order.PaymentStatus.PAID_ON_CREDIT


def test_pay_page_shows_a_refusal(client, product):
    poor = UserFactory()
    order = OrderFactory(buyer=poor, product=product)
    client.force_login(poor)
    response = client.post(reverse("orders:pay", args=[order.number]), {"method": "balance"})
    assert response.status_code == 200
    assert "balance is not enough" in response.content.decode()


def test_pay_page_of_a_paid_order_goes_to_the_order(client, buyer):
    order = PaidOrderFactory(buyer=buyer)
    client.force_login(buyer)
    response = client.get(reverse("orders:pay", args=[order.number]))
    assert response["Location"] == reverse("orders:detail", args=[order.number])


def test_someone_elses_order_is_404_and_unchanged(client, buyer, product):
    order = OrderFactory(product=product)
    client.force_login(buyer)
    assert client.get(reverse("orders:pay", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:pay", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_cancel_button(client, buyer, product):
    order = OrderFactory(buyer=buyer, product=product)
    client.force_login(buyer)
    url = reverse("orders:cancel", args=[order.number])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_trial_confirm_and_free_pay(client, buyer, product):
    client.force_login(buyer)
    url = checkout_url(product, "spec-1")
    assert 'name="quantity"' not in client.get(url).content.decode()
    response = client.post(url, {"period": "free", "agreement_accepted": "on"})
    order = Order.objects.get()
    assert order.kind == Order.Kind.TRIAL
    pay_url = response["Location"]
    assert "Nothing to pay" in client.get(pay_url).content.decode()
    client.post(pay_url, {"method": "balance"})
    order.refresh_from_db()
    # Paid for nothing; a SaaS trial is supervised: processing while its case is open.
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.status == Order.Status.PROCESSING
    assert Case.objects.filter(order=order).exists()

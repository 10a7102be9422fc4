"""Unsubscription pages: the buyer's request/withdraw/ship-back, the seller's decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.catalog.models import DeliveryType
from orders.models import Order, Unsubscription
from orders.services.unsubscribe import unsubscription_approve, unsubscription_request
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    order = PaidOrderFactory()
    WalletFactory(buyer=order.buyer)
    return order


def request_for(order, amount="30"):
    return unsubscription_request(
        order_id=order.pk, buyer=order.buyer, proposed_amount=Decimal(amount)
    )


def test_buyer_sees_the_rule_and_sends_a_request(client, order):
    client.force_login(order.buyer)
    url = reverse("orders:unsubscribe", args=[order.number])
    response = client.get(url)
    assert response.status_code == 200
    assert b"guarantee period" in response.content
    response = client.post(url, {"reason": "Too slow", "proposed_amount": "120"})
    assert response.status_code == 200
    assert b"between 0 and the 99.00 paid" in response.content
    assert not Unsubscription.objects.exists()
    response = client.post(url, {"reason": "Too slow", "proposed_amount": "50"})
    assert response.status_code == 302
    request = Unsubscription.objects.get()
    assert (request.proposed_amount, request.reason) == (Decimal("50.00"), "Too slow")
    response = client.get(url)
    assert b'data-testid="withdraw"' in response.content

    response = client.post(reverse("orders:unsubscription_withdraw", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.WITHDRAWN
    client.post(reverse("orders:unsubscription_withdraw", args=[request.pk]))  # twice
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.WITHDRAWN


def test_trial_page_says_why_it_is_refused(client):
    product = listed_product()
    order = PaidOrderFactory(
        product=product,
        spec=product.listed_version.specs.get(code="spec-1"),
        kind=Order.Kind.TRIAL,
    )
    client.force_login(order.buyer)
    response = client.get(reverse("orders:unsubscribe", args=[order.number]))
    assert b'data-testid="unsubscribe-refused"' in response.content
    response = client.post(reverse("orders:unsubscribe", args=[order.number]), {"reason": "x"})
    assert not Unsubscription.objects.exists()


def test_buyer_ships_hardware_back_from_the_page(client):
    product = listed_product(
        delivery_type=DeliveryType.HARDWARE, specs=[("Box", "one_off", [("once", "800")])]
    )
    order = PaidOrderFactory(product=product)
    WalletFactory(buyer=order.buyer)
    request = unsubscription_request(order_id=order.pk, buyer=order.buyer, goods_received=True)
    unsubscription_approve(unsubscription_id=request.pk, seller=order.seller)
    client.force_login(order.buyer)
    response = client.get(reverse("orders:unsubscribe", args=[order.number]))
    assert reverse("orders:unsubscription_ship_back", args=[request.pk]).encode() in (
        response.content
    )
    response = client.post(
        reverse("orders:unsubscription_ship_back", args=[request.pk]),
        {"carrier": "SF", "tracking_number": "SF1"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.RETURN_SHIPPED


@pytest.mark.parametrize(
    ("name", "by"),
    [
        ("orders:unsubscribe", "number"),
        ("orders:unsubscription_withdraw", "pk"),
        ("orders:unsubscription_ship_back", "pk"),
    ],
)
def test_another_buyers_order_or_request_is_404_and_unchanged(client, order, name, by):
    request = request_for(order)
    client.force_login(UserFactory())
    arg = order.number if by == "number" else request.pk
    assert client.get(reverse(name, args=[arg])).status_code in (404, 405)
    response = client.post(
        reverse(name, args=[arg]),
        {"proposed_amount": "1", "carrier": "SF", "tracking_number": "1"},
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.PENDING
    assert Unsubscription.objects.count() == 1


def test_seller_lists_and_approves(client, order, django_assert_max_num_queries):
    for _ in range(2):
        other = PaidOrderFactory(product=order.product)
        request_for(other)
    request = request_for(order)
    client.force_login(order.seller.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("seller:unsubscriptions"))
    assert response.status_code == 200
    assert response.content.count(b"/seller/unsubscriptions/") >= 3
    assert b"Unsubscription requests" in response.content
    response = client.get(reverse("seller:unsubscription_detail", args=[request.pk]))
    assert response.status_code == 200
    assert b'data-testid="approve"' in response.content
    response = client.post(reverse("seller:unsubscription_approve", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.APPROVED
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("30.00")


def test_seller_refuses_with_a_reason(client, order):
    request = request_for(order)
    client.force_login(order.seller.user)
    url = reverse("seller:unsubscription_refuse", args=[request.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.PENDING
    response = client.post(url, {"reason": "Service fully delivered"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.REFUSED
    assert request.refuse_reason == "Service fully delivered"


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("seller:unsubscription_detail", "get"),
        ("seller:unsubscription_approve", "post"),
        ("seller:unsubscription_refuse", "post"),
    ],
)
def test_another_sellers_request_is_404_and_unchanged(client, order, name, method):
    request = request_for(order)
    stranger = PaidOrderFactory().seller
    client.force_login(stranger.user)
    response = getattr(client, method)(reverse(name, args=[request.pk]), {"reason": "no"})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == Unsubscription.Status.PENDING


def test_buyers_cant_open_the_seller_pages(client, order):
    request = request_for(order)
    client.force_login(order.buyer)
    assert client.get(reverse("seller:unsubscriptions")).status_code == 403
    response = client.post(reverse("seller:unsubscription_approve", args=[request.pk]))
    assert response.status_code == 403

"""Buyer center › My orders: the list (filters, pagination, constant queries), the order
page (price breakdown, payment, history, refunds, links), and ownership (another buyer's
order is a 404)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.core.audit import log_transition
from orders.models import Order, Refund
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory, PaidOrderFactory
from tests.orders.lists_helpers import sign

pytestmark = pytest.mark.django_db

LIST = reverse("orders:list")


def _numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].object_list]


def _list_queries(client, query=None) -> int:
    client.get(LIST, query or {})  # warm per-process caches (content types, nav)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, query or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_list_shows_only_the_buyers_orders(client):
    buyer = UserFactory()
    mine = OrderFactory(buyer=buyer)
    other = OrderFactory()
    client.force_login(buyer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert _numbers(response) == [mine.number]
    assert other.number not in response.content.decode()
    # The page is in the buyer center's layout, with its menu.
    assert response.context["center"] == "buyer"
    assert reverse("orders:list") in [entry.url for entry in response.context["center_nav"]]


def test_queries_do_not_grow_with_orders(client):
    buyer = UserFactory()
    products = [listed_product(name=f"Product {i}") for i in range(3)]
    OrderFactory(buyer=buyer, product=products[0])
    client.force_login(buyer)
    one = _list_queries(client)
    for i in range(29):
        OrderFactory(buyer=buyer, product=products[i % 3])
    assert _list_queries(client) == one
    filtered = {"status": "pending_payment", "kind": "new", "date_from": "2000-01-01"}
    assert _list_queries(client, filtered) == one


def test_filters_status_kind_and_dates(client):
    buyer = UserFactory()
    product = listed_product()
    pending = OrderFactory(buyer=buyer, product=product)
    paid = PaidOrderFactory(buyer=buyer, product=product)
    renewal = PaidOrderFactory(buyer=buyer, product=product, kind=Order.Kind.RENEWAL)
    old = OrderFactory(buyer=buyer, product=product)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client.force_login(buyer)

    assert _numbers(client.get(LIST, {"status": "pending_payment"})) == [pending.number, old.number]
    assert set(_numbers(client.get(LIST, {"status": "paid"}))) == {paid.number, renewal.number}
    assert _numbers(client.get(LIST, {"kind": "renewal"})) == [renewal.number]
    cutoff = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert old.number not in _numbers(client.get(LIST, {"date_from": cutoff}))
    assert _numbers(client.get(LIST, {"date_to": cutoff})) == [old.number]


def test_invalid_filter_values_are_ignored(client):
    buyer = UserFactory()
    order = OrderFactory(buyer=buyer)
    client.force_login(buyer)
    response = client.get(LIST, {"status": "nonsense", "date_from": "not-a-date", "page": "x"})
    assert response.status_code == 200
    assert _numbers(response) == [order.number]


def test_nothing_matches_says_so(client):
    buyer = UserFactory()
    OrderFactory(buyer=buyer)
    client.force_login(buyer)
    body = client.get(LIST, {"status": "refunded"}).content.decode()
    assert "No order matches these filters." in body


def test_pagination_keeps_the_filters(client):
    buyer = UserFactory()
    product = listed_product()
    OrderFactory.create_batch(21, buyer=buyer, product=product)
    client.force_login(buyer)
    response = client.get(LIST, {"status": "pending_payment"})
    assert len(response.context["page"].object_list) == 20
    assert "?status=pending_payment&amp;page=2" in response.content.decode()
    second = client.get(LIST, {"status": "pending_payment", "page": 2})
    assert len(second.context["page"].object_list) == 1


# --- order page ---------------------------------------------------------------------------


def test_order_page_shows_breakdown_payment_history_refunds_and_agreement(client):
    buyer = UserFactory()
    order = PaidOrderFactory(
        buyer=buyer,
        periods=2,
        offer_discount=Decimal("20.00"),
        voucher_discount=Decimal("10.00"),
    )
    Order.objects.filter(pk=order.pk).update(
        paid_balance=Decimal("100.00"), paid_coupon=Decimal("38.00")
    )
    log_transition(order, action="place", to_state="pending_payment", actor=buyer)
    log_transition(order, action="pay", from_state="pending_payment", to_state="paid")
    Refund.objects.create(
        order=order, key="k1", amount=Decimal("5.00"), to_balance=Decimal("5.00"), reason="Sorry"
    )
    sign(order)
    client.force_login(buyer)
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert order.list_amount == Decimal("198.00")
    for text in ("¥198.00", "−¥20.00", "−¥10.00", "¥168.00", "¥100.00", "¥38.00", "¥5.00"):
        assert text in body, text
    assert "Order placed" in body and "Pending payment → Paid" in body
    assert "Sorry" in body
    assert reverse("orders:agreement_detail", args=[order.number]) in body


def test_order_page_without_agreement_history_or_subscription(client):
    order = OrderFactory()
    client.force_login(order.buyer)
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert response.status_code == 200
    assert "No changes recorded yet." in response.content.decode()


def test_order_page_queries_are_bounded(client, django_assert_max_num_queries):
    order = PaidOrderFactory()
    sign(order)
    client.force_login(order.buyer)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("orders:detail", args=[order.number])).status_code == 200


def test_another_buyers_order_is_404(client):
    order = PaidOrderFactory()
    sign(order)
    client.force_login(UserFactory())
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    assert client.get(reverse("orders:detail", args=["20990101ABCDEF012345"])).status_code == 404


def test_the_sellers_own_account_cant_open_it_in_the_buyer_center(client):
    order = PaidOrderFactory()
    client.force_login(order.seller.user)
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404


def test_order_page_links_to_pay_cancel_service_and_unsubscribe(client):
    pending = OrderFactory()
    client.force_login(pending.buyer)
    body = client.get(reverse("orders:detail", args=[pending.number])).content.decode()
    assert reverse("orders:pay", args=[pending.number]) in body
    assert reverse("orders:cancel", args=[pending.number]) in body
    assert reverse("orders:unsubscribe", args=[pending.number]) not in body

    paid = PaidOrderFactory(buyer=pending.buyer)
    body = client.get(reverse("orders:detail", args=[paid.number])).content.decode()
    assert reverse("orders:service_detail", args=[paid.subscription_id]) in body
    assert reverse("orders:unsubscribe", args=[paid.number]) in body
    assert reverse("orders:pay", args=[paid.number]) not in body

"""Seller center › Orders: only the seller's own orders (scoped in the query), every
filter, constant queries, the order page, and who may open it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory, PaidOrderFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    ExitPendingSellerFactory,
    SellerFactory,
)
from tests.orders.lists_helpers import sign

pytestmark = pytest.mark.django_db

LIST = reverse("seller:order_list")


def _numbers(response) -> list[str]:
    assert response.status_code == 200
    return [order.number for order in response.context["page"].object_list]


def _queries(client, query=None) -> int:
    client.get(LIST, query or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, query or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def seller():
    return ActiveSellerFactory()


def test_only_the_sellers_orders_are_listed(client, seller):
    mine = OrderFactory(product=listed_product(seller=seller))
    other = OrderFactory()
    client.force_login(seller.user)
    response = client.get(LIST)
    assert _numbers(response) == [mine.number]
    assert other.number not in response.content.decode()
    assert response.context["center"] == "seller"


def test_queries_do_not_grow_with_orders(client, seller):
    products = [listed_product(seller=seller, name=f"P{i}") for i in range(3)]
    OrderFactory(product=products[0])
    client.force_login(seller.user)
    one = _queries(client)
    for i in range(29):
        OrderFactory(product=products[i % 3])  # each for another buyer
    assert _queries(client) == one
    query = {"payment_status": "unpaid", "product": products[1].pk, "buyer": "user"}
    assert _queries(client, query) == one


def test_every_filter(client, seller):
    cloud = listed_product(seller=seller, name="Cloud")
    mail = listed_product(seller=seller, name="Mail")
    alice = UserFactory(username="alice-buyer")
    pending = OrderFactory(product=cloud, buyer=alice)
    paid = PaidOrderFactory(product=mail)
    renewal = PaidOrderFactory(product=cloud, kind=Order.Kind.RENEWAL)
    old = OrderFactory(product=mail)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client.force_login(seller.user)

    def numbers(**query):
        return set(_numbers(client.get(LIST, query)))

    assert numbers(status="paid") == {paid.number, renewal.number}
    assert numbers(payment_status="unpaid") == {pending.number, old.number}
    assert numbers(kind="renewal") == {renewal.number}
    assert numbers(product=cloud.pk) == {pending.number, renewal.number}
    assert numbers(buyer="ALICE") == {pending.number}
    assert numbers(number=paid.number[-6:].lower()) == {paid.number}
    cutoff = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert numbers(date_to=cutoff) == {old.number}
    assert old.number not in numbers(date_from=cutoff)
    # The product filter offers the seller's own products only.
    choices = client.get(LIST).context["filter"].form.fields["product"].choices
    assert {label for value, label in choices if value} == {"Cloud", "Mail"}


def test_another_sellers_product_id_filters_nothing_in(client, seller):
    mine = OrderFactory(product=listed_product(seller=seller))
    foreign = OrderFactory()
    client.force_login(seller.user)
    # Not one of the seller's products: an invalid choice, ignored (the seller's own list).
    assert _numbers(client.get(LIST, {"product": foreign.product_id})) == [mine.number]


def test_order_page_and_ownership(client, seller):
    order = PaidOrderFactory(product=listed_product(seller=seller))
    sign(order)
    foreign = PaidOrderFactory()
    sign(foreign)
    client.force_login(seller.user)
    response = client.get(reverse("seller:order_detail", args=[order.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert order.buyer.username in body
    assert reverse("seller:agreement_detail", args=[order.number]) in body
    assert client.get(reverse("seller:order_detail", args=[foreign.number])).status_code == 404


def test_the_buyer_of_an_order_is_no_seller(client):
    order = PaidOrderFactory()
    client.force_login(order.buyer)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("seller:order_detail", args=[order.number])).status_code == 403


def test_a_pending_seller_is_refused_an_exiting_one_sees_its_orders(client):
    client.force_login(SellerFactory().user)
    assert client.get(LIST).status_code == 403
    exiting = ExitPendingSellerFactory()
    order = OrderFactory(product=listed_product(seller=ActiveSellerFactory()))
    Order.objects.filter(pk=order.pk).update(seller=exiting)
    client.force_login(exiting.user)
    assert _numbers(client.get(LIST)) == [order.number]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]

"""My agreements in both centers: the list (product, version, signed at, order), the exact
text as its seller wrote it, constant queries, and another account's agreement → 404."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.orders.lists_helpers import sign

pytestmark = pytest.mark.django_db

TEXT = "Service agreement <b>v3</b>\n1. The seller answers within a day.\n2. Refunds per 03."


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_buyer_list_and_detail_show_the_exact_text(client):
    order = PaidOrderFactory()
    sign(order, text=TEXT)
    sign(PaidOrderFactory(), text="someone else's")
    client.force_login(order.buyer)
    response = client.get(reverse("orders:agreement_list"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert [a.order.number for a in rows] == [order.number]
    body = response.content.decode()
    assert f"v{order.version_number}" in body and order.number in body

    detail = client.get(reverse("orders:agreement_detail", args=[order.number]))
    assert detail.status_code == 200
    body = detail.content.decode()
    # Escaped, line breaks kept by the page's white-space, marked as people's words.
    assert "Service agreement &lt;b&gt;v3&lt;/b&gt;\n1. The seller answers" in body
    text_div = re.search(r'<div[^>]*data-testid="agreement-text"', body).group(0)
    assert "data-user-content" in text_div


def test_seller_list_and_detail(client):
    seller = ActiveSellerFactory()
    order = PaidOrderFactory(product=listed_product(seller=seller))
    sign(order, text=TEXT)
    sign(PaidOrderFactory(), text="another seller's")
    client.force_login(seller.user)
    response = client.get(reverse("seller:agreement_list"))
    assert [a.order.number for a in response.context["page"].object_list] == [order.number]
    assert order.buyer.username in response.content.decode()
    detail = client.get(reverse("seller:agreement_detail", args=[order.number]))
    assert detail.status_code == 200
    assert "The seller answers within a day." in detail.content.decode()


def test_queries_do_not_grow_with_agreements(client):
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller)
    buyer = UserFactory()
    sign(PaidOrderFactory(product=product, buyer=buyer))
    client.force_login(buyer)
    buyer_one = _queries(client, reverse("orders:agreement_list"))
    client.force_login(seller.user)
    seller_one = _queries(client, reverse("seller:agreement_list"))
    for _ in range(12):
        sign(PaidOrderFactory(product=product, buyer=buyer))
        sign(PaidOrderFactory(product=product))  # other buyers, for the seller's list
    client.force_login(buyer)
    assert _queries(client, reverse("orders:agreement_list")) == buyer_one
    client.force_login(seller.user)
    assert _queries(client, reverse("seller:agreement_list")) == seller_one


def test_another_accounts_agreement_is_404(client):
    order = PaidOrderFactory()
    sign(order)
    client.force_login(UserFactory())
    assert client.get(reverse("orders:agreement_detail", args=[order.number])).status_code == 404
    other_seller = ActiveSellerFactory()
    client.force_login(other_seller.user)
    url = reverse("seller:agreement_detail", args=[order.number])
    assert client.get(url).status_code == 404
    # The seller of the order can't open it in the buyer center either.
    client.force_login(order.seller.user)
    assert client.get(reverse("orders:agreement_detail", args=[order.number])).status_code == 404


def test_an_order_without_agreement_has_no_agreement_page(client):
    order = PaidOrderFactory()
    client.force_login(order.buyer)
    assert client.get(reverse("orders:agreement_detail", args=[order.number])).status_code == 404
    assert (
        "not accepted any agreement"
        in client.get(reverse("orders:agreement_list")).content.decode()
    )

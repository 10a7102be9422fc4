"""The ways into "ask for an invoice" from the orders app's buyer pages: checkboxes on my
orders' paid orders, a link on an order's and a purchased service's page, and the
request's status in their place once asked (one query for the page's orders)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.invoices import invoice_request, paid_order
from tests.factories.orders import OrderFactory, PaidOrderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("orders:list")


def test_my_orders_offers_checkboxes_on_paid_orders_only(client):
    order = paid_order()
    unpaid = OrderFactory(buyer=order.buyer)
    client.force_login(order.buyer)
    page = client.get(LIST).content.decode()
    assert f'data-testid="invoice-order-{order.number}"' in page
    assert f'data-testid="invoice-order-{unpaid.number}"' not in page
    assert f'action="{reverse("invoices:new")}"' in page
    assert 'form="invoice-orders"' in page


def test_an_invoiced_order_links_to_its_request_instead(client):
    request = invoice_request()
    order = request.lines.get().order
    client.force_login(order.buyer)
    detail = reverse("invoices:detail", args=[request.pk])
    listed = client.get(LIST).content.decode()
    assert f'data-testid="invoice-order-{order.number}"' not in listed
    assert detail in listed and "Invoice requested" in listed
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert detail in page and 'data-testid="ask-invoice"' not in page
    service = client.get(reverse("orders:service_detail", args=[order.subscription_id]))
    assert detail in service.content.decode()


def test_an_order_and_its_service_link_to_the_request_form(client):
    order = paid_order()
    client.force_login(order.buyer)
    link = f"{reverse('invoices:new')}?orders={order.pk}"
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert link in page
    service = client.get(reverse("orders:service_detail", args=[order.subscription_id]))
    assert link in service.content.decode()
    # The link opens the request form with the order chosen.
    assert client.get(link).context["chosen"] == [order.pk]


def test_marking_the_list_costs_one_query_whatever_the_number_of_orders(client):
    first = invoice_request()
    buyer = first.buyer
    client.force_login(buyer)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(3):
        invoice_request(order=PaidOrderFactory(buyer=buyer))
        PaidOrderFactory(buyer=buyer)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many.captured_queries) == len(few.captured_queries)

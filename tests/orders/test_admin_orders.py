"""The orders admin as each operator group sees it: support and finance see orders and
what hangs off them, the reviewer doesn't; nothing is changed by hand; the history of an
order is on its page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.core.audit import log_transition
from orders.models import (
    Order,
    ProvisioningCall,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
)
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db

VIEWED = (Order, Subscription, Unsubscription, Refund, ProvisioningCall, SignedAgreement)


def _url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.mark.parametrize("make_user", [SupportFactory, FinanceFactory], ids=["support", "finance"])
def test_support_and_finance_see_orders_and_related_lists(client, make_user):
    order = PaidOrderFactory()
    client.force_login(make_user())
    for model in VIEWED:
        assert client.get(_url(model, "changelist")).status_code == 200, model
    response = client.get(_url(Order, "change", order.pk))
    assert response.status_code == 200
    assert order.number in response.content.decode()


def test_the_reviewer_sees_no_orders(client):
    order = PaidOrderFactory()
    client.force_login(ReviewerFactory())
    for model in VIEWED:
        assert client.get(_url(model, "changelist")).status_code == 403, model
    assert client.get(_url(Order, "change", order.pk)).status_code == 403


def test_permissions_of_the_groups():
    support, finance, reviewer = SupportFactory(), FinanceFactory(), ReviewerFactory()
    assert support.has_perm("orders.view_order") and not support.has_perm("orders.refund_order")
    assert finance.has_perm("orders.view_order") and finance.has_perm("orders.refund_order")
    assert not reviewer.has_perm("orders.view_order")
    assert not reviewer.has_perm("orders.refund_order")
    for user in (support, finance):
        for perm in ("change_order", "delete_order", "add_order", "change_refund"):
            assert not user.has_perm(f"orders.{perm}")


def test_nothing_is_added_changed_or_deleted_by_hand(admin_client):
    order = PaidOrderFactory()
    amount = order.amount
    assert admin_client.get(_url(Order, "add")).status_code == 403
    assert admin_client.get(_url(Order, "delete", order.pk)).status_code == 403
    response = admin_client.post(_url(Order, "change", order.pk), {"amount": "0.01"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.amount == amount


def test_the_order_page_shows_its_history_refunds_and_vouchers(admin_client):
    order = PaidOrderFactory()
    log_transition(order, action="pay", from_state="pending_payment", to_state="paid")
    Refund.objects.create(order=order, key="r1", amount=Decimal("3.00"), reason="Goodwill")
    body = admin_client.get(_url(Order, "change", order.pk)).content.decode()
    assert "pending_payment → paid" in body
    assert "Goodwill" in body


def test_search_by_number_buyer_and_store(admin_client):
    order = PaidOrderFactory()
    other = PaidOrderFactory()
    order.seller.store_name = "Bluebird"
    order.seller.save()
    for term in (order.number, order.buyer.username, order.seller.store_name):
        response = admin_client.get(_url(Order, "changelist"), {"q": term})
        numbers = [o.number for o in response.context["cl"].result_list]
        assert order.number in numbers and other.number not in numbers, term

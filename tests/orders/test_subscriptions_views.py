"""Buyer center › Purchased services pages: list, detail, renew, upgrade, auto-repurchase."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.catalog.models import Price
from orders.models import Order, Subscription
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.orders import PaidOrderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_list_shows_own_services_with_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    buyer = UserFactory()
    for _ in range(3):
        SubscriptionFactory(buyer=buyer, access_info={"adminUrl": "javascript:alert(1)"})
    SubscriptionFactory()  # someone else's
    client.force_login(buyer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orders:services"))
    assert response.status_code == 200
    assert response.content.count(b'data-testid="service-row"') == 3
    assert b"javascript:" not in response.content
    assert b"Purchased services" in response.content  # the menu entry


def test_detail_shows_legal_actions(client):
    order = PaidOrderFactory()
    client.force_login(order.buyer)
    response = client.get(reverse("orders:service_detail", args=[order.subscription_id]))
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("orders:service_renew", args=[order.subscription_id]) in content
    assert reverse("orders:unsubscribe", args=[order.number]) in content
    assert 'data-testid="ask-invoice"' in content

    Subscription.objects.filter(pk=order.subscription_id).update(status="released")
    response = client.get(reverse("orders:service_detail", args=[order.subscription_id]))
    content = response.content.decode()
    assert reverse("orders:service_renew", args=[order.subscription_id]) not in content
    assert 'data-testid="renew-refusal"' in content


def test_renew_from_the_page_places_the_order(client):
    order = PaidOrderFactory()
    Price.objects.filter(spec__version__product=order.product).update(max_periods=12)
    WalletFactory(buyer=order.buyer, balance=Decimal("1000"))
    client.force_login(order.buyer)
    response = client.post(
        reverse("orders:service_renew", args=[order.subscription_id]),
        {"period": "month", "periods": 2},
    )
    assert response.status_code == 302
    renewal = Order.objects.get(kind=Order.Kind.RENEWAL)
    assert renewal.number in response["Location"]
    assert renewal.periods == 2


def test_upgrade_page_shows_the_prorated_price(client):
    order = PaidOrderFactory()
    client.force_login(order.buyer)
    url = reverse("orders:service_upgrade", args=[order.subscription_id])
    response = client.get(url, {"spec_code": "spec-0", "quantity": 2})
    assert response.status_code == 200
    assert b'data-testid="upgrade-amount"' in response.content
    response = client.get(url, {"spec_code": "spec-0", "quantity": 1})
    assert b"upgrade must cost more" in response.content
    response = client.post(url, {"spec_code": "spec-0", "quantity": 2})
    assert response.status_code == 302
    assert Order.objects.filter(kind=Order.Kind.UPGRADE).count() == 1


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("orders:service_detail", "get", {}),
        ("orders:service_upgrade", "get", {"spec_code": "spec-0", "quantity": 2}),
        ("orders:service_renew", "post", {"period": "month", "periods": 1}),
        ("orders:service_upgrade", "post", {"spec_code": "spec-0", "quantity": 2}),
        ("orders:service_auto_repurchase", "post", {"enabled": "on", "threshold": 5}),
    ],
)
def test_another_buyers_service_is_404_and_unchanged(client, name, method, data):
    order = PaidOrderFactory()
    intruder = UserFactory()
    WalletFactory(buyer=intruder, balance=Decimal("1000"))
    client.force_login(intruder)
    url = reverse(name, args=[order.subscription_id])
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    assert Order.objects.count() == 1
    order.subscription.refresh_from_db()
    assert not order.subscription.auto_repurchase


def test_pages_need_a_login(client):
    response = client.get(reverse("orders:services"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]

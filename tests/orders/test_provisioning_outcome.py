"""What the seller server's answer to newInstance does to the purchased service: created →
in service; finally failed → the order is refunded in full, automatically (03 › Unsubscribe)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from buyers.models import Wallet
from buyers.selectors import ledger_mismatches
from orders.models import Order, ProvisioningCall, Subscription, Unsubscription
from orders.provisioning import Result, calls_dispatch
from orders.services.checkout import order_pay, order_place
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db


class CreatedDispatcher:
    def send(self, call):
        return Result(ok=True, response={"instanceId": "i-42", "appInfo": {"adminUrl": "u"}})


class RefusingDispatcher:
    def send(self, call):
        return Result(ok=False, error="seller server refused")


def buy_saas(django_capture_on_commit_callbacks) -> Order:
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("1000.00"))
    product = listed_product()
    spec = product.listed_version.specs.order_by("position", "id").first()
    price = spec.prices.first()
    order = order_place(buyer=buyer, spec=spec, period=price.period, agreement_accepted=True)
    # The dispatcher is kicked after commit; here it runs when the test says so.
    with django_capture_on_commit_callbacks(execute=False):
        order = order_pay(order_id=order.pk, buyer=buyer)
    return order


def test_a_created_instance_puts_the_service_in_use(settings, django_capture_on_commit_callbacks):
    settings.PROVISIONING_DISPATCHER = "tests.orders.test_provisioning_outcome.CreatedDispatcher"
    order = buy_saas(django_capture_on_commit_callbacks)
    assert order.subscription.status == Subscription.Status.PENDING

    assert calls_dispatch() == 1

    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.instance_id == "i-42"
    assert subscription.access_info == {"adminUrl": "u"}


def test_a_finally_failed_creation_refunds_the_order(settings, django_capture_on_commit_callbacks):
    settings.PROVISIONING_DISPATCHER = "tests.orders.test_provisioning_outcome.RefusingDispatcher"
    order = buy_saas(django_capture_on_commit_callbacks)
    balance_after_paying = Wallet.objects.get(buyer=order.buyer).balance

    calls_dispatch()

    order.refresh_from_db()
    created = ProvisioningCall.objects.get(order=order, activity="newInstance")
    assert created.status == ProvisioningCall.Status.FAILED
    assert order.status == Order.Status.REFUNDED
    assert order.refunded_amount == order.amount
    assert Unsubscription.objects.get(order=order).rule == Unsubscription.Rule.PROVISIONING_FAILED
    assert Wallet.objects.get(buyer=order.buyer).balance == balance_after_paying + order.amount
    assert list(ledger_mismatches()) == []
    # The refund happened once, whatever is dispatched next (e.g. the release call).
    calls_dispatch()
    assert Unsubscription.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.refunded_amount == order.amount

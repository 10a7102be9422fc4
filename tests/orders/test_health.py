"""Automatic delisting when a product's interface failed more than 5 orders in a Beijing
month (reference §1.0), through the catalog's delist service; idempotent; the seller is
told and the reason is on the product."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from marketplace.catalog.models import Product
from marketplace.core.models import Notification
from orders.isv.health import (
    delist_reason,
    failed_orders_this_month,
    month_bounds,
    product_check_interface_health,
    products_check_interface_health,
)
from orders.models import ProvisioningCall
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db


def failed_order(product, *, finished_at=None, is_test=False, status="failed"):
    order = PaidOrderFactory(product=product, is_test=is_test)
    return ProvisioningCall.objects.create(
        subscription=order.subscription,
        order=order,
        sequence=1,
        activity="newInstance",
        status=status,
        finished_at=finished_at or timezone.now(),
    )


@pytest.fixture
def product():
    return listed_product(name="Flaky SaaS")


def test_five_failed_orders_are_tolerated_the_sixth_delists(product):
    for _ in range(5):
        failed_order(product)
    failed_order(product, is_test=True)  # test accounts' orders don't count
    failed_order(product, status="succeeded")  # restarted and delivered
    assert failed_orders_this_month(product_id=product.pk) == 5
    assert product_check_interface_health(product_id=product.pk) is False

    failed_order(product)
    assert product_check_interface_health(product_id=product.pk) is True

    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    assert product.delist_reason == delist_reason()
    assert "more than 5 orders this month" in product.delist_reason
    notes = Notification.objects.filter(
        user=product.seller.user, template="product_delisted_interface"
    )
    assert notes.count() == 1 and notes.get().context["reason"] == product.delist_reason
    # Idempotent: checking again changes nothing and tells nobody twice.
    assert product_check_interface_health(product_id=product.pk) is False
    assert products_check_interface_health() == 0
    assert notes.count() == 1


def test_failures_of_last_month_do_not_count(product):
    start, _end = month_bounds()
    for _ in range(6):
        failed_order(product, finished_at=start - dt.timedelta(minutes=1))
    assert failed_orders_this_month(product_id=product.pk) == 0
    assert products_check_interface_health() == 0
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED


def test_the_beat_job_delists_every_failing_product(product):
    other = listed_product(name="Healthy")
    for _ in range(6):
        failed_order(product)
    failed_order(other)
    assert products_check_interface_health() == 1
    product.refresh_from_db()
    other.refresh_from_db()
    assert product.status == "delisted" and other.status == "listed"


def test_month_bounds_are_beijing_months():
    # 2024-03-31 17:00 UTC is 2024-04-01 01:00 in Beijing: April already.
    now = dt.datetime(2024, 3, 31, 17, 0, tzinfo=dt.UTC)
    start, end = month_bounds(now)
    assert (start.month, start.day, start.hour) == (4, 1, 0)
    assert (end.month, end.day) == (5, 1)

"""The daily probe (issue 9 › 6): one ProbeRun per product and Beijing day, a day passes if
any run passed, delisting after 5 failing days running."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.core import mail

from marketplace.catalog.models import Product
from marketplace.core.models import Notification
from orders.isv import probe
from orders.models import InterfaceTestCase, ProbeRun
from orders.tasks.isv import probe_product_interface, probe_product_interfaces
from tests.factories.catalog import listed_product
from tests.factories.isv import ProductInterfaceFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.orders.test_console import interface_at, isv  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=BEIJING)


def with_case(interface, activity="queryInstance"):
    InterfaceTestCase.objects.create(
        product=interface.product,
        name="query",
        activity=activity,
        body={"activity": activity, "instanceId": "MOCKINSTANCE000001", "testFlag": "1"},
    )
    return interface


def run_at(moment: dt.datetime, product_id: int) -> ProbeRun | None:
    with time_machine.travel(moment, tick=False):
        return probe.probe_product(product_id=product_id)


def test_candidates_are_listed_products_with_an_interface_and_a_test_case(isv):  # noqa: F811
    tested = with_case(interface_at(isv))
    interface_at(isv)  # no test case: not probed
    delisted = with_case(interface_at(isv))
    Product.objects.filter(pk=delisted.product.pk).update(status=Product.Status.DELISTED)
    listed_product(seller=ActiveSellerFactory())  # no interface
    assert probe.probe_candidates() == [tested.product.pk]


def test_a_passing_day_is_recorded_once(isv):  # noqa: F811
    interface = with_case(interface_at(isv))
    first = run_at(at(2, 9), interface.product.pk)
    assert first.ok and first.day == dt.date(2026, 3, 2)
    case = InterfaceTestCase.objects.get()
    assert case.last_ok is True
    sent_at = case.last_run_at
    again = run_at(at(2, 15), interface.product.pk)
    assert again.pk == first.pk
    case.refresh_from_db()
    assert case.last_run_at == sent_at  # the passed day is not probed again
    assert ProbeRun.objects.count() == 1
    assert first.detail["runs"][0]["cases"][0]["ok"] is True


def test_the_afternoon_run_can_save_the_day(isv):  # noqa: F811
    interface = with_case(interface_at(DOWN))
    morning = run_at(at(2, 9), interface.product.pk)
    assert not morning.ok
    interface.production_url = f"{isv}/produce"
    interface.save()
    afternoon = run_at(at(2, 15), interface.product.pk)
    assert afternoon.pk == morning.pk and afternoon.ok
    assert [r["ok"] for r in afternoon.detail["runs"]] == [False, True]


def test_a_redelivered_task_does_not_count_twice():
    interface = with_case(interface_at(DOWN))
    for _ in range(2):
        with time_machine.travel(at(2, 9), tick=False):
            probe.probe_product(product_id=interface.product.pk, slot="09")
    assert len(ProbeRun.objects.get().detail["runs"]) == 1


def test_five_failing_days_running_delist_the_product(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    interface = with_case(interface_at(DOWN))
    product = interface.product
    for day in range(1, 5):
        run_at(at(day, 9), product.pk)
        run_at(at(day, 15), product.pk)
    run_at(at(5, 9), product.pk)
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED  # the fifth afternoon is still a chance
    assert ProbeRun.objects.filter(product=product, ok=False).count() == 5
    with django_capture_on_commit_callbacks(execute=True):
        run_at(at(5, 15), product.pk)
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    assert len(mail.outbox) == 1
    assert "failed the daily check 5 days running" in mail.outbox[0].body
    assert product.delist_reason == (
        "The production interface failed the daily check 5 days running."
    )
    notification = Notification.objects.get(template="product_delisted_interface")
    assert notification.user == product.seller.user
    assert notification.context["reason"] == product.delist_reason
    # Delisted: no longer probed.
    assert probe.probe_candidates() == []
    assert run_at(at(6, 9), product.pk) is None


def test_a_missing_or_passing_day_breaks_the_streak(isv):  # noqa: F811
    interface = with_case(interface_at(DOWN))
    product = interface.product
    for day in (1, 2, 4, 5, 6):  # the 3rd was not probed
        run_at(at(day, 9), product.pk)
        run_at(at(day, 15), product.pk)
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED
    interface.production_url = f"{isv}/produce"
    interface.save()
    run_at(at(7, 9), product.pk)  # passes
    interface.production_url = f"{DOWN}/produce"
    interface.save()
    for day in (8, 9, 10):
        run_at(at(day, 9), product.pk)
        run_at(at(day, 15), product.pk)
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED  # 4,5,6 | 7 passed | 8,9,10


def test_the_beat_task_fans_out_per_product(isv):  # noqa: F811
    interface = with_case(interface_at(isv))
    with mock.patch.object(probe_product_interface, "delay") as delay:
        assert probe_product_interfaces() == 1
    delay.assert_called_once()
    assert delay.call_args.args[0] == interface.product.pk
    assert probe_product_interface(interface.product.pk, "09") is True
    assert ProbeRun.objects.get().ok


def test_a_product_without_test_cases_is_skipped(isv):  # noqa: F811
    interface = ProductInterfaceFactory(
        product=listed_product(seller=ActiveSellerFactory()), production_url=f"{isv}/produce"
    )
    assert probe.probe_product(product_id=interface.product.pk) is None
    assert not ProbeRun.objects.exists()

"""Faults the provisioning outbox must survive (issue 9), with real processes: PostgreSQL,
a private redis-server as the broker, real Celery workers (`celery -A marketplace worker`)
reading the test database, and the sample ISV as a separate process
(tests/orders/fault_helpers.py).

- the ISV down for the whole window: the call fails, the order is refunded once, buyer
  and seller are told;
- the ISV back mid-window (after refusing connections, then answering 500 and text/html):
  delivered, each failed attempt with its reason, exactly one instance;
- the worker SIGKILLed while its request is in flight: the sweeper re-sends the call once
  the claim lease lapses, and the ISV still holds exactly one instance;
- Redis restarted (nothing persisted) while calls are pending: the kicks are gone, the
  sweeper enqueues the calls again, none is lost.

The beat sweeper (`calls_sweep`, every 30 s in production) is run by the test itself, a
few times a second, so that short windows and backoffs fit in seconds. What a single
answer means (500, garbage, wrong content type, other result codes, too slow) is covered
in-process by test_dispatcher.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from decimal import Decimal

import pytest
from django.db import connection

from marketplace.celery import app
from marketplace.core.models import Notification
from orders.models import CallAttempt, Order, ProvisioningCall, Subscription, Unsubscription
from orders.provisioning import calls_sweep
from orders.services.checkout import order_pay, order_place
from tests.factories.accounts import UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.isv import ProductInterfaceFactory
from tests.orders.fault_helpers import (
    RedisServer,
    SampleIsv,
    Workers,
    database_url,
    free_port,
    wait_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/<db> "
        "(the tests run a private redis-server of their own beside it)",
    ),
    pytest.mark.skipif(
        not shutil.which("redis-server"), reason="needs redis-server (apt-get install redis-server)"
    ),
]

NEW = ProvisioningCall.Activity.NEW_INSTANCE
BALANCE = Decimal("10000.00")
# Seconds, for the worker's settings: retries 1-2 s apart (backoff never waits under 1 s).
FAST_RETRIES = {"ISV_BACKOFF_BASE_SECONDS": "1", "ISV_BACKOFF_CAP_SECONDS": "2"}


def _reset_broker_pools() -> None:
    """Forget the test process's broker connections (as Celery does after a fork)."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


class Stack:
    """The processes of one test, and how it acts as beat."""

    def __init__(self, tmp_path, settings) -> None:
        self.tmp_path = tmp_path
        self.settings = settings
        self.redis = RedisServer(tmp_path)
        self.isvs: list[SampleIsv] = []
        self.workers: Workers | None = None

    def worker_env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        return {
            **env,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            # The cache this process uses too (the dispatch kicks' flag is shared), the
            # private broker.
            "REDIS_URL": os.environ["REDIS_URL"],
            "CELERY_BROKER_URL": self.redis.url,
            "PROVISIONING_DISPATCHER": "orders.isv.dispatcher.HttpDispatcher",
            "ISV_TIMEOUT_SECONDS": "5",
            "ISV_WINDOW_NEW_INSTANCE_HOURS": str(self.settings.ISV_WINDOW_NEW_INSTANCE_HOURS),
            "LOG_LEVEL": "INFO",
            **FAST_RETRIES,
            **overrides,
        }

    def start_worker(self, **env: str):
        if self.workers is None:
            self.workers = Workers(self.tmp_path, self.worker_env(**env))
        else:
            self.workers.env = self.worker_env(**env)
        return self.workers.start()

    def start_isv(self, *args: str, port: int | None = None) -> SampleIsv:
        isv = SampleIsv(self.tmp_path, *args, port=port)
        self.isvs.append(isv)
        return isv

    def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop_all()
        for isv in self.isvs:
            isv.stop()
        self.redis.stop()

    def sweep_until(self, condition, *, timeout: float, what: str):
        """Beat, several times a second, until `condition()` holds."""

        def swept():
            calls_sweep()
            return condition()

        return wait_for(swept, timeout=timeout, every=0.3, what=what)


@pytest.fixture
def stack(tmp_path, settings):
    settings.PROVISIONING_DISPATCHER = "orders.isv.dispatcher.HttpDispatcher"
    settings.ISV_WINDOW_NEW_INSTANCE_HOURS = 0.01  # 36 s; tests shorten it further
    stack = Stack(tmp_path, settings)
    previous_url = app.conf.broker_url
    app.conf.task_always_eager = False  # the kicks and sweeps go to the private broker
    app.conf.broker_url = stack.redis.url
    _reset_broker_pools()
    try:
        yield stack
    finally:
        stack.stop()
        app.conf.broker_url = previous_url
        _reset_broker_pools()


def pay_order(product) -> Order:
    """A buyer places and pays an order for `product`; the commit kicks the dispatcher
    through the broker, as in production."""
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=BALANCE)
    spec = list(product.listed_version.specs.order_by("position", "id"))[0]
    price = spec.prices.first()
    order = order_place(buyer=buyer, spec=spec, period=price.period, agreement_accepted=True)
    return order_pay(order_id=order.pk, buyer=buyer)


def call_of(order) -> ProvisioningCall:
    return ProvisioningCall.objects.get(order=order, activity=NEW)


def errors_of(call) -> list[str]:
    return list(
        CallAttempt.objects.filter(call=call).order_by("number").values_list("error", flat=True)
    )


def test_isv_down_for_the_whole_window_fails_refunds_once_and_tells_both(stack, settings):
    settings.ISV_WINDOW_NEW_INSTANCE_HOURS = 0.002  # 7.2 s
    stack.start_worker()
    interface = ProductInterfaceFactory(production_url=f"http://127.0.0.1:{free_port()}/produce")
    order = pay_order(interface.product)
    call = call_of(order)

    stack.sweep_until(
        lambda: ProvisioningCall.objects.filter(pk=call.pk, status="failed").exists(),
        timeout=40,
        what="the call to fail after its window",
    )
    call.refresh_from_db()
    errors = errors_of(call)
    assert len(errors) >= 2 and all("Connection failed" in error for error in errors)
    assert call.finished_at >= call.window_ends_at
    # Beat keeps running: nothing more happens to the order.
    stack.sweep_until(lambda: True, timeout=1, what="a sweep")
    time.sleep(1)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == order.amount
    assert Unsubscription.objects.filter(order=order).count() == 1
    assert order.buyer.wallet.balance == BALANCE  # refunded once, in full
    assert (
        Notification.objects.filter(user=order.buyer, template="unsubscription_approved").count()
        == 1
    )
    assert (
        Notification.objects.filter(
            user=order.seller.user, template="provisioning_call_failed"
        ).count()
        == 1
    )


def test_isv_back_mid_window_delivers_exactly_one_instance(stack):
    port = free_port()  # the ISV is down: nothing listens there yet
    stack.start_worker()
    interface = ProductInterfaceFactory(production_url=f"http://127.0.0.1:{port}/produce")
    order = pay_order(interface.product)
    call = call_of(order)
    wait_for(lambda: errors_of(call), timeout=20, what="the first attempt")

    # Back, but answering 500, then a success with the wrong content type, then well.
    isv = stack.start_isv("--fail-mode", "http500", port=port)
    stack.sweep_until(
        lambda: any("HTTP status 500" in e for e in errors_of(call)), timeout=20, what="a 500"
    )
    isv.control(fail_mode="wrong-content-type")
    stack.sweep_until(
        lambda: any("Wrong content type" in e for e in errors_of(call)),
        timeout=20,
        what="a text/html answer",
    )
    isv.control(reset=True)
    stack.sweep_until(
        lambda: ProvisioningCall.objects.filter(pk=call.pk, status="succeeded").exists(),
        timeout=20,
        what="the call to succeed",
    )

    call.refresh_from_db()
    errors = errors_of(call)
    assert "Connection failed" in errors[0] and errors[-1] == ""
    assert CallAttempt.objects.filter(call=call, ok=True).count() == 1
    assert isv.state()["instances"] == {order.number: 1}
    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.instance_id == call.response["instanceId"]


def test_worker_killed_mid_dispatch_the_call_is_resent_one_instance(stack):
    lease = {"ISV_CLAIM_LEASE_SECONDS": "4"}
    isv = stack.start_isv("--delay-ms", "2500")
    worker = stack.start_worker(**lease)
    interface = ProductInterfaceFactory(production_url=isv.url)
    order = pay_order(interface.product)
    call = call_of(order)

    # The request is at the ISV (sleeping before it answers): kill the worker, children too.
    wait_for(lambda: isv.state()["counters"]["requests"] >= 1, timeout=20, what="the request")
    worker.kill(signal.SIGKILL)
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SENDING and call.attempts == 1
    assert not CallAttempt.objects.filter(call=call).exists()  # died before recording it

    isv.control(delay_ms=0)
    stack.start_worker(**lease)
    stack.sweep_until(
        lambda: ProvisioningCall.objects.filter(pk=call.pk, status="succeeded").exists(),
        timeout=30,
        what="the call to be re-sent after the lease",
    )
    call.refresh_from_db()
    assert call.attempts == 2
    state = isv.state()
    assert state["new_instance_calls"][order.number] >= 2  # it was sent again ...
    assert state["instances"] == {order.number: 1}  # ... and made no second instance
    assert Subscription.objects.get(pk=order.subscription_id).status == "active"


def test_redis_restarted_with_calls_pending_the_sweeper_loses_none(stack):
    isv = stack.start_isv()
    interface = ProductInterfaceFactory(production_url=isv.url)
    orders = [pay_order(interface.product) for _ in range(3)]  # kicked: queued in Redis
    assert stack.redis.process is not None

    stack.redis.restart()  # nothing persisted: the queued kicks are gone
    _reset_broker_pools()
    stack.start_worker()
    time.sleep(2)
    pending = ProvisioningCall.objects.filter(order__in=orders, status="pending")
    assert pending.count() == 3  # no message left to run them

    stack.sweep_until(
        lambda: ProvisioningCall.objects.filter(order__in=orders, status="succeeded").count() == 3,
        timeout=30,
        what="every call to be delivered",
    )
    assert isv.state()["instances"] == {order.number: 1 for order in orders}

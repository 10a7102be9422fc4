# ruff: noqa: F811 - the fixtures imported from isv_helpers are test parameters
"""HttpDispatcher against the REAL sample ISV on loopback (sample_isv/server.py): the
success path end to end, every kind of failure recorded as a failed attempt with its
reason, retries inside the window, the final failure after it (order refunded once, buyer
and seller told), recovery mid-window with exactly one instance, asynchronous creation
polled with queryInstance, and the beat sweeper."""

from __future__ import annotations

import datetime as dt
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from marketplace.core.models import Notification
from orders.isv.dispatcher import HttpDispatcher, backoff, build_body
from orders.models import CallAttempt, Order, ProvisioningCall, Subscription, Unsubscription
from orders.provisioning import calls_dispatch, calls_sweep
from tests.factories.orders import SubscriptionFactory
from tests.orders.isv_helpers import buy, interface, isv  # noqa: F401

pytestmark = pytest.mark.django_db
NEW = ProvisioningCall.Activity.NEW_INSTANCE


@pytest.fixture(autouse=True)
def _http_dispatcher(settings):
    settings.PROVISIONING_DISPATCHER = "orders.isv.dispatcher.HttpDispatcher"
    settings.ISV_TIMEOUT_SECONDS = 2


def new_call(order) -> ProvisioningCall:
    return ProvisioningCall.objects.get(order=order, activity=NEW)


def dispatch_at(moment):
    with time_machine.travel(moment, tick=True):
        return calls_dispatch()


def test_paid_order_is_provisioned_end_to_end(interface, isv, django_capture_on_commit_callbacks):
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)
    call = new_call(order)
    window = call.window_ends_at - call.created_at
    assert abs(window - dt.timedelta(hours=3)) < dt.timedelta(seconds=1)

    assert calls_dispatch() == 1

    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SUCCEEDED and call.attempts == 1
    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.instance_id == call.response["instanceId"]
    assert subscription.access_info["frontEndUrl"].endswith(f"/app/{subscription.instance_id}")
    attempt = CallAttempt.objects.get(call=call)
    assert attempt.ok and attempt.http_status == 200 and attempt.result_code == "000000"
    assert attempt.latency_ms is not None and attempt.error == ""
    query = parse_qs(urlsplit(attempt.url).query)
    assert set(query) == {"signature", "timestamp", "nonce"}
    body = attempt.request_body
    assert body["activity"] == "newInstance" and body["orderId"] == order.number
    assert body["orderLineId"] == f"{order.number}-000001" and len(body["businessId"]) == 32
    assert "testFlag" not in body and "instanceId" not in body
    assert isv.state()["instances"] == {order.number: 1}


FAULTS = [
    ({"fail_mode": "http500"}, "HTTP status 500"),
    ({"fail_mode": "garbage"}, "not valid JSON"),
    ({"fail_mode": "wrong-content-type"}, "Wrong content type “text/html”"),
    ({"fail_mode": "code:000005"}, "Result code 000005"),
    ({"fail_mode": "slow", "slow_ms": 1500}, "timeout"),
]


@pytest.mark.parametrize(("behaviour", "reason"), FAULTS, ids=[f[0]["fail_mode"] for f in FAULTS])
def test_failures_are_retried_then_finally_failed_and_refunded_once(
    behaviour, reason, interface, isv, settings, django_capture_on_commit_callbacks
):
    settings.ISV_TIMEOUT_SECONDS = 0.5
    isv.behaviour.update(behaviour)
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)

    calls_dispatch()

    call = new_call(order)
    first = CallAttempt.objects.get(call=call)
    assert not first.ok and reason in first.error
    assert call.status == ProvisioningCall.Status.PENDING
    assert timezone.now() < call.next_attempt_at <= call.window_ends_at
    assert reason in call.last_error

    # A second failure inside the window: retried again.
    dispatch_at(call.next_attempt_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.PENDING and call.attempts == 2

    # The window is over: the next failure is final.
    dispatch_at(call.window_ends_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    order.refresh_from_db()
    assert call.status == ProvisioningCall.Status.FAILED and call.finished_at is not None
    assert CallAttempt.objects.filter(call=call).count() == 3
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == order.amount
    assert Unsubscription.objects.filter(order=order).count() == 1
    # Buyer and seller are told.
    assert Notification.objects.filter(user=order.buyer, template="unsubscription_approved")
    assert (
        Notification.objects.filter(
            user=order.seller.user, template="provisioning_call_failed"
        ).count()
        == 1
    )
    # Nothing more happens to the order, whatever is dispatched later.
    dispatch_at(call.window_ends_at + dt.timedelta(hours=2))
    order.refresh_from_db()
    assert order.refunded_amount == order.amount
    assert Unsubscription.objects.filter(order=order).count() == 1


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/produce"


def test_isv_down_then_back_mid_window_delivers_exactly_one_instance(
    interface, isv, settings, django_capture_on_commit_callbacks
):
    settings.ISV_TIMEOUT_SECONDS = 1  # the slow answer below waits for it
    live_url = interface.production_url
    interface.production_url = _closed_port_url()
    interface.save()
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)

    calls_dispatch()
    call = new_call(order)
    assert "Connection failed" in call.last_error
    assert call.status == ProvisioningCall.Status.PENDING

    # Slow (the ISV creates the instance but answers after our timeout) ...
    interface.production_url = live_url
    interface.save()
    isv.behaviour.update({"fail_mode": "slow", "slow_ms": 1500})
    dispatch_at(call.next_attempt_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    assert "timeout" in call.last_error

    # ... then healthy again: delivered, and the ISV still holds one instance.
    isv.behaviour.update({"reset": True})
    dispatch_at(call.next_attempt_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SUCCEEDED
    assert Subscription.objects.get(pk=order.subscription_id).status == "active"
    state = isv.state()
    assert state["instances"] == {order.number: 1}
    # Every attempt carried a new businessId (§1.1), the instance kept the first one seen.
    business_ids = [a.request_body["businessId"] for a in CallAttempt.objects.filter(call=call)]
    assert len(set(business_ids)) == 3


def test_asynchronous_creation_is_polled_with_query_instance(
    interface, isv, settings, django_capture_on_commit_callbacks
):
    isv.behaviour.update({"async_seconds": 30})
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)

    calls_dispatch()
    call = new_call(order)
    assert call.status == ProvisioningCall.Status.PENDING
    instance_id = call.response["instanceId"]
    assert call.response["pending"] is True
    assert Subscription.objects.get(pk=order.subscription_id).status == "pending"

    # Polled before the instance is ready: still open.
    dispatch_at(call.next_attempt_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.PENDING
    # Ready: the queried info activates the service.
    dispatch_at(timezone.now() + dt.timedelta(seconds=60))
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SUCCEEDED
    attempts = list(CallAttempt.objects.filter(call=call).order_by("number"))
    assert [a.request_body["activity"] for a in attempts] == [
        "newInstance",
        "queryInstance",
        "queryInstance",
    ]
    assert attempts[1].request_body["instanceId"] == instance_id
    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.status == "active" and subscription.instance_id == instance_id
    assert subscription.access_info["frontEndUrl"].endswith(instance_id)
    assert isv.state()["instances"] == {order.number: 1}


def test_asynchronous_creation_never_finished_fails_after_the_window(
    interface, isv, django_capture_on_commit_callbacks
):
    isv.behaviour.update({"async_seconds": 10 * 3600})
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)
    calls_dispatch()
    call = new_call(order)
    dispatch_at(call.window_ends_at + dt.timedelta(seconds=1))
    call.refresh_from_db()
    order.refresh_from_db()
    assert call.status == ProvisioningCall.Status.FAILED
    assert order.status == Order.Status.REFUNDED
    # The refund's releaseInstance names the half-created instance.
    release = ProvisioningCall.objects.get(
        subscription_id=order.subscription_id, activity="releaseInstance"
    )
    assert release.status == ProvisioningCall.Status.PENDING
    assert build_body(release)["instanceId"] == call.response["instanceId"]


def test_product_without_interface_fails_at_once_with_a_clear_error(
    django_capture_on_commit_callbacks,
):
    from tests.factories.catalog import listed_product

    order = buy(listed_product(), capture=django_capture_on_commit_callbacks)
    calls_dispatch()
    call = new_call(order)
    order.refresh_from_db()
    assert call.status == ProvisioningCall.Status.FAILED
    assert "no production interface" in call.last_error
    assert order.status == Order.Status.REFUNDED


def test_test_account_orders_carry_test_flag(interface, isv, django_capture_on_commit_callbacks):
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)
    Order.objects.filter(pk=order.pk).update(is_test=True)
    calls_dispatch()
    attempt = CallAttempt.objects.get(call__order=order)
    assert attempt.request_body["testFlag"] == "1"


def test_instance_calls_fill_the_instance_id_and_skip_when_there_is_none(interface, isv):
    subscription = SubscriptionFactory(product=interface.product, instance_id="")
    call = ProvisioningCall.objects.create(
        subscription=subscription, sequence=1, activity="releaseInstance", payload={}
    )
    result = HttpDispatcher().send(call)
    assert result.ok and "never got an instance" in result.error
    assert not CallAttempt.objects.filter(call=call).exists()

    subscription.instance_id = "i-later"
    subscription.save()
    call.payload = {"instanceId": ""}
    assert build_body(call) == {"activity": "releaseInstance", "instanceId": "i-later"}


def test_a_lost_kick_is_swept_by_beat(interface, isv, django_capture_on_commit_callbacks):
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)  # kick lost
    assert new_call(order).status == ProvisioningCall.Status.PENDING

    assert calls_sweep() == 1  # enqueues one dispatch task (eager in tests)

    assert new_call(order).status == ProvisioningCall.Status.SUCCEEDED
    assert calls_sweep() == 0


def test_a_lapsed_claim_is_claimed_again(interface, isv, django_capture_on_commit_callbacks):
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)
    call = new_call(order)
    # A worker claimed it and died (SIGKILL) before recording anything.
    ProvisioningCall.objects.filter(pk=call.pk).update(
        status="sending", attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=10)
    )
    assert calls_dispatch() == 0
    dispatch_at(timezone.now() + dt.timedelta(minutes=11))
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SUCCEEDED
    assert isv.state()["instances"] == {order.number: 1}


def test_backoff_is_jittered_capped_and_never_past_the_window(settings):
    settings.ISV_BACKOFF_BASE_SECONDS = 10
    settings.ISV_BACKOFF_CAP_SECONDS = 100
    delays = [backoff(n).total_seconds() for n in (1, 3, 10, 20) for _ in range(50)]
    assert all(1 <= d <= 100 for d in delays)
    assert max(backoff(2).total_seconds() for _ in range(50)) <= 20
    assert len({round(d, 3) for d in delays}) > 10  # jittered


def test_a_batch_is_sent_in_parallel_and_each_result_lands_on_its_own_call(
    interface, isv, django_capture_on_commit_callbacks, settings
):
    settings.ISV_PARALLEL_SENDS = 4
    orders = [buy(interface.product, capture=django_capture_on_commit_callbacks) for _ in range(5)]
    ghost = ProvisioningCall.objects.create(  # an instance call with no instance: not sent
        subscription=SubscriptionFactory(product=interface.product, instance_id=""),
        sequence=1,
        activity="releaseInstance",
        payload={},
    )
    assert calls_dispatch() == 6
    for order in orders:
        call = new_call(order)
        assert call.status == ProvisioningCall.Status.SUCCEEDED, call.last_error
        # The answer to this call's own request (its order, its instance).
        attempt = CallAttempt.objects.get(call=call)
        assert attempt.request_body["orderId"] == order.number
        subscription = Subscription.objects.get(pk=order.subscription_id)
        assert subscription.instance_id == call.response["instanceId"]
    ghost.refresh_from_db()
    assert ghost.status == ProvisioningCall.Status.SUCCEEDED
    assert "never got an instance" in ghost.last_error
    assert isv.state()["instances"] == {order.number: 1 for order in orders}


def test_a_dispatcher_crash_leaves_no_call_sending(
    interface, isv, django_capture_on_commit_callbacks, monkeypatch
):
    orders = [buy(interface.product, capture=django_capture_on_commit_callbacks) for _ in range(3)]

    def crash(self, ready):
        raise RuntimeError("bug in the exchange")

    monkeypatch.setattr(HttpDispatcher, "_post", crash)
    assert calls_dispatch() == 3
    for order in orders:
        call = new_call(order)
        assert call.status == ProvisioningCall.Status.PENDING  # retried after a lease
        assert call.next_attempt_at > timezone.now() and "bug in the exchange" in call.last_error
    assert isv.state()["instances"] == {}

"""The provisioning outbox: rows in the business transaction, per-subscription order,
claims with a conditional UPDATE, the configured dispatcher (orders/provisioning.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from orders import provisioning
from orders.models import ProvisioningCall
from orders.provisioning import Result, call_enqueue, calls_claim, calls_dispatch
from tests.factories.orders import SubscriptionFactory

pytestmark = pytest.mark.django_db

NEW = ProvisioningCall.Activity.NEW_INSTANCE
REFRESH = ProvisioningCall.Activity.REFRESH_INSTANCE


@pytest.fixture(autouse=True)
def _null_dispatcher(settings):
    """The outbox mechanics, without a seller server (HttpDispatcher: test_dispatcher.py)."""
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"


def test_enqueue_numbers_calls_per_subscription():
    first, second = SubscriptionFactory(), SubscriptionFactory()
    a = call_enqueue(subscription=first, activity=NEW, payload={"n": 1})
    b = call_enqueue(subscription=first, activity=REFRESH, payload={"n": 2})
    c = call_enqueue(subscription=second, activity=NEW, payload={})
    assert (a.sequence, b.sequence, c.sequence) == (1, 2, 1)
    assert a.status == ProvisioningCall.Status.PENDING


def test_rows_roll_back_with_the_business_transaction(django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        call_enqueue(subscription=subscription, activity=NEW, payload={})
        raise RuntimeError("the business change failed")
    assert not ProvisioningCall.objects.exists()
    assert callbacks == []  # nothing is kicked either


def test_after_commit_the_dispatcher_is_kicked_and_null_dispatcher_succeeds(
    django_capture_on_commit_callbacks,
):
    subscription = SubscriptionFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call = call_enqueue(subscription=subscription, activity=NEW, payload={})
        assert ProvisioningCall.objects.get().status == ProvisioningCall.Status.PENDING
    assert len(callbacks) == 1
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SUCCEEDED
    assert call.attempts == 1 and call.finished_at is not None


def test_claim_respects_per_subscription_order():
    subscription = SubscriptionFactory()
    first = call_enqueue(subscription=subscription, activity=NEW, payload={})
    second = call_enqueue(subscription=subscription, activity=REFRESH, payload={})
    other = call_enqueue(subscription=SubscriptionFactory(), activity=NEW, payload={})
    assert sorted(calls_claim()) == sorted([first.pk, other.pk])
    # first is "sending": second still waits
    assert calls_claim() == []
    ProvisioningCall.objects.filter(pk=first.pk).update(status=ProvisioningCall.Status.SUCCEEDED)
    assert calls_claim() == [second.pk]


def test_a_finally_failed_call_does_not_block_the_next():
    subscription = SubscriptionFactory()
    first = call_enqueue(subscription=subscription, activity=NEW, payload={})
    second = call_enqueue(subscription=subscription, activity=REFRESH, payload={})
    ProvisioningCall.objects.filter(pk=first.pk).update(status=ProvisioningCall.Status.FAILED)
    assert calls_claim() == [second.pk]


def test_claim_is_idempotent_and_leaves_future_attempts():
    subscription = SubscriptionFactory()
    call = call_enqueue(subscription=subscription, activity=NEW, payload={})
    later = call_enqueue(subscription=SubscriptionFactory(), activity=NEW, payload={})
    ProvisioningCall.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert calls_claim() == [call.pk]
    assert calls_claim() == []
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.SENDING and call.attempts == 1


def test_an_expired_claim_is_taken_again():
    call = call_enqueue(subscription=SubscriptionFactory(), activity=NEW, payload={})
    assert calls_claim() == [call.pk]
    later = timezone.now() + provisioning.CLAIM_LEASE + timedelta(seconds=1)
    assert calls_claim(now=later) == [call.pk]
    call.refresh_from_db()
    assert call.attempts == 2


class RetryingDispatcher:
    def send(self, call):
        return Result(ok=False, error="timeout", retry_at=timezone.now() + timedelta(minutes=1))


class FailingDispatcher:
    def send(self, call):
        return Result(ok=False, error="refused")


class BrokenDispatcher:
    def send(self, call):
        raise ValueError("bug")


def test_configured_dispatcher_results_are_recorded(settings):
    subscription = SubscriptionFactory()
    call = call_enqueue(subscription=subscription, activity=NEW, payload={})
    settings.PROVISIONING_DISPATCHER = "tests.orders.test_provisioning_outbox.RetryingDispatcher"
    assert calls_dispatch() == 1
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.PENDING
    assert call.last_error == "timeout" and call.next_attempt_at > timezone.now()
    assert calls_dispatch() == 0  # not due yet
    settings.PROVISIONING_DISPATCHER = "tests.orders.test_provisioning_outbox.FailingDispatcher"
    assert calls_dispatch(now=timezone.now() + timedelta(minutes=2)) == 1
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.FAILED and call.attempts == 2


def test_a_dispatcher_exception_leaves_the_call_to_retry(settings):
    call = call_enqueue(subscription=SubscriptionFactory(), activity=NEW, payload={})
    settings.PROVISIONING_DISPATCHER = "tests.orders.test_provisioning_outbox.BrokenDispatcher"
    assert calls_dispatch() == 1
    call.refresh_from_db()
    assert call.status == ProvisioningCall.Status.PENDING and "bug" in call.last_error


def test_dispatch_task_sends_due_calls():
    from orders.tasks.checkout import dispatch_provisioning_calls

    call_enqueue(subscription=SubscriptionFactory(), activity=NEW, payload={})
    assert dispatch_provisioning_calls.delay().get() == 1
    assert ProvisioningCall.objects.get().status == ProvisioningCall.Status.SUCCEEDED

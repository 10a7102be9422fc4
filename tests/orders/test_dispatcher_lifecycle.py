"""Around the dispatcher: retention of succeeded calls, the customer-service group's
mailbox told of a final failure, restart through the service (permission, ownership)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.core.exceptions import DomainError, PermissionDenied
from orders.isv.messages import service_group_mail_send
from orders.models import CallAttempt, ProvisioningCall, Subscription
from orders.provisioning import call_enqueue, call_restart, calls_purge_succeeded
from tests.factories.accounts import OperatorFactory, SupportFactory
from tests.factories.orders import SubscriptionFactory
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db


def finished_call(subscription, *, status, days_ago, sequence):
    call = ProvisioningCall.objects.create(
        subscription=subscription,
        sequence=sequence,
        activity="refreshInstance",
        status=status,
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
        attempts=1,
    )
    CallAttempt.objects.create(call=call, number=1, started_at=call.finished_at, url="u")
    return call


def test_retention_deletes_old_succeeded_calls_with_their_attempts(settings):
    settings.ISV_CALL_RETENTION_DAYS = 90
    subscription = SubscriptionFactory()
    old = finished_call(subscription, status="succeeded", days_ago=91, sequence=1)
    recent = finished_call(subscription, status="succeeded", days_ago=89, sequence=2)
    old_failed = finished_call(subscription, status="failed", days_ago=200, sequence=3)

    assert calls_purge_succeeded() == 1

    remaining = set(ProvisioningCall.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, old_failed.pk}
    assert not CallAttempt.objects.filter(call_id=old.pk).exists()
    assert CallAttempt.objects.count() == 2


def test_the_service_group_mailbox_gets_the_failure():
    subscription = SubscriptionFactory()
    call = finished_call(subscription, status="failed", days_ago=0, sequence=1)
    address = subscription.product.listed_version.service_group.email
    assert service_group_mail_send(call_id=call.pk) is True
    assert mail.outbox[-1].to == [address]
    assert "refreshInstance" in mail.outbox[-1].subject


def test_enqueue_sets_the_window_per_activity(settings):
    settings.ISV_WINDOW_OTHER_HOURS = 1
    subscription = SubscriptionFactory()
    for activity, hours in (("newInstance", 3), ("upgradeInstance", 3), ("releaseInstance", 1)):
        call = call_enqueue(subscription=subscription, activity=activity, payload={})
        delta = call.window_ends_at - call.next_attempt_at
        assert abs(delta - dt.timedelta(hours=hours)) < dt.timedelta(seconds=1)


def test_restart_by_an_operator_needs_the_permission():
    subscription = SubscriptionFactory(status=Subscription.Status.ACTIVE)
    call = finished_call(subscription, status="failed", days_ago=0, sequence=1)
    with pytest.raises(PermissionDenied):
        call_restart(call_id=call.pk, actor=OperatorFactory())
    restarted = call_restart(call_id=call.pk, actor=SupportFactory())
    assert restarted.status == "pending"


def test_restart_by_another_seller_is_not_found():
    call = finished_call(SubscriptionFactory(), status="failed", days_ago=0, sequence=1)
    other = ActiveSellerFactory()
    with pytest.raises(DomainError):
        call_restart(call_id=call.pk, actor=other.user, seller=other)
    call.refresh_from_db()
    assert call.status == "failed"


def test_wire_defaults_fill_order_line_and_scene():
    from orders.isv.dispatcher import build_body
    from tests.factories.orders import PaidOrderFactory

    order = PaidOrderFactory(number="20240101ABCDEF123456")
    call = ProvisioningCall.objects.create(
        subscription=order.subscription,
        order=order,
        sequence=1,
        activity="refreshInstance",
        payload={"instanceId": "i-1", "orderId": order.number, "expireTime": "20250101000000"},
    )
    body = build_body(call)
    assert body["scene"] == "RENEWAL"
    assert body["orderLineId"] == f"{order.number}-000001"
    order.payment_status = "refunded"
    order.save()
    assert build_body(call)["scene"] == "UNSUBSCRIBE_RENEWAL_PERIOD"

"""Expiry jobs (03 › Renew): remind once, freeze at expiry, release after the grace period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.core.audit import history_for
from marketplace.core.models import Notification
from orders.models import ProvisioningCall, Subscription
from orders.tasks.lifecycle import (
    freeze_expired_subscriptions,
    release_frozen_subscriptions,
    remind_expiring_subscriptions,
)
from tests.factories.orders import SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_reminder_is_sent_once_within_the_reminder_window(settings):
    settings.EXPIRY_REMINDER_DAYS = 7
    now = timezone.now()
    soon = SubscriptionFactory(expires_at=now + dt.timedelta(days=6))
    SubscriptionFactory(expires_at=now + dt.timedelta(days=8))  # not yet
    SubscriptionFactory(expires_at=now + dt.timedelta(days=6), status="frozen")
    assert remind_expiring_subscriptions() == 1
    assert remind_expiring_subscriptions() == 0
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    notification = Notification.objects.get()
    assert notification.user == soon.buyer
    assert notification.template == "subscription_expiry_reminder"


def test_reminder_mail_renders(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    subscription = SubscriptionFactory(expires_at=timezone.now() + dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        remind_expiring_subscriptions()
    assert len(mail.outbox) == 1
    assert subscription.product.name in mail.outbox[0].subject
    assert f"/orders/services/{subscription.pk}/" in mail.outbox[0].body


def test_freeze_at_expiry_then_release_after_the_grace_period(settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 15
    now = timezone.now()
    expired = SubscriptionFactory(expires_at=now - dt.timedelta(minutes=1))
    running = SubscriptionFactory(expires_at=now + dt.timedelta(days=1))
    forever = SubscriptionFactory(expires_at=None)
    assert freeze_expired_subscriptions() == 1
    assert freeze_expired_subscriptions() == 0
    expired.refresh_from_db()
    assert expired.status == Subscription.Status.FROZEN and expired.frozen_at is not None
    call = ProvisioningCall.objects.get(subscription=expired)
    assert (call.activity, call.payload["status"]) == ("updateInstanceStatus", "FREEZE")
    assert release_frozen_subscriptions() == 0  # still within the grace period

    Subscription.objects.filter(pk=expired.pk).update(expires_at=now - dt.timedelta(days=16))
    assert release_frozen_subscriptions() == 1
    assert release_frozen_subscriptions() == 0
    expired.refresh_from_db()
    assert expired.status == Subscription.Status.RELEASED and expired.released_at
    assert list(
        ProvisioningCall.objects.filter(subscription=expired)
        .order_by("sequence")
        .values_list("activity", flat=True)
    ) == ["updateInstanceStatus", "releaseInstance"]
    assert [row.action for row in history_for(expired)] == ["freeze", "release"]
    for other in (running, forever):
        other.refresh_from_db()
        assert other.status == Subscription.Status.ACTIVE

"""The notification outbox: notify writes a row and enqueues it after commit; the task
claims, renders in the recipient's language, sends once; the beat job resends the rest."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.urls import reverse

from marketplace.celery import app
from marketplace.core import notifications
from marketplace.core.models import Notification
from marketplace.core.notifications import notify
from marketplace.core.tasks import resend_pending_notifications, send_notification
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
REJECTED = {"seller_id": 1, "store_name": "Cloud <Tools> & Co's", "reason": 'Name "taken".'}


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")


@pytest.fixture(autouse=True)
def celery_eager():
    """`.delay()` runs the task here and now, as a worker would, instead of queueing it."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def write(user, template="seller_rejected", context=None, **kwargs) -> Notification:
    """A committed notification whose on-commit enqueue did not run (as after a crash)."""
    return notify(user=user, template=template, context=context or REJECTED, **kwargs)


# --- notify ---------------------------------------------------------------------------------


def test_notify_enqueues_only_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory(email="seller@example.com")

    with django_capture_on_commit_callbacks() as callbacks:
        notification = write(user)
    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing is sent inside the transaction

    callbacks[0]()

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.recipient == "seller@example.com"
    assert notification.attempts == 1
    assert notification.claimed_at is not None
    assert notification.last_error == ""


def test_rolled_back_notify_sends_nothing(django_capture_on_commit_callbacks):
    user = UserFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        write(user)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_same_key_writes_and_sends_once(django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = write(user, key="seller-1-rejected-7")
        second = write(user, key="seller-1-rejected-7")

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_unknown_template_fails_in_the_callers_transaction():
    with pytest.raises(TemplateDoesNotExist):
        notify(user=UserFactory(), template="no_such_template", context={})
    assert Notification.objects.count() == 0


def test_a_broker_failure_does_not_fail_the_request(django_capture_on_commit_callbacks):
    """The row is committed; the resend job enqueues it later."""
    with (
        mock.patch.object(send_notification, "delay", side_effect=ConnectionError("no broker")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = write(UserFactory())

    notification.refresh_from_db()
    assert notification.sent_at is None
    assert mail.outbox == []


# --- the e-mail ------------------------------------------------------------------------------


def test_email_in_english_plain_text_with_an_absolute_link(settings):
    settings.SITE_URL = "https://market.example.com/"
    user = UserFactory(username="alice", email="alice@example.com", language="en")
    notification = write(user)

    send_notification(notification.pk)

    (email,) = mail.outbox
    assert email.to == ["alice@example.com"]
    # One line, and plain text: nothing HTML-escaped in the subject or the body.
    assert email.subject == "Your onboarding application for “Cloud <Tools> & Co's” was rejected"
    assert "Hello alice," in email.body
    assert 'Name "taken".' in email.body
    assert "https://market.example.com" + reverse("seller:dashboard") in email.body
    assert email.extra_headers["Message-ID"] == f"<{notification.key}@market.example.com>"
    assert email.alternatives == []


def test_email_in_the_recipients_language():
    user = UserFactory(language="zh-hans")
    notification = write(user)

    send_notification(notification.pk)

    (email,) = mail.outbox
    assert email.subject == "您的店铺“Cloud <Tools> & Co's”的入驻申请已被驳回"
    assert "驳回" in email.body
    assert 'Name "taken".' in email.body  # the operator's words, as written


def test_account_without_address_is_closed_without_sending():
    notification = write(UserFactory(email=""))

    assert send_notification(notification.pk) is False

    notification.refresh_from_db()
    assert mail.outbox == []
    assert notification.sent_at is not None
    assert notification.recipient == ""
    assert notification.last_error == "The account has no e-mail address."


# --- idempotent delivery ------------------------------------------------------------------------


def test_running_the_task_twice_sends_once():
    notification = write(UserFactory())

    assert send_notification(notification.pk) is True
    assert send_notification(notification.pk) is False
    send_notification.apply(args=[notification.pk])  # as a redelivered message would

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


def test_a_row_claimed_by_another_worker_is_left_to_it_until_the_claim_expires():
    notification = write(UserFactory())
    with time_machine.travel(NOW, tick=False):
        Notification.objects.filter(pk=notification.pk).update(claimed_at=NOW)
        assert send_notification(notification.pk) is False
    assert mail.outbox == []

    # That worker died while sending: after the claim timeout another one takes over.
    with time_machine.travel(NOW + notifications.CLAIM_TIMEOUT + dt.timedelta(seconds=1)):
        assert send_notification(notification.pk) is True
    assert len(mail.outbox) == 1


def test_a_missing_row_is_not_an_error():
    assert send_notification(987654) is False


# --- failures and the resend job -------------------------------------------------------------


def test_smtp_failure_is_retried_then_left_unsent_for_the_resend_job(settings):
    settings.EMAIL_BACKEND = "tests.core.test_notifications.FailingBackend"
    with time_machine.travel(NOW, tick=False):
        notification = write(UserFactory())

        result = send_notification.apply(args=[notification.pk])

    assert result.failed()  # Celery retried it, eagerly, until max_retries
    assert isinstance(result.result, smtplib.SMTPServerDisconnected)
    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.claimed_at is None  # released for the next attempt
    assert notification.attempts == send_notification.max_retries + 1
    assert "SMTPServerDisconnected" in notification.last_error

    # The server is back; the beat job picks the row up once it is 5 minutes old.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        assert resend_pending_notifications() == 0
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        assert resend_pending_notifications() == 1

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at == NOW + dt.timedelta(minutes=6)
    assert notification.last_error == ""


def test_resend_job_recovers_a_row_whose_enqueue_was_lost():
    with time_machine.travel(NOW, tick=False):
        lost = write(UserFactory())  # committed, never enqueued
        sent = write(UserFactory())
        send_notification(sent.pk)
    mail.outbox.clear()

    with (
        time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False),
        mock.patch.object(send_notification, "delay") as delay,
    ):
        assert resend_pending_notifications() == 1

    delay.assert_called_once_with(lost.pk)


def test_resend_job_skips_live_claims_and_rows_out_of_attempts():
    with time_machine.travel(NOW, tick=False):
        claimed = write(UserFactory())
        exhausted = write(UserFactory())
    Notification.objects.filter(pk=claimed.pk).update(claimed_at=NOW + dt.timedelta(minutes=5))
    Notification.objects.filter(pk=exhausted.pk).update(attempts=notifications.MAX_ATTEMPTS)

    with (
        time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False),
        mock.patch.object(send_notification, "delay") as delay,
    ):
        assert resend_pending_notifications() == 0
    delay.assert_not_called()


def test_resend_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["resend-pending-notifications"]
    assert entry == {
        "task": "marketplace.core.tasks.resend_pending_notifications",
        "schedule": 300.0,
    }
    assert entry["task"] in app.tasks
    assert send_notification.acks_late is True
    assert send_notification.max_retries == 5


# --- admin ---------------------------------------------------------------------------------------


def test_admin_lists_filters_and_searches_read_only(client):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "x")
    client.force_login(operator)
    sent = write(UserFactory(username="sent-seller"))
    send_notification(sent.pk)
    write(UserFactory(username="waiting-seller"))
    url = reverse("admin:core_notification_changelist")

    waiting = client.get(url, {"sent": "no"}).content.decode()
    assert "waiting-seller" in waiting and "sent-seller" not in waiting
    found = client.get(url, {"q": "sent-sell", "template": "seller_rejected"}).content.decode()
    assert "sent-seller" in found and "waiting-seller" not in found
    assert client.get(reverse("admin:core_notification_add")).status_code == 403
    detail = client.get(reverse("admin:core_notification_change", args=[sent.pk]))
    assert detail.status_code == 200
    assert b'name="template"' not in detail.content  # nothing editable

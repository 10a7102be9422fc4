"""Notifications: e-mails to an account about something that happened to it.

`notify()` writes an outbox row (`Notification`) in the caller's transaction and, once
that commits, enqueues `send_notification`. The task calls `notification_send()`, which
claims the row with a conditional UPDATE (as Healthchecks claims its flips), renders the
templates `emails/<template>_subject.txt` and `_body.txt` (and `_body.html` if there is
one) in the recipient's language, sends, and records `sent_at`. Every 5 minutes
`notifications_resend_pending()` enqueues again what was never sent — lost between commit
and enqueue, or failed every retry — so nothing committed is ever lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification

logger = logging.getLogger(__name__)

# A worker that claimed a row and died leaves the claim behind; after this long another
# worker may take the row over. Far longer than any SMTP conversation.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
# Rows unsent this long after being written are enqueued again by the beat job.
RESEND_AFTER = dt.timedelta(minutes=5)
# After this many attempts (each task run tries up to 6 times) a row is left alone:
# its last error is in the admin for an operator to look at.
MAX_ATTEMPTS = 30
RESEND_BATCH = 500


def notify(*, user, template: str, context: dict, key: str | None = None) -> Notification:
    """Write a notification for `user` and send it once the caller's transaction commits.

    Call it inside the transaction of the change it reports: if that rolls back, nothing
    is sent. `context` must be JSON-serialisable (ids, names, the reason …); the templates
    also get `user`, `site_url` and `site_name`. With a `key` the call is idempotent: a
    second notify() with the same key returns the first row and sends nothing more.
    """
    # A typo in the template name should fail here, in the caller's tests, not in a worker.
    get_template(f"emails/{template}_subject.txt")
    get_template(f"emails/{template}_body.txt")
    fields = {"user": user, "template": template, "context": context}
    if key is None:
        notification, created = Notification.objects.create(**fields), True
    else:
        notification, created = Notification.objects.get_or_create(key=key, defaults=fields)
    if created:
        transaction.on_commit(functools.partial(_enqueue, notification.pk))
    return notification


def _enqueue(notification_id: int) -> None:
    from .tasks import send_notification

    try:
        send_notification.delay(notification_id)
    except Exception:
        # The row is committed; the resend job will enqueue it. The change the user just
        # made succeeded, so a broker hiccup must not turn their request into an error.
        logger.exception("could not enqueue notification %s", notification_id)


def notification_send(*, notification_id: int) -> bool:
    """Send one notification unless it is sent or another worker holds it.

    Returns True if it was sent now. Runs in autocommit, outside any transaction, so the
    claim is visible to other workers at once and the slow SMTP call holds no lock.
    If sending fails, the claim is released and the error raised again for the task to
    retry; a crash while sending leaves a claim that expires after CLAIM_TIMEOUT.
    """
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False  # sent already, being sent, or gone
    ours = Notification.objects.filter(pk=notification_id, claimed_at=now)
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    address = notification.user.email
    if not address:
        ours.update(sent_at=timezone.now(), last_error=_("The account has no e-mail address."))
        return False
    try:
        notification_message(notification).send()
    except Exception as exc:
        ours.update(claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    ours.update(sent_at=timezone.now(), recipient=address, last_error="")
    logger.info("notification %s (%s) sent", notification_id, notification.template)
    return True


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of `notification`, written in its recipient's language."""
    user = notification.user
    context = {
        **notification.context,
        "user": user,
        "site_url": settings.SITE_URL.rstrip("/"),
        "site_name": settings.SITE_NAME,
    }
    name = f"emails/{notification.template}"
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        # A subject is one line, whatever the template's line breaks.
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        body = render_to_string(f"{name}_body.txt", context)
        try:
            html = render_to_string(f"{name}_body.html", context)
        except TemplateDoesNotExist:
            html = None
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[user.email],
        headers={"Message-ID": f"<{notification.key}@{domain}>"},
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def notifications_resend_pending() -> int:
    """Enqueue again every row older than RESEND_AFTER that was never sent; the count.

    Covers a crash between commit and enqueue, a broker that was down, and rows whose
    task used up its retries. A row still held by a live claim is left to its worker.
    """
    from .tasks import send_notification

    now = timezone.now()
    pending = (
        Notification.objects.filter(
            sent_at__isnull=True, created_at__lt=now - RESEND_AFTER, attempts__lt=MAX_ATTEMPTS
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("created_at")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )
    ids = list(pending)
    for notification_id in ids:
        send_notification.delay(notification_id)
    if ids:
        logger.info("re-enqueued %d pending notifications", len(ids))
    return len(ids)

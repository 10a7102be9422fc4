"""Kernel models: the transition log every state machine writes to, the notification
outbox, and the heartbeat of the periodic tasks."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransitionLog(models.Model):
    """One row per state change of any object: who, when, from, to, why.

    Rows are only ever inserted (see `marketplace.core.audit.log_transition`); the admin
    shows them read-only.
    """

    # No index of its own: the composite index in Meta leads with it.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("object type"), db_index=False
    )
    object_id = models.CharField(_("object ID"), max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(pgettext_lazy("state change", "from"), max_length=32, blank=True)
    to_state = models.CharField(pgettext_lazy("state change", "to"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Heartbeat(models.Model):
    """Last time a periodic task ran (beat enqueued it, a worker ran it)."""

    name = models.CharField(_("task"), max_length=64, unique=True)
    at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class UploadName(models.Model):
    """The name an uploaded file had on the uploader's computer, for display.

    Files are stored under a short generated key (`marketplace.core.files.new_upload_key`,
    called by the models' `upload_to`), whatever the length or script of their name; this
    row keeps the original name, truncated to 255 characters, for the pages and for the
    download's file name. One row per stored file, whichever model holds it.
    """

    key = models.CharField(_("storage key"), max_length=300, unique=True)
    original_name = models.CharField(_("original name"), max_length=255)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("upload name")
        verbose_name_plural = _("upload names")

    def __str__(self) -> str:
        return self.original_name


def new_notification_key() -> str:
    return uuid.uuid4().hex


class Notification(models.Model):
    """A message to one account (an e-mail for now): an outbox row.

    Written by `marketplace.core.notifications.notify` in the transaction of the change it
    reports, so it exists exactly when the change does. A worker sends it after commit
    and records `sent_at`; `claimed_at` is the lease a worker holds while sending, so two
    workers never send the same row at once (see `notification_send`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    template = models.CharField(_("template"), max_length=100, db_index=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # The caller's idempotency key: notify() with a key it already wrote adds nothing.
    # It is also the e-mail's Message-ID, so a resent copy is recognisably the same one.
    key = models.CharField(
        _("key"), max_length=200, unique=True, default=new_notification_key, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    # The address it went to (the account's at sending time); empty if it had none.
    recipient = models.EmailField(_("recipient"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk}"

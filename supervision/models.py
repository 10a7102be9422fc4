"""Service supervision (05): a case per supervised order, its append-only evidence log,
its evidence files and its appeals.

- `Case.status` is the order's **supervision status** that settlement reads (06): an
  order without a case is "not involved" (`selectors.supervision_status_for_orders`).
  The case's `node` is where it stands in its flow (`flows.py`).
- `CaseLog` rows are only ever inserted: each holds a SHA-256 chained over the previous
  row of its case and its own content (files by their hashes), so a row changed or
  removed afterwards breaks the chain (`manage.py supervision_verify`). `save()` on an
  existing row and `delete()` refuse; on PostgreSQL a trigger refuses UPDATE and DELETE
  (migration 0002) whoever runs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.catalog.models import Product
from marketplace.core.choices import ChoiceLabels
from marketplace.core.files import new_upload_key
from marketplace.core.permissions import is_operator_with
from marketplace.core.private_files import private_storage
from orders.models import License, Order
from sellers.models import Seller

from .flows import FlowCode, Node, Role


class SupervisionStatus(models.TextChoices):
    """The order's supervision status (05, 06: settle only not involved / completed)."""

    NOT_INVOLVED = "not_involved", _("Not involved")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    IN_APPEAL = "in_appeal", _("In appeal")
    CLOSED_BY_REFUND = "closed_by_refund", _("Closed by refund")


# A case is never "not involved": that is the status of an order without a case.
CASE_STATUSES = [c for c in SupervisionStatus.choices if c[0] != SupervisionStatus.NOT_INVOLVED]
SETTLEABLE = (SupervisionStatus.NOT_INVOLVED, SupervisionStatus.COMPLETED)


class Case(ChoiceLabels, models.Model):
    """One supervised order's delivery, node by node (05 › Which orders)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="supervision_case", verbose_name=_("order")
    )
    # Copies of the order's parties and product: the centers' lists filter on them
    # without a join to the orders table, through the composite indexes in Meta, which
    # lead with the seller or the buyer (so neither has an index of its own).
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="supervision_cases",
        verbose_name=_("seller"),
        db_index=False,
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_cases",
        verbose_name=_("buyer"),
        db_index=False,
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    flow = models.CharField(_("flow"), max_length=24, choices=FlowCode.choices)
    node = models.CharField(_("node"), max_length=24, choices=Node.choices)
    status = models.CharField(
        _("supervision status"),
        max_length=16,
        choices=CASE_STATUSES,
        default=SupervisionStatus.IN_PROGRESS,
    )
    node_entered_at = models.DateTimeField(_("node entered at"))
    # Implementation deadline: set on entering a delivery node (flows.DELIVERY_NODES) to
    # then + `delivery_days`; cleared when the seller delivers.
    delivery_days = models.PositiveSmallIntegerField(_("delivery time (days)"))
    due_at = models.DateTimeField(_("deliver by"), null=True, blank=True)
    # Set once by the overdue sweep per overdue period (cleared with `due_at`).
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    result_description = models.TextField(_("result description"), blank=True)
    rejection_count = models.PositiveSmallIntegerField(_("rejections"), default=0)
    opened_at = models.DateTimeField(_("opened at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the completion sweep dealt with the order (completed it, or found it no
    # longer processing): the sweep's work list is the completed cases without it.
    order_synced_at = models.DateTimeField(_("order completed at"), null=True, blank=True)
    # The evidence log's chain: number and hash of its last row (the services lock the
    # case, so the next row is chained without reading the last one).
    log_count = models.PositiveIntegerField(_("log rows"), default=0)
    log_head = models.CharField(_("last log hash"), max_length=64, blank=True)
    # License code flows.
    license = models.ForeignKey(
        License,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("license code"),
        db_index=False,  # indexed where set (Meta)
    )
    # Hardware flow.
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=20, blank=True)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=20, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    signed_for_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    # signed_for_at + SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS when the phones match; empty
    # when they differ (the buyer must accept).
    auto_accept_at = models.DateTimeField(_("accepted automatically at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision case")
        verbose_name_plural = _("supervision cases")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("decide_appeal", _("Can decide supervision appeals")),
            ("confirm_operator_node", _("Can confirm the marketplace node of supervision cases")),
        ]
        indexes = [
            # The lists' first page, newest first, unfiltered (bench/supervision.py).
            models.Index(fields=["seller", "-opened_at", "-id"], name="sup_case_seller_newest"),
            models.Index(fields=["buyer", "-opened_at", "-id"], name="sup_case_buyer_newest"),
            models.Index(fields=["seller", "status", "-opened_at"], name="sup_case_seller_status"),
            models.Index(fields=["buyer", "status", "-opened_at"], name="sup_case_buyer_status"),
            models.Index(fields=["seller", "node"], name="sup_case_seller_node"),
            models.Index(fields=["buyer", "node"], name="sup_case_buyer_node"),
            models.Index(fields=["node", "status"], name="sup_case_node_status"),
            models.Index(fields=["flow", "node"], name="sup_case_flow_node"),
            models.Index(
                fields=["license"], condition=Q(license__isnull=False), name="sup_case_license_set"
            ),
            # The sweeps: overdue, hardware auto-acceptance, order completion.
            models.Index(
                fields=["due_at"],
                condition=Q(overdue_at__isnull=True, due_at__isnull=False),
                name="sup_case_due",
            ),
            models.Index(
                fields=["auto_accept_at"],
                condition=Q(auto_accept_at__isnull=False),
                name="sup_case_auto_accept",
            ),
            models.Index(
                fields=["completed_at"],
                condition=Q(status="completed", order_synced_at__isnull=True),
                name="sup_case_to_sync",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="not_involved"), name="sup_case_status_not_not_involved"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.order_id}"

    @property
    def flow_def(self):
        from .flows import get_flow

        return get_flow(self.flow)

    @property
    def is_frozen(self) -> bool:
        return self.status == SupervisionStatus.IN_APPEAL

    @property
    def is_open(self) -> bool:
        return self.status in (SupervisionStatus.IN_PROGRESS, SupervisionStatus.IN_APPEAL)

    def role_of(self, user) -> set[str]:
        """The roles `user` holds on this case (buyer, seller; operators not included)."""
        roles = set()
        if user is None or not getattr(user, "is_authenticated", False):
            return roles
        if user.pk == self.buyer_id:
            roles.add(Role.BUYER)
        if user.pk == self.seller.user_id:
            roles.add(Role.SELLER)
        return roles


def can_view_case(user, case: Case) -> bool:
    """The two parties and the operators allowed to view cases (05 › Evidence files)."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return bool(case.role_of(user)) or is_operator_with(user, "supervision.view_case")


class LogImmutable(Exception):
    """A log row was about to be changed or deleted."""


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class CaseLog(models.Model):
    """One operation on a case (05 › Acting on a case: every action writes the log)."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="log", verbose_name=_("case")
    )
    seq = models.PositiveIntegerField(_("number"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    action = models.CharField(_("action"), max_length=32)
    from_node = models.CharField(pgettext_lazy("state change", "from"), max_length=24, blank=True)
    to_node = models.CharField(pgettext_lazy("state change", "to"), max_length=24, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # [{"name": original name, "sha256": ..., "path": storage key}, ...]
    files = models.JSONField(_("files"), default=list, blank=True)
    # What else the action recorded (carrier and tracking, a decision, a license code).
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("case log entry")
        verbose_name_plural = _("case log")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="sup_log_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    # Its save() only refuses changes: core.rawsave may insert rows (log_append).
    RAWSAVE_INSERTS = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LogImmutable("case log rows can't be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LogImmutable("case log rows can't be deleted")

    def content(self) -> dict:
        """What the hash covers: every field of the row but the hashes themselves."""
        return {
            "case": self.case_id,
            "seq": self.seq,
            "actor": self.actor_id,
            "role": self.role,
            "action": self.action,
            "from_node": self.from_node,
            "to_node": self.to_node,
            "comment": self.comment,
            "files": self.files,
            "data": self.data,
            "created_at": _utc(self.created_at),
        }

    def compute_hash(self) -> str:
        payload = (self.prev_hash or "") + canonical_json(self.content())
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def evidence_upload_to(instance, filename: str) -> str:
    # A generated key; the original name is kept on the row and in UploadName.
    return new_upload_key("supervision", filename)


class Appeal(ChoiceLabels, models.Model):
    """申诉: a party asks an operator to decide (05 › Appeals). While one is open the
    case is frozen."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")

    class Decision(models.TextChoices):
        FORCE_COMPLETE = "force_complete", _("Complete the case")
        RETURN_TO_SELLER = "return_to_seller", _("Return to the seller")
        REFUND = "refund", _("Refund and unsubscribe")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("case")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appealed by"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    reason = models.TextField(_("reason"))
    # The node the case was frozen at.
    node = models.CharField(_("node"), max_length=24, choices=Node.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("appealed at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="sup_appeal_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="sup_one_open_appeal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"


class EvidenceFile(models.Model):
    """A file a party (or an operator) attached to a case: acceptance documents, a
    design, proof for an appeal. Private: only the parties and operators get a link."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("case")
    )
    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("appeal"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    # The log row (case, seq) that recorded it.
    log_seq = models.PositiveIntegerField(_("log entry"))
    file = models.FileField(
        _("file"), upload_to=evidence_upload_to, storage=private_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    created_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["case_id", "id"]
        indexes = [models.Index(fields=["case", "log_seq"], name="sup_evidence_case_seq")]

    def __str__(self) -> str:
        return self.original_name

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The case's two parties and operators who may view cases (05 › Evidence)."""
        if field_name != "file":
            return False
        return can_view_case(user, self.case)

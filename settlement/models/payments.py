"""Payment requests 申请支付 and the seller's invoices to the marketplace (06 › Payment
request; issue 12 §6). Each transition is a service that locks the row, checks the
state machine below and writes a `TransitionLog` row (marketplace.core.audit)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.choices import ChoiceLabels
from marketplace.core.permissions import is_operator_with
from marketplace.core.private_files import private_storage
from marketplace.core.statemachine import StateMachine, Transition

from .billing import Bill
from .common import MONEY, invoice_upload_to


class PaymentRequest(ChoiceLabels, models.Model):
    """The seller asks the marketplace to pay an issued bill; an operator approves it or
    rejects it with a reason, after which the seller may fix and ask again (a new row).
    At most one request per bill waits for a decision."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    bill = models.ForeignKey(
        Bill,
        on_delete=models.PROTECT,
        related_name="payment_requests",
        verbose_name=_("bill"),
        db_index=False,  # the (bill, -requested_at) index below
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    note = models.TextField(_("note"), blank=True)  # the seller's
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason for rejecting"), blank=True)

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("decide_paymentrequest", _("Can approve or reject payment requests"))]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="settlement_payreq_queue"),
            models.Index(fields=["bill", "-requested_at"], name="settlement_payreq_bill"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=models.Q(status="requested"),
                name="settlement_one_open_payment_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bill} ({self.get_status_display()})"


PAYMENT_REQUEST_STATUS = StateMachine(
    field="status",
    states=PaymentRequest.Status,
    transitions=[
        Transition("approve", ("requested",), "approved"),
        Transition("reject", ("requested",), "rejected"),
    ],
)


class SellerInvoice(ChoiceLabels, models.Model):
    """The seller's VAT special invoice 增值税专用发票 to the marketplace for a bill whose
    `invoice_required` is set: uploaded, then mailed (carrier and tracking number). A
    payment request of such a bill may be made once its invoice is mailed; an operator
    marks it received, or rejects it (the seller uploads a new one). At most one invoice
    per bill that is not rejected."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, not yet mailed")
        MAILED = "mailed", _("Mailed")
        RECEIVED = "received", _("Received")
        REJECTED = "rejected", _("Rejected")

    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="seller_invoices", verbose_name=_("bill")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    invoice_number = models.CharField(_("invoice number"), max_length=50)
    invoice_date = models.DateField(_("invoice date"))
    amount = models.DecimalField(_("amount (tax incl.)"), **MONEY)
    file = models.FileField(
        _("invoice file"), upload_to=invoice_upload_to, storage=private_storage, max_length=300
    )
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reason = models.TextField(_("reason for rejecting"), blank=True)

    class Meta:
        verbose_name = _("seller invoice to the marketplace")
        verbose_name_plural = _("seller invoices to the marketplace")
        ordering = ["-uploaded_at", "-id"]
        permissions = [
            (
                "receive_sellerinvoice",
                _("Can receive or reject sellers' invoices to the marketplace"),
            )
        ]
        indexes = [models.Index(fields=["status", "uploaded_at"], name="settlement_invoice_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=~models.Q(status="rejected"),
                name="settlement_one_live_invoice_per_bill",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="settlement_invoice_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The bill's seller and operators who may view bills."""
        if field_name != "file" or user is None or not user.is_authenticated:
            return False
        return user.pk == self.bill.seller.user_id or is_operator_with(user, "settlement.view_bill")


SELLER_INVOICE_STATUS = StateMachine(
    field="status",
    states=SellerInvoice.Status,
    transitions=[
        Transition("mail", ("uploaded",), "mailed"),
        Transition("receive", ("mailed",), "received"),
        Transition("reject", ("uploaded", "mailed"), "rejected"),
    ],
)

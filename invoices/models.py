"""Invoices a buyer asks for and the issuer sends (06 › Invoicing 发票, issue 13).

- `InvoiceTitle` and `MailingAddress` are the buyer's address book; a request copies the
  chosen ones (a later edit or deletion never changes an invoice asked for).
- `InvoiceRequest` is one invoice for one or more paid orders of one seller. Its issuer
  follows `settings.INVOICE_SELLER_ISSUES_FROM`: the seller for orders placed from then
  on, the marketplace (operators, in the admin) for earlier ones.
- `InvoiceRequestOrder` ties orders to a request. `live` is true while the request is
  requested / issued / mailed; a partial unique index on (order) where live makes the
  database, not a read-then-write check, decide between two concurrent requests.
- `RedLetterInvoice`: an invoiced order refunded later needs a credit invoice from the
  same issuer (recorded by the beat sweep, issued through the same upload flow).
- `SellerInvoiceSettings`: whether a seller issues e-invoices at all.

History: every transition goes through `marketplace.core.audit.move_to`, which writes a
`TransitionLog` row (shown to both parties and read-only in the admin).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.core.choices import ChoiceLabels
from marketplace.core.files import new_upload_key
from marketplace.core.private_files import private_storage
from marketplace.core.statemachine import StateMachine, Transition
from orders.models import Order
from sellers.models import Seller

MONEY = {"max_digits": 14, "decimal_places": 2}


def invoice_upload_to(instance, filename: str) -> str:
    return new_upload_key("invoices", filename)


class InvoiceTitle(models.Model):
    """A buyer's invoice title 发票抬头: a company (with its tax number; bank and
    registered address for VAT special invoices) or a person."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSONAL = "personal", _("Personal")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invoice_titles",
        verbose_name=_("buyer"),
    )
    kind = models.CharField(_("title type"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("title"), max_length=200)
    tax_number = models.CharField(_("tax number"), max_length=18, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    registered_address = models.CharField(_("registered address"), max_length=200, blank=True)
    registered_phone = models.CharField(_("registered phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice title")
        verbose_name_plural = _("invoice titles")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def vat_ready(self) -> bool:
        """Enough for a VAT special invoice 增值税专用发票: a company with bank and address."""
        return bool(
            self.kind == self.Kind.COMPANY
            and self.tax_number
            and self.bank_name
            and self.bank_account
            and self.registered_address
            and self.registered_phone
        )


class MailingAddress(models.Model):
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mailing_addresses",
        verbose_name=_("buyer"),
    )
    recipient = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30)
    address = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mailing address")
        verbose_name_plural = _("mailing addresses")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient}, {self.address}"


class SellerInvoiceSettings(models.Model):
    seller = models.OneToOneField(
        Seller, on_delete=models.CASCADE, related_name="invoice_settings", verbose_name=_("seller")
    )
    issues_e_invoices = models.BooleanField(_("issues e-invoices"), default=True)

    class Meta:
        verbose_name = _("seller invoice settings")
        verbose_name_plural = _("seller invoice settings")

    def __str__(self) -> str:
        return str(self.seller)


class InvoiceRequest(ChoiceLabels, models.Model):
    class Issuer(models.TextChoices):
        SELLER = "seller", _("Seller")
        MARKETPLACE = "marketplace", _("Marketplace")

    class Kind(models.TextChoices):
        E_INVOICE = "e_invoice", _("E-invoice")
        PAPER_VAT = "paper_vat", _("Paper VAT special invoice")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        MAILED = "mailed", _("Mailed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE = (Status.REQUESTED, Status.ISSUED, Status.MAILED)
    DONE = (Status.ISSUED, Status.MAILED)

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invoice_requests",
        verbose_name=_("buyer"),
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="invoice_requests", verbose_name=_("seller")
    )
    issuer = models.CharField(_("issuer"), max_length=12, choices=Issuer.choices)
    kind = models.CharField(_("invoice type"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    # The title as chosen (a snapshot).
    title_kind = models.CharField(_("title type"), max_length=10, choices=InvoiceTitle.Kind.choices)
    title_name = models.CharField(_("title"), max_length=200)
    tax_number = models.CharField(_("tax number"), max_length=18, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    registered_address = models.CharField(_("registered address"), max_length=200, blank=True)
    registered_phone = models.CharField(_("registered phone"), max_length=30, blank=True)
    # The mailing address as chosen (paper invoices only).
    recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    recipient_phone = models.CharField(_("phone"), max_length=30, blank=True)
    mailing_address = models.CharField(_("mailing address"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("issue by"))
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    file = models.FileField(
        _("invoice file"), upload_to=invoice_upload_to, storage=private_storage, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    orders = models.ManyToManyField(
        Order, through="InvoiceRequestOrder", related_name="+", verbose_name=_("orders")
    )

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("issue_marketplace_invoice", _("Can issue marketplace invoices"))]
        indexes = [
            models.Index(fields=["buyer", "-requested_at"]),
            models.Index(fields=["seller", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return _("Invoice request %(number)s") % {"number": self.pk}

    @property
    def is_overdue(self) -> bool:
        return self.overdue_flagged_at is not None and self.status == self.Status.REQUESTED

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The buyer, the seller, and operators who may view invoice requests."""
        if not user.is_authenticated:
            return False
        if user.pk == self.buyer_id or user.pk == self.seller.user_id:
            return True
        return user.is_staff and user.has_perm("invoices.view_invoicerequest")


INVOICE_STATUS = StateMachine(
    field="status",
    states=InvoiceRequest.Status,
    transitions=[
        Transition("issue", ("requested",), "issued"),
        Transition("mail", ("requested", "issued"), "mailed"),
        Transition("reject", ("requested",), "rejected"),
        Transition("cancel", ("requested",), "cancelled"),
    ],
)


class InvoiceRequestOrder(models.Model):
    request = models.ForeignKey(
        InvoiceRequest,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("invoice request"),
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    # True while the request is live (requested, issued, mailed): an order is in at most
    # one live request, enforced by the index below (two concurrent requests: one wins).
    live = models.BooleanField(_("live"), default=True)

    class Meta:
        verbose_name = _("invoiced order")
        verbose_name_plural = _("invoiced orders")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(live=True), name="one_live_invoice_per_order"
            ),
        ]

    def __str__(self) -> str:
        return str(self.order_id)


class RedLetterInvoice(ChoiceLabels, models.Model):
    """A credit invoice 红字发票 due from the issuer for an invoiced order refunded later."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        ISSUED = "issued", _("Issued")

    request = models.ForeignKey(
        InvoiceRequest,
        on_delete=models.PROTECT,
        related_name="red_letters",
        verbose_name=_("invoice request"),
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="due")
    file = models.FileField(
        _("invoice file"), upload_to=invoice_upload_to, storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("red-letter invoice")
        verbose_name_plural = _("red-letter invoices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="one_red_letter_per_order")
        ]

    def __str__(self) -> str:
        return _("Red-letter invoice %(number)s") % {"number": self.pk}

    def can_view_private_file(self, user, field_name: str) -> bool:
        return self.request.can_view_private_file(user, field_name)


RED_LETTER_STATUS = StateMachine(
    field="status",
    states=RedLetterInvoice.Status,
    transitions=[Transition("issue", ("due",), "issued")],
)

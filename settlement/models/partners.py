"""Customer-service partners 客户服务商 (06 › Customer service partner share; issue 12 §2,
§7): the partner, its bindings to buyers, its share terms per product type, and its
share bill per period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import DeliveryType
from marketplace.core.permissions import is_operator_with
from marketplace.core.private_files import private_storage
from marketplace.core.statemachine import StateMachine, Transition

from .common import MONEY, RATIO, invoice_upload_to, ratio_between_0_and_1
from .policies import ImmutableOnceInForce, VersionedQuerySet


class Partner(models.Model):
    """A partner organisation that binds customers and earns a share of their orders.
    `user`, when set, signs in to the partner's small center (share bills, countersign,
    its invoice to the marketplace)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlement_partner",
        verbose_name=_("account"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer service partner")
        verbose_name_plural = _("customer service partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerBinding(models.Model):
    """A buyer bound to a partner from `valid_from` until `valid_to` (open: still bound).
    A buyer has at most one binding at any instant (checked by
    `services.partner_binding_create`)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="bindings", verbose_name=_("partner")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="partner_bindings",
        verbose_name=_("customer"),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("partner binding")
        verbose_name_plural = _("partner bindings")
        ordering = ["buyer_id", "-valid_from"]
        indexes = [
            # The billing run's lookup: the buyer's binding at an instant.
            models.Index(fields=["buyer", "valid_from"], name="settlement_binding_buyer"),
            models.Index(fields=["partner", "-valid_from"], name="settlement_binding_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="settlement_binding_dates_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} ↔ {self.buyer}"


class PartnerTerms(ImmutableOnceInForce):
    """One version of a partner's share terms for a product type (06 › Customer service
    partner share), in force from `effective_from` until the next version of the same
    partner and type.

    - price share 成交价分成: share base = the order's paid amount (tax incl.);
    - floor price 底价折扣分成: share base = paid amount − `floor_price` × units
      (units = quantity × periods; never below 0);
    then partner amount = base × ratio ÷ (1 + output VAT) × (1 + service-fee VAT),
    rounded half up to the cent once (`settlement.amounts`)."""

    class Mode(models.TextChoices):
        PRICE_SHARE = "price_share", _("Price share")
        FLOOR_PRICE = "floor_price", _("Floor-price discount share")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="terms", verbose_name=_("partner")
    )
    product_type = models.CharField(_("product type"), max_length=20, choices=DeliveryType.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    ratio = models.DecimalField(_("partner ratio"), **RATIO)
    # Tax incl., per unit of the order (one unit for one period); floor-price mode only.
    floor_price = models.DecimalField(_("floor price"), null=True, blank=True, **MONEY)
    output_vat_rate = models.DecimalField(_("product output VAT rate"), **RATIO)
    service_fee_vat_rate = models.DecimalField(_("service-fee VAT rate"), **RATIO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner terms version")
        verbose_name_plural = _("partner terms versions")
        ordering = ["partner_id", "product_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product_type", "effective_from"],
                name="settlement_one_terms_per_instant",
            ),
            ratio_between_0_and_1("ratio", "settlement_terms_ratio_0_1"),
            ratio_between_0_and_1("output_vat_rate", "settlement_terms_output_vat_0_1"),
            ratio_between_0_and_1("service_fee_vat_rate", "settlement_terms_service_vat_0_1"),
            models.CheckConstraint(
                condition=models.Q(floor_price__isnull=True) | models.Q(floor_price__gte=0),
                name="settlement_terms_floor_price_gte_0",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode="floor_price") | models.Q(floor_price__isnull=False),
                name="settlement_terms_floor_mode_has_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.product_type} {self.mode} {self.ratio}"


class PartnerShareBill(models.Model):
    """A partner's share of one period: the sum of `BillLine.partner_amount` of its lines
    on that period's bills (made by the billing run once every seller of the period is
    done). The partner countersigns it, then invoices the marketplace (VAT special
    invoice, mailed, tracking recorded); payment waits for the invoice (06 › Invoicing)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Waiting for countersignature")
        COUNTERSIGNED = "countersigned", _("Countersigned, waiting for the invoice")
        INVOICED = "invoiced", _("Invoice mailed")
        RECEIVED = "received", _("Invoice received, waiting for payment")
        PAID = "paid", _("Paid")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="share_bills", verbose_name=_("partner")
    )
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.ISSUED
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    share_total = models.DecimalField(_("share (tax incl.)"), default=0, **MONEY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    countersigned_at = models.DateTimeField(_("countersigned at"), null=True, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    # The partner's VAT special invoice to the marketplace.
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    invoice_file = models.FileField(
        _("invoice"),
        upload_to=invoice_upload_to,
        storage=private_storage,
        blank=True,
        max_length=300,
    )
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    received_at = models.DateTimeField(_("invoice received at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner share bill")
        verbose_name_plural = _("partner share bills")
        ordering = ["-period", "partner_id"]
        permissions = [
            (
                "settle_partnersharebill",
                _("Can receive partners' invoices and mark share bills paid"),
            )
        ]
        indexes = [models.Index(fields=["status", "period"], name="settlement_share_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period"], name="settlement_one_share_bill_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.period}"

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The partner's own account and operators who may view share bills."""
        if field_name != "invoice_file" or user is None or not user.is_authenticated:
            return False
        return user.pk == self.partner.user_id or is_operator_with(
            user, "settlement.view_partnersharebill"
        )


PARTNER_SHARE_BILL_STATUS = StateMachine(
    field="status",
    states=PartnerShareBill.Status,
    transitions=[
        Transition("countersign", ("issued",), "countersigned"),
        Transition("invoice", ("countersigned",), "invoiced"),
        # The next step waits for the partner's invoice: paid only once it is received.
        Transition("receive_invoice", ("invoiced",), "received"),
        Transition("pay", ("received",), "paid"),
    ],
)

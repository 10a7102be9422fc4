"""Billing runs 出账, bills, bill lines and carry-overs (06 › Monthly billing run; issue 12
§3, §4).

Idempotency lives in the unique constraints, not only in checks:
- one `Bill` and at most one `CarryOver` decision per (seller, product type, period);
- one normal `BillLine` per order, and one refund line per (order, cumulative refunded
  amount seen) — so no rerun, resumed run or concurrent run can bill an order twice.

Carry-over: an eligible order that is not billed has no line; it stays "unbilled
eligible" and is picked up by the first later run whose group total reaches the
threshold. The run records each group it left below the threshold as a `CarryOver` row
(what was carried out of that period), and the line that finally bills an order carries
`eligible_at` / `carried_over` (carried in from an earlier period).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import DeliveryType
from marketplace.core.choices import ChoiceLabels
from marketplace.core.statemachine import StateMachine, Transition
from orders.models import Order
from sellers.models import Seller

from .common import MONEY, RATIO
from .partners import Partner, PartnerTerms
from .policies import FeePolicy


class SettlementRun(models.Model):
    """One invocation of the billing run (beat job, `manage.py settlement_run`, the
    admin's re-run): what it was asked, what it made and how long it took. A run that
    failed or was killed leaves its row (`failed` / `running`); the next run of the same
    period completes the work."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only seller"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    source = models.CharField(_("started by"), max_length=20, blank=True)  # beat/command/admin
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    sellers_done = models.PositiveIntegerField(_("sellers done"), default=0)
    bills_created = models.PositiveIntegerField(_("bills created"), default=0)
    lines_created = models.PositiveIntegerField(_("lines created"), default=0)
    refund_lines_created = models.PositiveIntegerField(_("refund lines created"), default=0)
    carry_overs_created = models.PositiveIntegerField(_("carry-overs recorded"), default=0)
    share_bills_created = models.PositiveIntegerField(_("partner share bills created"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-started_at", "-id"]
        permissions = [("run_settlement", _("Can start a billing run"))]
        indexes = [models.Index(fields=["period", "-started_at"], name="settlement_run_period")]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class Bill(ChoiceLabels, models.Model):
    """A seller's bill for one product type and one period (the month billed). Made by
    the billing run, already issued; its totals are the sums of its lines and never
    change after (later refunds go to a later bill)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PAYMENT_REQUESTED = "payment_requested", _("Payment requested")
        PAID = "paid", _("Paid")

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="settlement_bills", verbose_name=_("seller")
    )
    product_type = models.CharField(_("product type"), max_length=20, choices=DeliveryType.choices)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"), max_length=18, choices=Status.choices, default=Status.ISSUED
    )
    run = models.ForeignKey(
        SettlementRun,
        on_delete=models.PROTECT,
        related_name="bills",
        verbose_name=_("billing run"),
    )
    # Joint-operation (and marketplace-selected) products: the seller's VAT special
    # invoice to the marketplace must be mailed before payment (06 › Payment request).
    invoice_required = models.BooleanField(_("invoice to the marketplace required"), default=False)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    gross_total = models.DecimalField(_("gross"), default=0, **MONEY)
    refund_total = models.DecimalField(_("refunds"), default=0, **MONEY)  # ≤ 0
    carried_in_total = models.DecimalField(
        _("carried over from earlier months"), default=0, **MONEY
    )
    fee_total = models.DecimalField(_("operations management fee"), default=0, **MONEY)
    partner_total = models.DecimalField(_("partner share"), default=0, **MONEY)
    net_total = models.DecimalField(_("seller net"), default=0, **MONEY)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period", "product_type", "id"]
        indexes = [
            models.Index(fields=["seller", "-period"], name="settlement_bill_seller"),
            models.Index(fields=["period", "status"], name="settlement_bill_period"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "product_type", "period"], name="settlement_one_bill_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.product_type} {self.period}"


BILL_STATUS = StateMachine(
    field="status",
    states=Bill.Status,
    transitions=[
        Transition("request_payment", ("issued",), "payment_requested"),
        Transition("approve_payment", ("payment_requested",), "paid"),
        Transition("reject_payment", ("payment_requested",), "issued"),
    ],
)


class BillLine(ChoiceLabels, models.Model):
    """One order's amounts on a bill, with every intermediate value (issue 12 §4), so a
    line can be checked by hand (`settlement.explain.line_explain`) and re-derived from
    its order (`manage.py settlement_check`).

    - normal line: gross = the order's paid amount; one per order.
    - refund line: gross = −(what the order has refunded so far − what earlier lines
      already took off), on the first bill after the refund; `refunded_total` (the
      cumulative refund it accounts up to) makes it unique. It copies the policy and
      partner terms of the order's normal line (`refund_of`).

    Amounts (`settlement.amounts`, ROUND_HALF_UP to the cent, once per amount):
      fee = gross × fee_ratio
      partner_amount = partner_base × partner_ratio ÷ (1 + output VAT) × (1 + service VAT)
      seller_net = gross − fee − partner_amount
    """

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Order")
        REFUND = "refund", _("Refund")

    bill = models.ForeignKey(
        Bill,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("bill"),
        db_index=False,  # the (bill, id) index below
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="bill_lines",
        verbose_name=_("order"),
        db_index=False,  # the two unique indexes below lead with it
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund of line"),
        db_index=False,
    )
    # The order's cumulative refunded amount this line accounts up to (0 on normal lines).
    refunded_total = models.DecimalField(_("refunded so far"), default=0, **MONEY)
    # The instant the fee policy, the partner binding and the terms were chosen at: the
    # order's effective time, or its payment for a renewal paid before it took effect.
    policy_at = models.DateTimeField(_("policy time"), null=True, blank=True)
    # When the order met all eligibility rules (normal lines); before the bill's period
    # means the amount was carried over from an earlier month.
    eligible_at = models.DateTimeField(_("eligible since"), null=True, blank=True)
    carried_over = models.BooleanField(_("carried over"), default=False)
    gross = models.DecimalField(_("gross"), **MONEY)
    fee_policy = models.ForeignKey(
        FeePolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fee policy version"),
        db_index=False,
    )
    fee_ratio = models.DecimalField(_("fee ratio"), default=0, **RATIO)
    fee = models.DecimalField(_("operations management fee"), default=0, **MONEY)
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
        db_index=False,  # the partial (partner, bill) index below
    )
    partner_terms = models.ForeignKey(
        PartnerTerms,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner terms version"),
        db_index=False,
    )
    partner_mode = models.CharField(
        _("partner mode"), max_length=12, choices=PartnerTerms.Mode.choices, blank=True
    )
    partner_units = models.PositiveIntegerField(_("units"), default=0)  # quantity × periods
    partner_floor = models.DecimalField(_("floor price per unit"), null=True, blank=True, **MONEY)
    partner_base = models.DecimalField(_("share base"), default=0, **MONEY)
    partner_ratio = models.DecimalField(_("partner ratio"), default=0, **RATIO)
    output_vat_rate = models.DecimalField(_("product output VAT rate"), default=0, **RATIO)
    service_fee_vat_rate = models.DecimalField(_("service-fee VAT rate"), default=0, **RATIO)
    partner_amount = models.DecimalField(_("partner share"), default=0, **MONEY)
    seller_net = models.DecimalField(_("seller net"), **MONEY)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill_id", "id"]
        indexes = [
            models.Index(fields=["bill", "id"], name="settlement_line_bill"),
            models.Index(
                fields=["partner", "bill"],
                condition=models.Q(partner__isnull=False),
                name="settlement_line_partner",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="normal"),
                name="settlement_one_normal_line_per_order",
            ),
            models.UniqueConstraint(
                fields=["order", "refunded_total"],
                condition=models.Q(kind="refund"),
                name="settlement_one_refund_line_per_refund",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="normal", gross__gte=0, refunded_total=0)
                    | models.Q(kind="refund", gross__lt=0, refunded_total__gt=0)
                ),
                name="settlement_line_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}:{self.order_id} {self.kind} {self.gross}"


class CarryOver(models.Model):
    """A (seller, product type) group the run of `period` left unbilled because its
    accumulated eligible amount was below the threshold (06 rule 4: 1,000 yuan). The
    orders stay unbilled and join the first later bill of the group."""

    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="settlement_carry_overs",
        verbose_name=_("seller"),
    )
    product_type = models.CharField(_("product type"), max_length=20, choices=DeliveryType.choices)
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    amount = models.DecimalField(_("amount carried over"), **MONEY)
    line_count = models.PositiveIntegerField(_("orders and refunds"), default=0)
    run = models.ForeignKey(
        SettlementRun,
        on_delete=models.PROTECT,
        related_name="carry_overs",
        verbose_name=_("billing run"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("carry-over")
        verbose_name_plural = _("carry-overs")
        ordering = ["-period", "product_type"]
        indexes = [models.Index(fields=["seller", "-period"], name="settlement_carry_seller")]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "product_type", "period"], name="settlement_one_carry_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.product_type} {self.period} {self.amount}"

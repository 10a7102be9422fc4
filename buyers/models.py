"""The buyer's money (03-orders › Pay): wallet balance, credit line, cash coupons, the
ledger every movement is written to, top-ups through a payment provider, monthly credit
bills, and the seller vouchers a buyer received.

Invariants (checked by `manage.py ledger_check`):
- `Wallet.balance` equals the sum of the wallet's BALANCE ledger entries;
- `Wallet.credit_used` equals minus the sum of its CREDIT entries;
- `CashCoupon.remaining` equals its amount plus the sum of its COUPON entries.
Balances are kept as columns so that a payment is one conditional UPDATE
(`balance >= amount`), and the ledger row is written in the same transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Product
from sellers.models import Seller

MONEY = {"max_digits": 14, "decimal_places": 2}


def new_reference() -> str:
    return uuid.uuid4().hex


class Wallet(models.Model):
    """One per buyer account, created on first use."""

    buyer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallet",
        verbose_name=_("buyer"),
    )
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    credit_limit = models.DecimalField(_("credit limit"), default=0, **MONEY)
    credit_used = models.DecimalField(_("credit used"), default=0, **MONEY)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        permissions = [
            ("top_up_wallet", _("Can top up a buyer's wallet")),
            ("set_credit_limit", _("Can set a buyer's credit limit")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="wallet_balance_gte_0"),
            models.CheckConstraint(
                condition=models.Q(credit_used__gte=0), name="wallet_credit_used_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(credit_used__lte=models.F("credit_limit")),
                name="wallet_credit_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return str(self.buyer)

    @property
    def credit_available(self):
        return self.credit_limit - self.credit_used


class CashCoupon(models.Model):
    """A cash coupon 现金券 issued by an operator to one buyer; spent like balance where
    the product's credit control allows cash coupons."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        USED_UP = "used_up", _("Used up")
        REVOKED = "revoked", _("Revoked")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cash_coupons",
        verbose_name=_("buyer"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    remaining = models.DecimalField(_("remaining"), **MONEY)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("issued by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cash coupon")
        verbose_name_plural = _("cash coupons")
        permissions = [("issue_cash_coupon", _("Can issue cash coupons"))]
        indexes = [models.Index(fields=["buyer", "status", "valid_until"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="coupon_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0) & models.Q(remaining__lte=models.F("amount")),
                name="coupon_remaining_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.remaining})"


class TopUp(models.Model):
    """A top-up through a payment provider: created pending, the buyer is redirected to
    the provider's page, the provider's signed notification completes it. Idempotent on
    the provider's transaction id (unique)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")

    reference = models.CharField(
        _("reference"), max_length=32, unique=True, default=new_reference, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="top_ups",
        verbose_name=_("buyer"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    provider = models.CharField(_("provider"), max_length=30)
    provider_txn_id = models.CharField(
        _("provider transaction ID"), max_length=64, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        indexes = [models.Index(fields=["buyer", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="topup_amount_gt_0")
        ]

    def __str__(self) -> str:
        return self.reference


class CreditBill(models.Model):
    """The monthly bill of credit-line spending 信用额度账单 (Beijing calendar month).

    The buyer repays the whole bill from the balance; repayment marks every order paid
    on credit in that month as repaid (settlement reads that)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not yet repaid")
        REPAID = "repaid", _("Repaid")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_bills",
        verbose_name=_("buyer"),
    )
    period = models.CharField(_("month"), max_length=7, help_text="YYYY-MM")
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    repaid_at = models.DateTimeField(_("repaid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit bill")
        verbose_name_plural = _("credit bills")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "period"], name="unique_credit_bill_period")
        ]

    def __str__(self) -> str:
        return f"{self.buyer} {self.period}"


class LedgerEntry(models.Model):
    """One movement of one of a buyer's money accounts. Only ever inserted.

    `amount` is signed from the buyer's point of view: + money in (top-up, refund,
    coupon issued, credit repaid), − money out (payment, credit spent). For the CREDIT
    account the running figure is what is still available: spending is −, repaying +.
    `key` makes each movement happen once (e.g. `pay:<order>:balance`).
    """

    class Account(models.TextChoices):
        BALANCE = "balance", _("Balance")
        CREDIT = "credit", _("Credit line")
        COUPON = "coupon", _("Cash coupon")

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        OPERATOR_TOP_UP = "operator_top_up", _("Top-up by an operator")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        CREDIT_REPAYMENT = "credit_repayment", _("Credit bill repayment")
        COUPON_ISSUE = "coupon_issue", _("Cash coupon issued")
        COUPON_REVOKE = "coupon_revoke", _("Cash coupon revoked")

    # Indexes (every entry written pays for each): the wallet's lead the composite ones
    # in Meta; the optional links are indexed where set (partial indexes, in Meta).
    wallet = models.ForeignKey(
        Wallet,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("wallet"),
        db_index=False,
    )
    account = models.CharField(_("account"), max_length=10, choices=Account.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    # The account's figure after this entry (balance, credit available, coupon remaining).
    balance_after = models.DecimalField(_("after"), **MONEY)
    key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    order_number = models.CharField(_("order"), max_length=32, blank=True)
    top_up = models.ForeignKey(
        TopUp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("top-up"),
        db_index=False,
    )
    coupon = models.ForeignKey(
        CashCoupon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("cash coupon"),
        db_index=False,
    )
    credit_bill = models.ForeignKey(
        CreditBill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("credit bill"),
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["wallet", "account", "-created_at"]),
            models.Index(fields=["wallet", "-created_at"]),
            # Looked up by equality only (no LIKE): no pattern-ops twin.
            models.Index(fields=["order_number"], name="ledger_order_number"),
            *(
                models.Index(
                    fields=[link],
                    condition=models.Q(**{f"{link}__isnull": False}),
                    name=f"ledger_{link}_set",
                )
                for link in ("top_up", "coupon", "credit_bill", "actor")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Voucher(models.Model):
    """A seller voucher 代金券 (01-sellers › Vouchers): an amount off an order of the
    seller's listed products (all of them, or the ones chosen), within validity."""

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("seller")
    )
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount"), **MONEY)
    min_order_amount = models.DecimalField(_("minimum order amount"), default=0, **MONEY)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="+",
        verbose_name=_("applicable products"),
        help_text=_("none chosen: all of the seller's products"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="voucher_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="voucher_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VoucherGrant(models.Model):
    """A voucher issued to one customer. Used once: AVAILABLE → USED by one conditional
    UPDATE when the order is paid."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        USED = "used", _("Used")

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="grants", verbose_name=_("voucher")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="voucher_grants",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    order_number = models.CharField(_("order"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("voucher issued")
        verbose_name_plural = _("vouchers issued")
        indexes = [models.Index(fields=["buyer", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "buyer"], name="unique_voucher_grant")
        ]

    def __str__(self) -> str:
        return f"{self.voucher} → {self.buyer}"

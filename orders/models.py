"""Orders, subscriptions, unsubscriptions, refunds, signed agreements, private offers,
and the outbox of calls to sellers' servers (03-orders, 04-isv-integration).

State machines are declared next to each model (`ORDER_STATUS`, ...); the services
check them, and the README's diagrams are generated from them
(`manage.py state_diagrams`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buyers.models import VoucherGrant
from marketplace.catalog.models import BillingMode, DeliveryType, Product, Region, Spec
from marketplace.core.choices import ChoiceLabels
from marketplace.core.statemachine import StateMachine, Transition
from sellers.models import Seller

MONEY = {"max_digits": 14, "decimal_places": 2}


def new_order_number() -> str:
    """Date-prefixed and random: sortable by day, not guessable, 20 characters."""
    return timezone.localtime().strftime("%Y%m%d") + secrets.token_hex(6).upper()


class PrivateOffer(models.Model):
    """专属优惠: a seller's discount for one buyer on one product for a period."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percentage off")
        AMOUNT = "amount", _("Amount off")

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="private_offers", verbose_name=_("seller")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="private_offers", verbose_name=_("product")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="private_offers",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("discount"), max_length=10, choices=Kind.choices)
    # Percent: 1–99 (% off the list amount); amount: yuan off the order.
    value = models.DecimalField(_("value"), **MONEY)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("private offer")
        verbose_name_plural = _("private offers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["product", "buyer", "valid_until"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="offer_value_gt_0"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="offer_validity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} → {self.buyer}"


class Subscription(ChoiceLabels, models.Model):
    """What a buyer bought and holds: one row per subscription / instance / package /
    shipment (已购买的服务). Orders of kind new/trial create it; renewal, upgrade and
    package repurchase orders change it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being delivered")
        ACTIVE = "active", _("In service")
        FROZEN = "frozen", _("Frozen (expired)")
        RELEASED = "released", _("Released")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    # No index of their own: the composite indexes in Meta lead with them.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("buyer"),
        db_index=False,
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("seller"),
        db_index=False,
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("product")
    )
    spec = models.ForeignKey(
        Spec, on_delete=models.PROTECT, related_name="+", verbose_name=_("spec")
    )
    spec_code = models.SlugField(_("spec code"), max_length=40, db_index=False)
    spec_name = models.CharField(_("spec"), max_length=100)
    delivery_type = models.CharField(
        _("delivery type"), max_length=20, choices=DeliveryType.choices
    )
    billing_mode = models.CharField(_("billing mode"), max_length=16, choices=BillingMode.choices)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    is_trial = models.BooleanField(_("trial"), default=False)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PENDING
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)
    # Filled by provisioning (04): instance id, admin URL, login info; license codes.
    instance_id = models.CharField(_("instance ID"), max_length=64, blank=True)
    access_info = models.JSONField(_("access"), default=dict, blank=True)
    license_codes = models.TextField(_("license codes"), blank=True)
    # API packages (03 › API packages): quota bought and used; auto-repurchase settings.
    quota_total = models.PositiveBigIntegerField(_("quota"), default=0)
    quota_used = models.PositiveBigIntegerField(_("quota used"), default=0)
    auto_repurchase = models.BooleanField(_("auto-repurchase"), default=False)
    repurchase_threshold_percent = models.PositiveSmallIntegerField(
        _("repurchase at percent left"), null=True, blank=True
    )
    repurchase_threshold_amount = models.PositiveBigIntegerField(
        _("repurchase at amount left"), null=True, blank=True
    )
    repurchase_spec_code = models.SlugField(
        _("repurchase spec"), max_length=40, blank=True, db_index=False
    )
    repurchase_failure = models.CharField(_("last repurchase failure"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchased service")
        verbose_name_plural = _("purchased services")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["seller", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quota_used__lte=models.F("quota_total")),
                name="subscription_quota_not_overdrawn",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id}:{self.spec_name}"

    @property
    def quota_left(self) -> int:
        return self.quota_total - self.quota_used


SUBSCRIPTION_STATUS = StateMachine(
    field="status",
    states=Subscription.Status,
    transitions=[
        Transition("activate", ("pending",), "active"),
        Transition("freeze", ("active",), "frozen"),
        Transition("unfreeze", ("frozen",), "active"),
        Transition("release", ("frozen", "pending"), "released"),
        Transition("unsubscribe", ("pending", "active", "frozen"), "unsubscribed"),
    ],
)


class Order(ChoiceLabels, models.Model):
    """One purchase: a new subscription, a renewal, an upgrade, a trial or a package
    repurchase. Prices and names are copied at order time and never recomputed."""

    class Kind(models.TextChoices):
        NEW = "new", _("New purchase")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Upgrade")
        TRIAL = "trial", _("Trial")
        PACKAGE_REPURCHASE = "package_repurchase", _("Package repurchase")

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Pending payment")
        PAID = "paid", _("Paid")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        REFUNDED = "refunded", _("Refunded")

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")
        PAID_ON_CREDIT = "paid_on_credit", _("Paid on credit")
        REPAID = "repaid", _("Credit repaid")
        REFUNDED = "refunded", _("Refunded")

    number = models.CharField(
        _("order number"), max_length=32, unique=True, default=new_order_number, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING_PAYMENT
    )
    payment_status = models.CharField(
        _("payment status"),
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNPAID,
    )
    # No index of their own (db_index=False): the composite indexes in Meta lead with
    # them (every order written pays for each index it has).
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
        db_index=False,
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("seller"),
        db_index=False,
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("product"),
        db_index=False,
    )
    spec = models.ForeignKey(
        Spec, on_delete=models.PROTECT, related_name="+", verbose_name=_("spec")
    )
    # Set on few orders, or later (NULL rows have no index entry: a partial index in Meta).
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("purchased service"),
        db_index=False,
    )
    # Snapshot at order time.
    product_name = models.CharField(_("product"), max_length=120)
    version_number = models.PositiveIntegerField(_("product version"))
    spec_code = models.SlugField(_("spec code"), max_length=40, db_index=False)
    spec_name = models.CharField(_("spec"), max_length=100)
    delivery_type = models.CharField(
        _("delivery type"), max_length=20, choices=DeliveryType.choices
    )
    billing_mode = models.CharField(_("billing mode"), max_length=16, choices=BillingMode.choices)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        db_index=False,
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    period = models.CharField(_("period"), max_length=10, blank=True)  # Price.Period
    periods = models.PositiveSmallIntegerField(_("periods"), default=1)
    # Price breakdown (03 › Buying 5): list − offer − vouchers = amount.
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    list_amount = models.DecimalField(_("list amount"), **MONEY)
    offer_discount = models.DecimalField(_("private offer"), default=0, **MONEY)
    voucher_discount = models.DecimalField(_("vouchers"), default=0, **MONEY)
    amount = models.DecimalField(_("amount payable"), **MONEY)
    private_offer = models.ForeignKey(
        PrivateOffer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("private offer"),
        db_index=False,
    )
    voucher_grants = models.ManyToManyField(
        VoucherGrant, blank=True, related_name="orders", verbose_name=_("vouchers")
    )
    # How it was paid (03 › Pay): the parts add up to `amount` once paid.
    paid_balance = models.DecimalField(_("paid from balance"), default=0, **MONEY)
    paid_credit = models.DecimalField(_("paid on credit"), default=0, **MONEY)
    paid_coupon = models.DecimalField(_("paid with cash coupons"), default=0, **MONEY)
    refunded_amount = models.DecimalField(_("refunded"), default=0, **MONEY)
    # Placed by one of the seller's test accounts (sellers.TestAccount): no money moves and
    # settlement leaves it out.
    is_test = models.BooleanField(_("test order"), default=False)
    # Idempotency of checkout: one order per (buyer, key).
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    pay_by = models.DateTimeField(_("pay by"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # When the bought period starts counting (a renewal ordered early: at the old expiry).
    effective_at = models.DateTimeField(_("effective from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("service until"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    repaid_at = models.DateTimeField(_("credit repaid at"), null=True, blank=True)
    # The upgrade's target (new spec) is `spec`; the spec it came from:
    upgraded_from_spec_code = models.SlugField(
        _("upgraded from"), max_length=40, blank=True, db_index=False
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        permissions = [("refund_order", _("Can refund an order"))]
        indexes = [
            models.Index(fields=["buyer", "-created_at"]),
            models.Index(fields=["seller", "-created_at"]),
            models.Index(fields=["status", "pay_by"]),
            models.Index(fields=["product", "buyer", "spec_code"]),
            models.Index(fields=["payment_status", "paid_at"]),
            # The optional links, indexed where set (a lookup by one is never of NULL).
            models.Index(
                fields=["subscription"],
                condition=models.Q(subscription__isnull=False),
                name="order_subscription_set",
            ),
            models.Index(
                fields=["region"], condition=models.Q(region__isnull=False), name="order_region_set"
            ),
            models.Index(
                fields=["private_offer"],
                condition=models.Q(private_offer__isnull=False),
                name="order_offer_set",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_order_idempotency_key",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="order_amount_gte_0"),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("amount")),
                name="order_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number


ORDER_STATUS = StateMachine(
    field="status",
    states=Order.Status,
    transitions=[
        Transition("pay", ("pending_payment",), "paid"),
        Transition("cancel", ("pending_payment",), "cancelled"),
        Transition("expire", ("pending_payment",), "cancelled"),
        Transition("start_processing", ("paid",), "processing"),
        Transition("complete", ("paid", "processing"), "completed"),
        Transition("unsubscribe", ("paid", "processing", "completed"), "unsubscribed"),
        Transition("refund", ("paid", "processing", "completed", "unsubscribed"), "refunded"),
    ],
)

PAYMENT_STATUS = StateMachine(
    field="payment_status",
    states=Order.PaymentStatus,
    transitions=[
        Transition("pay", ("unpaid",), "paid"),
        Transition("pay_on_credit", ("unpaid",), "paid_on_credit"),
        Transition("repay", ("paid_on_credit",), "repaid"),
        Transition("refund", ("paid", "paid_on_credit", "repaid"), "refunded"),
    ],
)


class SignedAgreement(models.Model):
    """The product service agreement (or joint service-support terms) a buyer ticked at
    order time: the exact text, the product version it came from, and the time."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Product service agreement")
        JOINT_TERMS = "joint_terms", _("Service support terms")

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="signed_agreement", verbose_name=_("order")
    )
    # No index of their own: the composite indexes in Meta lead with them.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signed_agreements",
        verbose_name=_("buyer"),
        db_index=False,
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="signed_agreements",
        verbose_name=_("seller"),
        db_index=False,
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    product_name = models.CharField(_("product"), max_length=120)
    version_number = models.PositiveIntegerField(_("product version"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text"))
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("signed agreement")
        verbose_name_plural = _("signed agreements")
        ordering = ["-signed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-signed_at"]),
            models.Index(fields=["seller", "-signed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} v{self.version_number}"


class Unsubscription(models.Model):
    """A buyer's request to unsubscribe an order (03 › Unsubscribe)."""

    class Rule(models.TextChoices):
        PROVISIONING_FAILED = "provisioning_failed", _("Provisioning failed: full refund")
        GUARANTEE = "guarantee", _("Within the guarantee period: refund by agreement")
        NOT_EFFECTIVE = "not_effective", _("Renewal not yet effective: full refund")
        HARDWARE = "hardware", _("Hardware return")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the seller")
        AWAITING_RETURN = "awaiting_return", _("Waiting for the buyer to ship the goods back")
        RETURN_SHIPPED = "return_shipped", _("Goods shipped back")
        APPROVED = "approved", _("Approved, refunded")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="unsubscriptions", verbose_name=_("order")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("buyer"),
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="unsubscriptions",
        verbose_name=_("seller"),
    )
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    proposed_amount = models.DecimalField(_("refund asked"), **MONEY)
    agreed_amount = models.DecimalField(_("refund agreed"), null=True, blank=True, **MONEY)
    refuse_reason = models.TextField(_("reason for refusing"), blank=True)
    # Hardware (03 › Hardware unsubscribe).
    goods_received = models.BooleanField(_("goods received"), default=False)
    return_carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    return_tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    return_by = models.DateTimeField(_("ship back by"), null=True, blank=True)
    return_shipped_at = models.DateTimeField(_("shipped back at"), null=True, blank=True)
    goods_arrived_at = models.DateTimeField(_("goods arrived at"), null=True, blank=True)
    inspect_by = models.DateTimeField(_("seller inspects by"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["seller", "status"]),
            models.Index(fields=["status", "return_by"]),
            models.Index(fields=["status", "inspect_by"]),
        ]
        constraints = [
            # One open request per order.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["pending", "awaiting_return", "return_shipped"]),
                name="one_open_unsubscription_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order} ({self.get_status_display()})"


UNSUBSCRIPTION_STATUS = StateMachine(
    field="status",
    states=Unsubscription.Status,
    transitions=[
        Transition("approve", ("pending", "return_shipped"), "approved"),
        Transition("ask_return", ("pending",), "awaiting_return"),
        Transition("ship_back", ("awaiting_return",), "return_shipped"),
        Transition("refuse", ("pending", "return_shipped"), "refused"),
        Transition("withdraw", ("pending", "awaiting_return"), "withdrawn"),
    ],
)


class Refund(models.Model):
    """Money given back for an order, split the way it was paid. Unique per reason key
    so that a retried refund never pays twice."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    to_balance = models.DecimalField(_("to balance"), default=0, **MONEY)
    to_credit = models.DecimalField(_("to credit line"), default=0, **MONEY)
    to_coupon = models.DecimalField(_("to cash coupons"), default=0, **MONEY)
    reason = models.CharField(_("reason"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"


class ProvisioningCall(models.Model):
    """Outbox of calls to the seller's server (04): written in the transaction of the
    business change, sent after commit by the dispatcher (`orders.provisioning`).

    Per-subscription ordering: `sequence` grows per subscription; a call is sent only
    when every earlier call of the same subscription has succeeded or finally failed.
    """

    class Activity(models.TextChoices):
        NEW_INSTANCE = "newInstance", "newInstance"
        REFRESH_INSTANCE = "refreshInstance", "refreshInstance"
        UPDATE_INSTANCE_STATUS = "updateInstanceStatus", "updateInstanceStatus"
        RELEASE_INSTANCE = "releaseInstance", "releaseInstance"
        UPGRADE_INSTANCE = "upgradeInstance", "upgradeInstance"
        CHANGE_INSTANCE_CHECK = "changeInstanceCheck", "changeInstanceCheck"
        QUERY_INSTANCE = "queryInstance", "queryInstance"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("purchased service"),
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("order"),
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    activity = models.CharField(_("activity"), max_length=24, choices=Activity.choices)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # End of the retry window of this call type (newInstance/upgrade 3 h, others 1 h):
    # after it, a failing call is finally failed. Restarted by hand: a new window.
    window_ends_at = models.DateTimeField(_("retry until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The seller's last answer (parsed JSON), e.g. instanceId and appInfo.
    response = models.JSONField(_("response"), null=True, blank=True)
    restarted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("restarted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provisioning call")
        verbose_name_plural = _("provisioning calls")
        ordering = ["subscription_id", "sequence"]
        permissions = [("restart_provisioningcall", _("Can restart a failed provisioning call"))]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "finished_at"]),
            models.Index(fields=["activity", "status", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "sequence"], name="unique_call_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} #{self.sequence}"


class UsageRecord(models.Model):
    """One deduction from an API package's quota; `key` (from the caller) makes a
    retried deduction count once."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="usage_records",
        verbose_name=_("purchased service"),
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    amount = models.PositiveIntegerField(_("amount"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="unique_usage_key")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} −{self.amount}"


# --- ISV integration (04-isv-integration, isv-api-reference) ---------------------------------


class ProductInterface(models.Model):
    """A product's production interface settings 生产接口: the one production URL all
    basic activities are POSTed to (§1.0; the kit sync paths are appended to it, §1.9),
    and the seller's keys that sign the calls (§2.1 basic, §2.2 kit)."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="interface", verbose_name=_("product")
    )
    production_url = models.URLField(_("production URL"), max_length=500)
    access_key = models.ForeignKey(
        "sellers.AccessKey",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signing key (basic interfaces)"),
    )
    kit_access_key = models.ForeignKey(
        "sellers.AccessKey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signing key (kit sync interfaces)"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("production interface")
        verbose_name_plural = _("production interfaces")

    def __str__(self) -> str:
        return self.production_url


class CallAttempt(models.Model):
    """One attempt of one provisioning call: what was sent and what came back
    (production interface messages 生产接口消息)."""

    call = models.ForeignKey(
        ProvisioningCall,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("provisioning call"),
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("sent at"))
    url = models.CharField(_("URL"), max_length=1000)  # signature parameters included
    request_body = models.JSONField(_("request"), default=dict)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_body = models.TextField(_("response"), blank=True)  # first 10,000 characters
    result_code = models.CharField(_("result code"), max_length=16, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["call_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="unique_attempt_number")
        ]

    def __str__(self) -> str:
        return f"{self.call_id}#{self.number}"


class InterfaceTestCase(models.Model):
    """A saved debugging-console request (接口调试): sent with testFlag=1, and by the
    daily probe for listed products (§1.0 product monitoring)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="interface_tests", verbose_name=_("product")
    )
    name = models.CharField(_("name"), max_length=100)
    activity = models.CharField(
        _("activity"), max_length=24, choices=ProvisioningCall.Activity.choices
    )
    body = models.JSONField(_("request body"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_ok = models.BooleanField(_("last verdict"), null=True, blank=True)
    last_verdict = models.JSONField(_("last verdict details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("interface test case")
        verbose_name_plural = _("interface test cases")
        ordering = ["product_id", "name"]

    def __str__(self) -> str:
        return self.name


class ProbeRun(models.Model):
    """The daily probe of one listed product (its test cases with testFlag=1): one row per
    product and Beijing day, so "failing 5 days running" is one query."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="probe_runs", verbose_name=_("product")
    )
    day = models.DateField(_("day"))
    ok = models.BooleanField(_("passed"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("probe run")
        verbose_name_plural = _("probe runs")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["product", "day"], name="unique_probe_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day}"


class TenantBinding(models.Model):
    """A joint-operation SaaS instance bound to the buyer's enterprise (tenantSync, §1.9):
    the tenant the marketplace assigned, with its domain name."""

    subscription = models.OneToOneField(
        Subscription,
        on_delete=models.CASCADE,
        related_name="tenant",
        verbose_name=_("purchased service"),
    )
    tenant_id = models.CharField(_("tenant ID"), max_length=64, unique=True)
    tenant_code = models.CharField(_("tenant code"), max_length=64)
    name = models.CharField(_("enterprise name"), max_length=255)
    domain_name = models.CharField(_("domain name"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("bound at"), auto_now_add=True)
    # Set when the buyer unbinds: the delete syncs are on their way; the binding is
    # deleted once they all succeeded (orders/isv/kit.py, tenant_unbind).
    unbind_requested_at = models.DateTimeField(_("unbinding since"), null=True, blank=True)

    class Meta:
        verbose_name = _("tenant binding")
        verbose_name_plural = _("tenant bindings")

    def __str__(self) -> str:
        return self.domain_name

    @property
    def kit_busy(self) -> bool:
        """Whether one of this binding's kit syncs is still to be sent or retried."""
        open_statuses = (KitSync.Status.PENDING, KitSync.Status.FAILED)
        return any(sync.status in open_statuses for sync in self.kit_syncs.all())


class KitSync(models.Model):
    """One kit sync call (§1.9–1.12) for a joint SaaS instance. Not retried automatically:
    the buyer sees a failure and retries; the seller is e-mailed."""

    class Path(models.TextChoices):
        TENANT = "tenantSync", "tenantSync"
        APPLICATION = "applicationSync", "applicationSync"
        AUTH = "authSync", "authSync"
        SINGLE_ORG = "singleOrgSync", "singleOrgSync"
        ALL_ORG = "allOrgSync", "allOrgSync"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        # Never to be sent: the buyer unbound before it went through (the deletes follow).
        CANCELLED = "cancelled", _("Cancelled")

    class Operation(models.TextChoices):
        """What the buyer did; the calls carry its `flag` (§1.9: 1 add, 2 modify, 0 delete)."""

        BIND = "bind", _("Bind")
        MODIFY = "modify", _("Rename")
        UNBIND = "unbind", _("Unbind")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="kit_syncs",
        verbose_name=_("purchased service"),
    )
    # The binding the call is for; kept (as null) once an unbinding deleted it.
    binding = models.ForeignKey(
        TenantBinding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kit_syncs",
        verbose_name=_("tenant binding"),
    )
    operation = models.CharField(
        _("operation"), max_length=10, choices=Operation.choices, default=Operation.BIND
    )
    path = models.CharField(_("interface"), max_length=20, choices=Path.choices)
    payload = models.JSONField(_("request"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    result_code = models.CharField(_("result code"), max_length=16, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("kit sync")
        verbose_name_plural = _("kit syncs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subscription", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.path} ({self.status})"


class License(models.Model):
    """A license code of a license order (线上授权码): delivered by the seller, claimed by the
    buyer in purchased services, activated by the seller's server through the open API
    (§4.4; activating an unclaimed code → 92020004)."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        CLAIMED = "claimed", _("Claimed")
        ALIVE = "alive", _("Activated")
        EXPIRED = "expired", _("Expired")
        RELEASED = "released", _("Released")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="licenses",
        verbose_name=_("purchased service"),
    )
    code = models.CharField(_("license code"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DELIVERED
    )
    delivered_at = models.DateTimeField(_("delivered at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("license code")
        verbose_name_plural = _("license codes")

    def __str__(self) -> str:
        return self.code


class MeteringRecord(models.Model):
    """A pay-per-use usage record pushed by the seller's server (§4.3); `metering_sn` is
    unique per seller, so a replayed record counts once."""

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="metering_records",
        verbose_name=_("purchased service"),
    )
    metering_sn = models.CharField(_("metering serial number"), max_length=64)
    usage_value = models.DecimalField(_("usage"), max_digits=16, decimal_places=4)
    record_time = models.DateTimeField(_("recorded at"))
    begin_time = models.DateTimeField(_("from"))
    end_time = models.DateTimeField(_("until"))
    package_subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("package instance"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("metering record")
        verbose_name_plural = _("metering records")
        constraints = [
            models.UniqueConstraint(fields=["seller", "metering_sn"], name="unique_metering_sn")
        ]

    def __str__(self) -> str:
        return self.metering_sn


class IsvUpload(models.Model):
    """A string or file the seller's server uploaded through the open API (§4.2)."""

    class Type(models.TextChoices):
        CHARACTERS = "CHARACTERS", "CHARACTERS"
        FILE = "FILE", "FILE"

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    event_id = models.CharField(_("event ID"), max_length=64, db_index=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    characters = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to="isv-uploads/", blank=True, max_length=300)
    file_name = models.CharField(_("file name"), max_length=1024, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ISV upload")
        verbose_name_plural = _("ISV uploads")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class OpenApiLog(models.Model):
    """Every request to the open API for sellers' servers (04 › Open API: "every request
    is logged"), signed or not."""

    seller = models.ForeignKey(
        Seller,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seller"),
    )
    access_key_id = models.CharField(_("access key"), max_length=40, blank=True)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"))
    result_code = models.CharField(_("result code"), max_length=16, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("open API request")
        verbose_name_plural = _("open API requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["seller", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.http_status}"

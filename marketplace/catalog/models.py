"""The catalog: products, their reviewed versions, specs (plans) with prices, and the
sales configuration. Spec: shared/spec/02-products.md.

A `Product` is the stable identity buyers link to and orders will reference. What the
seller writes and the operator reviews lives in a `ProductVersion`; its specs and
prices hang off the version. Editing a listed product makes a new draft version that
goes to review while `Product.listed_version` stays on sale. Sales configuration
(inventory, limits, allowlists, credit switches, regions) is not reviewed: it lives on
the product and on `SpecSales`, keyed by the spec's stable `code`, so that it survives
new versions.

The product row also carries a denormalised copy of its listed version (name, category,
lowest price, billing modes, search text) so that catalog pages filter and sort on one
indexed table at 100k products.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller, ServiceGroup

MONEY = {"max_digits": 14, "decimal_places": 2}


def catalog_upload_to(instance, filename: str) -> str:
    return f"catalog/{uuid.uuid4().hex}-{filename}"


class DeliveryType(models.TextChoices):
    """交付模式 / 商品接入类型 (02-products.md, table)."""

    SAAS = "saas", _("SaaS")
    JOINT_SAAS = "joint_saas", _("Joint-operation SaaS")
    LICENSE_CODE = "license_code", _("License: online authorization code")
    LICENSE_PACKAGE = "license_package", _("License: software package deployment")
    LICENSE_AUTO = "license_auto", _("License: auto deploy")
    IMAGE = "image", _("Image")
    HARDWARE = "hardware", _("Hardware")
    MANUAL_SERVICE = "manual_service", _("Manual service")
    DATA_FILE = "data_file", _("Data file")
    ORCHESTRATION = "orchestration", _("Application orchestration")
    API_APIG = "api_apig", _("API: APIG gateway")
    API_AGENTS = "api_agents", _("API: Agents gateway")


JOINT_TYPES = {DeliveryType.JOINT_SAAS}
# Types whose delivery the marketplace supervises (02 table; period SaaS decided in orders).
SUPERVISED_TYPES = {
    DeliveryType.SAAS,
    DeliveryType.JOINT_SAAS,
    DeliveryType.LICENSE_CODE,
    DeliveryType.LICENSE_PACKAGE,
    DeliveryType.HARDWARE,
    DeliveryType.MANUAL_SERVICE,
    DeliveryType.DATA_FILE,
    DeliveryType.ORCHESTRATION,
}


class BillingMode(models.TextChoices):
    PERIOD = "period", _("Subscription (monthly / yearly)")
    ON_DEMAND = "on_demand", _("Pay-as-you-go")
    ONE_OFF = "one_off", _("One-off")
    PACKAGE = "package", _("Package")
    TRIAL = "trial", _("Free trial")


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class Region(models.Model):
    """A sales region (销售区域)."""

    code = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)

    class Meta:
        verbose_name = _("sales region")
        verbose_name_plural = _("sales regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class AttributeName(models.Model):
    """Attribute names a seller manages (枚举属性名称和数量属性名称管理)."""

    class Kind(models.TextChoices):
        ENUM = "enum", _("Enumerated")
        QUANTITY = "quantity", _("Quantity")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="attribute_names")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("attribute name")
        verbose_name_plural = _("attribute names")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind", "name"], name="unique_attribute_name")
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product's identity, lifecycle and sales configuration.

    Lifecycle (02 › Lifecycle): draft → pending_review → listed / rejected;
    rejected → draft (edit); listed → delisted; listed stays listed while a new version
    is under review (`has_pending_version`).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Pending review")
        LISTED = "listed", _("Listed")
        REJECTED = "rejected", _("Rejected")
        DELISTED = "delisted", _("Delisted")

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    delivery_type = models.CharField(
        _("delivery type"), max_length=20, choices=DeliveryType.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    listed_version = models.OneToOneField(
        "ProductVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version on sale"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    delisted_at = models.DateTimeField(_("delisted at"), null=True, blank=True)
    delist_reason = models.TextField(_("delisting reason"), blank=True)

    # --- denormalised from the listed version, for catalog pages and search ---
    name = models.CharField(_("name"), max_length=120, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    min_price = models.DecimalField(_("lowest price"), null=True, blank=True, **MONEY)
    billing_modes = models.CharField(max_length=100, blank=True)  # ",period,trial,"
    search_text = models.TextField(blank=True)  # name + summary + tags + seller, lower-cased
    regions = models.ManyToManyField(
        Region, blank=True, related_name="products", verbose_name=_("sales regions")
    )

    # --- sales configuration (02 › Sales configuration); not reviewed ---
    allowlist_enabled = models.BooleanField(_("sell only to specified users"), default=False)
    trial_allowlist_enabled = models.BooleanField(
        _("trial only for specified users"), default=False
    )
    credit_line_allowed = models.BooleanField(_("allow credit-line payment"), default=False)
    cash_coupon_allowed = models.BooleanField(_("allow cash-coupon payment"), default=False)
    credit_specified_users_only = models.BooleanField(
        _("credit payment only for specified users"), default=False
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-listed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "category", "-listed_at"]),
            models.Index(fields=["status", "delivery_type"]),
            models.Index(fields=["status", "min_price"]),
            models.Index(fields=["seller", "status"]),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def is_joint(self) -> bool:
        return self.delivery_type in JOINT_TYPES


class ProductVersion(models.Model):
    """What the seller fills in and the operator reviews (02 › Information to fill in).

    A version is editable only as a draft; once submitted it is frozen, so the operator
    reviews exactly what buyers will see.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    class FlowTemplate(models.TextChoices):
        STANDARD = "standard", _("Standard")
        SITE_BUILDING = "site_building", _("Site building")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    logo = models.ImageField(_("logo"), upload_to=catalog_upload_to, blank=True, max_length=300)
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("comma separated"))
    # service & support
    service_group = models.ForeignKey(
        ServiceGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer-service group"),
    )
    service_forms = models.CharField(_("service forms"), max_length=200, blank=True)
    service_scope = models.CharField(_("service scope"), max_length=200, blank=True)
    after_sales_scope = models.TextField(_("after-sales support scope"), blank=True)
    usage_guide = models.TextField(_("usage guide"), blank=True)
    agreement_text = models.TextField(_("product service agreement"), blank=True)
    support_terms_text = models.TextField(_("service support terms"), blank=True)
    copyright_certificate = models.FileField(
        _("software copyright certificate"), upload_to=catalog_upload_to, blank=True, max_length=300
    )
    open_source_declaration = models.FileField(
        _("open-source software declaration"),
        upload_to=catalog_upload_to,
        blank=True,
        max_length=300,
    )
    # manual service
    flow_template = models.CharField(
        _("service flow template"), max_length=16, choices=FlowTemplate.choices, blank=True
    )
    avg_delivery_days = models.PositiveIntegerField(
        _("average delivery time (days)"), null=True, blank=True
    )
    # review
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="unique_version_number"),
            # At most one version being edited or reviewed per product.
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status__in=["draft", "pending_review"]),
                name="one_open_version_per_product",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class ProductScreenshot(models.Model):
    """A screenshot of a version (02 › Information to fill in: logo/screenshots).

    It belongs to the version, not the product, so that it is reviewed with the rest of
    the content and a listed product's screenshots change only through a new version.
    Copies of a version share the image files: rows are deleted, files are kept.
    """

    MAX_PER_VERSION = 6

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="screenshots"
    )
    image = models.ImageField(_("image"), upload_to=catalog_upload_to, max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class Spec(models.Model):
    """A spec (规格, plan) of a version, with its billing mode and prices."""

    class PackageKind(models.TextChoices):
        STOP_WHEN_USED_UP = "stop_when_used_up", _("Stop when used up")
        PER_CALL = "per_call", _("Per call")

    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="specs")
    code = models.SlugField(_("code"), max_length=40, help_text=_("stable across versions"))
    name = models.CharField(_("name"), max_length=100)
    billing_mode = models.CharField(_("billing mode"), max_length=16, choices=BillingMode.choices)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), null=True, blank=True)
    package_kind = models.CharField(
        _("package kind"), max_length=20, choices=PackageKind.choices, blank=True
    )
    package_quota = models.PositiveIntegerField(_("package quota"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("spec")
        verbose_name_plural = _("specs")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_spec_code")]

    def __str__(self) -> str:
        return self.name


class SpecAttribute(models.Model):
    """An enumerated (edition = basic/pro) or quantity (users = 1..500 step 1) attribute."""

    spec = models.ForeignKey(Spec, on_delete=models.CASCADE, related_name="attributes")
    attribute = models.ForeignKey(AttributeName, on_delete=models.PROTECT, related_name="+")
    options = models.CharField(_("options"), max_length=300, blank=True)  # enum: comma separated
    min_value = models.PositiveIntegerField(_("minimum"), null=True, blank=True)
    max_value = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    step = models.PositiveIntegerField(_("step"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("spec attribute")
        verbose_name_plural = _("spec attributes")
        constraints = [
            models.UniqueConstraint(fields=["spec", "attribute"], name="unique_spec_attribute"),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="attribute_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return str(self.attribute)


class Price(models.Model):
    """A price of a spec. Period prices are per month or per year; several periods may
    be bought at once up to `max_periods`. On-demand prices are per `unit`."""

    class Period(models.TextChoices):
        MONTH = "month", _("per month")
        YEAR = "year", _("per year")
        ONCE = "once", _("one-off")
        UNIT = "unit", _("per unit (pay-as-you-go)")
        PACKAGE = "package", _("per package")
        FREE = "free", _("free")

    spec = models.ForeignKey(Spec, on_delete=models.CASCADE, related_name="prices")
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    amount = models.DecimalField(_("price (CNY)"), **MONEY)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    max_periods = models.PositiveSmallIntegerField(_("max periods per order"), default=1)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["spec", "period"], name="unique_spec_period_price"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.get_period_display()}"


class SpecSales(models.Model):
    """Inventory and purchase limits of one spec code of a product (库存 / 限购).

    `stock` NULL means unlimited. Buying decrements it with one conditional UPDATE
    (`stock >= quantity`) so that concurrent orders never oversell.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="spec_sales")
    spec_code = models.SlugField(max_length=40)
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True)
    max_quantity_per_buyer = models.PositiveIntegerField(
        _("max quantity per buyer"), null=True, blank=True
    )
    max_orders_per_buyer = models.PositiveIntegerField(
        _("max orders per buyer"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("spec inventory and limits")
        verbose_name_plural = _("spec inventory and limits")
        constraints = [
            models.UniqueConstraint(fields=["product", "spec_code"], name="unique_spec_sales"),
            models.CheckConstraint(
                condition=models.Q(stock__isnull=True) | models.Q(stock__gte=0),
                name="stock_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}:{self.spec_code}"


class AllowlistEntry(models.Model):
    """A specified user (指定用户) of a product, for sales, trial or credit payment."""

    class Kind(models.TextChoices):
        SALES = "sales", _("Sales objects")
        TRIAL = "trial", _("Trial")
        CREDIT = "credit", _("Credit payment")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="allowlist")
    kind = models.CharField(_("list"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("specified user")
        verbose_name_plural = _("specified users")
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "user"], name="unique_allowlist")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user}"


class CatalogGeneration(models.Model):
    """One row whose `value` changes whenever what catalog lists show may change.

    Cached list pages are keyed by it (catalog/cache.py). It lives in the database, not
    in the cache, so that the bump commits with the change it announces and every
    process (web workers, Celery) sees it, whatever the cache backend.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)

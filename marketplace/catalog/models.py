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

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.core import limits
from marketplace.core.files import new_upload_key
from sellers.models import JointCertification, Seller, ServiceGroup

MONEY = {"max_digits": 14, "decimal_places": 2}


def catalog_upload_to(instance, filename: str) -> str:
    # A short generated key; the original name is kept for display (core/files.py).
    return new_upload_key("catalog", filename)


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


class ServiceForm(models.TextChoices):
    """服务形式: how the seller supports buyers (02 › Service & support; seed 002)."""

    ONSITE_EMERGENCY = "onsite_emergency", _("On-site and emergency support")
    PERIODIC_MAINTENANCE = "periodic_maintenance", _("Periodic maintenance")
    PHONE = "phone", _("Phone support")
    EMAIL = "email", _("E-mail support")


class ServiceScope(models.TextChoices):
    """服务范围: what the support covers (02 › Service & support; seed 002)."""

    CONSULTING = "consulting", _("Consulting")
    OPERATION_GUIDANCE = "operation_guidance", _("Operation guidance")
    RUNNING_MAINTENANCE = "running_maintenance", _("Running and maintenance")


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

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

    code = models.SlugField(_("code"), unique=True)
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

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="attribute_names", verbose_name=_("seller")
    )
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

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("seller")
    )
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    delisted_at = models.DateTimeField(_("delisted at"), null=True, blank=True)
    delist_reason = models.TextField(
        _("delisting reason"),
        blank=True,
        max_length=limits.MAX_REASON_LENGTH,
        validators=limits.max_length_validators(limits.MAX_REASON_LENGTH),
    )

    # --- denormalised from the listed version, for catalog pages and search ---
    name = models.CharField(_("name"), max_length=120, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("category"),
    )
    min_price = models.DecimalField(_("lowest price"), null=True, blank=True, **MONEY)
    # ",period,trial,"
    billing_modes = models.CharField(_("billing modes"), max_length=100, blank=True)
    # name + summary + tags + seller, lower-cased
    search_text = models.TextField(_("search text"), blank=True)
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
    # The joint-operation certifications that name this product (01 › Joint-operation
    # certification); `certification.products` from the sellers side.
    joint_certifications = models.ManyToManyField(
        JointCertification,
        blank=True,
        related_name="products",
        verbose_name=_("joint-operation certifications"),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-listed_at", "-id"]
        permissions = [("delist_product", "Can delist products")]
        indexes = [
            models.Index(fields=["status", "category", "-listed_at"]),
            models.Index(fields=["status", "delivery_type"]),
            models.Index(fields=["status", "min_price"]),
            models.Index(fields=["seller", "status"]),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        # Never listed, so no denormalised name: the latest version's. Lists annotate it
        # (`latest_version_name`, see the admin's ProductAdmin) rather than ask per row.
        name = getattr(self, "latest_version_name", None)
        if name is None and self.pk:
            name = self.versions.order_by("-number").values_list("name", flat=True).first()
        return name or f"#{self.pk}"

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

    class Architecture(models.TextChoices):
        X86_64 = "x86_64", _("x86-64")
        ARM64 = "arm64", _("Arm64")

    class LicenseType(models.TextChoices):
        NAMED_USER = "named_user", _("Per named user")
        CONCURRENT = "concurrent", _("Per concurrent user")
        DEVICE = "device", _("Per device or node")
        SITE = "site", _("Site-wide (whole organisation)")

    class LicenseTerm(models.TextChoices):
        PERPETUAL = "perpetual", _("Perpetual")
        SUBSCRIPTION = "subscription", _("While the subscription runs")
        FIXED = "fixed", _("Fixed term")

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="versions", verbose_name=_("product")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    name = models.CharField(_("name"), max_length=120, validators=[limits.validate_single_line])
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    summary = models.CharField(
        _("summary"), max_length=300, validators=[limits.validate_single_line]
    )
    # TextFields: `max_length` is not a database limit; it bounds forms (limits.py).
    description = models.TextField(
        _("description"),
        max_length=limits.MAX_DESCRIPTION_LENGTH,
        validators=limits.max_length_validators(limits.MAX_DESCRIPTION_LENGTH),
    )
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
    # Lists of `ServiceForm` / `ServiceScope` codes (validated by the services), plus free text.
    service_forms = models.JSONField(_("service forms"), default=list, blank=True)
    service_scope = models.JSONField(_("service scope"), default=list, blank=True)
    service_notes = models.TextField(
        _("service content details"),
        blank=True,
        max_length=limits.MAX_SERVICE_NOTES_LENGTH,
        validators=limits.max_length_validators(limits.MAX_SERVICE_NOTES_LENGTH),
    )
    after_sales_scope = models.TextField(
        _("after-sales support scope"),
        blank=True,
        max_length=limits.MAX_AFTER_SALES_SCOPE_LENGTH,
        validators=limits.max_length_validators(limits.MAX_AFTER_SALES_SCOPE_LENGTH),
    )
    usage_guide = models.TextField(
        _("usage guide"),
        blank=True,
        max_length=limits.MAX_USAGE_GUIDE_LENGTH,
        validators=limits.max_length_validators(limits.MAX_USAGE_GUIDE_LENGTH),
    )
    agreement_text = models.TextField(
        _("product service agreement"),
        blank=True,
        max_length=limits.MAX_AGREEMENT_LENGTH,
        validators=limits.max_length_validators(limits.MAX_AGREEMENT_LENGTH),
    )
    support_terms_text = models.TextField(
        _("service support terms"),
        blank=True,
        max_length=limits.MAX_AGREEMENT_LENGTH,
        validators=limits.max_length_validators(limits.MAX_AGREEMENT_LENGTH),
    )
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
        _("average delivery time (days)"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_DELIVERY_DAYS, minimum=1),
    )
    # What each delivery type describes (catalog/delivery.py › DELIVERY_FIELDS says which
    # type uses which; required on submit). Image ids per region: `ImageRegion` rows;
    # API list: `ApiEndpoint` rows.
    image_os = models.CharField(_("operating system"), max_length=100, blank=True)
    image_architecture = models.CharField(
        _("architecture"), max_length=10, choices=Architecture.choices, blank=True
    )
    hardware_spec = models.TextField(
        _("hardware specification"),
        blank=True,
        max_length=limits.MAX_DELIVERY_TEXT_LENGTH,
        validators=limits.max_length_validators(limits.MAX_DELIVERY_TEXT_LENGTH),
    )
    hardware_weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    hardware_size = models.CharField(_("size (L × W × H, cm)"), max_length=100, blank=True)
    shipping_regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("shipping regions")
    )
    license_type = models.CharField(
        _("license type"), max_length=16, choices=LicenseType.choices, blank=True
    )
    license_term = models.CharField(
        _("license term"), max_length=16, choices=LicenseTerm.choices, blank=True
    )
    license_term_months = models.PositiveSmallIntegerField(
        _("fixed term (months)"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_LICENSE_TERM_MONTHS, minimum=1),
    )
    deploy_contents = models.TextField(
        _("what the automatic deployment installs"),
        blank=True,
        max_length=limits.MAX_DELIVERY_TEXT_LENGTH,
        validators=limits.max_length_validators(limits.MAX_DELIVERY_TEXT_LENGTH),
    )
    api_quota_unit = models.CharField(_("quota unit"), max_length=30, blank=True)
    # review
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "-number"]
        permissions = [("review_productversion", "Can approve or reject product versions")]
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

    def service_form_labels(self) -> list[str]:
        """The labels of `service_forms`, in the choices' order."""
        return [str(label) for code, label in ServiceForm.choices if code in self.service_forms]

    def service_scope_labels(self) -> list[str]:
        return [str(label) for code, label in ServiceScope.choices if code in self.service_scope]


class ProductScreenshot(models.Model):
    """A screenshot of a version (02 › Information to fill in: logo/screenshots).

    It belongs to the version, not the product, so that it is reviewed with the rest of
    the content and a listed product's screenshots change only through a new version.
    Copies of a version share the image files: rows are deleted, files are kept.
    """

    MAX_PER_VERSION = 6

    version = models.ForeignKey(
        ProductVersion,
        on_delete=models.CASCADE,
        related_name="screenshots",
        verbose_name=_("version"),
    )
    image = models.ImageField(_("image"), upload_to=catalog_upload_to, max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class ImageRegion(models.Model):
    """The machine image id of an image product in one region (what launching uses)."""

    version = models.ForeignKey(
        ProductVersion,
        on_delete=models.CASCADE,
        related_name="image_regions",
        verbose_name=_("version"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    image_id = models.CharField(_("image ID"), max_length=100)

    class Meta:
        verbose_name = _("image per region")
        verbose_name_plural = _("images per region")
        ordering = ["region__code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "region"], name="unique_image_region")
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.image_id}"


class ApiEndpoint(models.Model):
    """One API an API-gateway product sells: method, path and what it does."""

    class Method(models.TextChoices):
        GET = "GET", "GET"
        POST = "POST", "POST"
        PUT = "PUT", "PUT"
        PATCH = "PATCH", "PATCH"
        DELETE = "DELETE", "DELETE"

    version = models.ForeignKey(
        ProductVersion,
        on_delete=models.CASCADE,
        related_name="api_endpoints",
        verbose_name=_("version"),
    )
    method = models.CharField(_("method"), max_length=6, choices=Method.choices)
    path = models.CharField(_("path"), max_length=200)
    description = models.CharField(_("description"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("API")
        verbose_name_plural = _("APIs")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "method", "path"], name="unique_api_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class Spec(models.Model):
    """A spec (规格, plan) of a version, with its billing mode and prices."""

    class PackageKind(models.TextChoices):
        STOP_WHEN_USED_UP = "stop_when_used_up", _("Stop when used up")
        PER_CALL = "per_call", _("Per call")

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="specs", verbose_name=_("version")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=_("stable across versions"))
    name = models.CharField(_("name"), max_length=100, validators=[limits.validate_single_line])
    billing_mode = models.CharField(_("billing mode"), max_length=16, choices=BillingMode.choices)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), null=True, blank=True)
    package_kind = models.CharField(
        _("package kind"), max_length=20, choices=PackageKind.choices, blank=True
    )
    package_quota = models.PositiveIntegerField(
        _("package quota"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_PACKAGE_QUOTA, minimum=1),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("spec")
        verbose_name_plural = _("specs")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_spec_code")]

    def __str__(self) -> str:
        return self.name


class SpecAttribute(models.Model):
    """An enumerated (edition = basic/pro) or quantity (users = 1..500 step 1) attribute."""

    spec = models.ForeignKey(
        Spec, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("spec")
    )
    attribute = models.ForeignKey(
        AttributeName, on_delete=models.PROTECT, related_name="+", verbose_name=_("attribute")
    )
    options = models.CharField(_("options"), max_length=300, blank=True)  # enum: comma separated
    min_value = models.PositiveIntegerField(
        _("minimum"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_ATTRIBUTE_VALUE),
    )
    max_value = models.PositiveIntegerField(
        _("maximum"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_ATTRIBUTE_VALUE),
    )
    step = models.PositiveIntegerField(
        _("step"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_ATTRIBUTE_VALUE, minimum=1),
    )
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

    spec = models.ForeignKey(
        Spec, on_delete=models.CASCADE, related_name="prices", verbose_name=_("spec")
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    amount = models.DecimalField(_("price (CNY)"), **MONEY)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    max_periods = models.PositiveSmallIntegerField(
        _("max periods per order"),
        default=1,
        validators=limits.max_value_validators(limits.MAX_PERIODS_PER_ORDER, minimum=1),
    )

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

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="spec_sales", verbose_name=_("product")
    )
    spec_code = models.SlugField(_("spec code"), max_length=40)
    stock = models.PositiveIntegerField(
        _("stock"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_STOCK),
    )
    max_quantity_per_buyer = models.PositiveIntegerField(
        _("max quantity per buyer"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_PURCHASE_LIMIT, minimum=1),
    )
    max_orders_per_buyer = models.PositiveIntegerField(
        _("max orders per buyer"),
        null=True,
        blank=True,
        validators=limits.max_value_validators(limits.MAX_PURCHASE_LIMIT, minimum=1),
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

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="allowlist", verbose_name=_("product")
    )
    kind = models.CharField(_("list"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

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
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("catalog generation")
        verbose_name_plural = _("catalog generations")

    def __str__(self) -> str:
        return str(self.value)


class DelistRequest(models.Model):
    """An operator's to-do: delist this product (01 › Exit: a seller with listed products
    applies to exit; the application asks the operator to delist them, and the exit
    completes when nothing is listed any more).

    Opened by the exit request, done when the product is delisted (by the operator from
    this queue, or any other way), cancelled when the seller withdraws the exit.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an operator")
        DONE = "done", _("Delisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        SELLER_EXIT = "seller_exit", _("Seller exit")

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="delist_requests", verbose_name=_("product")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, default=Reason.SELLER_EXIT
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("delisting request")
        verbose_name_plural = _("delisting requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status="open"),
                name="one_open_delist_request_per_product",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.get_status_display()})"

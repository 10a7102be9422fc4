"""Seller onboarding (入驻), business information, store page, joint-operation
certification, customer-service groups and exit. Spec: shared/spec/01-sellers.md.

State changes happen only in `sellers.services`; each one checks the source state and
writes a `TransitionLog` row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import can_view_private_documents
from marketplace.accounts.validators import validate_phone
from marketplace.core import limits
from marketplace.core.files import new_upload_key
from marketplace.core.private_files import private_storage


def seller_upload_to(instance, filename: str) -> str:
    # A short generated key; the original name is kept for display (core/files.py).
    return new_upload_key("sellers", filename)


class Seller(models.Model):
    """A seller account (商家). Created by the onboarding application.

    draft is never stored: the row appears when the application is submitted.
    pending → approved (operator) → active (business information certified);
    pending → rejected (operator, with reason) → pending (resubmitted);
    active → exit_pending (seller asks to leave) → exited (operator) — final: an exited
    account can never onboard again; exit_pending → active (seller withdraws).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Application under review")
        REJECTED = "rejected", _("Application rejected")
        APPROVED = "approved", _("Approved, business information needed")
        ACTIVE = "active", _("Active")
        EXIT_PENDING = "exit_pending", _("Exit requested")
        EXITED = "exited", _("Exited")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="seller",
        verbose_name=_("account"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Snapshot of the enterprise verification at application time: the entity that sells.
    company_name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    # The onboarding application itself.
    store_name = models.CharField(
        _("store name"), max_length=100, validators=[limits.validate_single_line]
    )
    business_scope = models.TextField(
        _("main products and services"),
        max_length=limits.MAX_BUSINESS_SCOPE_LENGTH,
        validators=limits.max_length_validators(limits.MAX_BUSINESS_SCOPE_LENGTH),
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_mobile = models.CharField(_("contact mobile"), max_length=20)
    contact_email = models.EmailField(_("contact e-mail"))
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    exit_reason = models.TextField(
        _("exit reason"),
        blank=True,
        max_length=limits.MAX_REASON_LENGTH,
        validators=limits.max_length_validators(limits.MAX_REASON_LENGTH),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("active since"), null=True, blank=True)
    exited_at = models.DateTimeField(_("exited at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["-submitted_at"]
        permissions = [
            ("review_seller", "Can approve or reject onboarding applications"),
            ("review_exit", "Can approve sellers' exit requests"),
        ]

    def __str__(self) -> str:
        return self.store_name or self.company_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class BusinessInfo(models.Model):
    """Business information certification (商业信息认证), the last onboarding step."""

    seller = models.OneToOneField(
        Seller, on_delete=models.CASCADE, related_name="business_info", verbose_name=_("seller")
    )
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district / county"), max_length=50)
    address_detail = models.CharField(_("detailed address"), max_length=200)
    has_marketplace_contact = models.BooleanField(
        _("a marketplace-side contact person works with you")
    )
    marketplace_contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    marketplace_contact_mobile = models.CharField(_("contact mobile"), max_length=20, blank=True)
    marketplace_contact_email = models.EmailField(_("contact e-mail"), blank=True)
    logo = models.ImageField(_("company logo"), upload_to=seller_upload_to, max_length=300)
    certified_at = models.DateTimeField(_("certified at"))

    class Meta:
        verbose_name = _("business information")
        verbose_name_plural = _("business information")

    def __str__(self) -> str:
        return f"{self.province} {self.city} {self.district}"


class StorePage(models.Model):
    """The seller's store page (店铺) buyers reach from every product."""

    seller = models.OneToOneField(
        Seller, on_delete=models.CASCADE, related_name="store_page", verbose_name=_("seller")
    )
    intro_video = models.FileField(
        _("introduction video"), upload_to=seller_upload_to, blank=True, max_length=300
    )
    brand_story = models.TextField(
        _("brand story"),
        blank=True,
        max_length=limits.MAX_BRAND_STORY_LENGTH,
        validators=limits.max_length_validators(limits.MAX_BRAND_STORY_LENGTH),
    )
    certificate_image = models.ImageField(
        _("qualification certificates"), upload_to=seller_upload_to, blank=True, max_length=300
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("store page")
        verbose_name_plural = _("store pages")

    def __str__(self) -> str:
        return str(self.seller)


class StoreImage(models.Model):
    """An introduction image of the store page, exactly 780×440 px."""

    store_page = models.ForeignKey(
        StorePage, on_delete=models.CASCADE, related_name="images", verbose_name=_("store page")
    )
    image = models.ImageField(_("image"), upload_to=seller_upload_to, max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("store image")
        verbose_name_plural = _("store images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name

    @property
    def seller_id(self):
        return self.store_page.seller_id


class JointCertification(models.Model):
    """Joint-operation certification (联营认证) of the products it names: a joint product
    can be submitted for review only when an approved certification covers it (seed 000:
    "商家必须完成对应商品的联营认证"). A seller may hold several, e.g. one per product."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="joint_certifications",
        verbose_name=_("seller"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    company_name = models.CharField(_("certified company name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    authorization_letter = models.FileField(
        _("authorization letter"),
        upload_to=seller_upload_to,
        max_length=300,
        storage=private_storage,
    )
    # The products covered are `products` (Product.joint_certifications: the catalog
    # declares the relation, since sellers can't import it). A product is named by at most
    # one certification in review or approved (joint_certification_submit).
    products_description = models.TextField(
        _("notes for the reviewer"),
        blank=True,
        max_length=limits.MAX_JOINT_PRODUCTS_LENGTH,
        validators=limits.max_length_validators(limits.MAX_JOINT_PRODUCTS_LENGTH),
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("joint-operation certification")
        verbose_name_plural = _("joint-operation certifications")
        ordering = ["-submitted_at"]
        permissions = [
            ("review_jointcertification", "Can approve or reject joint-operation certifications"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The letter is for the seller's account and the operators allowed to see
        private documents only."""
        if field_name != "authorization_letter" or not (user.is_authenticated and user.is_active):
            return False
        return user.pk == self.seller.user_id or can_view_private_documents(user)


class ServiceGroup(models.Model):
    """A customer-service group (客服组) a product's service & support section picks."""

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="service_groups", verbose_name=_("seller")
    )
    name = models.CharField(_("name"), max_length=100, validators=[limits.validate_single_line])
    # Published as a tel: link on product pages: a real phone number only.
    phone = models.CharField(_("phone"), max_length=30, validators=[validate_phone])
    email = models.EmailField(_("e-mail"))
    hours = models.CharField(
        _("service hours"),
        max_length=100,
        validators=[limits.validate_single_line],
        help_text=_("e.g. Mon–Fri 9:00–18:00"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer-service group")
        verbose_name_plural = _("customer-service groups")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "name"], name="unique_service_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class AccessKey(models.Model):
    """A key of the seller's application (应用凭证 / 密钥管理, 04 and isv-api-reference §2).

    - INTERFACE keys sign the marketplace's calls to the seller's production URL (§2.1, and
      the kit sync paths §2.2): the seller's server holds the same secret to verify them.
    - OPEN_API keys are the AK/SK pair the seller's server signs its calls to our open
      API with (§2.5): `key_id` is the AK, the secret the SK.

    Secrets are stored encrypted (marketplace/core/crypto.py) and shown once, when created.
    Rotation creates a new key and gives the old one an `expires_at` (the overlap window),
    after which it no longer verifies or signs.
    """

    class Kind(models.TextChoices):
        INTERFACE = "interface", _("Production interface signing key")
        OPEN_API = "open_api", _("Open API access key (AK/SK)")

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="access_keys", verbose_name=_("seller")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key_id = models.CharField(_("key ID"), max_length=40, unique=True)
    secret_encrypted = models.TextField(_("secret (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("access key")
        verbose_name_plural = _("access keys")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["seller", "kind", "-created_at"])]

    def __str__(self) -> str:
        return self.key_id


class TestAccount(models.Model):
    """A test buyer account 应用测试账号 of a seller: it buys the seller's own products
    without money, so the whole buy → provision flow can be tried before listing."""

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="test_accounts", verbose_name=_("seller")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="test_account",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("test account")
        verbose_name_plural = _("test accounts")

    def __str__(self) -> str:
        return str(self.user)

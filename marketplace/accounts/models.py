"""The account (custom user), its real-name verification and its personal API tokens."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.core.files import new_upload_key
from marketplace.core.private_files import private_storage

from .names import email_key, name_key
from .validators import validate_mobile


def new_account_id() -> str:
    return uuid.uuid4().hex


class User(AbstractUser):
    """A marketplace account. `username` is the account name (账号名), the login.

    `account_id` (账号ID) is generated once and never changes; sellers allowlist buyers
    by account name *and* account id, so both must match.
    """

    class RealName(models.TextChoices):
        NONE = "none", _("Not verified")
        INDIVIDUAL = "individual", _("Individual")
        ENTERPRISE = "enterprise", _("Enterprise")

    account_id = models.CharField(
        _("account ID"), max_length=32, unique=True, default=new_account_id, editable=False
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # Set when the person opens the signed link sent to `email`; cleared when it changes.
    # Selling (the onboarding application) needs it.
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    # Uniqueness keys, computed in save() (see names.py): the look-alike skeleton of the
    # account name and the case-folded e-mail address.
    name_key = models.CharField(_("name key"), max_length=150, editable=False, default="")
    email_key = models.CharField(
        _("e-mail key"), max_length=254, editable=False, default="", blank=True
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile])
    real_name_status = models.CharField(
        _("real-name status"), max_length=16, choices=RealName.choices, default=RealName.NONE
    )
    # The language e-mails and other messages sent to the account are written in. Set at
    # sign-up from the page's language and whenever the person uses the language switch.
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        permissions = [
            # Operators: licences, authorization letters and ID numbers (README › Operators).
            ("view_private_documents", "Can view private documents and full ID numbers"),
        ]
        constraints = [
            # "Bob" and "bob" are one account name, even when both sign up at once.
            models.UniqueConstraint(Lower("username"), name="unique_account_name_ci"),
            # ... and so are "Ä-user"/"ä-user" on SQLite too, and "аlice" (Cyrillic а)/"alice".
            models.UniqueConstraint(fields=["name_key"], name="unique_account_name_key"),
            # One account per e-mail address, in any case; accounts without one are many.
            models.UniqueConstraint(
                fields=["email_key"], condition=~Q(email_key=""), name="unique_account_email_key"
            ),
        ]

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.username)
        self.email_key = email_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            keys = {"username": "name_key", "email": "email_key"}
            extra = {keys[f] for f in update_fields if f in keys}
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def account_name(self) -> str:
        return self.username

    @property
    def is_enterprise(self) -> bool:
        return self.real_name_status == self.RealName.ENTERPRISE


def licence_upload_to(instance, filename: str) -> str:
    # A short generated key; the original name is kept for display (core/files.py).
    return new_upload_key("verification", filename)


def can_view_private_documents(user) -> bool:
    """Operators with the explicit permission (not every staff account) see licences,
    authorization letters and full ID numbers."""
    return bool(
        user.is_authenticated and user.is_staff and user.has_perm("accounts.view_private_documents")
    )


class EnterpriseVerification(models.Model):
    """Enterprise real-name verification (企业实名认证) of one account."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="enterprise_verification",
        verbose_name=_("account"),
    )
    company_name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    licence = models.FileField(
        _("business licence"),
        upload_to=licence_upload_to,
        max_length=300,
        storage=private_storage,
    )
    verified_at = models.DateTimeField(_("verified at"))

    class Meta:
        verbose_name = _("enterprise verification")
        verbose_name_plural = _("enterprise verifications")

    def __str__(self) -> str:
        return f"{self.company_name} ({self.credit_code})"

    def can_view_private_file(self, user, field_name: str) -> bool:
        """The licence is for the verified account and the operators allowed to see
        private documents only."""
        if field_name != "licence" or not (user.is_authenticated and user.is_active):
            return False
        return user.pk == self.user_id or can_view_private_documents(user)


class IndividualVerification(models.Model):
    """Individual real-name verification by identity document."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="individual_verification",
        verbose_name=_("account"),
    )
    real_name = models.CharField(_("real name"), max_length=100)
    id_number = models.CharField(_("ID number"), max_length=18)
    verified_at = models.DateTimeField(_("verified at"))

    class Meta:
        verbose_name = _("individual verification")
        verbose_name_plural = _("individual verifications")

    def __str__(self) -> str:
        return self.real_name

    @property
    def masked_id_number(self) -> str:
        return f"{self.id_number[:3]}{'*' * 11}{self.id_number[-4:]}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        """Neither revoked nor expired at `now`."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True
        )


class ApiToken(models.Model):
    """A personal API token (README › API tokens): `Authorization: Bearer mkt_<prefix>_<secret>`.

    Only the SHA-256 of the whole token is stored (`digest`); the token is shown once, when
    it is made. The token carries 256 random bits, so a plain hash (no salt, no slow hash)
    is enough: nobody can guess a token from its digest, and one indexed lookup finds it.
    `prefix` is not secret: it tells the account's tokens apart in lists and in the admin.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("API token status", "Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("account")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Updated at most every few minutes (api_auth.LAST_USED_EVERY), not on every request.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        permissions = [("revoke_apitoken", "Can revoke any account's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        return f"mkt_{self.prefix}_…"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return self.Status(self.status).label

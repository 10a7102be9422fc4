"""Writes on accounts: sign-up, e-mail verification, language preference, real-name
verification and personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

from marketplace.core import rawload
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_image
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from . import tokens
from .models import ApiToken, EnterpriseVerification, IndividualVerification, User
from .names import email_key, name_key, normalise_name, validate_account_name_script
from .validators import validate_id_number, validate_uscc


def _supported_language(code: str) -> str:
    """`code` as one of settings.LANGUAGES ("zh-cn" → "zh-hans"); DomainError otherwise."""
    try:
        return get_supported_language_variant(code or "")
    except LookupError:
        raise DomainError(_("This language is not available.")) from None


def check_account_name(username: str, *, exclude_pk: int | None = None) -> str:
    """The normalised account name, or ValidationError: it mixes look-alike alphabets, or
    it is taken, in any case or by a look-alike ("аlice" with a Cyrillic а for "alice")."""
    username = normalise_name(username)
    validate_account_name_script(username)
    taken = User.objects.filter(name_key=name_key(username)).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(_("This account name is taken."), code="taken")
    return username


def check_email_free(email: str, *, exclude_pk: int | None = None) -> str:
    """The stripped address, or ValidationError if another account uses it (any case)."""
    email = (email or "").strip()
    key = email_key(email)
    if key and User.objects.filter(email_key=key).exclude(pk=exclude_pk).exists():
        raise ValidationError(
            _("Another account uses this e-mail address. Log in to it, or reset its password."),
            code="email_taken",
        )
    return email


@transaction.atomic
def user_sign_up(
    *, username: str, email: str, password: str, mobile: str = "", language: str = ""
) -> User:
    """Create an account; the account id is generated and never changes.

    `language` is the language the person signed up in (the page's); messages to the
    account are written in it until they pick another one with the language switch.
    The name is normalised (NFKC) and must not look like another account's; the e-mail
    address is one account's only, and a link to verify it is sent at once.
    """
    try:
        username = check_account_name(username)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from None
    try:
        email = check_email_free(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None
    user = User(
        username=username,
        email=email,
        mobile=mobile.strip(),
        language=_supported_language(language) if language else settings.LANGUAGE_CODE,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Someone took the name or the address between the checks above and now.
        raise DomainError(_("This account name or e-mail address was just taken.")) from None
    log_transition(user, action="sign_up", to_state=user.real_name_status, actor=user)
    if user.email:
        user_send_email_verification(user=user)
    return user


# --- e-mail verification ---------------------------------------------------------------------

EMAIL_VERIFICATION_SALT = "accounts.email-verification"


def email_verification_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address it verifies: a
    token for an address the account no longer has verifies nothing."""
    return signing.dumps({"u": user.pk, "e": email_key(user.email)}, salt=EMAIL_VERIFICATION_SALT)


@transaction.atomic
def user_send_email_verification(*, user: User):
    """E-mail the account a link that verifies its address (through the outbox)."""
    if not user.email:
        raise DomainError(_("Add an e-mail address to your account first."))
    if user.email_verified_at is not None:
        raise DomainError(_("Your e-mail address is verified already."))
    path = reverse("accounts:verify_email", kwargs={"token": email_verification_token(user)})
    return notify(
        user=user,
        template="email_verification",
        context={
            "path": path,
            "email": user.email,
            "days": max(1, settings.EMAIL_VERIFICATION_MAX_AGE // 86400),
        },
    )


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address named in `token` verified; DomainError if the link is expired,
    altered, or for an address the account no longer has. Verifying twice is harmless."""
    try:
        data = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise DomainError(_("This verification link has expired: ask for a new one.")) from None
    except signing.BadSignature:
        raise DomainError(_("This verification link is not valid.")) from None
    user = User.objects.select_for_update().filter(pk=data.get("u")).first()
    if user is None or not user.email_key or user.email_key != data.get("e"):
        raise DomainError(_("This verification link is not valid."))
    return _mark_email_verified(user, actor=user)


@transaction.atomic
def user_mark_email_verified(*, user: User, actor: User | None) -> User:
    """Mark the address verified without a link: an operator who checked it another way
    (admin action), and the demo data."""
    if not user.email:
        raise DomainError(_("This account has no e-mail address."))
    return _mark_email_verified(User.objects.select_for_update().get(pk=user.pk), actor=actor)


def _mark_email_verified(user: User, *, actor: User | None) -> User:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        log_transition(user, action="verify_email", actor=actor)
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Remember the language the account reads messages in (one of settings.LANGUAGES)."""
    language = _supported_language(language)
    if user.language != language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)
    return user


@transaction.atomic
def user_verify_enterprise(
    *,
    user: User,
    company_name: str,
    credit_code: str,
    legal_representative: str,
    licence,
) -> EnterpriseVerification:
    """Enterprise real-name verification (企业实名认证).

    Decision: the check is automatic here (credit code checksum + a real licence image);
    the operator sees the licence again when reviewing the onboarding application.
    An individual account may change to an enterprise one; an enterprise stays as it is.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.real_name_status == User.RealName.ENTERPRISE:
        raise DomainError(_("This account is already verified as an enterprise."))
    credit_code = credit_code.strip().upper()
    validate_uscc(credit_code)
    check_image(licence, max_bytes=settings.MAX_IMAGE_BYTES)  # the form's limit too
    if not company_name.strip() or not legal_representative.strip():
        raise ValidationError(_("Company name and legal representative are required."))
    verification = EnterpriseVerification.objects.create(
        user=user,
        company_name=company_name.strip(),
        credit_code=credit_code,
        legal_representative=legal_representative.strip(),
        licence=licence,
        verified_at=timezone.now(),
    )
    previous = user.real_name_status
    user.real_name_status = User.RealName.ENTERPRISE
    user.save(update_fields=["real_name_status"])
    log_transition(
        user,
        action="verify_enterprise",
        from_state=previous,
        to_state=user.real_name_status,
        actor=user,
    )
    return verification


@transaction.atomic
def user_verify_individual(*, user: User, real_name: str, id_number: str) -> IndividualVerification:
    """Individual real-name verification by identity document (name + ID number)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.real_name_status != User.RealName.NONE:
        raise DomainError(_("This account has already passed real-name verification."))
    id_number = id_number.strip().upper()
    validate_id_number(id_number)
    if not real_name.strip():
        raise ValidationError(_("Enter your real name."))
    verification = IndividualVerification.objects.create(
        user=user, real_name=real_name.strip(), id_number=id_number, verified_at=timezone.now()
    )
    user.real_name_status = User.RealName.INDIVIDUAL
    user.save(update_fields=["real_name_status"])
    log_transition(
        user,
        action="verify_individual",
        from_state=User.RealName.NONE,
        to_state=user.real_name_status,
        actor=user,
    )
    return verification


# --- personal API tokens (README › API tokens) -------------------------------------------------

# `last_used_at` is a hint for the person, not a log: a used token writes it at most this often.
API_TOKEN_LAST_USED_EVERY = timedelta(minutes=5)


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token of `user`: (the row, the token itself).

    The token is returned once, to be shown once; only its SHA-256 digest is stored. An
    account holds at most settings.API_TOKENS_PER_USER active tokens (neither revoked nor
    expired): DomainError beyond. `expires_at`, if given, must be in the future.
    """
    now = timezone.now()
    name = (name or "").strip()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    # The account row is the lock: two creations at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
    limit = settings.API_TOKENS_PER_USER
    if ApiToken.objects.filter(user=user).active(now).count() >= limit:
        raise DomainError(
            _(
                "An account may hold at most %(limit)d active API tokens: revoke one you no "
                "longer use first."
            )
            % {"limit": limit}
        )
    prefix, secret = tokens.new_token()
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        digest=tokens.digest(secret),
        created_at=now,
        expires_at=expires_at,
    )
    token.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    token.save()
    log_transition(token, action="create", to_state=ApiToken.Status.ACTIVE, actor=user)
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens; another account's token is
    ApiToken.DoesNotExist (a 404), as is one that doesn't exist. Revoking twice changes
    nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    return _api_token_revoke(token, actor=user)


@transaction.atomic
def api_token_revoke_any(*, actor: User, token_id: int) -> ApiToken:
    """An operator holding `accounts.revoke_apitoken` revokes any account's token (the
    admin action): a leaked token is stopped without its owner."""
    check_operator_permission(
        actor, "accounts.revoke_apitoken", _("You may not revoke other accounts' API tokens.")
    )
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    return _api_token_revoke(token, actor=actor)


def _api_token_revoke(token: ApiToken, *, actor: User) -> ApiToken:
    if token.revoked_at is None:
        previous = token.status
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_transition(
            token, action="revoke", from_state=previous, to_state=token.status, actor=actor
        )
    return token


# api_token_mark_used's conditional write: one statement, portable SQL (quoted names).
_MARK_USED_SQL = (  # noqa: S608 (the names come from the model, never from input)
    "UPDATE {table} SET {used} = %s WHERE {pk} = %s AND ({used} IS NULL OR {used} < %s)"
).format(
    table=connection.ops.quote_name(ApiToken._meta.db_table),
    pk=connection.ops.quote_name(ApiToken._meta.pk.column),
    used=connection.ops.quote_name(ApiToken._meta.get_field("last_used_at").column),
)


def api_token_mark_used(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Note that `token` was just used, if its `last_used_at` is unset or older than
    API_TOKEN_LAST_USED_EVERY; True if it wrote. Called by the authentication of every API
    request, so it costs nothing most of the time: no write while the stored time is recent,
    and then one conditional UPDATE (a single statement, atomic by itself: no transaction,
    no savepoint) that concurrent requests cannot repeat."""
    now = now or timezone.now()
    stale = now - API_TOKEN_LAST_USED_EVERY
    if token.last_used_at is not None and token.last_used_at >= stale:
        return False
    # Hand-written and prepared (core/rawload.py): the ORM's update() cost more Python
    # than the write itself on every stale request.
    field = ApiToken._meta.get_field("last_used_at")
    written = rawload.execute(
        _MARK_USED_SQL,
        [
            field.get_db_prep_value(now, connection),
            token.pk,
            field.get_db_prep_value(stale, connection),
        ],
        prepare=True,
    )
    token.last_used_at = now
    return bool(written)

"""Writes on accounts: sign-up, language preference and real-name verification."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_image

from .models import EnterpriseVerification, IndividualVerification, User
from .validators import validate_id_number, validate_uscc


def _supported_language(code: str) -> str:
    """`code` as one of settings.LANGUAGES ("zh-cn" → "zh-hans"); DomainError otherwise."""
    try:
        return get_supported_language_variant(code or "")
    except LookupError:
        raise DomainError(_("This language is not available.")) from None


@transaction.atomic
def user_sign_up(
    *, username: str, email: str, password: str, mobile: str = "", language: str = ""
) -> User:
    """Create an account; the account id is generated and never changes.

    `language` is the language the person signed up in (the page's); messages to the
    account are written in it until they pick another one with the language switch.
    """
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This account name is taken."))
    user = User(
        username=username,
        email=email.strip(),
        mobile=mobile.strip(),
        language=_supported_language(language) if language else settings.LANGUAGE_CODE,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    log_transition(user, action="sign_up", to_state=user.real_name_status, actor=user)
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

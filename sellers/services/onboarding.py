"""Onboarding application 入驻申请: apply, resubmit, operator approve/reject."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.validators import validate_mobile
from marketplace.core import limits
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from ..models import Seller
from ._common import Status, _bounded, _clean, _lock_seller, _required, _verification_of


@transaction.atomic
def seller_apply(
    *,
    user: User,
    store_name: str,
    business_scope: str,
    contact_name: str,
    contact_mobile: str,
    contact_email: str,
) -> Seller:
    """Submit the onboarding application (step 2); the seller starts as `pending`.

    Needs a verified e-mail address and the enterprise real-name verification (step 1);
    the company name and credit code are copied from it, because that entity is the one
    that sells. An account that has exited can never onboard again (01-sellers, Exit); a
    rejected application is corrected with `seller_resubmit`.
    """
    # Lock the account so that two submissions at once cannot both create a seller.
    user = User.objects.select_for_update().get(pk=user.pk)
    existing = Seller.objects.filter(user=user).first()
    if existing is not None:
        if existing.status == Status.EXITED:
            raise DomainError(
                _("This account has left the marketplace and can never onboard again.")
            )
        if existing.status == Status.REJECTED:
            raise DomainError(_("Your application was rejected: correct it and submit it again."))
        raise DomainError(_("This account has already applied to sell."))
    # The marketplace writes to sellers about reviews, orders and payouts: the address
    # must be one they read (accounts › e-mail verification).
    if user.email_verified_at is None:
        raise DomainError(
            _("Verify your e-mail address first: open the link we sent to %(email)s.")
            % {"email": user.email or "—"}
        )
    verification = _verification_of(user)
    seller = Seller(
        user=user,
        status=Status.PENDING,
        company_name=verification.company_name,
        credit_code=verification.credit_code,
        submitted_at=timezone.now(),
    )
    _fill_application(
        seller,
        store_name=store_name,
        business_scope=business_scope,
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        contact_email=contact_email,
    )
    seller.save()
    log_transition(seller, action="apply", to_state=seller.status, actor=user)
    return seller


def _fill_application(seller: Seller, **fields: str) -> None:
    cleaned = {name: _clean(value) for name, value in fields.items()}
    _required(**cleaned)
    for name, value in cleaned.items():
        setattr(seller, name, value)
    errors: dict[str, list] = {}
    try:
        validate_mobile(seller.contact_mobile)
    except ValidationError as exc:
        errors["contact_mobile"] = exc.messages
    try:
        seller.full_clean(exclude=["user", "contact_mobile"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def seller_resubmit(
    *,
    seller: Seller,
    actor: User,
    store_name: str,
    business_scope: str,
    contact_name: str,
    contact_mobile: str,
    contact_email: str,
) -> Seller:
    """Correct a rejected application and send it back to review (rejected → pending)."""
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.REJECTED])
    verification = _verification_of(seller.user)
    _fill_application(
        seller,
        store_name=store_name,
        business_scope=business_scope,
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        contact_email=contact_email,
    )
    seller.company_name = verification.company_name
    seller.credit_code = verification.credit_code
    seller.submitted_at = timezone.now()
    seller.reviewed_at = None
    # The reason stays readable in the history; the page shows only the open question.
    seller.rejection_reason = ""
    move_to(seller, Status.PENDING, action="resubmit", actor=actor, also_save=None)
    return seller


def _check_reviewer(actor: User | None) -> None:
    check_operator_permission(
        actor,
        "sellers.review_seller",
        _("You don't have the permission to review onboarding applications."),
    )


@transaction.atomic
def seller_approve(*, seller: Seller, actor: User) -> Seller:
    """Operator approves the application (pending → approved); business info comes next."""
    _check_reviewer(actor)
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.PENDING])
    seller.reviewed_at = timezone.now()
    seller.rejection_reason = ""
    move_to(seller, Status.APPROVED, action="approve", actor=actor, also_save=None)
    notify(
        user=seller.user,
        template="seller_approved",
        context={"seller_id": seller.pk, "store_name": seller.store_name},
    )
    return seller


@transaction.atomic
def seller_reject(*, seller: Seller, actor: User, reason: str) -> Seller:
    """Operator rejects the application with a reason the seller sees (pending → rejected)."""
    _check_reviewer(actor)
    reason = _bounded("reason", _clean(reason), limits.MAX_REASON_LENGTH)
    if not reason:
        raise DomainError(_("Give the reason for the rejection: the seller will see it."))
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.PENDING])
    seller.reviewed_at = timezone.now()
    seller.rejection_reason = reason
    move_to(seller, Status.REJECTED, action="reject", actor=actor, reason=reason, also_save=None)
    notify(
        user=seller.user,
        template="seller_rejected",
        context={"seller_id": seller.pk, "store_name": seller.store_name, "reason": reason},
    )
    return seller

"""Joint-operation certification 联营认证: submit, operator approve/reject."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.validators import validate_uscc
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document
from marketplace.core.notifications import notify

from ..models import JointCertification, Seller
from ._common import Status, _clean, _lock_seller, _required


@transaction.atomic
def joint_certification_submit(
    *,
    seller: Seller,
    actor: User,
    company_name: str,
    credit_code: str,
    authorization_letter,
    products_description: str,
) -> JointCertification:
    """An active seller asks for joint-operation certification; an operator reviews it.

    The certified entity must be the seller's own (company name and credit code of the
    onboarding), because the entity that publishes a joint product must be the certified
    one (01-sellers, Joint-operation certification). One certification at a time may be
    under review or approved.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    company_name = _clean(company_name)
    credit_code = _clean(credit_code).upper()
    products_description = _clean(products_description)
    _required(
        company_name=company_name,
        credit_code=credit_code,
        products_description=products_description,
    )
    try:
        validate_uscc(credit_code)
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages}) from exc
    if company_name != seller.company_name or credit_code != seller.credit_code:
        raise DomainError(
            _(
                "The certified company must be the one that sells: %(company)s "
                "(credit code %(code)s)."
            )
            % {"company": seller.company_name, "code": seller.credit_code}
        )
    if not authorization_letter:
        raise ValidationError({"authorization_letter": _("Upload the authorization letter.")})
    try:
        check_document(authorization_letter, max_bytes=settings.MAX_DOCUMENT_BYTES)
    except ValidationError as exc:
        raise ValidationError({"authorization_letter": exc.messages}) from exc
    if seller.joint_certifications.filter(
        status__in=[JointCertification.Status.PENDING, JointCertification.Status.APPROVED]
    ).exists():
        raise DomainError(
            _("You already have a joint-operation certification under review or approved.")
        )
    certification = JointCertification.objects.create(
        seller=seller,
        company_name=company_name,
        credit_code=credit_code,
        authorization_letter=authorization_letter,
        products_description=products_description,
        submitted_at=timezone.now(),
    )
    log_transition(certification, action="submit", to_state=certification.status, actor=actor)
    return certification


@transaction.atomic
def joint_certification_approve(
    *, certification: JointCertification, actor: User
) -> JointCertification:
    """Operator approves (pending → approved): the seller may now publish joint products."""
    certification = JointCertification.objects.select_for_update().get(pk=certification.pk)
    check_state(certification, allowed=[JointCertification.Status.PENDING])
    certification.reviewed_at = timezone.now()
    move_to(
        certification,
        JointCertification.Status.APPROVED,
        action="approve",
        actor=actor,
        also_save=["reviewed_at"],
    )
    notify(
        user=certification.seller.user,
        template="joint_certification_approved",
        context={"certification_id": certification.pk, "company_name": certification.company_name},
    )
    return certification


@transaction.atomic
def joint_certification_reject(
    *, certification: JointCertification, actor: User, reason: str
) -> JointCertification:
    """Operator rejects with a reason (pending → rejected); the seller may submit anew."""
    reason = _clean(reason)
    if not reason:
        raise DomainError(_("Give the reason for the rejection: the seller will see it."))
    certification = JointCertification.objects.select_for_update().get(pk=certification.pk)
    check_state(certification, allowed=[JointCertification.Status.PENDING])
    certification.rejection_reason = reason
    certification.reviewed_at = timezone.now()
    move_to(
        certification,
        JointCertification.Status.REJECTED,
        action="reject",
        actor=actor,
        reason=reason,
        also_save=["rejection_reason", "reviewed_at"],
    )
    notify(
        user=certification.seller.user,
        template="joint_certification_rejected",
        context={
            "certification_id": certification.pk,
            "company_name": certification.company_name,
            "reason": reason,
        },
    )
    return certification

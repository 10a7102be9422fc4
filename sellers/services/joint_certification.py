"""Joint-operation certification 联营认证: submit, operator approve/reject."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.validators import validate_uscc
from marketplace.core import limits
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from ..models import JointCertification, Seller
from ._common import Status, _bounded, _clean, _lock_seller, _required


@transaction.atomic
def joint_certification_submit(
    *,
    seller: Seller,
    actor: User,
    company_name: str,
    credit_code: str,
    authorization_letter,
    products: Iterable,
    products_description: str = "",
) -> JointCertification:
    """An active seller asks for joint-operation certification of `products`; an
    operator reviews it.

    A certification covers the products it names (seed 000: "商家必须完成对应商品的联营
    认证"): the seller's own joint-operation products, drafts included, each named by
    no other certification under review or approved. Only an approved certification that
    covers a product lets it be submitted for review (catalog `product_submit`).
    The certified entity must be the seller's own (company name and credit code of the
    onboarding), because the entity that publishes a joint product must be the certified
    one (01-sellers, Joint-operation certification).
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    company_name = _clean(company_name)
    credit_code = _clean(credit_code).upper()
    products_description = _bounded(
        "products_description", _clean(products_description), limits.MAX_JOINT_PRODUCTS_LENGTH
    )
    _required(company_name=company_name, credit_code=credit_code)
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
    products = _check_products(seller, products)
    certification = JointCertification.objects.create(
        seller=seller,
        company_name=company_name,
        credit_code=credit_code,
        authorization_letter=authorization_letter,
        products_description=products_description,
        submitted_at=timezone.now(),
    )
    certification.products.set(products)
    log_transition(certification, action="submit", to_state=certification.status, actor=actor)
    return certification


def _check_products(seller: Seller, products: Iterable) -> list:
    """The products a certification may name, or a refusal keyed ``products``.

    Sellers can't import the catalog, so the products are checked by what they carry:
    the seller's own, of a joint-operation type (`is_joint`), and not yet named by a
    certification under review or approved (the caller holds the seller's lock, so two
    submissions can't both take a product).
    """
    products = list(dict.fromkeys(products))
    if not products:
        raise ValidationError(
            {"products": _("Choose the joint-operation products this certification covers.")}
        )
    if any(p.seller_id != seller.pk or not getattr(p, "is_joint", False) for p in products):
        raise ValidationError({"products": _("Choose among your own joint-operation products.")})
    taken = JointCertification.objects.filter(
        seller=seller,
        status__in=[JointCertification.Status.PENDING, JointCertification.Status.APPROVED],
        products__in=[p.pk for p in products],
    ).values_list("products__pk", flat=True)
    taken_ids = set(taken) & {p.pk for p in products}
    if taken_ids:
        names = ", ".join(str(p) for p in products if p.pk in taken_ids)
        raise ValidationError(
            {
                "products": _(
                    "Already covered by a certification under review or approved: %(names)s."
                )
                % {"names": names}
            }
        )
    return products


def _check_reviewer(actor: User | None) -> None:
    check_operator_permission(
        actor,
        "sellers.review_jointcertification",
        _("You don't have the permission to review joint-operation certifications."),
    )


@transaction.atomic
def joint_certification_approve(
    *, certification: JointCertification, actor: User
) -> JointCertification:
    """Operator approves (pending → approved): the seller may now publish joint products."""
    _check_reviewer(actor)
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
    _check_reviewer(actor)
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

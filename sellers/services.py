"""Writes on sellers: onboarding, business information, store page, joint-operation
certification, customer-service groups and exit (spec 01-sellers.md).

Every state change locks the row (`select_for_update`), checks its source state with
`check_state`, and writes a `TransitionLog` row with the actor and the reason. Bad input
raises `ValidationError` (keyed by field where there is one); a business rule raises
`DomainError`. Both leave nothing changed, because every service is atomic.
An operator's decision also notifies the seller (`notify`, in the same transaction: the
e-mail goes out after commit, and never for a change that rolled back).

Exit and orders in progress — decision for the spec's open point:
leaving the marketplace ends the seller's ability to sell (no listed product may remain,
see `sellers.exit_checks`, and an exited account can never onboard again), but it does
**not** end the obligations of orders already placed. Their subscriptions run to the end
of the paid period, supervision cases go on (the seller still delivers, buyers can still
accept, reject and appeal), and settlement keeps producing the seller's bills and paying
them out. That is why the seller row is never deleted: it only becomes `exited`, and
every order, bill and log row keeps pointing at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import EnterpriseVerification, User
from marketplace.accounts.validators import validate_mobile, validate_uscc
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document, check_image, check_video
from marketplace.core.notifications import notify

from . import exit_checks, regions
from .models import BusinessInfo, JointCertification, Seller, ServiceGroup, StoreImage, StorePage

MAX_STORE_IMAGES = 5

Status = Seller.Status


# --- helpers ------------------------------------------------------------------------------


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _required(**fields: str) -> None:
    """Raise one ValidationError naming every empty field."""
    missing = {name: _("This field is required.") for name, value in fields.items() if not value}
    if missing:
        raise ValidationError(missing)


def _lock_seller(seller: Seller) -> Seller:
    return Seller.objects.select_for_update().get(pk=seller.pk)


def _verification_of(user: User) -> EnterpriseVerification:
    """The account's enterprise verification, or a refusal explaining step 1."""
    verification = None
    if user.real_name_status == User.RealName.ENTERPRISE:
        verification = EnterpriseVerification.objects.filter(user=user).first()
    if verification is None:
        raise DomainError(
            _(
                "Only an enterprise may sell: complete the enterprise real-name verification "
                "of this account first."
            )
        )
    return verification


# --- onboarding application 入驻申请 ---------------------------------------------------------


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

    Needs the enterprise real-name verification (step 1); the company name and credit
    code are copied from it, because that entity is the one that sells. An account that
    has exited can never onboard again (01-sellers, Exit); a rejected application is
    corrected with `seller_resubmit`.
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


@transaction.atomic
def seller_approve(*, seller: Seller, actor: User) -> Seller:
    """Operator approves the application (pending → approved); business info comes next."""
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
    reason = _clean(reason)
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


# --- business information certification 商业信息认证 ----------------------------------------


@transaction.atomic
def business_info_certify(
    *,
    seller: Seller,
    actor: User,
    province: str,
    city: str,
    district: str,
    address_detail: str,
    has_marketplace_contact: bool,
    logo,
    marketplace_contact_name: str = "",
    marketplace_contact_mobile: str = "",
    marketplace_contact_email: str = "",
) -> BusinessInfo:
    """Certify the business information (step 3): approved → active.

    The rules are `_check_business_info`'s, shared with `business_info_update`; the logo
    is required here.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.APPROVED])
    fields = _check_business_info(
        province=province,
        city=city,
        district=district,
        address_detail=address_detail,
        has_marketplace_contact=has_marketplace_contact,
        marketplace_contact_name=marketplace_contact_name,
        marketplace_contact_mobile=marketplace_contact_mobile,
        marketplace_contact_email=marketplace_contact_email,
        logo=logo,
        logo_required=True,
    )
    info = BusinessInfo.objects.create(seller=seller, certified_at=timezone.now(), **fields)
    seller.activated_at = info.certified_at
    move_to(seller, Status.ACTIVE, action="certify_business_info", actor=actor, also_save=None)
    return info


@transaction.atomic
def business_info_update(
    *,
    seller: Seller,
    actor: User,
    province: str,
    city: str,
    district: str,
    address_detail: str,
    has_marketplace_contact: bool,
    marketplace_contact_name: str = "",
    marketplace_contact_mobile: str = "",
    marketplace_contact_email: str = "",
    logo=None,
) -> BusinessInfo:
    """An active seller changes its certified business information (offices move, the
    logo or the marketplace-side contact changes); the status stays as it is.

    The same rules as `business_info_certify` apply, except that the logo is optional:
    without a new one the current logo stays. The history row names the changed fields;
    a save that changes nothing writes none.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    # Lock the information too: two edits at once must not interleave their fields.
    info = BusinessInfo.objects.select_for_update().get(seller=seller)
    fields = _check_business_info(
        province=province,
        city=city,
        district=district,
        address_detail=address_detail,
        has_marketplace_contact=has_marketplace_contact,
        marketplace_contact_name=marketplace_contact_name,
        marketplace_contact_mobile=marketplace_contact_mobile,
        marketplace_contact_email=marketplace_contact_email,
        logo=logo,
        logo_required=False,
    )
    changed: list[str] = []
    for name, value in fields.items():
        # A new logo is a change even if its name happens to match the current one.
        if name == "logo" or getattr(info, name) != value:
            setattr(info, name, value)
            changed.append(name)
    if changed:
        info.save(update_fields=changed)
        log_transition(
            seller, action="update_business_info", actor=actor, reason=", ".join(changed)
        )
    return info


def _check_business_info(
    *,
    province: str,
    city: str,
    district: str,
    address_detail: str,
    has_marketplace_contact: bool,
    marketplace_contact_name: str,
    marketplace_contact_mobile: str,
    marketplace_contact_email: str,
    logo,
    logo_required: bool,
) -> dict[str, Any]:
    """Validate business information; return the `BusinessInfo` fields to store.

    The address is a province / city / district from `sellers.regions` plus a detailed
    address. With a marketplace-side contact, that person's name, mobile and e-mail are
    required; without one, none is stored. The logo is a real JPG/JPEG/PNG of at most
    `settings.MAX_LOGO_BYTES`, checked by its content; it is in the result only when
    given (`logo_required` refuses its absence).
    """
    province, city, district = _clean(province), _clean(city), _clean(district)
    address_detail = _clean(address_detail)
    _required(province=province, city=city, district=district, address_detail=address_detail)
    if not regions.is_valid(province, city, district):
        raise ValidationError(
            {"district": _("Choose the province, city and district from the lists.")}
        )
    contact = {
        "marketplace_contact_name": _clean(marketplace_contact_name),
        "marketplace_contact_mobile": _clean(marketplace_contact_mobile),
        "marketplace_contact_email": _clean(marketplace_contact_email),
    }
    if has_marketplace_contact:
        _check_contact(**contact)
    else:
        contact = dict.fromkeys(contact, "")
    fields: dict[str, Any] = {
        "province": province,
        "city": city,
        "district": district,
        "address_detail": address_detail,
        "has_marketplace_contact": bool(has_marketplace_contact),
        **contact,
    }
    if not logo:
        if logo_required:
            raise ValidationError({"logo": _("Upload the company logo.")})
        return fields
    try:
        check_image(logo, max_bytes=settings.MAX_LOGO_BYTES)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from exc
    fields["logo"] = logo
    return fields


def _check_contact(
    *,
    marketplace_contact_name: str,
    marketplace_contact_mobile: str,
    marketplace_contact_email: str,
) -> None:
    needed = _("Required when a marketplace-side contact person works with you.")
    errors: dict[str, Any] = {}
    for name, value in (
        ("marketplace_contact_name", marketplace_contact_name),
        ("marketplace_contact_mobile", marketplace_contact_mobile),
        ("marketplace_contact_email", marketplace_contact_email),
    ):
        if not value:
            errors[name] = needed
    if marketplace_contact_mobile and "marketplace_contact_mobile" not in errors:
        try:
            validate_mobile(marketplace_contact_mobile)
        except ValidationError as exc:
            errors["marketplace_contact_mobile"] = exc.messages
    if marketplace_contact_email:
        try:
            validate_email(marketplace_contact_email)
        except ValidationError as exc:
            errors["marketplace_contact_email"] = exc.messages
    if errors:
        raise ValidationError(errors)


# --- store page 店铺 -------------------------------------------------------------------------


@transaction.atomic
def store_page_update(
    *,
    seller: Seller,
    actor: User,
    brand_story: str | None = None,
    intro_video=None,
    remove_intro_video: bool = False,
    intro_images: Sequence | None = None,
    certificate_image=None,
) -> StorePage:
    """Update the store page of an active seller; `None` leaves a part as it is.

    - `intro_video`: MP4 or MOV, recognised by its bytes;
    - `intro_images`: replaces all introduction images; each a JPG/JPEG/PNG of exactly
      `settings.STORE_IMAGE_SIZE`, at most `MAX_STORE_IMAGES` of them;
    - `certificate_image`: the qualification certificates merged into one JPG/JPEG/PNG of
      width `settings.STORE_CERTIFICATE_WIDTH` (the seed is cut off at "宽度为9…").
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    errors: dict[str, list] = {}
    if intro_video:
        try:
            check_video(intro_video, max_bytes=settings.MAX_VIDEO_BYTES)
        except ValidationError as exc:
            errors["intro_video"] = exc.messages
    images = list(intro_images or [])
    if len(images) > MAX_STORE_IMAGES:
        errors["intro_images"] = [
            _("Upload at most %(count)d introduction images.") % {"count": MAX_STORE_IMAGES}
        ]
    for image in images:
        try:
            check_image(
                image, max_bytes=settings.MAX_IMAGE_BYTES, exact_size=settings.STORE_IMAGE_SIZE
            )
        except ValidationError as exc:
            errors.setdefault("intro_images", []).extend(
                f"{image.name}: {message}" for message in exc.messages
            )
    if certificate_image:
        try:
            check_image(
                certificate_image,
                max_bytes=settings.MAX_IMAGE_BYTES,
                exact_width=settings.STORE_CERTIFICATE_WIDTH,
            )
        except ValidationError as exc:
            errors["certificate_image"] = exc.messages
    if errors:
        raise ValidationError(errors)

    page, _created = StorePage.objects.get_or_create(seller=seller)
    changed: list[str] = []
    if brand_story is not None and brand_story.strip() != page.brand_story:
        page.brand_story = brand_story.strip()
        changed.append("brand_story")
    if intro_video:
        page.intro_video = intro_video
        changed.append("intro_video")
    elif remove_intro_video and page.intro_video:
        page.intro_video = ""
        changed.append("intro_video")
    if certificate_image:
        page.certificate_image = certificate_image
        changed.append("certificate_image")
    page.save()
    if images:
        page.images.all().delete()
        StoreImage.objects.bulk_create(
            StoreImage(store_page=page, image=image, position=position)
            for position, image in enumerate(images)
        )
        changed.append("intro_images")
    if changed:
        log_transition(seller, action="update_store_page", actor=actor, reason=", ".join(changed))
    return page


# --- joint-operation certification 联营认证 ---------------------------------------------------


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


# --- customer-service groups 客服组 ----------------------------------------------------------


def _fill_service_group(group: ServiceGroup, **fields: str) -> None:
    cleaned = {name: _clean(value) for name, value in fields.items()}
    _required(**cleaned)
    for name, value in cleaned.items():
        setattr(group, name, value)
    duplicate = ServiceGroup.objects.filter(seller=group.seller, name__iexact=group.name)
    if group.pk:
        duplicate = duplicate.exclude(pk=group.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("You already have a group with this name.")})
    group.full_clean(exclude=["seller"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def service_group_create(
    *, seller: Seller, actor: User, name: str, phone: str, email: str, hours: str
) -> ServiceGroup:
    """Add a customer-service group that the seller's products can pick."""
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    group = ServiceGroup(seller=seller)
    _fill_service_group(group, name=name, phone=phone, email=email, hours=hours)
    group.save()
    log_transition(group, action="create", actor=actor)
    return group


@transaction.atomic
def service_group_update(
    *, group: ServiceGroup, actor: User, name: str, phone: str, email: str, hours: str
) -> ServiceGroup:
    """Change a group; products that picked it show the new details at once."""
    group = ServiceGroup.objects.select_for_update().select_related("seller").get(pk=group.pk)
    check_state(group.seller, allowed=[Status.ACTIVE])
    _fill_service_group(group, name=name, phone=phone, email=email, hours=hours)
    group.save()
    log_transition(group, action="update", actor=actor)
    return group


@transaction.atomic
def service_group_delete(*, group: ServiceGroup, actor: User) -> None:
    """Delete a group no product uses any more (the catalog protects the ones in use)."""
    group = ServiceGroup.objects.select_for_update().select_related("seller").get(pk=group.pk)
    check_state(group.seller, allowed=[Status.ACTIVE])
    log_transition(group, action="delete", actor=actor, reason=group.name)
    try:
        group.delete()
    except ProtectedError as exc:
        raise DomainError(
            _("Products still use this group: pick another group for them first.")
        ) from exc


# --- exit 退出云商店 ---------------------------------------------------------------------------


@transaction.atomic
def seller_request_exit(*, seller: Seller, actor: User, reason: str = "") -> Seller:
    """The seller asks to leave (active → exit_pending); an operator approves.

    Refused while a registered exit check objects (e.g. products still listed): the
    message lists every reason. See the module docstring for orders in progress.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    blocking = exit_checks.blocking_reasons(seller)
    if blocking:
        raise DomainError(
            _("You can't leave the marketplace yet: %(reasons)s") % {"reasons": " ".join(blocking)}
        )
    seller.exit_reason = _clean(reason)
    move_to(
        seller,
        Status.EXIT_PENDING,
        action="request_exit",
        actor=actor,
        reason=reason,
        also_save=None,
    )
    return seller


@transaction.atomic
def seller_withdraw_exit(*, seller: Seller, actor: User) -> Seller:
    """The seller changes their mind before the operator decides (exit_pending → active)."""
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    seller.exit_reason = ""
    move_to(seller, Status.ACTIVE, action="withdraw_exit", actor=actor, also_save=None)
    return seller


@transaction.atomic
def seller_approve_exit(*, seller: Seller, actor: User) -> Seller:
    """Operator confirms the exit (exit_pending → exited). Final: never onboard again.

    The exit checks run again, since a product may have been listed in between.
    Orders in progress keep their obligations (see the module docstring).
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    blocking = exit_checks.blocking_reasons(seller)
    if blocking:
        raise DomainError(
            _("The seller can't leave the marketplace yet: %(reasons)s")
            % {"reasons": " ".join(blocking)}
        )
    seller.exited_at = timezone.now()
    move_to(seller, Status.EXITED, action="approve_exit", actor=actor, also_save=None)
    notify(
        user=seller.user,
        template="seller_exited",
        context={"seller_id": seller.pk, "store_name": seller.store_name},
    )
    return seller

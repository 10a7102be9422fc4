"""Business information certification 商业信息认证 and later updates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.validators import validate_mobile
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.files import check_image

from .. import regions
from ..models import BusinessInfo, Seller
from ._common import Status, _clean, _lock_seller, _required


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

"""Customer-service partners 客户服务商 (06 › Customer service partner share; issue 12
§2): the partner, its bindings to buyers and its share terms per product type. Terms
are versioned like fee policies: a version may change only until it takes effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import check_operator_permission

from ..models import Partner, PartnerBinding, PartnerTerms
from .policies import clean_effective_from, clean_product_type, clean_ratio


def _check(actor, perm: str) -> None:
    if actor is not None:
        check_operator_permission(actor, perm, _("You may not change customer service partners."))


@transaction.atomic
def partner_create(
    *,
    name: str,
    user=None,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    actor=None,
) -> Partner:
    """A new partner organisation; `user` (optional) signs in to its center."""
    _check(actor, "settlement.add_partner")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the partner's name."))
    if Partner.objects.filter(name=name).exists():
        raise DomainError(_("A partner of that name exists."))
    if user is not None and Partner.objects.filter(user=user).exists():
        raise DomainError(_("That account already belongs to a partner."))
    return Partner.objects.create(
        name=name[:200],
        user=user,
        credit_code=credit_code.strip()[:18],
        contact_name=contact_name.strip()[:100],
        contact_phone=contact_phone.strip()[:30],
        contact_email=contact_email.strip(),
    )


@transaction.atomic
def partner_binding_create(
    *,
    partner: Partner,
    buyer,
    valid_from: dt.datetime,
    valid_to: dt.datetime | None = None,
    actor=None,
) -> PartnerBinding:
    """Bind `buyer` to `partner` from `valid_from` (until `valid_to`, open if None).
    Refuses a period that overlaps another binding of the same buyer: an order has at
    most one partner."""
    _check(actor, "settlement.add_partnerbinding")
    if not isinstance(valid_from, dt.datetime) or timezone.is_naive(valid_from):
        raise DomainError(_("Enter when the binding starts."))
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(_("The binding must end after it starts."))
    # Lock the buyer's bindings: two overlapping bindings added at once can't both pass.
    others = PartnerBinding.objects.select_for_update().filter(buyer=buyer)
    overlap = Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)
    if valid_to is not None:
        overlap &= Q(valid_from__lt=valid_to)
    if others.filter(overlap).exists():
        raise DomainError(_("This customer is bound to a partner during that time already."))
    return PartnerBinding.objects.create(
        partner=partner, buyer=buyer, valid_from=valid_from, valid_to=valid_to
    )


@transaction.atomic
def partner_binding_end(*, binding: PartnerBinding, valid_to: dt.datetime, actor=None):
    """End an open binding at `valid_to` (not in the past: billed orders keep theirs)."""
    _check(actor, "settlement.change_partnerbinding")
    binding = PartnerBinding.objects.select_for_update().get(pk=binding.pk)
    if binding.valid_to is not None:
        raise DomainError(_("This binding has ended already."))
    if valid_to < timezone.now() or valid_to <= binding.valid_from:
        raise DomainError(_("A binding ends now or later, after it starts."))
    binding.valid_to = valid_to
    binding.save(update_fields=["valid_to"])
    return binding


def _clean_floor_price(mode: str, floor_price) -> Decimal | None:
    if mode == PartnerTerms.Mode.PRICE_SHARE:
        return None
    try:
        number = Decimal(str(floor_price).strip()) if floor_price is not None else None
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise DomainError(_("Enter the floor price (tax incl.) for the floor-price mode."))
    if number < 0:
        raise DomainError(_("The floor price can't be negative."))
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("The floor price has at most two decimal places."))
    return number


@transaction.atomic
def partner_terms_create(
    *,
    partner: Partner,
    product_type: str,
    mode: str,
    ratio,
    output_vat_rate,
    service_fee_vat_rate,
    effective_from: dt.datetime,
    floor_price=None,
    actor=None,
) -> PartnerTerms:
    """Add a version of `partner`'s share terms for `product_type`, taking effect at
    `effective_from` (in the future). Refuses a ratio or VAT rate outside 0–1, a
    missing or negative floor price in floor-price mode, and a second version from the
    same instant."""
    _check(actor, "settlement.add_partnerterms")
    product_type = clean_product_type(product_type)
    if mode not in PartnerTerms.Mode.values:
        raise DomainError(_("Choose the share mode."))
    ratio = clean_ratio(ratio, what=_("partner ratio"))
    output_vat_rate = clean_ratio(output_vat_rate, what=_("product output VAT rate"))
    service_fee_vat_rate = clean_ratio(service_fee_vat_rate, what=_("service-fee VAT rate"))
    floor_price = _clean_floor_price(mode, floor_price)
    effective_from = clean_effective_from(effective_from)
    if PartnerTerms.objects.filter(
        partner=partner, product_type=product_type, effective_from=effective_from
    ).exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            return PartnerTerms.objects.create(
                partner=partner,
                product_type=product_type,
                mode=mode,
                ratio=ratio,
                floor_price=floor_price,
                output_vat_rate=output_vat_rate,
                service_fee_vat_rate=service_fee_vat_rate,
                effective_from=effective_from,
                created_by=actor,
            )
    except IntegrityError:
        raise _duplicate() from None


def _duplicate() -> DomainError:
    return DomainError(
        _("Another version of these terms takes effect at the same time: change that one.")
    )

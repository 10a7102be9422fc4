"""Fee policy versions (06 › Policy versions; issue 12 §1): operators add a version per
product type with the instant it takes effect; a version may be changed or withdrawn
only until then (`VersionInForce`), so no bill ever used a version that changed after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType
from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import check_operator_permission

from ..exceptions import VersionInForce
from ..models import FeePolicy


def clean_ratio(value, *, what: str) -> Decimal:
    """A Decimal in 0..1 with at most six places, or DomainError naming `what`."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise DomainError(_("Enter the %(what)s as a number from 0 to 1.") % {"what": what})
    if number < 0 or number > 1:
        raise DomainError(
            _("The %(what)s must be from 0 to 1 (e.g. 0.05 for 5%%).") % {"what": what}
        )
    if number != number.quantize(Decimal("0.000001")):
        raise DomainError(_("The %(what)s has at most six decimal places.") % {"what": what})
    return number.quantize(Decimal("0.000001"))


def clean_product_type(product_type: str) -> str:
    if product_type not in DeliveryType.values:
        raise DomainError(_("Choose a product type."))
    return product_type


def clean_effective_from(effective_from) -> dt.datetime:
    """An aware instant in the future: a new version never changes what was billed."""
    if not isinstance(effective_from, dt.datetime) or timezone.is_naive(effective_from):
        raise DomainError(_("Enter the date and time the version takes effect."))
    if effective_from <= timezone.now():
        raise DomainError(
            _("A new version takes effect in the future; versions in force can't change.")
        )
    return effective_from


@transaction.atomic
def fee_policy_create(
    *,
    product_type: str,
    ratio,
    effective_from: dt.datetime,
    note: str = "",
    actor=None,
) -> FeePolicy:
    """Add a fee ratio version of `product_type` taking effect at `effective_from` (in
    the future). Refuses a ratio outside 0–1 and a second version of the type from the
    same instant. `actor` (None: system/seed) must hold `settlement.add_feepolicy`."""
    if actor is not None:
        check_operator_permission(
            actor, "settlement.add_feepolicy", _("You may not change fee policies.")
        )
    product_type = clean_product_type(product_type)
    ratio = clean_ratio(ratio, what=_("fee ratio"))
    effective_from = clean_effective_from(effective_from)
    duplicate = FeePolicy.objects.filter(product_type=product_type, effective_from=effective_from)
    if duplicate.exists():
        raise _duplicate_version()
    try:
        with transaction.atomic():
            return FeePolicy.objects.create(
                product_type=product_type,
                ratio=ratio,
                effective_from=effective_from,
                note=(note or "").strip()[:200],
                created_by=actor,
            )
    except IntegrityError:  # the same version added at the same moment
        raise _duplicate_version() from None


@transaction.atomic
def fee_policy_change(
    *, policy: FeePolicy, ratio, effective_from: dt.datetime, note: str = "", actor=None
) -> FeePolicy:
    """Change a version that is not yet in force (VersionInForce otherwise)."""
    if actor is not None:
        check_operator_permission(
            actor, "settlement.change_feepolicy", _("You may not change fee policies.")
        )
    policy = FeePolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.in_force:
        raise VersionInForce()
    ratio = clean_ratio(ratio, what=_("fee ratio"))
    effective_from = clean_effective_from(effective_from)
    if (
        FeePolicy.objects.filter(product_type=policy.product_type, effective_from=effective_from)
        .exclude(pk=policy.pk)
        .exists()
    ):
        raise _duplicate_version()
    policy.ratio, policy.effective_from = ratio, effective_from
    policy.note = (note or policy.note).strip()[:200]
    policy.save(update_fields=["ratio", "effective_from", "note"])
    return policy


@transaction.atomic
def fee_policy_withdraw(*, policy: FeePolicy, actor=None) -> None:
    """Delete a version that is not yet in force (VersionInForce otherwise)."""
    if actor is not None:
        check_operator_permission(
            actor, "settlement.delete_feepolicy", _("You may not change fee policies.")
        )
    policy = FeePolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.in_force:
        raise VersionInForce()
    policy.delete()


def _duplicate_version() -> DomainError:
    return DomainError(
        _("Another version of this product type takes effect at the same time: change that one.")
    )

"""Customer-service groups 客服组."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.audit import check_state, log_transition
from marketplace.core.exceptions import DomainError

from ..models import Seller, ServiceGroup
from ._common import Status, _clean, _lock_seller, _required


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

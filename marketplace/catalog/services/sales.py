"""Sales configuration of a product (02 › Sales configuration): sales objects, trial
allowlist, credit control, regions, inventory and purchase limits per spec.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core import limits
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError

from .. import delivery
from ..models import AllowlistEntry, Product, Region, Spec, SpecSales
from ._common import _check_seller_active, _lock_product


def _check_sales_owner(product: Product) -> Product:
    product = _lock_product(product)
    _check_seller_active(product.seller)
    return product


@transaction.atomic
def product_sales_update(
    *,
    product: Product,
    actor: User | None = None,
    allowlist_enabled: bool,
    trial_allowlist_enabled: bool,
    credit_line_allowed: bool,
    cash_coupon_allowed: bool,
    credit_specified_users_only: bool,
    regions: Iterable[Region] | None = None,
) -> Product:
    """Set the switches of sales objects, trial allowlist, credit control and regions."""
    product = _check_sales_owner(product)
    if trial_allowlist_enabled and product.delivery_type not in delivery.TRIAL_TYPES:
        # Seed 003: the trial configuration applies only to SaaS products.
        raise ValidationError(
            {"trial_allowlist_enabled": _("Only SaaS products offer a free trial.")}
        )
    product.allowlist_enabled = allowlist_enabled
    product.trial_allowlist_enabled = trial_allowlist_enabled
    product.credit_line_allowed = credit_line_allowed
    product.cash_coupon_allowed = cash_coupon_allowed
    product.credit_specified_users_only = credit_specified_users_only
    product.save(
        update_fields=[
            "allowlist_enabled",
            "trial_allowlist_enabled",
            "credit_line_allowed",
            "cash_coupon_allowed",
            "credit_specified_users_only",
        ]
    )
    if regions is not None:
        product.regions.set(list(regions))
    log_transition(product, action="sales_settings", actor=actor)
    return product


def _spec_codes(product: Product) -> set[str]:
    return set(Spec.objects.filter(version__product=product).values_list("code", flat=True))


@transaction.atomic
def spec_sales_set(
    *,
    product: Product,
    spec_code: str,
    stock: int | None,
    max_quantity_per_buyer: int | None,
    max_orders_per_buyer: int | None,
    actor: User | None = None,
) -> SpecSales:
    """Inventory and purchase limits of one spec code (None = unlimited)."""
    product = _check_sales_owner(product)
    if spec_code not in _spec_codes(product):
        raise DomainError(_("This product has no spec with this code."))
    errors: dict[str, list] = {}
    # Business bounds well inside the columns (core/limits.py): 3,000,000,000 or 10**20
    # is refused here with a message, never by the database.
    if isinstance(stock, int) and stock < 0:
        errors["stock"] = [_("Stock can't be below zero.")]
    else:
        limits.check_range(errors, "stock", stock, limits.MAX_STOCK)
    for name, value in (
        ("max_quantity_per_buyer", max_quantity_per_buyer),
        ("max_orders_per_buyer", max_orders_per_buyer),
    ):
        if isinstance(value, int) and value < 1:
            errors[name] = [_("A limit is at least 1; leave it empty for no limit.")]
        else:
            limits.check_range(errors, name, value, limits.MAX_PURCHASE_LIMIT, minimum=1)
    if errors:
        raise ValidationError(errors)
    row, _created = SpecSales.objects.select_for_update().get_or_create(
        product=product, spec_code=spec_code
    )
    row.stock = stock
    row.max_quantity_per_buyer = max_quantity_per_buyer
    row.max_orders_per_buyer = max_orders_per_buyer
    row.save()
    log_transition(product, action="spec_sales", actor=actor, reason=spec_code)
    return row


@transaction.atomic
def allowlist_add(
    *,
    product: Product,
    kind: str,
    account_name: str,
    account_id: str,
    actor: User | None = None,
) -> AllowlistEntry:
    """Add a specified user by account name *and* account id; both must match one account."""
    product = _check_sales_owner(product)
    if kind not in AllowlistEntry.Kind.values:
        raise DomainError(_("Unknown list."))
    user = User.objects.filter(
        username=(account_name or "").strip(), account_id=(account_id or "").strip()
    ).first()
    if user is None:
        raise ValidationError(
            {
                "account_id": _(
                    "No account has this account name and account ID. Check both with the "
                    "buyer (buyer center › credentials)."
                )
            },
            code="no_such_account",
        )
    try:
        with transaction.atomic():
            entry = AllowlistEntry.objects.create(product=product, kind=kind, user=user)
    except IntegrityError as exc:
        raise DomainError(_("This account is already in the list.")) from exc
    log_transition(product, action=f"allowlist_add_{kind}", actor=actor, reason=user.username)
    return entry


@transaction.atomic
def allowlist_remove(*, entry: AllowlistEntry, actor: User | None = None) -> None:
    """Remove a specified user; from now on they can't buy (or try, or pay on credit)."""
    product = _check_sales_owner(entry.product)
    username = entry.user.username
    kind = entry.kind
    entry.delete()
    log_transition(product, action=f"allowlist_remove_{kind}", actor=actor, reason=username)

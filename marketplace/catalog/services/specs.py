"""Specs of a draft version (02 › Specs and prices): validation, storage, and the
seller's attribute names the specs use.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError
from sellers.models import Seller

from ..models import (
    AttributeName,
    BillingMode,
    DeliveryType,
    Price,
    Product,
    ProductVersion,
    Spec,
    SpecAttribute,
)
from ._common import _check_seller_active, _lock_product, _open_version

# Prices above this are refused as typing mistakes (02: "no absurd prices").
MAX_PRICE = Decimal(getattr(settings, "CATALOG_MAX_PRICE", "10000000"))
TRIAL_DAYS_RANGE = (1, 90)
# The largest values the columns hold (PositiveSmallIntegerField, PositiveIntegerField):
# anything above is refused with a message rather than failing in the database.
MAX_PERIODS_PER_ORDER = 32767
MAX_COUNT = 2_147_483_647

# Which price periods fit which billing mode (02 › Billing modes).
PERIODS_BY_MODE = {
    BillingMode.PERIOD: {Price.Period.MONTH, Price.Period.YEAR},
    BillingMode.ON_DEMAND: {Price.Period.UNIT},
    BillingMode.ONE_OFF: {Price.Period.ONCE},
    BillingMode.PACKAGE: {Price.Period.PACKAGE},
    BillingMode.TRIAL: {Price.Period.FREE},
}
# Billing modes a delivery type may sell with; types not listed take every mode.
# Decision: shipped goods are paid once; gateway APIs are metered or sold as packages.
MODES_BY_TYPE = {
    DeliveryType.HARDWARE: {BillingMode.ONE_OFF},
    DeliveryType.API_APIG: {BillingMode.ON_DEMAND, BillingMode.PACKAGE, BillingMode.TRIAL},
    DeliveryType.API_AGENTS: {BillingMode.ON_DEMAND, BillingMode.PACKAGE, BillingMode.TRIAL},
}


class PriceInput(TypedDict, total=False):
    period: str
    amount: Decimal | str
    unit: str
    max_periods: int


class AttributeInput(TypedDict, total=False):
    attribute: AttributeName
    options: str
    min_value: int | None
    max_value: int | None
    step: int | None
    unit: str


class SpecInput(TypedDict, total=False):
    code: str
    name: str
    billing_mode: str
    trial_days: int | None
    package_kind: str
    package_quota: int | None
    prices: list[PriceInput]
    attributes: list[AttributeInput]


def _money(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Enter a valid amount.")}, code="bad_amount") from exc
    if not amount.is_finite():
        raise ValidationError({field: _("Enter a valid amount.")}, code="bad_amount")
    return amount


def _spec_errors(spec: SpecInput, *, delivery_type: str, seller: Seller) -> list[str]:
    """What is wrong with one spec's own values (checked on every save, not only submit)."""
    errors: list[str] = []
    label = spec.get("name") or spec.get("code") or "?"
    mode = spec.get("billing_mode", "")
    if mode not in BillingMode.values:
        errors.append(_("Spec “%(spec)s”: choose a billing mode.") % {"spec": label})
    allowed_modes = MODES_BY_TYPE.get(delivery_type)
    if allowed_modes and mode in BillingMode.values and mode not in allowed_modes:
        errors.append(
            _("Spec “%(spec)s”: this delivery type can't be sold as “%(mode)s”.")
            % {"spec": label, "mode": BillingMode(mode).label}
        )
    if mode == BillingMode.TRIAL:
        days = spec.get("trial_days")
        low, high = TRIAL_DAYS_RANGE
        if days is None or not low <= int(days) <= high:
            errors.append(
                _("Spec “%(spec)s”: a trial lasts %(low)d to %(high)d days.")
                % {"spec": label, "low": low, "high": high}
            )
    kind, quota = spec.get("package_kind"), spec.get("package_quota")
    if mode == BillingMode.PACKAGE and (not kind or not quota):
        errors.append(
            _("Spec “%(spec)s”: a package needs its kind and its quota.") % {"spec": label}
        )
    elif quota is not None and not 1 <= int(quota) <= MAX_COUNT:
        errors.append(
            _("Spec “%(spec)s”: the package quota must be from 1 to %(max)s.")
            % {"spec": label, "max": f"{MAX_COUNT:,}"}
        )
    if kind and kind not in Spec.PackageKind.values:
        errors.append(_("Spec “%(spec)s”: choose a package kind.") % {"spec": label})
    periods = [p.get("period") for p in spec.get("prices") or []]
    if len(periods) != len(set(periods)):
        errors.append(_("Spec “%(spec)s”: each period may have one price.") % {"spec": label})
    for price in spec.get("prices") or []:
        try:
            amount = _money(price.get("amount"), field="amount")
        except ValidationError:
            errors.append(_("Spec “%(spec)s”: enter a valid price.") % {"spec": label})
            continue
        if amount < 0:
            errors.append(_("Spec “%(spec)s”: a price can't be negative.") % {"spec": label})
        elif amount > MAX_PRICE:
            errors.append(
                _("Spec “%(spec)s”: a price above %(max)s CNY is not accepted.")
                % {"spec": label, "max": f"{MAX_PRICE:,.0f}"}
            )
        elif amount != amount.quantize(Decimal("0.01")):
            errors.append(
                _("Spec “%(spec)s”: prices have at most two decimal places.") % {"spec": label}
            )
        if mode == BillingMode.TRIAL and amount != 0:
            errors.append(_("Spec “%(spec)s”: a trial is free.") % {"spec": label})
        period = price.get("period")
        if mode in PERIODS_BY_MODE and period not in PERIODS_BY_MODE[mode]:
            errors.append(
                _("Spec “%(spec)s”: the price period doesn't fit the billing mode.")
                % {"spec": label}
            )
        max_periods = int(price.get("max_periods") or 1)
        if max_periods < 1:
            errors.append(_("Spec “%(spec)s”: at least one period per order.") % {"spec": label})
        elif max_periods > MAX_PERIODS_PER_ORDER:
            errors.append(
                _("Spec “%(spec)s”: at most %(max)s periods per order.")
                % {"spec": label, "max": f"{MAX_PERIODS_PER_ORDER:,}"}
            )
    seen = set()
    for attr in spec.get("attributes") or []:
        attribute = attr.get("attribute")
        if not isinstance(attribute, AttributeName) or attribute.seller_id != seller.pk:
            errors.append(
                _("Spec “%(spec)s”: choose one of your attribute names.") % {"spec": label}
            )
            continue
        if attribute.pk in seen:
            errors.append(
                _("Spec “%(spec)s”: attribute “%(attr)s” is used twice.")
                % {"spec": label, "attr": attribute.name}
            )
        seen.add(attribute.pk)
        if attribute.kind == AttributeName.Kind.ENUM:
            options = [o.strip() for o in (attr.get("options") or "").split(",") if o.strip()]
            if not options:
                errors.append(
                    _("Spec “%(spec)s”: attribute “%(attr)s” needs its options.")
                    % {"spec": label, "attr": attribute.name}
                )
        else:
            low, high = attr.get("min_value"), attr.get("max_value")
            if low is None or high is None:
                errors.append(
                    _("Spec “%(spec)s”: attribute “%(attr)s” needs a minimum and a maximum.")
                    % {"spec": label, "attr": attribute.name}
                )
            elif int(low) < 0 or int(high) < 0:
                errors.append(
                    _("Spec “%(spec)s”: attribute “%(attr)s” can't be negative.")
                    % {"spec": label, "attr": attribute.name}
                )
            elif int(low) > int(high):
                errors.append(
                    _("Spec “%(spec)s”: the minimum of “%(attr)s” is above its maximum.")
                    % {"spec": label, "attr": attribute.name}
                )
            step = attr.get("step")
            if step is not None and int(step) < 1:
                errors.append(
                    _("Spec “%(spec)s”: the step of “%(attr)s” must be at least 1.")
                    % {"spec": label, "attr": attribute.name}
                )
            if any(v is not None and int(v) > MAX_COUNT for v in (low, high, step)):
                errors.append(
                    _("Spec “%(spec)s”: the values of “%(attr)s” are too large.")
                    % {"spec": label, "attr": attribute.name}
                )
    return errors


def _check_specs(specs: list[SpecInput], *, delivery_type: str, seller: Seller) -> None:
    errors: list[str] = []
    codes = [s.get("code") for s in specs]
    if any(not c for c in codes):
        errors.append(_("Every spec needs a code."))
    if len(codes) != len(set(codes)):
        errors.append(_("Spec codes must be different from each other."))
    for spec in specs:
        errors.extend(_spec_errors(spec, delivery_type=delivery_type, seller=seller))
    if errors:
        raise ValidationError({"specs": errors}, code="bad_specs")


def _write_spec(version: ProductVersion, spec: SpecInput, *, position: int) -> Spec:
    row = Spec.objects.create(
        version=version,
        code=spec["code"],
        name=spec.get("name") or spec["code"],
        billing_mode=spec["billing_mode"],
        # Only a trial spec has trial days; a stray value on another spec is dropped.
        trial_days=spec.get("trial_days")
        if spec.get("billing_mode") == BillingMode.TRIAL
        else None,
        package_kind=spec.get("package_kind") or "",
        package_quota=spec.get("package_quota"),
        position=position,
    )
    Price.objects.bulk_create(
        Price(
            spec=row,
            period=price["period"],
            amount=_money(price["amount"], field="amount"),
            unit=price.get("unit") or "",
            max_periods=price.get("max_periods") or 1,
        )
        for price in spec.get("prices") or []
    )
    SpecAttribute.objects.bulk_create(
        SpecAttribute(
            spec=row,
            attribute=attr["attribute"],
            options=",".join(
                o.strip() for o in (attr.get("options") or "").split(",") if o.strip()
            ),
            min_value=attr.get("min_value"),
            max_value=attr.get("max_value"),
            step=attr.get("step"),
            unit=attr.get("unit") or "",
        )
        for attr in spec.get("attributes") or []
    )
    return row


def _replace_specs(version: ProductVersion, specs: list[SpecInput]) -> None:
    version.specs.all().delete()
    for position, spec in enumerate(specs):
        _write_spec(version, spec, position=position)


def spec_as_input(spec: Spec) -> SpecInput:
    """A stored spec as service input (for copying a version and for edit forms)."""
    return SpecInput(
        code=spec.code,
        name=spec.name,
        billing_mode=spec.billing_mode,
        trial_days=spec.trial_days,
        package_kind=spec.package_kind,
        package_quota=spec.package_quota,
        prices=[
            PriceInput(period=p.period, amount=p.amount, unit=p.unit, max_periods=p.max_periods)
            for p in spec.prices.all()
        ],
        attributes=[
            AttributeInput(
                attribute=a.attribute,
                options=a.options,
                min_value=a.min_value,
                max_value=a.max_value,
                step=a.step,
                unit=a.unit,
            )
            for a in spec.attributes.all()
        ],
    )


def _version_specs(version: ProductVersion) -> list[SpecInput]:
    specs = version.specs.prefetch_related("prices", "attributes__attribute")
    return [spec_as_input(spec) for spec in specs]


@transaction.atomic
def spec_save(
    *, product: Product, spec: SpecInput, original_code: str = "", actor: User | None = None
) -> Spec:
    """Add a spec to the draft version, or replace the one with `original_code`."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    specs = _version_specs(version)
    replaced = original_code or ""
    if replaced and not any(s["code"] == replaced for s in specs):
        raise DomainError(_("This spec doesn't exist in the draft."))
    if any(s["code"] == spec.get("code") for s in specs if s["code"] != replaced):
        raise ValidationError({"code": _("Another spec already has this code.")})
    if replaced:
        specs = [spec if s["code"] == replaced else s for s in specs]
    else:
        specs.append(spec)
    _check_specs(specs, delivery_type=product.delivery_type, seller=product.seller)
    _replace_specs(version, specs)
    return version.specs.get(code=spec["code"])


@transaction.atomic
def spec_delete(*, product: Product, code: str, actor: User | None = None) -> None:
    product = _lock_product(product)
    _check_seller_active(product.seller)
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    deleted, _rows = version.specs.filter(code=code).delete()
    if not deleted:
        raise DomainError(_("This spec doesn't exist in the draft."))


# --- attribute names ---------------------------------------------------------------------


@transaction.atomic
def attribute_name_create(
    *, seller: Seller, kind: str, name: str, actor: User | None = None
) -> AttributeName:
    _check_seller_active(seller)
    name = (name or "").strip()
    if kind not in AttributeName.Kind.values:
        raise ValidationError({"kind": _("Choose enumerated or quantity.")})
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if AttributeName.objects.filter(seller=seller, kind=kind, name=name).exists():
        raise ValidationError({"name": _("You already have this attribute name.")})
    return AttributeName.objects.create(seller=seller, kind=kind, name=name)


@transaction.atomic
def attribute_name_delete(*, attribute: AttributeName, actor: User | None = None) -> None:
    _check_seller_active(attribute.seller)
    try:
        with transaction.atomic():
            attribute.delete()
    except ProtectedError as exc:
        raise DomainError(
            _("This attribute name is used by a spec, so it can't be deleted.")
        ) from exc

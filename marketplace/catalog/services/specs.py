"""Specs of a draft version (02 › Specs and prices): validation, storage, and the
seller's attribute names the specs use.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core import limits
from marketplace.core.exceptions import DomainError
from sellers.models import Seller

from .. import delivery
from ..models import (
    AttributeName,
    BillingMode,
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
# Business bounds, well inside the columns (core/limits.py; README › Limits): anything
# above is refused with a message rather than failing in the database.
MAX_PERIODS_PER_ORDER = limits.MAX_PERIODS_PER_ORDER
MAX_COUNT = limits.MAX_ATTRIBUTE_VALUE

# Which price periods fit which billing mode (02 › Billing modes).
PERIODS_BY_MODE = {
    BillingMode.PERIOD: {Price.Period.MONTH, Price.Period.YEAR},
    BillingMode.ON_DEMAND: {Price.Period.UNIT},
    BillingMode.ONE_OFF: {Price.Period.ONCE},
    BillingMode.PACKAGE: {Price.Period.PACKAGE},
    BillingMode.TRIAL: {Price.Period.FREE},
}
# Billing modes per delivery type: one table, in catalog/delivery.py (re-exported here).
MODES_BY_TYPE = delivery.MODES_BY_TYPE


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


def _is_int(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _spec_errors(spec: SpecInput, *, delivery_type: str, seller: Seller) -> list[str]:
    """What is wrong with one spec's own values (checked on every save, not only submit)."""
    errors: list[str] = []
    label = spec.get("name") or spec.get("code") or "?"
    mode = spec.get("billing_mode", "")
    try:
        limits.validate_single_line(spec.get("name") or "")
    except ValidationError:
        errors.append(_("Spec “%(spec)s”: the name must be a single line.") % {"spec": label})
    numbers = [spec.get("trial_days"), spec.get("package_quota")]
    numbers += [p.get("max_periods") for p in spec.get("prices") or []]
    for attr in spec.get("attributes") or []:
        numbers += [attr.get("min_value"), attr.get("max_value"), attr.get("step")]
    if not all(_is_int(n) for n in numbers):
        # Forms and the API send integers; a script calling the service may not.
        return [*errors, _("Spec “%(spec)s”: enter whole numbers.") % {"spec": label}]
    if len(spec.get("prices") or []) > limits.MAX_PRICES_PER_SPEC:
        errors.append(
            _("Spec “%(spec)s”: at most %(max)d prices.")
            % {"spec": label, "max": limits.MAX_PRICES_PER_SPEC}
        )
    if len(spec.get("attributes") or []) > limits.MAX_ATTRIBUTES_PER_SPEC:
        errors.append(
            _("Spec “%(spec)s”: at most %(max)d attributes.")
            % {"spec": label, "max": limits.MAX_ATTRIBUTES_PER_SPEC}
        )
    if mode not in BillingMode.values:
        errors.append(_("Spec “%(spec)s”: choose a billing mode.") % {"spec": label})
    allowed_modes = delivery.MODES_BY_TYPE.get(delivery_type, frozenset())
    if mode == BillingMode.TRIAL and mode not in allowed_modes:
        # Seed 003: the trial configuration applies only to SaaS products.
        errors.append(
            _("Spec “%(spec)s”: only SaaS products can offer a free trial.") % {"spec": label}
        )
    elif mode in BillingMode.values and mode not in allowed_modes:
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
    elif quota is not None and not 1 <= int(quota) <= limits.MAX_PACKAGE_QUOTA:
        errors.append(
            _("Spec “%(spec)s”: the package quota must be from 1 to %(max)s.")
            % {"spec": label, "max": f"{limits.MAX_PACKAGE_QUOTA:,}"}
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
            elif (
                step is not None
                and low is not None
                and high is not None
                and 0 <= int(low) < int(high) < int(low) + int(step)
            ):
                # A buyer picks min, min + step, … up to max: a step wider than the range
                # leaves only the minimum.
                errors.append(
                    _(
                        "Spec “%(spec)s”: the step of “%(attr)s” is larger than its range "
                        "(maximum − minimum = %(range)s)."
                    )
                    % {"spec": label, "attr": attribute.name, "range": int(high) - int(low)}
                )
            if any(v is not None and int(v) > MAX_COUNT for v in (low, high, step)):
                errors.append(
                    _("Spec “%(spec)s”: the values of “%(attr)s” are too large.")
                    % {"spec": label, "attr": attribute.name}
                )
    return errors


def _spec_code(name: str, *, taken: set[str]) -> str:
    """A new spec code: the name as a slug and a short random part, not in `taken`.

    Codes key the sales configuration across versions (`SpecSales`), so a new spec never
    reuses a code the product had before.
    """
    base = slugify(name)[:30].strip("-") or "spec"
    while True:
        code = f"{base}-{secrets.token_hex(2)}"
        if code not in taken:
            return code


def _fill_codes(specs: list[SpecInput], *, product: Product | None) -> list[SpecInput]:
    """`specs` with a generated code on every spec that has none (the seller names a
    spec; only experts choose its code)."""
    if all(spec.get("code") for spec in specs):
        return specs
    taken = {spec["code"] for spec in specs if spec.get("code")}
    if product is not None:
        taken |= set(Spec.objects.filter(version__product=product).values_list("code", flat=True))
        taken |= set(product.spec_sales.values_list("spec_code", flat=True))
    filled = []
    for spec in specs:
        if not spec.get("code"):
            spec = {**spec, "code": _spec_code(spec.get("name") or "", taken=taken)}
            taken.add(spec["code"])
        filled.append(spec)
    return filled


def _check_specs(specs: list[SpecInput], *, delivery_type: str, seller: Seller) -> None:
    errors: list[str] = []
    if len(specs) > limits.MAX_SPECS_PER_PRODUCT:
        raise ValidationError(
            {
                "specs": _("A product has at most %(max)d specs.")
                % {"max": limits.MAX_SPECS_PER_PRODUCT}
            },
            code="too_many_specs",
        )
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
    """Add a spec to the draft version, or replace the one with `original_code`.

    A spec without a code keeps `original_code`, or gets a new generated one.
    """
    product = _lock_product(product)
    _check_seller_active(product.seller)
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    specs = _version_specs(version)
    replaced = original_code or ""
    if not spec.get("code"):
        spec = {**spec, "code": replaced} if replaced else _fill_codes([spec], product=product)[0]
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

"""Writes of the catalog: publishing, review, delisting and sales configuration.

Spec: shared/spec/02-products.md. Lifecycle of a product (`Product.status`)::

    draft ──submit──▶ pending_review ──approve──▶ listed ──delist──▶ delisted
      ▲                    │reject                  │ ▲                 │relist
      └──────revise──── rejected                    │ └─(edit, review)─┘ │
      └──────────────────────────────────────────────────────────────────┘

The content lives in `ProductVersion`s: only a *draft* version can be changed; submitting
freezes it. Editing a listed product (`product_edit_listed`) opens a new draft version
while the listed one stays on sale; approving it supersedes the old one. A delisted
product comes back only through review: `product_relist` opens a draft version again.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.accounts.models import User
from marketplace.core.audit import check_state, log_transition
from marketplace.core.exceptions import DomainError, PermissionDenied
from marketplace.core.files import check_document, check_image
from sellers.models import JointCertification, Seller, ServiceGroup

from .agreements import check_agreement, check_support_terms
from .cache import bump_generation
from .models import (
    JOINT_TYPES,
    AllowlistEntry,
    AttributeName,
    BillingMode,
    Category,
    DeliveryType,
    Price,
    Product,
    ProductVersion,
    Region,
    Spec,
    SpecAttribute,
    SpecSales,
)

# Prices above this are refused as typing mistakes (02: "no absurd prices").
MAX_PRICE = Decimal(getattr(settings, "CATALOG_MAX_PRICE", "10000000"))
TRIAL_DAYS_RANGE = (1, 90)

# The version fields a seller writes; everything else on a version is set by services.
VERSION_FIELDS = (
    "name",
    "category",
    "summary",
    "description",
    "logo",
    "tags",
    "service_group",
    "service_forms",
    "service_scope",
    "after_sales_scope",
    "usage_guide",
    "agreement_text",
    "support_terms_text",
    "copyright_certificate",
    "open_source_declaration",
    "flow_template",
    "avg_delivery_days",
)
FILE_FIELDS = ("logo", "copyright_certificate", "open_source_declaration")

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


# --- checks ------------------------------------------------------------------------------


def _check_seller_active(seller: Seller) -> None:
    if seller.status != Seller.Status.ACTIVE:
        raise PermissionDenied(
            _(
                "Only an onboarded seller can publish products: finish enterprise "
                "verification, onboarding and business information first."
            )
        )


def _check_joint_certified(seller: Seller) -> None:
    """02 › Preconditions: an approved joint certification of the same company entity."""
    certified = JointCertification.objects.filter(
        seller=seller,
        status=JointCertification.Status.APPROVED,
        company_name=seller.company_name,
        credit_code=seller.credit_code,
    ).exists()
    if not certified:
        raise DomainError(
            _(
                "Joint-operation products need an approved joint-operation certification "
                "of your own company entity."
            )
        )


def _check_operator(actor) -> None:
    if actor is None or not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only an operator can review products."))


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
    if mode == BillingMode.PACKAGE and (
        not spec.get("package_kind") or not spec.get("package_quota")
    ):
        errors.append(
            _("Spec “%(spec)s”: a package needs its kind and its quota.") % {"spec": label}
        )
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
        if int(price.get("max_periods") or 1) < 1:
            errors.append(_("Spec “%(spec)s”: at least one period per order.") % {"spec": label})
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


def _check_fields(fields: dict[str, Any], *, seller: Seller) -> None:
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown product fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    group = fields.get("service_group")
    if group is not None and (not isinstance(group, ServiceGroup) or group.seller_id != seller.pk):
        raise ValidationError({"service_group": _("Choose one of your customer-service groups.")})
    if "category" in fields and not isinstance(fields["category"], Category):
        raise ValidationError({"category": _("Choose a category.")})
    # Files are checked by content, whoever calls (form, API, script).
    for name in FILE_FIELDS:
        upload = fields.get(name)
        if isinstance(upload, UploadedFile):
            try:
                if name == "logo":
                    check_image(upload, max_bytes=settings.MAX_LOGO_BYTES)
                else:
                    check_document(upload, max_bytes=settings.MAX_DOCUMENT_BYTES)
            except ValidationError as exc:
                raise ValidationError({name: exc.messages}) from exc


# --- writing content ---------------------------------------------------------------------


def _write_spec(version: ProductVersion, spec: SpecInput, *, position: int) -> Spec:
    row = Spec.objects.create(
        version=version,
        code=spec["code"],
        name=spec.get("name") or spec["code"],
        billing_mode=spec["billing_mode"],
        trial_days=spec.get("trial_days"),
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


def _lock_product(product: Product) -> Product:
    return Product.objects.select_for_update().select_related("seller").get(pk=product.pk)


def _open_version(product: Product, *, status: str) -> ProductVersion:
    version = (
        ProductVersion.objects.select_for_update()
        .filter(product=product, status=status)
        .order_by("-number")
        .first()
    )
    if version is None:
        if status == ProductVersion.Status.DRAFT:
            raise DomainError(_("This product has no draft to change."))
        raise DomainError(_("This product has no version waiting for review."))
    return version


def _next_number(product: Product) -> int:
    last = product.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _copy_version(source: ProductVersion, *, number: int) -> ProductVersion:
    """A new draft version with the content, specs, prices and attributes of `source`."""
    draft = ProductVersion(product_id=source.product_id, number=number)
    for name in VERSION_FIELDS:
        setattr(draft, name, getattr(source, name))
    draft.save()
    _replace_specs(draft, _version_specs(source))
    return draft


@transaction.atomic
def product_create(
    *,
    seller: Seller,
    delivery_type: str,
    fields: dict[str, Any],
    specs: list[SpecInput] | None = None,
    actor: User | None = None,
) -> Product:
    """Start a product: a draft `Product` and its first draft version (02 › Publishing)."""
    seller = Seller.objects.select_for_update().get(pk=seller.pk)
    _check_seller_active(seller)
    if delivery_type not in DeliveryType.values:
        raise ValidationError({"delivery_type": _("Choose a delivery type.")})
    if delivery_type in JOINT_TYPES:
        _check_joint_certified(seller)
    _check_fields(fields, seller=seller)
    missing = [f for f in ("name", "category", "summary") if not fields.get(f)]
    if missing:
        raise ValidationError({f: _("This field is required.") for f in missing})
    if specs:
        _check_specs(specs, delivery_type=delivery_type, seller=seller)
    product = Product.objects.create(seller=seller, delivery_type=delivery_type)
    version = ProductVersion(product=product, number=1)
    fields = {"description": "", **fields}
    for name, value in fields.items():
        setattr(version, name, value)
    version.save()
    if specs:
        _replace_specs(version, specs)
    log_transition(product, action="create", to_state=product.status, actor=actor)
    return product


@transaction.atomic
def product_version_update(
    *,
    product: Product,
    fields: dict[str, Any] | None = None,
    specs: list[SpecInput] | None = None,
    actor: User | None = None,
) -> ProductVersion:
    """Change the draft version: the given fields, and all specs when `specs` is given."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    fields = fields or {}
    _check_fields(fields, seller=product.seller)
    if specs is not None:
        _check_specs(specs, delivery_type=product.delivery_type, seller=product.seller)
    for name, value in fields.items():
        setattr(version, name, value)
    if fields:
        version.save()
    if specs is not None:
        _replace_specs(version, specs)
    return version


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


def submission_problems(product: Product, version: ProductVersion) -> dict[str, list[str]]:
    """Everything that keeps `version` from review, by field ("specs" for the specs)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for name in ("name", "category_id", "summary", "description"):
        if not getattr(version, name):
            add(name.removesuffix("_id"), _("This field is required."))
    if version.service_group_id is None:
        add("service_group", _("Choose the customer-service group buyers can contact."))
    if product.delivery_type == DeliveryType.MANUAL_SERVICE:
        if not version.flow_template:
            add("flow_template", _("A manual service needs its service flow template."))
        if not version.avg_delivery_days:
            add("avg_delivery_days", _("A manual service needs its average delivery time."))
    try:
        if product.is_joint:
            check_support_terms(version.support_terms_text)
        else:
            check_agreement(version.agreement_text)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                add(field, message)
    specs = _version_specs(version)
    if not specs:
        add("specs", _("Add at least one spec with its price."))
    for spec in specs:
        if not spec["prices"]:
            add(
                "specs",
                _("Spec “%(spec)s” needs a price.") % {"spec": spec["name"] or spec["code"]},
            )
    try:
        _check_specs(specs, delivery_type=product.delivery_type, seller=product.seller)
    except ValidationError as exc:
        for message in exc.message_dict.get("specs", []):
            add("specs", message)
    return problems


@transaction.atomic
def product_submit(*, product: Product, actor: User | None = None) -> ProductVersion:
    """Send the draft version to review: draft → pending_review (02 › Publishing, step 3).

    A listed product stays listed while its new version is reviewed.
    """
    product = _lock_product(product)
    _check_seller_active(product.seller)
    if product.is_joint:
        _check_joint_certified(product.seller)
    check_state(
        product,
        allowed=[Product.Status.DRAFT, Product.Status.LISTED],
    )
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    problems = submission_problems(product, version)
    if problems:
        raise ValidationError(problems, code="incomplete")
    version.status = ProductVersion.Status.PENDING_REVIEW
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    log_transition(
        version,
        action="submit",
        from_state=ProductVersion.Status.DRAFT,
        to_state=version.status,
        actor=actor,
    )
    if product.status == Product.Status.DRAFT:
        product.status = Product.Status.PENDING_REVIEW
        product.save(update_fields=["status"])
        log_transition(
            product,
            action="submit",
            from_state=Product.Status.DRAFT,
            to_state=product.status,
            actor=actor,
        )
    return version


def product_refresh_listing(product: Product) -> Product:
    """Copy the listed version onto the product row for catalog pages and search.

    The one place that writes the denormalised fields; callers hold the product's lock.
    """
    version = product.listed_version
    if version is None:
        return product
    specs = list(version.specs.prefetch_related("prices"))
    paid = [p.amount for s in specs if s.billing_mode != BillingMode.TRIAL for p in s.prices.all()]
    all_prices = [p.amount for s in specs for p in s.prices.all()]
    modes = sorted({s.billing_mode for s in specs})
    seller = product.seller
    product.name = version.name
    product.summary = version.summary
    product.category_id = version.category_id
    # The "from" price buyers compare on: the cheapest paid price, a free trial aside.
    product.min_price = min(paid) if paid else (min(all_prices) if all_prices else None)
    product.billing_modes = f",{','.join(modes)}," if modes else ""
    product.search_text = " ".join(
        part for part in (version.name, version.summary, version.tags, seller.store_name) if part
    ).lower()
    product.save(
        update_fields=["name", "summary", "category", "min_price", "billing_modes", "search_text"]
    )
    bump_generation()  # cached lists (catalog/cache.py)
    return product


@transaction.atomic
def product_approve(*, version: ProductVersion, actor: User) -> Product:
    """Operator approves a version: it goes on sale and replaces the listed one."""
    _check_operator(actor)
    product = _lock_product(version.product)
    version = ProductVersion.objects.select_for_update().get(pk=version.pk)
    check_state(version, allowed=[ProductVersion.Status.PENDING_REVIEW])
    check_state(product, allowed=[Product.Status.PENDING_REVIEW, Product.Status.LISTED])
    now = timezone.now()
    previous = product.listed_version
    if previous is not None and previous.pk != version.pk:
        previous = ProductVersion.objects.select_for_update().get(pk=previous.pk)
        previous.status = ProductVersion.Status.SUPERSEDED
        previous.save(update_fields=["status"])
        log_transition(
            previous,
            action="supersede",
            from_state=ProductVersion.Status.APPROVED,
            to_state=previous.status,
            actor=actor,
        )
    version.status = ProductVersion.Status.APPROVED
    version.reviewed_at = now
    version.reviewer = actor
    version.rejection_reason = ""
    version.save(update_fields=["status", "reviewed_at", "reviewer", "rejection_reason"])
    log_transition(
        version,
        action="approve",
        from_state=ProductVersion.Status.PENDING_REVIEW,
        to_state=version.status,
        actor=actor,
    )
    from_state = product.status
    product.listed_version = version
    product.status = Product.Status.LISTED
    if from_state != Product.Status.LISTED:
        product.listed_at = now
    product.delisted_at = None
    product.delist_reason = ""
    product.save(
        update_fields=["listed_version", "status", "listed_at", "delisted_at", "delist_reason"]
    )
    product_refresh_listing(product)
    log_transition(
        product, action="approve", from_state=from_state, to_state=product.status, actor=actor
    )
    return product


@transaction.atomic
def product_reject(*, version: ProductVersion, actor: User, reason: str) -> ProductVersion:
    """Operator rejects a version with a reason the seller sees in "my products".

    A listed product whose new version is rejected stays listed with its old version.
    """
    _check_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the seller why the product is rejected.")})
    product = _lock_product(version.product)
    version = ProductVersion.objects.select_for_update().get(pk=version.pk)
    check_state(version, allowed=[ProductVersion.Status.PENDING_REVIEW])
    version.status = ProductVersion.Status.REJECTED
    version.reviewed_at = timezone.now()
    version.reviewer = actor
    version.rejection_reason = reason
    version.save(update_fields=["status", "reviewed_at", "reviewer", "rejection_reason"])
    log_transition(
        version,
        action="reject",
        from_state=ProductVersion.Status.PENDING_REVIEW,
        to_state=version.status,
        actor=actor,
        reason=reason,
    )
    if product.status == Product.Status.PENDING_REVIEW:
        product.status = Product.Status.REJECTED
        product.save(update_fields=["status"])
        log_transition(
            product,
            action="reject",
            from_state=Product.Status.PENDING_REVIEW,
            to_state=product.status,
            actor=actor,
            reason=reason,
        )
    return version


def _latest_version(product: Product) -> ProductVersion | None:
    return product.versions.order_by("-number").first()


@transaction.atomic
def product_revise(*, product: Product, actor: User | None = None) -> ProductVersion:
    """rejected → draft: a new draft version copying the rejected one, to fix and resubmit."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    check_state(product, allowed=[Product.Status.REJECTED])
    draft = _copy_version(_latest_version(product), number=_next_number(product))
    product.status = Product.Status.DRAFT
    product.save(update_fields=["status"])
    log_transition(
        product,
        action="revise",
        from_state=Product.Status.REJECTED,
        to_state=product.status,
        actor=actor,
    )
    return draft


@transaction.atomic
def product_edit_listed(*, product: Product, actor: User | None = None) -> ProductVersion:
    """Open a new draft version of a listed product; the listed version stays on sale.

    The draft copies the listed version, or the latest rejected attempt made after it, so
    that a rejected edit is fixed rather than redone.
    """
    product = _lock_product(product)
    _check_seller_active(product.seller)
    check_state(product, allowed=[Product.Status.LISTED])
    if product.versions.filter(
        status__in=[ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_REVIEW]
    ).exists():
        raise DomainError(_("A new version of this product is already being edited or reviewed."))
    latest = _latest_version(product)
    source = latest if latest.status == ProductVersion.Status.REJECTED else product.listed_version
    draft = _copy_version(source, number=_next_number(product))
    log_transition(draft, action="edit_listed", to_state=draft.status, actor=actor)
    return draft


@transaction.atomic
def product_delist(
    *, product: Product, actor: User | None, reason: str = "", by_operator: bool = False
) -> Product:
    """listed → delisted, by the seller or by an operator (who must give a reason).

    A version still being edited or reviewed is closed as rejected: a delisted product
    comes back only through `product_relist` and a fresh review. Existing subscriptions
    are not touched here (orders decide about renewals).
    """
    reason = (reason or "").strip()
    if by_operator:
        _check_operator(actor)
        if not reason:
            raise ValidationError({"reason": _("Tell the seller why the product is delisted.")})
    product = _lock_product(product)
    check_state(product, allowed=[Product.Status.LISTED])
    now = timezone.now()
    for version in ProductVersion.objects.select_for_update().filter(
        product=product,
        status__in=[ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_REVIEW],
    ):
        from_state = version.status
        version.status = ProductVersion.Status.REJECTED
        version.rejection_reason = _("Closed because the product was delisted.")
        version.reviewed_at = now
        version.save(update_fields=["status", "rejection_reason", "reviewed_at"])
        log_transition(
            version, action="close", from_state=from_state, to_state=version.status, actor=actor
        )
    product.status = Product.Status.DELISTED
    product.delisted_at = now
    product.delist_reason = reason
    product.save(update_fields=["status", "delisted_at", "delist_reason"])
    bump_generation()  # cached lists (catalog/cache.py)
    log_transition(
        product,
        action="delist_by_operator" if by_operator else "delist",
        from_state=Product.Status.LISTED,
        to_state=product.status,
        actor=actor,
        reason=reason,
    )
    return product


@transaction.atomic
def product_relist(*, product: Product, actor: User | None = None) -> ProductVersion:
    """delisted → draft: a new draft copying the last listed version; it must pass review
    again before the product is back on sale (decision: no relisting without review)."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    check_state(product, allowed=[Product.Status.DELISTED])
    source = product.listed_version or _latest_version(product)
    draft = _copy_version(source, number=_next_number(product))
    product.status = Product.Status.DRAFT
    product.save(update_fields=["status"])
    log_transition(
        product,
        action="relist",
        from_state=Product.Status.DELISTED,
        to_state=product.status,
        actor=actor,
    )
    return draft


def listed_products_block_exit(seller: Seller) -> list[str]:
    """Exit check (01 › Exit): a seller leaves only when nothing is listed any more."""
    count = Product.objects.filter(seller=seller, status=Product.Status.LISTED).count()
    if not count:
        return []
    return [
        ngettext(
            "%(count)d product is still listed: delist it first.",
            "%(count)d products are still listed: delist them first.",
            count,
        )
        % {"count": count}
    ]


# --- sales configuration (02 › Sales configuration) --------------------------------------


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
    errors = {}
    if stock is not None and stock < 0:
        errors["stock"] = _("Stock can't be below zero.")
    for name, value in (
        ("max_quantity_per_buyer", max_quantity_per_buyer),
        ("max_orders_per_buyer", max_orders_per_buyer),
    ):
        if value is not None and value < 1:
            errors[name] = _("A limit is at least 1; leave it empty for no limit.")
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

"""The content of a draft version: its fields, files and screenshots, what keeps it from
review, and copying a version into a new draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document, check_image
from sellers.models import Seller, ServiceGroup

from .. import delivery
from ..agreements import check_agreement, check_support_terms
from ..models import (
    ApiEndpoint,
    Category,
    ImageRegion,
    Product,
    ProductScreenshot,
    ProductVersion,
    Region,
    ServiceForm,
    ServiceScope,
)
from ._common import _check_seller_active, _lock_product, _open_version
from .joint import joint_problems
from .specs import SpecInput, _check_specs, _fill_codes, _replace_specs, _version_specs

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
    "service_notes",
    "image_os",
    "image_architecture",
    "hardware_spec",
    "hardware_weight_kg",
    "hardware_size",
    "license_type",
    "license_term",
    "license_term_months",
    "deploy_contents",
    "api_quota_unit",
)
FILE_FIELDS = ("logo", "copyright_certificate", "open_source_declaration")
# Content kept in rows of their own, given in `fields` too:
# image_regions: [{"region": Region, "image_id": str}], shipping_regions: [Region],
# api_endpoints: [{"method": str, "path": str, "description": str}].
ROW_FIELDS = ("image_regions", "shipping_regions", "api_endpoints")
MAX_ROWS = 100


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _check_choices(fields: dict[str, Any], name: str, choices: type) -> None:
    if name not in fields:
        return
    value = fields[name]
    if not isinstance(value, list | tuple) or not set(value) <= set(choices.values):
        raise ValidationError({name: _("Choose from the listed options.")})
    fields[name] = [code for code in choices.values if code in value]  # ordered, no repeats


def _check_rows(fields: dict[str, Any]) -> None:
    """The shape of the row fields (image ids per region, shipping regions, APIs)."""
    errors: dict[str, list[str]] = {}
    images = fields.get("image_regions")
    if images is not None:
        seen = set()
        for row in images[: MAX_ROWS + 1]:
            region, image_id = row.get("region"), (row.get("image_id") or "").strip()
            if not isinstance(region, Region):
                errors.setdefault("image_regions", []).append(_("Choose a region."))
            elif region.pk in seen:
                errors.setdefault("image_regions", []).append(
                    _("Region “%(region)s” is given twice.") % {"region": region.name}
                )
            elif not image_id or len(image_id) > 100:
                errors.setdefault("image_regions", []).append(
                    _("Give the image ID in “%(region)s” (at most 100 characters).")
                    % {"region": region.name}
                )
            if isinstance(region, Region):
                seen.add(region.pk)
    shipping = fields.get("shipping_regions")
    if shipping is not None and not all(isinstance(r, Region) for r in shipping):
        errors.setdefault("shipping_regions", []).append(_("Choose a region."))
    endpoints = fields.get("api_endpoints")
    if endpoints is not None:
        seen = set()
        for number, row in enumerate(endpoints, start=1):
            method = (row.get("method") or "").upper()
            path = (row.get("path") or "").strip()
            description = (row.get("description") or "").strip()
            problem = None
            if method not in ApiEndpoint.Method.values:
                problem = _("the method must be one of %(methods)s") % {
                    "methods": ", ".join(ApiEndpoint.Method.values)
                }
            elif not path.startswith("/") or len(path) > 200 or " " in path:
                problem = _("the path starts with / and has no spaces (at most 200 characters)")
            elif not description or len(description) > 200:
                problem = _("give a short description (at most 200 characters)")
            elif (method, path) in seen:
                problem = _("this API is listed twice")
            if problem:
                errors.setdefault("api_endpoints", []).append(
                    _("API %(number)d: %(problem)s.") % {"number": number, "problem": problem}
                )
            seen.add((method, path))
    for name in ("image_regions", "api_endpoints"):
        if len(fields.get(name) or []) > MAX_ROWS:
            errors.setdefault(name, []).append(_("At most %(max)d rows.") % {"max": MAX_ROWS})
    if errors:
        raise ValidationError(errors)


def _check_bounds(fields: dict[str, Any]) -> None:
    """Lengths, ranges and one-line names of the version's own columns, by the model
    fields' validators (bounds in core/limits.py): the API and scripts call the services
    directly, and a TextField or an integer column must not see an unbounded value."""
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        try:
            field = ProductVersion._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.is_relation or isinstance(field, models.FileField) or value in field.empty_values:
            continue
        try:
            field.run_validators(field.to_python(value))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: dict[str, Any], *, seller: Seller, delivery_type: str) -> None:
    """Check (and normalise in place) the fields a seller gives for a version."""
    unknown = set(fields) - set(VERSION_FIELDS) - set(ROW_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown product fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    _check_bounds(fields)
    own = set(delivery.delivery_fields(delivery_type))
    if "license_term" in own:
        own.add("license_term_months")
    foreign = {
        name
        for name in set(fields) & delivery.TYPE_SPECIFIC_FIELDS - own
        if not _empty(fields[name])
    }
    if foreign:
        raise ValidationError(
            _("These fields don't apply to this delivery type: %(fields)s.")
            % {"fields": ", ".join(sorted(foreign))}
        )
    _check_choices(fields, "service_forms", ServiceForm)
    _check_choices(fields, "service_scope", ServiceScope)
    _check_rows(fields)
    weight = fields.get("hardware_weight_kg")
    if weight is not None and not Decimal("0") < Decimal(str(weight)) < Decimal("1000000"):
        raise ValidationError({"hardware_weight_kg": _("Enter a weight above zero.")})
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


def _version_rows(version: ProductVersion) -> dict[str, list]:
    """A version's row fields as service input (see ROW_FIELDS)."""
    return {
        "image_regions": [
            {"region": row.region, "image_id": row.image_id}
            for row in version.image_regions.select_related("region")
        ],
        "shipping_regions": list(version.shipping_regions.all()),
        "api_endpoints": [
            {"method": row.method, "path": row.path, "description": row.description}
            for row in version.api_endpoints.all()
        ],
    }


def _write_rows(version: ProductVersion, fields: dict[str, Any]) -> None:
    """Replace the row fields present in `fields` (checked by `_check_fields`)."""
    if "image_regions" in fields:
        version.image_regions.all().delete()
        ImageRegion.objects.bulk_create(
            ImageRegion(version=version, region=row["region"], image_id=row["image_id"].strip())
            for row in fields["image_regions"]
        )
    if "shipping_regions" in fields:
        version.shipping_regions.set(fields["shipping_regions"])
    if "api_endpoints" in fields:
        version.api_endpoints.all().delete()
        ApiEndpoint.objects.bulk_create(
            ApiEndpoint(
                version=version,
                method=row["method"].upper(),
                path=row["path"].strip(),
                description=row["description"].strip(),
                position=position,
            )
            for position, row in enumerate(fields["api_endpoints"])
        )


def _write_fields(version: ProductVersion, fields: dict[str, Any]) -> None:
    """Set and save the given column fields of `version`, then its row fields."""
    columns = {name: value for name, value in fields.items() if name not in ROW_FIELDS}
    for name, value in columns.items():
        setattr(version, name, value)
    if columns or version.pk is None:
        version.save()
    _write_rows(version, fields)


def _copy_version(source: ProductVersion, *, number: int) -> ProductVersion:
    """A new draft version with the content, specs, prices, attributes and screenshots
    of `source` (the screenshot rows point at the same image files)."""
    draft = ProductVersion(product_id=source.product_id, number=number)
    for name in VERSION_FIELDS:
        setattr(draft, name, getattr(source, name))
    draft.save()
    _write_rows(draft, _version_rows(source))
    _replace_specs(draft, _version_specs(source))
    ProductScreenshot.objects.bulk_create(
        ProductScreenshot(version=draft, image=shot.image.name, position=shot.position)
        for shot in source.screenshots.all()
    )
    return draft


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
    fields = dict(fields or {})
    _check_fields(fields, seller=product.seller, delivery_type=product.delivery_type)
    if specs is not None:
        specs = _fill_codes(specs, product=product)
        _check_specs(specs, delivery_type=product.delivery_type, seller=product.seller)
    _write_fields(version, fields)
    if specs is not None:
        _replace_specs(version, specs)
    return version


@transaction.atomic
def product_screenshots_update(
    *,
    product: Product,
    add: Sequence[UploadedFile] = (),
    remove: Iterable[int] = (),
    actor: User | None = None,
) -> list[ProductScreenshot]:
    """Change the draft's screenshots: drop the `remove` ids, then append `add` in order.

    Screenshots are reviewed content (02 › Information to fill in), so only the draft
    version's change. Each upload must be a real JPG or PNG within
    `settings.MAX_IMAGE_BYTES`, and at most `ProductScreenshot.MAX_PER_VERSION` remain.
    Returns the draft's screenshots in order.
    """
    product = _lock_product(product)
    _check_seller_active(product.seller)
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    current = list(version.screenshots.all())
    remove_ids = {int(pk) for pk in remove}
    if not remove_ids <= {shot.pk for shot in current}:
        raise DomainError(_("This screenshot is not part of the draft."))
    errors: list[str] = []
    # Checked by content, whoever calls (form, API, script).
    for upload in add:
        try:
            check_image(upload, max_bytes=settings.MAX_IMAGE_BYTES)
        except ValidationError as exc:
            errors.extend(f"{upload.name}: {message}" for message in exc.messages)
    kept = [shot for shot in current if shot.pk not in remove_ids]
    if len(kept) + len(add) > ProductScreenshot.MAX_PER_VERSION:
        errors.append(
            _("A product has at most %(max)d screenshots; remove some first.")
            % {"max": ProductScreenshot.MAX_PER_VERSION}
        )
    if errors:
        raise ValidationError({"screenshots": errors}, code="bad_screenshots")
    if remove_ids:
        version.screenshots.filter(pk__in=remove_ids).delete()
    position = max((shot.position for shot in kept), default=-1) + 1
    for offset, upload in enumerate(add):
        ProductScreenshot.objects.create(version=version, image=upload, position=position + offset)
    return list(version.screenshots.all())


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
    rows = _version_rows(version)
    for name in delivery.delivery_fields(product.delivery_type):
        value = rows[name] if name in ROW_FIELDS else getattr(version, name)
        if _empty(value):
            add(name, str(delivery.MISSING_MESSAGES[name]))
    if (
        product.delivery_type in delivery.DELIVERY_FIELDS
        and "license_term" in delivery.delivery_fields(product.delivery_type)
        and version.license_term == ProductVersion.LicenseTerm.FIXED
        and not version.license_term_months
    ):
        add("license_term_months", str(delivery.MISSING_MESSAGES["license_term_months"]))
    try:
        if product.is_joint:
            check_support_terms(version.support_terms_text)
        else:
            check_agreement(version.agreement_text)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                add(field, message)
    if product.is_joint:
        for field, messages in joint_problems(product, version).items():
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

"""The content of a draft version: its fields, files and screenshots, what keeps it from
review, and copying a version into a new draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document, check_image
from sellers.models import Seller, ServiceGroup

from ..agreements import check_agreement, check_support_terms
from ..models import Category, DeliveryType, Product, ProductScreenshot, ProductVersion
from ._common import _check_seller_active, _lock_product, _open_version
from .specs import SpecInput, _check_specs, _replace_specs, _version_specs

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


def _copy_version(source: ProductVersion, *, number: int) -> ProductVersion:
    """A new draft version with the content, specs, prices, attributes and screenshots
    of `source` (the screenshot rows point at the same image files)."""
    draft = ProductVersion(product_id=source.product_id, number=number)
    for name in VERSION_FIELDS:
        setattr(draft, name, getattr(source, name))
    draft.save()
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

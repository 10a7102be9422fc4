"""The product lifecycle: create, submit, review, revise, edit when listed, delist, relist.

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

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.accounts.models import User
from marketplace.core import limits
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission
from sellers.models import Seller
from sellers.services import seller_complete_exit

from ..cache import bump_generation
from ..models import BillingMode, DelistRequest, DeliveryType, Product, ProductVersion
from ._common import _check_seller_active, _lock_product, _open_version
from .joint import check_joint_certified
from .specs import SpecInput, _check_specs, _fill_codes, _replace_specs
from .versions import _check_fields, _copy_version, _write_fields, submission_problems


def _check_reviewer(actor) -> None:
    check_operator_permission(
        actor,
        "catalog.review_productversion",
        _("You don't have the permission to review products."),
    )


def _check_reason(reason: str) -> None:
    errors: dict[str, list] = {}
    limits.check_length(errors, "reason", reason, limits.MAX_REASON_LENGTH)
    if errors:
        raise ValidationError(errors)


def _next_number(product: Product) -> int:
    last = product.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _latest_version(product: Product) -> ProductVersion | None:
    return product.versions.order_by("-number").first()


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
    # A joint product starts as a draft without certification: the certification names
    # its products, so they exist first; submitting needs it (check_joint_certified).
    fields = dict(fields)
    _check_fields(fields, seller=seller, delivery_type=delivery_type)
    missing = [f for f in ("name", "category", "summary") if not fields.get(f)]
    if missing:
        raise ValidationError({f: _("This field is required.") for f in missing})
    if specs:
        specs = _fill_codes(specs, product=None)
        _check_specs(specs, delivery_type=delivery_type, seller=seller)
    product = Product.objects.create(seller=seller, delivery_type=delivery_type)
    version = ProductVersion(product=product, number=1)
    _write_fields(version, {"description": "", **fields})
    if specs:
        _replace_specs(version, specs)
    log_transition(product, action="create", to_state=product.status, actor=actor)
    return product


@transaction.atomic
def product_submit(*, product: Product, actor: User | None = None) -> ProductVersion:
    """Send the draft version to review: draft → pending_review (02 › Publishing, step 3).

    A listed product stays listed while its new version is reviewed.
    """
    product = _lock_product(product)
    _check_seller_active(product.seller)
    if product.is_joint:
        check_joint_certified(product)
    check_state(
        product,
        allowed=[Product.Status.DRAFT, Product.Status.LISTED],
    )
    version = _open_version(product, status=ProductVersion.Status.DRAFT)
    problems = submission_problems(product, version)
    if problems:
        raise ValidationError(problems, code="incomplete")
    version.submitted_at = timezone.now()
    move_to(
        version,
        ProductVersion.Status.PENDING_REVIEW,
        action="submit",
        actor=actor,
        also_save=["submitted_at"],
    )
    if product.status == Product.Status.DRAFT:
        move_to(product, Product.Status.PENDING_REVIEW, action="submit", actor=actor)
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
    _check_reviewer(actor)
    product = _lock_product(version.product)
    version = ProductVersion.objects.select_for_update().get(pk=version.pk)
    check_state(version, allowed=[ProductVersion.Status.PENDING_REVIEW])
    check_state(product, allowed=[Product.Status.PENDING_REVIEW, Product.Status.LISTED])
    # Only listed products block an exit (listed_products_block_exit), so a version can
    # still be in review when its seller leaves: it must not put the product on sale.
    seller = Seller.objects.select_for_update().get(pk=product.seller_id)
    if seller.status != Seller.Status.ACTIVE:
        raise DomainError(
            _("The seller can no longer sell (%(status)s): reject this version instead.")
            % {"status": seller.get_status_display()}
        )
    now = timezone.now()
    previous = product.listed_version
    if previous is not None and previous.pk != version.pk:
        previous = ProductVersion.objects.select_for_update().get(pk=previous.pk)
        move_to(previous, ProductVersion.Status.SUPERSEDED, action="supersede", actor=actor)
    version.reviewed_at = now
    version.reviewer = actor
    version.rejection_reason = ""
    move_to(
        version,
        ProductVersion.Status.APPROVED,
        action="approve",
        actor=actor,
        also_save=["reviewed_at", "reviewer", "rejection_reason"],
    )
    product.listed_version = version
    if product.status != Product.Status.LISTED:
        product.listed_at = now
    product.delisted_at = None
    product.delist_reason = ""
    move_to(
        product,
        Product.Status.LISTED,
        action="approve",
        actor=actor,
        also_save=["listed_version", "listed_at", "delisted_at", "delist_reason"],
    )
    product_refresh_listing(product)
    notify(
        user=product.seller.user,
        template="product_approved",
        context={"product_id": product.pk, "version_id": version.pk, "product_name": version.name},
    )
    return product


@transaction.atomic
def product_reject(*, version: ProductVersion, actor: User, reason: str) -> ProductVersion:
    """Operator rejects a version with a reason the seller sees in "my products".

    A listed product whose new version is rejected stays listed with its old version.
    """
    _check_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the seller why the product is rejected.")})
    _check_reason(reason)
    product = _lock_product(version.product)
    version = ProductVersion.objects.select_for_update().get(pk=version.pk)
    check_state(version, allowed=[ProductVersion.Status.PENDING_REVIEW])
    version.reviewed_at = timezone.now()
    version.reviewer = actor
    version.rejection_reason = reason
    move_to(
        version,
        ProductVersion.Status.REJECTED,
        action="reject",
        actor=actor,
        reason=reason,
        also_save=["reviewed_at", "reviewer", "rejection_reason"],
    )
    if product.status == Product.Status.PENDING_REVIEW:
        move_to(product, Product.Status.REJECTED, action="reject", actor=actor, reason=reason)
    notify(
        user=product.seller.user,
        template="product_rejected",
        context={
            "product_id": product.pk,
            "version_id": version.pk,
            "product_name": version.name,
            "reason": reason,
        },
    )
    return version


@transaction.atomic
def product_revise(*, product: Product, actor: User | None = None) -> ProductVersion:
    """rejected → draft: a new draft version copying the rejected one, to fix and resubmit."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    check_state(product, allowed=[Product.Status.REJECTED])
    draft = _copy_version(_latest_version(product), number=_next_number(product))
    move_to(product, Product.Status.DRAFT, action="revise", actor=actor)
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
    _check_reason(reason)
    if by_operator:
        check_operator_permission(
            actor, "catalog.delist_product", _("You don't have the permission to delist products.")
        )
        if not reason:
            raise ValidationError({"reason": _("Tell the seller why the product is delisted.")})
    product = _lock_product(product)
    check_state(product, allowed=[Product.Status.LISTED])
    now = timezone.now()
    for version in ProductVersion.objects.select_for_update().filter(
        product=product,
        status__in=[ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_REVIEW],
    ):
        version.rejection_reason = _("Closed because the product was delisted.")
        version.reviewed_at = now
        move_to(
            version,
            ProductVersion.Status.REJECTED,
            action="close",
            actor=actor,
            also_save=["rejection_reason", "reviewed_at"],
        )
    product.delisted_at = now
    product.delist_reason = reason
    move_to(
        product,
        Product.Status.DELISTED,
        action="delist_by_operator" if by_operator else "delist",
        actor=actor,
        reason=reason,
        also_save=["delisted_at", "delist_reason"],
    )
    bump_generation()  # cached lists (catalog/cache.py)
    if by_operator:  # a seller who delists knows it already
        notify(
            user=product.seller.user,
            template="product_delisted",
            context={"product_id": product.pk, "product_name": product.name, "reason": reason},
        )
    _after_delist(product, actor=actor, at=now)
    return product


def _after_delist(product: Product, *, actor: User | None, at) -> None:
    """A delisting answers the product's open delisting request, whoever delisted it,
    and the last listed product of a seller who applied to exit completes the exit in
    this same transaction (01 › Exit; catalog/services/exit.py)."""
    for request in DelistRequest.objects.select_for_update().filter(
        product=product, status=DelistRequest.Status.OPEN
    ):
        request.resolved_at = at
        request.resolved_by = actor
        move_to(
            request,
            DelistRequest.Status.DONE,
            action="delist",
            actor=actor,
            also_save=["resolved_at", "resolved_by"],
        )
    # Asked every time rather than from the seller row read with the product: an exit
    # requested meanwhile is seen once the seller is locked (seller_complete_exit).
    seller_complete_exit(seller=product.seller, actor=actor)


@transaction.atomic
def product_relist(*, product: Product, actor: User | None = None) -> ProductVersion:
    """delisted → draft: a new draft copying the last listed version; it must pass review
    again before the product is back on sale (decision: no relisting without review)."""
    product = _lock_product(product)
    _check_seller_active(product.seller)
    check_state(product, allowed=[Product.Status.DELISTED])
    source = product.listed_version or _latest_version(product)
    draft = _copy_version(source, number=_next_number(product))
    move_to(product, Product.Status.DRAFT, action="relist", actor=actor)
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

"""Private helpers shared by the catalog service modules: checks and row locks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError, PermissionDenied
from sellers.models import Seller

from ..models import Product, ProductVersion


def _check_seller_active(seller: Seller) -> None:
    if seller.status != Seller.Status.ACTIVE:
        raise PermissionDenied(
            _(
                "Only an onboarded seller can publish products: finish enterprise "
                "verification, onboarding and business information first."
            )
        )


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

"""Reads of the seller's production interface page, scoped to the seller."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from marketplace.catalog.models import Product, ProductVersion
from sellers.models import AccessKey, Seller

from .models import ProductInterface
from .services.interfaces import INTERFACE_TYPES


def seller_interface_products(*, seller: Seller) -> QuerySet[Product]:
    """The seller's products that have a production interface, each with its settings
    (`product.interface` or none) and keys, and its latest version's name, in one query."""
    latest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-number")
    return (
        Product.objects.filter(seller=seller, delivery_type__in=INTERFACE_TYPES)
        .select_related("interface__access_key", "interface__kit_access_key")
        .annotate(latest_version_name=Subquery(latest.values("name")[:1]))
        .order_by("-created_at", "-id")
    )


def seller_interface_product_get(*, seller: Seller, pk: int) -> Product:
    """One of those products; another seller's product (or one without an interface) is a 404."""
    return get_object_or_404(seller_interface_products(seller=seller), pk=pk)


def interface_get(*, product: Product) -> ProductInterface | None:
    return (
        ProductInterface.objects.filter(product=product)
        .select_related("access_key", "kit_access_key")
        .first()
    )


def products_signed_with(*, key: AccessKey) -> QuerySet[Product]:
    """The products whose calls `key` signs (basic or kit), for the revoke/rotate pages."""
    return (
        Product.objects.filter(Q(interface__access_key=key) | Q(interface__kit_access_key=key))
        .annotate(
            latest_version_name=Subquery(
                ProductVersion.objects.filter(product=OuterRef("pk"))
                .order_by("-number")
                .values("name")[:1]
            )
        )
        .order_by("pk")
        .distinct()
    )

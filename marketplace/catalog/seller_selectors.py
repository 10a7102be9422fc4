"""Reads of the seller center's product management, always scoped by the seller."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from marketplace.core.audit import history_for
from sellers.models import JointCertification, Seller

from .models import (
    JOINT_TYPES,
    AllowlistEntry,
    AttributeName,
    DelistRequest,
    Product,
    ProductVersion,
    Spec,
    SpecSales,
)


def seller_product_list(*, seller: Seller) -> QuerySet[Product]:
    """The seller's products with their latest version's review result, in one query."""
    latest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-number")
    return (
        Product.objects.filter(seller=seller)
        .annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_name=Subquery(latest.values("name")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_rejection_reason=Subquery(latest.values("rejection_reason")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def seller_product_get(*, seller: Seller, pk: int) -> Product:
    """One of the seller's products; another seller's id is a 404."""
    return get_object_or_404(
        Product.objects.select_related("seller", "listed_version", "category"), seller=seller, pk=pk
    )


def product_versions(*, product: Product) -> QuerySet[ProductVersion]:
    return product.versions.select_related("reviewer").order_by("-number")


def product_draft(*, product: Product) -> ProductVersion | None:
    return (
        product.versions.filter(status=ProductVersion.Status.DRAFT)
        .select_related("category", "service_group")
        .first()
    )


def product_current_version(*, product: Product) -> ProductVersion | None:
    """The version the seller is working on, else the one on sale, else the latest."""
    return (
        product.versions.filter(
            status__in=[ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_REVIEW]
        )
        .select_related("category", "service_group")
        .first()
        or product.listed_version
        or product.versions.select_related("category", "service_group").first()
    )


def version_specs(*, version: ProductVersion) -> QuerySet[Spec]:
    return version.specs.prefetch_related("prices", "attributes__attribute")


def product_history(*, product: Product):
    return history_for(product)


def product_sales_overview(*, product: Product) -> dict:
    """Spec codes (of all versions) with their inventory rows, and the allowlists by kind."""
    specs: dict[str, str] = {}
    for code, name in (
        Spec.objects.filter(version__product=product)
        .order_by("-version__number", "position")
        .values_list("code", "name")
    ):
        specs.setdefault(code, name)
    sales = {row.spec_code: row for row in SpecSales.objects.filter(product=product)}
    entries = product.allowlist.select_related("user").order_by("added_at")
    lists = {kind: [] for kind in AllowlistEntry.Kind.values}
    for entry in entries:
        lists[entry.kind].append(entry)
    return {
        "version": product_current_version(product=product),
        "spec_rows": [
            {"code": code, "name": name, "sales": sales.get(code)} for code, name in specs.items()
        ],
        "allowlists": [
            {"kind": kind, "label": AllowlistEntry.Kind(kind).label, "entries": lists[kind]}
            for kind in AllowlistEntry.Kind.values
        ],
    }


def seller_allowlist_entry(*, seller: Seller, product: Product, pk: int) -> AllowlistEntry:
    return get_object_or_404(
        AllowlistEntry.objects.select_related("product", "user"),
        product=product,
        product__seller=seller,
        pk=pk,
    )


def seller_attribute_names(*, seller: Seller) -> QuerySet[AttributeName]:
    return AttributeName.objects.filter(seller=seller)


def seller_attribute_name_get(*, seller: Seller, pk: int) -> AttributeName:
    return get_object_or_404(AttributeName.objects.select_related("seller"), seller=seller, pk=pk)


def seller_product_counts(*, seller: Seller) -> dict[str, int]:
    """How many of the seller's products are in each status (one grouped query)."""
    counts = dict.fromkeys(Product.Status.values, 0)
    rows = Product.objects.filter(seller=seller).values_list("status").annotate(n=Count("id"))
    counts.update(dict(rows))
    return counts


def joint_products_to_certify(*, seller: Seller) -> QuerySet[Product]:
    """The seller's joint-operation products that no certification under review or
    approved names yet (drafts included), with their latest name, for the certification
    form (issue 6 item 9)."""
    latest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-number")
    return (
        Product.objects.filter(seller=seller, delivery_type__in=JOINT_TYPES)
        .exclude(
            joint_certifications__status__in=[
                JointCertification.Status.PENDING,
                JointCertification.Status.APPROVED,
            ]
        )
        .annotate(latest_name=Subquery(latest.values("name")[:1]))
        .order_by("-created_at", "-id")
    )


def certification_products(*, certifications) -> dict[int, list[str]]:
    """Certification id → the names of the products it covers (one query)."""
    latest = ProductVersion.objects.filter(product=OuterRef("product_id")).order_by("-number")
    names: dict[int, list[str]] = {c.pk: [] for c in certifications}
    rows = (
        Product.joint_certifications.through.objects.filter(jointcertification_id__in=list(names))
        .annotate(latest_name=Subquery(latest.values("name")[:1]))
        .values_list("jointcertification_id", "latest_name", "product_id")
        .order_by("product_id")
    )
    for certification_id, name, product_id in rows:
        names[certification_id].append(name or f"#{product_id}")
    return names


def exit_delist_requests(*, seller: Seller) -> QuerySet[DelistRequest]:
    """The delisting requests of the seller's current exit application, open first."""
    return (
        DelistRequest.objects.filter(seller=seller)
        .exclude(status=DelistRequest.Status.CANCELLED)
        .select_related("product")
        .order_by("-status", "created_at", "id")
    )


def listed_product_count(*, seller: Seller) -> int:
    return Product.objects.filter(seller=seller, status=Product.Status.LISTED).count()

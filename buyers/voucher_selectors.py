"""Reads of the voucher pages, always scoped to their owner (the seller, or the buyer)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from buyers.models import Voucher, VoucherGrant
from sellers.models import Seller

_USED = Q(grants__status=VoucherGrant.Status.USED)
_AVAILABLE = Q(grants__status=VoucherGrant.Status.AVAILABLE)


def _with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        issued_count=Count("grants"),
        used_count=Count("grants", filter=_USED),
        available_count=Count("grants", filter=_AVAILABLE),
    )


def seller_voucher_list(*, seller: Seller) -> QuerySet[Voucher]:
    """The seller's vouchers, newest first, with issued/used counts and their products."""
    return (
        _with_counts(Voucher.objects.filter(seller=seller))
        .prefetch_related("products")
        .order_by("-created_at", "-pk")
    )


def seller_voucher_get(*, seller: Seller, pk: int) -> Voucher:
    """One of the seller's vouchers, with its counts; another seller's id is a 404."""
    return get_object_or_404(
        _with_counts(Voucher.objects.filter(seller=seller)).prefetch_related("products"), pk=pk
    )


def voucher_grant_list(*, voucher: Voucher) -> QuerySet[VoucherGrant]:
    return voucher.grants.select_related("buyer").order_by("-issued_at", "-pk")


def buyer_voucher_grants(*, buyer) -> QuerySet[VoucherGrant]:
    """The vouchers a buyer received, soonest expiry of the available ones first."""
    return (
        VoucherGrant.objects.filter(buyer=buyer)
        .select_related("voucher", "voucher__seller")
        .prefetch_related("voucher__products")
        .order_by("status", "voucher__valid_until", "-pk")
    )

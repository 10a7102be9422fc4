"""Reads of the seller's private-offer pages, scoped to the seller."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from orders.models import PrivateOffer
from sellers.models import Seller


def seller_offer_list(*, seller: Seller) -> QuerySet[PrivateOffer]:
    return (
        PrivateOffer.objects.filter(seller=seller)
        .select_related("product", "buyer")
        .order_by("-created_at", "-pk")
    )


def seller_offer_get(*, seller: Seller, pk: int) -> PrivateOffer:
    """One of the seller's offers; another seller's id is a 404."""
    return get_object_or_404(PrivateOffer.objects.filter(seller=seller), pk=pk)

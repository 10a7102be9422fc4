"""Test helpers of the order lists and "my agreements" (no factory for signed agreements
yet: checkout writes them; here they're written the way it does)."""

from __future__ import annotations

from django.utils import timezone

from orders.models import Order, SignedAgreement


def sign(order: Order, text: str = "Agreement text v1", **fields) -> SignedAgreement:
    """The agreement the buyer of `order` accepted, as checkout records it."""
    return SignedAgreement.objects.create(
        order=order,
        buyer=order.buyer,
        seller=order.seller,
        product=order.product,
        product_name=order.product_name,
        version_number=order.version_number,
        kind=fields.pop("kind", SignedAgreement.Kind.AGREEMENT),
        text=text,
        signed_at=fields.pop("signed_at", timezone.now()),
        **fields,
    )

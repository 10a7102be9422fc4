"""Shared helpers of the settlement tests."""

from __future__ import annotations

from django.forms.models import model_to_dict

from settlement.models import (
    Bill,
    BillLine,
    CarryOver,
    FeePolicy,
    PartnerBinding,
    PartnerShareBill,
    PartnerTerms,
)


def settlement_rows() -> dict:
    """Everything a billing run may write, but the runs' own records."""
    return {
        model.__name__: [model_to_dict(obj) for obj in model.objects.order_by("pk")]
        for model in (
            Bill,
            BillLine,
            CarryOver,
            PartnerShareBill,
            FeePolicy,
            PartnerTerms,
            PartnerBinding,
        )
    }


def line_keys() -> list[tuple]:
    """The lines as comparable tuples (no ids), sorted."""
    return sorted(
        BillLine.objects.values_list(
            "bill__seller_id",
            "bill__product_type",
            "bill__period",
            "order_id",
            "kind",
            "refunded_total",
            "gross",
            "fee",
            "partner_amount",
            "seller_net",
        )
    )

"""Bills written straight to the tables for the settlement pages' tests and the URL access
table's world (no billing run): `issued_bill(seller=..., orders=[...])` makes one issued
bill with one normal line per order (5% fee; the partner's 20% price share, 13%/6% VAT,
when `partner` is given) and its totals; `share_bill_for(partner, period)` the partner's
share bill of the period over its lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from settlement.models import Bill, BillLine, PartnerShareBill, PartnerTerms, SettlementRun

CENT = Decimal("0.01")
FEE = Decimal("0.050000")
SHARE = Decimal("0.200000")
OUTPUT_VAT = Decimal("0.130000")
SERVICE_VAT = Decimal("0.060000")


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def issued_bill(
    *,
    seller,
    orders,
    period: str = "2024-05",
    product_type: str = "saas",
    partner=None,
    invoice_required: bool = False,
    carried=(),
    without_partner=(),
) -> Bill:
    """`carried`: orders whose lines are carried over from an earlier month;
    `without_partner`: orders whose lines have no partner share."""
    run = SettlementRun.objects.create(
        period=period, seller=seller, status=SettlementRun.Status.FINISHED, source="test"
    )
    bill = Bill.objects.create(
        seller=seller,
        product_type=product_type,
        period=period,
        run=run,
        invoice_required=invoice_required,
    )
    for order in orders:
        gross = Decimal(order.amount)
        fee = _cent(gross * FEE)
        share = {}
        amount = Decimal("0.00")
        if partner is not None and order not in without_partner:
            amount = _cent(gross * SHARE / (1 + OUTPUT_VAT) * (1 + SERVICE_VAT))
            share = {
                "partner": partner,
                "partner_mode": PartnerTerms.Mode.PRICE_SHARE,
                "partner_units": 1,
                "partner_base": gross,
                "partner_ratio": SHARE,
                "output_vat_rate": OUTPUT_VAT,
                "service_fee_vat_rate": SERVICE_VAT,
            }
        BillLine.objects.create(
            bill=bill,
            order=order,
            kind=BillLine.Kind.NORMAL,
            policy_at=order.effective_at or order.paid_at,
            eligible_at=order.paid_at,
            carried_over=order in carried,
            gross=gross,
            fee_ratio=FEE,
            fee=fee,
            partner_amount=amount,
            seller_net=gross - fee - amount,
            **share,
        )
    totals = bill.lines.aggregate(
        n=Count("id"),
        gross_sum=Sum("gross"),
        fee_sum=Sum("fee"),
        share_sum=Sum("partner_amount"),
        carried_sum=Sum("gross", filter=Q(carried_over=True)),
    )
    Bill.objects.filter(pk=bill.pk).update(
        line_count=totals["n"],
        gross_total=totals["gross_sum"] or 0,
        carried_in_total=totals["carried_sum"] or 0,
        fee_total=totals["fee_sum"] or 0,
        partner_total=totals["share_sum"] or 0,
        net_total=(
            (totals["gross_sum"] or 0) - (totals["fee_sum"] or 0) - (totals["share_sum"] or 0)
        ),
        issued_at=timezone.now(),
    )
    bill.refresh_from_db()
    return bill


def share_bill_for(partner, period: str = "2024-05") -> PartnerShareBill:
    totals = BillLine.objects.filter(partner=partner, bill__period=period).aggregate(
        n=Count("id"), total=Sum("partner_amount")
    )
    share_bill = PartnerShareBill.objects.create(
        partner=partner, period=period, line_count=totals["n"], share_total=totals["total"] or 0
    )
    share_bill.refresh_from_db()  # the total as stored (SQLite's SUM has more places)
    return share_bill

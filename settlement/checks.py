"""`manage.py settlement_check`: re-derive every bill line from its order in Python
(`settlement.rules`, `settlement.amounts`) and every bill's totals from its lines, and
report what differs. Reads only; streams the lines in chunks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import islice

from django.db.models import Count, Q, Sum

from buyers.services.periods import period_bounds

from . import amounts
from .models import Bill, BillLine, FeePolicy, PartnerBinding, PartnerTerms
from .rules import binding_spans, eligible_since, partner_at, policy_time, version_at

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Mismatch:
    bill_id: int
    line_id: int | None
    field: str
    stored: object
    expected: object

    def __str__(self) -> str:
        where = f"bill {self.bill_id}" + (f" line {self.line_id}" if self.line_id else "")
        return f"{where}: {self.field} is {self.stored}, expected {self.expected}"


LINE_FIELDS = (
    "id",
    "bill_id",
    "kind",
    "order_id",
    "refund_of_id",
    "refunded_total",
    "policy_at",
    "eligible_at",
    "carried_over",
    "gross",
    "fee_policy_id",
    "fee_ratio",
    "fee",
    "partner_id",
    "partner_terms_id",
    "partner_mode",
    "partner_units",
    "partner_floor",
    "partner_base",
    "partner_ratio",
    "output_vat_rate",
    "service_fee_vat_rate",
    "partner_amount",
    "seller_net",
    "bill__period",
    "bill__seller_id",
    "bill__product_type",
)
ORDER_FIELDS = (
    "order__seller_id",
    "order__delivery_type",
    "order__buyer_id",
    "order__kind",
    "order__amount",
    "order__refunded_amount",
    "order__is_test",
    "order__paid_at",
    "order__effective_at",
    "order__repaid_at",
    "order__paid_credit",
    "order__quantity",
    "order__periods",
    "order__supervision_case__status",
    "order__supervision_case__completed_at",
)
NAMES = [f.replace("__", "_") for f in LINE_FIELDS + ORDER_FIELDS]


class _Versions:
    """Fee policies, partner terms and bindings, loaded once."""

    def __init__(self) -> None:
        self.policies: dict[str, list] = defaultdict(list)
        for p in FeePolicy.objects.order_by("effective_from"):
            self.policies[p.product_type].append(p)
        self.terms: dict[tuple[int, str], list] = defaultdict(list)
        for t in PartnerTerms.objects.order_by("effective_from"):
            self.terms[(t.partner_id, t.product_type)].append(t)
        by_buyer: dict[int, list] = defaultdict(list)
        for b in PartnerBinding.objects.order_by("valid_from", "id"):
            by_buyer[b.buyer_id].append(b)
        self.bindings = {buyer: binding_spans(rows) for buyer, rows in by_buyer.items()}

    def partner_at(self, buyer_id: int, at) -> int | None:
        return partner_at(self.bindings.get(buyer_id, ()), at)


_bounds = lru_cache(maxsize=64)(period_bounds)


def _expected_normal(row: dict, versions: _Versions) -> dict:
    start, end = _bounds(row["bill_period"])
    paid_at, effective_at = row["order_paid_at"], row["order_effective_at"]
    policy_at = policy_time(kind=row["order_kind"], paid_at=paid_at, effective_at=effective_at)
    eligible_at = eligible_since(
        paid_at=paid_at,
        effective_at=effective_at,
        repaid_at=row["order_repaid_at"],
        case_completed_at=row["order_supervision_case_completed_at"],
    )
    gross = amounts.money(row["order_amount"])
    policy = version_at(versions.policies.get(row["order_delivery_type"], ()), policy_at)
    fee_ratio = policy.ratio if policy else ZERO
    partner_id = versions.partner_at(row["order_buyer_id"], policy_at)
    terms = None
    if partner_id is not None:
        terms = version_at(
            versions.terms.get((partner_id, row["order_delivery_type"]), ()), policy_at
        )
    units = row["order_quantity"] * row["order_periods"]
    if terms is None:
        base = ZERO
    elif terms.mode == PartnerTerms.Mode.FLOOR_PRICE:
        base = amounts.floor_share_base(gross, terms.floor_price, units)
    else:
        base = gross
    fee = amounts.fee_amount(gross, fee_ratio)
    partner = (
        amounts.partner_amount(base, terms.ratio, terms.output_vat_rate, terms.service_fee_vat_rate)
        if terms
        else ZERO
    )
    return {
        "eligible": (
            not row["order_is_test"]
            and paid_at < end
            and effective_at < end
            and (row["order_paid_credit"] == 0 or (row["order_repaid_at"] or end) < end)
            and (
                row["order_supervision_case_status"] in (None, "completed")
                and (row["order_supervision_case_completed_at"] or paid_at) < end
            )
        ),
        "seller": row["order_seller_id"],
        "product_type": row["order_delivery_type"],
        "policy_at": policy_at,
        "eligible_at": eligible_at,
        "carried_over": eligible_at < start,
        "gross": gross,
        "fee_policy_id": policy.pk if policy else None,
        "fee_ratio": fee_ratio,
        "fee": fee,
        "partner_id": terms.partner_id if terms else None,
        "partner_terms_id": terms.pk if terms else None,
        "partner_mode": terms.mode if terms else "",
        "partner_units": units,
        "partner_floor": terms.floor_price if terms else None,
        "partner_base": base,
        "partner_ratio": terms.ratio if terms else ZERO,
        "output_vat_rate": terms.output_vat_rate if terms else ZERO,
        "service_fee_vat_rate": terms.service_fee_vat_rate if terms else ZERO,
        "partner_amount": partner,
        "seller_net": amounts.seller_net(gross, fee, partner),
    }


def _expected_refund(row: dict, original: dict, refunded_before: Decimal) -> dict:
    gross = -(amounts.money(row["refunded_total"]) - refunded_before)
    base = (
        amounts.refund_share_base(gross, original["partner_base"], original["gross"])
        if original["partner_id"] is not None
        else ZERO
    )
    fee = amounts.fee_amount(gross, original["fee_ratio"])
    partner = (
        amounts.partner_amount(
            base,
            original["partner_ratio"],
            original["output_vat_rate"],
            original["service_fee_vat_rate"],
        )
        if original["partner_id"] is not None
        else ZERO
    )
    expected = {
        "seller": row["order_seller_id"],
        "product_type": row["order_delivery_type"],
        "eligible": row["refunded_total"] <= row["order_refunded_amount"],
        "refund_of_id": original["id"],
        "policy_at": original["policy_at"],
        "gross": gross,
        "fee": fee,
        "partner_base": base,
        "partner_amount": partner,
        "seller_net": amounts.seller_net(gross, fee, partner),
    }
    for name in (
        "fee_policy_id",
        "fee_ratio",
        "partner_id",
        "partner_terms_id",
        "partner_mode",
        "partner_units",
        "partner_floor",
        "partner_ratio",
        "output_vat_rate",
        "service_fee_vat_rate",
    ):
        expected[name] = original[name]
    return expected


def _compare(row: dict, expected: dict) -> Iterator[Mismatch]:
    if expected.pop("seller") != row["bill_seller_id"]:
        yield Mismatch(
            row["bill_id"], row["id"], "seller", row["bill_seller_id"], row["order_seller_id"]
        )
    if expected.pop("product_type") != row["bill_product_type"]:
        yield Mismatch(
            row["bill_id"],
            row["id"],
            "product_type",
            row["bill_product_type"],
            row["order_delivery_type"],
        )
    if not expected.pop("eligible"):
        yield Mismatch(row["bill_id"], row["id"], "eligibility", "billed", "not eligible")
    for name, value in expected.items():
        if row[name] != value:
            yield Mismatch(row["bill_id"], row["id"], name, row[name], value)


def _refund_mismatches(chunk: list[tuple]) -> Iterator[Mismatch]:
    """The mismatches of a chunk of refund lines (`LINE_FIELDS` + `ORDER_FIELDS` values)."""
    order_ids = {values[LINE_FIELDS.index("order_id")] for values in chunk}
    originals = {
        values[LINE_FIELDS.index("order_id")]: dict(zip(LINE_FIELDS, values, strict=True))
        for values in BillLine.objects.filter(
            kind=BillLine.Kind.NORMAL, order_id__in=order_ids
        ).values_list(*LINE_FIELDS)
    }
    # Every refund line of these orders, of any period, counts as "refunded before" the
    # lines after it.
    earlier: dict[int, list[Decimal]] = defaultdict(list)
    for order_id, total in BillLine.objects.filter(
        kind=BillLine.Kind.REFUND, order_id__in=order_ids
    ).values_list("order_id", "refunded_total"):
        earlier[order_id].append(total)
    for values in chunk:
        row = dict(zip(NAMES, values, strict=True))
        original = originals.get(row["order_id"])
        if original is None:
            yield Mismatch(
                row["bill_id"], row["id"], "refund_of", row["refund_of_id"], "a normal line"
            )
            continue
        totals = earlier[row["order_id"]]
        before = max((t for t in totals if t < row["refunded_total"]), default=ZERO)
        yield from _compare(row, _expected_refund(row, original, before))


def bill_line_mismatches(*, period: str = "", chunk_size: int = 5000) -> Iterator[Mismatch]:
    """Every difference between the stored lines and bills (of `period`, or all) and
    what the rules derive from the orders."""
    versions = _Versions()
    lines = BillLine.objects.all()
    bills = Bill.objects.all()
    if period:
        lines, bills = lines.filter(bill__period=period), bills.filter(period=period)
    # Normal lines, streamed.
    normal = lines.filter(kind=BillLine.Kind.NORMAL).order_by("id")
    for values in normal.values_list(*LINE_FIELDS, *ORDER_FIELDS).iterator(chunk_size=chunk_size):
        row = dict(zip(NAMES, values, strict=True))
        yield from _compare(row, _expected_normal(row, versions))
    # Refund lines, each against its order's normal line and earlier refunds: streamed
    # too, in chunks whose orders' normal lines and refund totals are read per chunk (a
    # list of every refund line took 100 MB at 25k lines, bench/settlement.py).
    refunds = (
        lines.filter(kind=BillLine.Kind.REFUND)
        .order_by("order_id", "refunded_total")
        .values_list(*LINE_FIELDS, *ORDER_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(refunds, chunk_size)):
        yield from _refund_mismatches(chunk)
    # Bills: totals are the sums of their lines.
    sums = (
        BillLine.objects.filter(bill__in=bills)
        .values("bill_id")
        .annotate(
            n=Count("id"),
            sum_gross=Sum("gross"),
            sum_refunds=Sum("gross", filter=Q(kind=BillLine.Kind.REFUND)),
            sum_carried=Sum("gross", filter=Q(carried_over=True)),
            sum_fee=Sum("fee"),
            sum_partner=Sum("partner_amount"),
            sum_net=Sum("seller_net"),
        )
    )
    by_bill = {row["bill_id"]: row for row in sums}
    for bill in bills.order_by("id").iterator(chunk_size=chunk_size):
        s = by_bill.get(bill.pk, {})
        expected = {
            "line_count": s.get("n", 0),
            "gross_total": amounts.money(s.get("sum_gross") or 0),
            "refund_total": amounts.money(s.get("sum_refunds") or 0),
            "carried_in_total": amounts.money(s.get("sum_carried") or 0),
            "fee_total": amounts.money(s.get("sum_fee") or 0),
            "partner_total": amounts.money(s.get("sum_partner") or 0),
            "net_total": amounts.money(s.get("sum_net") or 0),
        }
        for name, value in expected.items():
            if getattr(bill, name) != value:
                yield Mismatch(bill.pk, None, name, getattr(bill, name), value)

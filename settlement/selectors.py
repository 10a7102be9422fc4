"""Settlement reads for the seller center, the partner center, the admin and the bench.
Each is scoped by its owner in the query and selects the related rows its page shows,
so a page costs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from marketplace.catalog.models import DeliveryType, Product
from orders.models import Order
from sellers.models import Seller

from .models import (
    AccelerationTier,
    Bill,
    BillLine,
    CarryOver,
    FeePolicy,
    Partner,
    PartnerShareBill,
    PaymentRequest,
    SettlementRun,
)

ZERO = Decimal("0.00")


# --- bills and lines ----------------------------------------------------------------------


def bill_list(
    *, seller: Seller, period: str = "", status: str = "", product_type: str = ""
) -> QuerySet[Bill]:
    """The seller's bills, newest period first (seller center › settlement)."""
    bills = Bill.objects.filter(seller=seller)
    if period:
        bills = bills.filter(period=period)
    if status:
        bills = bills.filter(status=status)
    if product_type:
        bills = bills.filter(product_type=product_type)
    return bills.order_by("-period", "product_type", "id")


def bill_for_seller(*, seller: Seller, bill_id: int) -> Bill:
    """One of the seller's bills; Http404 for anyone else's (no existence leak)."""
    bill = Bill.objects.filter(seller=seller, pk=bill_id).select_related("seller").first()
    if bill is None:
        raise Http404
    return bill


@dataclass(frozen=True)
class LineFilters:
    kind: str = ""  # "normal" / "refund"
    carried: bool | None = None  # only lines carried over from earlier months (or not)
    with_partner: bool | None = None
    order_number: str = ""


def bill_lines(*, bill: Bill, filters: LineFilters | None = None) -> QuerySet[BillLine]:
    """The lines of `bill` in insertion order (the (bill, id) index: a 100k-line bill
    streams with `.iterator()`), with the order, policy and partner of each."""
    f = filters or LineFilters()
    lines = BillLine.objects.filter(bill=bill)
    if f.kind:
        lines = lines.filter(kind=f.kind)
    if f.carried is not None:
        lines = lines.filter(carried_over=f.carried)
    if f.with_partner is not None:
        lines = lines.filter(partner__isnull=not f.with_partner)
    if f.order_number:
        lines = lines.filter(order__number=f.order_number.strip())
    return lines.select_related("order", "fee_policy", "partner").order_by("id")


def line_for_seller(*, seller: Seller, line_id: int) -> BillLine:
    """One line of one of the seller's bills (the explain view); Http404 otherwise."""
    line = (
        BillLine.objects.filter(pk=line_id, bill__seller=seller)
        .select_related("bill", "order", "fee_policy", "partner", "refund_of")
        .first()
    )
    if line is None:
        raise Http404
    return line


def carry_overs_for_seller(*, seller: Seller) -> QuerySet[CarryOver]:
    return CarryOver.objects.filter(seller=seller).order_by("-period", "product_type")


def bill_of_order(*, order: Order) -> Bill | None:
    """The bill that billed `order` (its normal line), if any."""
    line = (
        BillLine.objects.filter(order=order, kind=BillLine.Kind.NORMAL)
        .select_related("bill")
        .first()
    )
    return line.bill if line else None


# --- fee policies ---------------------------------------------------------------------------


def fee_policy_in_force(*, product_type: str, at: dt.datetime | None = None) -> FeePolicy | None:
    """The version of `product_type` in force at `at` (now), or None."""
    return (
        FeePolicy.objects.filter(
            product_type=product_type, effective_from__lte=at or timezone.now()
        )
        .order_by("-effective_from")
        .first()
    )


def fee_policy_history(*, product_type: str) -> list[FeePolicy]:
    """Every version of `product_type`, newest first (future ones included)."""
    return list(FeePolicy.objects.filter(product_type=product_type).order_by("-effective_from"))


@dataclass
class FeeRatioRow:
    product_type: str
    label: str
    current: FeePolicy | None
    upcoming: list[FeePolicy] = field(default_factory=list)
    history: list[FeePolicy] = field(default_factory=list)  # in force before, newest first


def seller_fee_ratios(*, seller: Seller, at: dt.datetime | None = None) -> list[FeeRatioRow]:
    """For each product type the seller sells: the ratio in force, the versions to come
    and the earlier ones (seller center › fee ratios; seed "如何查看运营管理费比例").
    Two queries whatever the number of versions."""
    at = at or timezone.now()
    types = sorted(
        set(Product.objects.filter(seller=seller).values_list("delivery_type", flat=True))
    )
    labels = dict(DeliveryType.choices)
    versions: dict[str, list[FeePolicy]] = {t: [] for t in types}
    for policy in FeePolicy.objects.filter(product_type__in=types).order_by("-effective_from"):
        versions[policy.product_type].append(policy)
    rows = []
    for product_type in types:
        upcoming = [p for p in versions[product_type] if p.effective_from > at]
        past = [p for p in versions[product_type] if p.effective_from <= at]
        rows.append(
            FeeRatioRow(
                product_type=product_type,
                label=str(labels.get(product_type, product_type)),
                current=past[0] if past else None,
                upcoming=list(reversed(upcoming)),
                history=past[1:],
            )
        )
    return rows


# --- acceleration plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class Acceleration:
    gmv: Decimal
    tier: AccelerationTier | None
    next_tier: AccelerationTier | None
    to_next: Decimal | None  # yuan still needed for the next tier


def private_offer_gmv(
    *, seller: Seller, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Decimal:
    """Private-offer transaction GMV: paid amounts less refunds of the seller's orders
    placed with a private offer (test and fully refunded orders excluded)."""
    orders = Order.objects.filter(
        seller=seller,
        private_offer__isnull=False,
        is_test=False,
        payment_status__in=[
            Order.PaymentStatus.PAID,
            Order.PaymentStatus.PAID_ON_CREDIT,
            Order.PaymentStatus.REPAID,
        ],
    )
    if since is not None:
        orders = orders.filter(paid_at__gte=since)
    if until is not None:
        orders = orders.filter(paid_at__lt=until)
    total = orders.aggregate(gmv=Sum(F("amount") - F("refunded_amount")))["gmv"]
    return Decimal(total or ZERO).quantize(Decimal("0.01"))


def seller_acceleration(*, seller: Seller) -> Acceleration:
    """The seller's acceleration tier (issue 12 §8): the highest tier whose threshold the
    private-offer GMV reaches, the next one and the distance to it. Two queries."""
    gmv = private_offer_gmv(seller=seller)
    tiers = list(AccelerationTier.objects.order_by("gmv_threshold"))
    reached = [t for t in tiers if gmv >= t.gmv_threshold]
    ahead = [t for t in tiers if gmv < t.gmv_threshold]
    next_tier = ahead[0] if ahead else None
    return Acceleration(
        gmv=gmv,
        tier=reached[-1] if reached else None,
        next_tier=next_tier,
        to_next=(next_tier.gmv_threshold - gmv) if next_tier else None,
    )


# --- partners, payment requests, runs ------------------------------------------------------


def partner_for_user(user) -> Partner | None:
    if user is None or not user.is_authenticated:
        return None
    return Partner.objects.filter(user=user, is_active=True).first()


def partner_share_bills(*, partner: Partner) -> QuerySet[PartnerShareBill]:
    return PartnerShareBill.objects.filter(partner=partner).order_by("-period")


def partner_share_lines(*, share_bill: PartnerShareBill) -> QuerySet[BillLine]:
    """The lines that make up a partner's share bill (the partial (partner, bill) index)."""
    return (
        BillLine.objects.filter(partner_id=share_bill.partner_id, bill__period=share_bill.period)
        .select_related("order", "bill", "bill__seller")
        .order_by("bill_id", "id")
    )


def payment_requests_waiting() -> QuerySet[PaymentRequest]:
    """The operators' queue: requests waiting for a decision, oldest first."""
    return (
        PaymentRequest.objects.filter(status=PaymentRequest.Status.REQUESTED)
        .select_related("bill", "bill__seller", "requested_by")
        .order_by("requested_at", "id")
    )


def settlement_runs(*, period: str = "") -> QuerySet[SettlementRun]:
    runs = SettlementRun.objects.select_related("seller", "actor")
    if period:
        runs = runs.filter(period=period)
    return runs.order_by("-started_at", "-id")


def period_finished(*, period: str) -> bool:
    """Whether a run over all sellers of `period` finished (the beat job's catch-up)."""
    return SettlementRun.objects.filter(
        period=period, seller__isnull=True, status=SettlementRun.Status.FINISHED
    ).exists()

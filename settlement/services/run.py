"""The monthly billing run 出账 (06 › Monthly billing run; issue 12 §3).

`settlement_run(period=...)` bills the orders eligible as of the end of `period` (a
finished Beijing month) for every seller, or one. Sellers are processed in batches
(ordered by id); each batch is one transaction under the run lock (`run_sql`), so a
crash or a kill loses at most the batch in progress, which the next run of the period
redoes. What makes a rerun create nothing and change nothing:
- a (seller, product type) group already decided for the period (a `Bill` or a
  `CarryOver` exists) is skipped: its bill is final, later refunds go to a later bill;
- an order has at most one normal line and one refund line per refunded amount (unique
  constraints): the candidates leave out what has a line, and an insert that would
  duplicate one fails the batch, which rolls back — no run can bill an order twice;
- eligibility is judged as of the end of the period, not "now".
Two runs at once (two workers): their batches take turns on the lock and the second sees
the first's bills. Partner share bills are made at the end of a run over all sellers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.services.periods import period_bounds, valid_period
from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import check_operator_permission
from sellers.models import Seller

from ..exceptions import SettlementRunInterrupted
from ..models import Bill, BillLine, CarryOver, PartnerShareBill, SettlementRun
from ..rules import INVOICE_REQUIRED_TYPES, MIN_BILLABLE
from .run_sql import BillingSql

logger = logging.getLogger(__name__)

# Sellers per batch (one transaction): large enough that 2,000 sellers are ~10
# statements sets, small enough that a crash redoes little.
BATCH_SELLERS = 200


def settlement_check_period(period: str):
    """[start, end) of `period` if it may be billed now; DomainError otherwise."""
    if not isinstance(period, str) or not valid_period(period):
        raise DomainError(_("Enter the period as YYYY-MM, e.g. 2026-11."))
    start, end = period_bounds(period)
    if end > timezone.now():
        raise DomainError(
            _("The period %(period)s has not ended yet: a month is billed after it ends.")
            % {"period": period}
        )
    return start, end


def settlement_run(
    *,
    period: str,
    seller: Seller | None = None,
    fail_after: int | None = None,
    actor=None,
    source: str = "",
    batch_size: int = BATCH_SELLERS,
) -> SettlementRun:
    """Bill `period` ("YYYY-MM", a finished Beijing month) for every seller, or only
    `seller`; return the run's record. Idempotent per seller, product type and period.

    - `actor`: an operator (admin re-run) must hold `settlement.run_settlement`; None
      for the beat job and the management command.
    - `fail_after=N`: fault injection — raise `SettlementRunInterrupted` once N sellers'
      batches are committed (the run's row says "failed"); a later run completes.
    Refuses (DomainError, nothing written) a malformed, current or future period.
    """
    if actor is not None:
        check_operator_permission(
            actor, "settlement.run_settlement", _("You may not start billing runs.")
        )
    start, end = settlement_check_period(period)
    run = SettlementRun.objects.create(
        period=period, seller=seller, source=source, actor=actor, started_at=timezone.now()
    )
    try:
        seller_ids = (
            [seller.pk]
            if seller is not None
            else list(Seller.objects.order_by("pk").values_list("pk", flat=True))
        )
        done = 0
        for batch in _batches(seller_ids, batch_size, fail_after):
            if fail_after is not None and done >= fail_after:
                raise SettlementRunInterrupted(f"injected failure after {done} sellers")
            _bill_batch(run, batch, period=period, start=start, end=end)
            done += len(batch)
        if seller is None:
            _partner_share_bills(run, period=period)
    except BaseException as exc:
        _finish(run, error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(run)
    return run


def _batches(ids: Sequence[int], size: int, fail_after: int | None) -> Iterator[list[int]]:
    """Chunks of `size` ids; with `fail_after`, one chunk ends exactly there."""
    i = 0
    while i < len(ids):
        step = size
        if fail_after is not None and i < fail_after:
            step = min(size, fail_after - i)
        yield list(ids[i : i + step])
        i += step


def _finish(run: SettlementRun, *, error: str = "") -> None:
    now = timezone.now()
    SettlementRun.objects.filter(pk=run.pk).update(
        status=SettlementRun.Status.FAILED if error else SettlementRun.Status.FINISHED,
        error=error[:2000],
        finished_at=now,
        duration=now - run.started_at,
    )
    run.refresh_from_db()
    logger.info(
        "settlement run %s %s: %s bills, %s lines, %s carry-overs",
        run.pk,
        run.status,
        run.bills_created,
        run.lines_created,
        run.carry_overs_created,
    )


@transaction.atomic
def _bill_batch(run: SettlementRun, seller_ids: list[int], *, period: str, start, end) -> None:
    """Bill one batch of sellers: all of it commits, or none of it."""
    sql = BillingSql(connection)
    with connection.cursor() as cursor:
        sql.lock(cursor)
        sql.create_candidates(cursor, seller_ids, end)
        groups = sql.group_totals(cursor)
        # Decided after the lock: a concurrent run's bills of this batch are visible.
        decided = set(
            Bill.objects.filter(seller_id__in=seller_ids, period=period).values_list(
                "seller_id", "product_type"
            )
        ) | set(
            CarryOver.objects.filter(seller_id__in=seller_ids, period=period).values_list(
                "seller_id", "product_type"
            )
        )
        now = timezone.now()
        bills, carry_overs = [], []
        for seller_id, product_type, total, count in groups:
            if (seller_id, product_type) in decided:
                continue  # final for this period; what is new waits for the next one
            if total >= MIN_BILLABLE:
                bills.append(
                    Bill(
                        seller_id=seller_id,
                        product_type=product_type,
                        period=period,
                        run=run,
                        invoice_required=product_type in INVOICE_REQUIRED_TYPES,
                        issued_at=now,
                    )
                )
            else:
                carry_overs.append(
                    CarryOver(
                        seller_id=seller_id,
                        product_type=product_type,
                        period=period,
                        amount=total,
                        line_count=count,
                        run=run,
                        created_at=now,
                    )
                )
        normal = refunds = 0
        if bills:
            Bill.objects.bulk_create(bills)
            made = [(bill.seller_id, bill.product_type, bill.pk) for bill in bills]
            normal = sql.insert_normal_lines(cursor, made, start=start)
            refunds = sql.insert_refund_lines(cursor, made)
            sql.update_totals(cursor, [bill.pk for bill in bills])
        if carry_overs:
            CarryOver.objects.bulk_create(carry_overs)
        sql.drop_candidates(cursor)
    SettlementRun.objects.filter(pk=run.pk).update(
        sellers_done=F("sellers_done") + len(seller_ids),
        bills_created=F("bills_created") + len(bills),
        lines_created=F("lines_created") + normal + refunds,
        refund_lines_created=F("refund_lines_created") + refunds,
        carry_overs_created=F("carry_overs_created") + len(carry_overs),
    )


@transaction.atomic
def _partner_share_bills(run: SettlementRun, *, period: str) -> None:
    """One share bill per partner with lines on `period`'s bills (unique per partner and
    period: a rerun makes none)."""
    with connection.cursor() as cursor:
        BillingSql(connection).lock(cursor)
    existing = set(
        PartnerShareBill.objects.filter(period=period).values_list("partner_id", flat=True)
    )
    rows = (
        BillLine.objects.filter(bill__period=period, partner__isnull=False)
        .values("partner_id")
        .annotate(total=Sum("partner_amount"), n=Count("id"))
        .order_by("partner_id")
    )
    new = [
        PartnerShareBill(
            partner_id=row["partner_id"],
            period=period,
            line_count=row["n"],
            share_total=row["total"],
        )
        for row in rows
        if row["partner_id"] not in existing
    ]
    PartnerShareBill.objects.bulk_create(new, ignore_conflicts=True)
    SettlementRun.objects.filter(pk=run.pk).update(share_bills_created=len(new))

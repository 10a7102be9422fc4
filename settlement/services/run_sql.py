"""The billing run's SQL: set-based `INSERT … SELECT` over the orders of a batch of
sellers, no Python loop per order (issue 12 › Speed). Used by `services.run` only.

One batch (one transaction, under the run lock):
1. `candidates`: a temporary table of the batch's unbilled eligible orders (rules 1–3 of
   `settlement.rules`, as of the end of the period) and of refunds not yet billed;
2. group totals per (seller, product type) → the caller decides bill or carry-over
   (rule 4) and inserts the bills;
3. `insert_normal_lines` / `insert_refund_lines` into those bills, choosing the fee
   policy, the partner binding and the terms version at the order's policy time;
4. `update_totals`: the bills' totals are the sums of their lines.

The money formulas are those of `settlement.amounts`: on PostgreSQL as `numeric`
expressions (products exact, the one division cast to 20 decimals, `round(x, 2)` rounds
ties away from zero like ROUND_HALF_UP); on SQLite, which has no decimal type, the very
Python functions are registered as SQL functions. Identifiers are Django's default
table and column names; values are always parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.backends.base.base import BaseDatabaseWrapper

from settlement import amounts

# Versions as spans [effective_from, until): a version is in force until the next one of
# its kind (window functions; a hash join on the kind, then the time range).
FEE_POLICY_SPANS = (
    "(SELECT fp.id, fp.product_type, fp.ratio, fp.effective_from, LEAD(fp.effective_from)"
    " OVER (PARTITION BY fp.product_type ORDER BY fp.effective_from) AS until"
    " FROM settlement_feepolicy fp)"
)
TERMS_SPANS = (
    "(SELECT pt.id, pt.partner_id, pt.product_type, pt.mode, pt.ratio, pt.floor_price,"
    " pt.output_vat_rate, pt.service_fee_vat_rate, pt.effective_from, LEAD(pt.effective_from)"
    " OVER (PARTITION BY pt.partner_id, pt.product_type ORDER BY pt.effective_from) AS until"
    " FROM settlement_partnerterms pt)"
)
# A binding lasts until its `valid_to` or until the buyer's next binding starts, whichever
# comes first (`settlement.rules.binding_spans`): at most one partner per order.
BINDING_SPANS = (
    "(SELECT s.buyer_id, s.partner_id, s.valid_from, CASE WHEN s.valid_to IS NULL THEN s.next_from"
    " WHEN s.next_from IS NULL THEN s.valid_to WHEN s.valid_to < s.next_from THEN s.valid_to"
    " ELSE s.next_from END AS until"
    " FROM (SELECT pb.buyer_id, pb.partner_id, pb.valid_from, pb.valid_to, LEAD(pb.valid_from)"
    " OVER (PARTITION BY pb.buyer_id ORDER BY pb.valid_from, pb.id) AS next_from"
    " FROM settlement_partnerbinding pb) s)"
)

# pg_advisory_xact_lock key of the billing run: batches of concurrent runs (any period,
# any seller) take turns, and each sees what the previous one committed.
RUN_LOCK_KEY = 0x5E771E


def _sqlite_function(func):
    """A SQLite function from an `amounts` function: NULL in, NULL out; text out (the
    column's numeric affinity stores it)."""

    def call(*args):
        if any(arg is None for arg in args):
            return None
        return str(func(*args))

    return call


SQLITE_FUNCTIONS = {
    "settle_fee": (2, amounts.fee_amount),
    "settle_floor_base": (3, amounts.floor_share_base),
    "settle_partner": (4, amounts.partner_amount),
    "settle_refund_base": (3, amounts.refund_share_base),
    "settle_net": (3, amounts.seller_net),
    "settle_sub": (2, amounts.money_sub),
}


class BillingSql:
    """The statements of one batch, in the connection's dialect."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        if not self.postgres:
            connection.ensure_connection()
            for name, (nargs, func) in SQLITE_FUNCTIONS.items():
                connection.connection.create_function(
                    name, nargs, _sqlite_function(func), deterministic=True
                )

    # --- dialect pieces (each mirrors one function of settlement.amounts) --------------

    def _fee(self, gross: str, ratio: str) -> str:
        if self.postgres:
            return f"ROUND({gross} * {ratio}, 2)"
        return f"settle_fee({gross}, {ratio})"

    def _floor_base(self, gross: str, floor: str, units: str) -> str:
        if self.postgres:
            return f"GREATEST({gross} - {floor} * {units}, 0)"
        return f"settle_floor_base({gross}, {floor}, {units})"

    def _partner(self, base: str, ratio: str, output_vat: str, service_vat: str) -> str:
        if self.postgres:
            return (
                f"ROUND(CAST({base} * {ratio} * (1 + {service_vat}) AS NUMERIC(40, 20))"
                f" / (1 + {output_vat}), 2)"
            )
        return f"settle_partner({base}, {ratio}, {output_vat}, {service_vat})"

    def _refund_base(self, gross: str, original_base: str, original_gross: str) -> str:
        if self.postgres:
            return (
                f"CASE WHEN {original_gross} = 0 THEN 0 ELSE -ROUND(CAST(-({gross}) * "
                f"{original_base} AS NUMERIC(40, 20)) / {original_gross}, 2) END"
            )
        return f"settle_refund_base({gross}, {original_base}, {original_gross})"

    def _net(self, gross: str, fee: str, partner: str) -> str:
        if self.postgres:
            return f"({gross} - {fee} - {partner})"
        return f"settle_net({gross}, {fee}, {partner})"

    def _sub(self, a: str, b: str) -> str:
        return f"({a} - {b})" if self.postgres else f"settle_sub({a}, {b})"

    def _greatest(self, *args: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(args)})"

    def _ts(self) -> str:
        return "TIMESTAMP WITH TIME ZONE" if self.postgres else "DATETIME"

    def _dt(self, value):
        return self.connection.ops.adapt_datetimefield_value(value)

    @staticmethod
    def _in(ids: Sequence[int]) -> str:
        return ", ".join(["%s"] * len(ids))

    @staticmethod
    def _bills_table(bills: Sequence[tuple[int, str, int]]) -> tuple[str, list]:
        """The batch's new bills as an inline table (seller_id, product_type, bill_id):
        its row count is known to the planner (a hash join with the candidates), where a
        join to `settlement_bill` would be planned on stale statistics."""
        rows = ", ".join(["(%s, %s, %s)"] * len(bills))
        sql = (
            "(SELECT v.column1 AS seller_id, v.column2 AS product_type, v.column3 AS bill_id"  # noqa: S608
            f" FROM (VALUES {rows}) v)"
        )
        return sql, [value for bill in bills for value in bill]

    # --- the statements ------------------------------------------------------------------

    def lock(self, cursor) -> None:
        """Serialise batches of concurrent runs (SQLite: its write lock, taken by the
        IMMEDIATE transaction, already does). Also the batch's settings: no JIT — the
        statements' estimated costs pass `jit_above_cost` once the tables are large, and
        compiling them took ~1 s each, more than running them (bench/settlement.py)."""
        if self.postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")

    def create_candidates(self, cursor, seller_ids: Sequence[int], end) -> None:
        """Fill the temporary table `settlement_candidates` for the batch."""
        on_commit = " ON COMMIT DROP" if self.postgres else ""
        cursor.execute(
            "CREATE TEMPORARY TABLE settlement_candidates ("
            " order_id BIGINT NOT NULL, seller_id BIGINT NOT NULL,"
            " product_type VARCHAR(20) NOT NULL, buyer_id BIGINT NOT NULL,"
            " kind VARCHAR(10) NOT NULL, gross NUMERIC(14, 2) NOT NULL,"
            f" refunded_total NUMERIC(14, 2) NOT NULL, policy_at {self._ts()},"
            f" eligible_at {self._ts()}, units INTEGER NOT NULL){on_commit}"
        )
        end = self._dt(end)
        # Rules 1-3 (settlement.rules), as of the end of the period; not yet billed.
        cursor.execute(
            "INSERT INTO settlement_candidates (order_id, seller_id, product_type, buyer_id,"  # noqa: S608
            " kind, gross, refunded_total, policy_at, eligible_at, units)"
            " SELECT o.id, o.seller_id, o.delivery_type, o.buyer_id, 'normal', o.amount, 0,"
            # rules.policy_time
            " CASE WHEN o.kind = 'renewal' AND o.paid_at < o.effective_at"
            " THEN o.paid_at ELSE o.effective_at END,"
            # rules.eligible_since
            f" {self._greatest('o.paid_at', 'o.effective_at', 'COALESCE(o.repaid_at, o.paid_at)', 'COALESCE(c.completed_at, o.paid_at)')},"  # noqa: E501
            " o.quantity * o.periods"
            " FROM orders_order o LEFT JOIN supervision_case c ON c.order_id = o.id"
            f" WHERE o.seller_id IN ({self._in(seller_ids)})"
            " AND NOT o.is_test AND o.amount > 0"
            " AND o.paid_at < %s AND o.effective_at < %s"
            " AND ((o.payment_status = 'paid' AND o.paid_credit = 0)"
            "  OR (o.payment_status = 'repaid' AND o.repaid_at < %s))"
            " AND (c.id IS NULL"
            "  OR (c.status = 'completed' AND COALESCE(c.completed_at, o.paid_at) < %s))"
            # Not billed yet: a probe of the unique (order) index of normal lines per
            # order. A scalar subquery, not NOT EXISTS, which the planner turns into a
            # hash anti join over *every* normal line ever billed, a cost growing with
            # history (0.7 s a batch at 650k lines) where the probes cost the batch's.
            " AND (SELECT l.id FROM settlement_billline l"
            "  WHERE l.order_id = o.id AND l.kind = 'normal') IS NULL",
            [*seller_ids, end, end, end, end],
        )
        # Refunds not yet on a line, of orders billed before or in this batch.
        cursor.execute(
            "INSERT INTO settlement_candidates (order_id, seller_id, product_type, buyer_id,"  # noqa: S608
            " kind, gross, refunded_total, policy_at, eligible_at, units)"
            f" SELECT x.id, x.seller_id, x.delivery_type, x.buyer_id, 'refund',"
            f" {self._sub('x.seen', 'x.refunded_amount')}, x.refunded_amount, NULL, NULL, 0"
            " FROM (SELECT o.id, o.seller_id, o.delivery_type, o.buyer_id, o.refunded_amount,"
            "  COALESCE((SELECT MAX(r.refunded_total) FROM settlement_billline r"
            "   WHERE r.order_id = o.id AND r.kind = 'refund'), 0) AS seen"
            "  FROM orders_order o"
            f"  WHERE o.seller_id IN ({self._in(seller_ids)})"
            "  AND NOT o.is_test AND o.refunded_amount > 0"
            # A probe per refunded order, as above (an EXISTS here is hashed over all
            # normal lines).
            "  AND ((SELECT n.id FROM settlement_billline n"
            "    WHERE n.order_id = o.id AND n.kind = 'normal') IS NOT NULL"
            "   OR o.id IN (SELECT k.order_id FROM settlement_candidates k))) x"
            " WHERE x.refunded_amount > x.seen",
            [*seller_ids],
        )
        if self.postgres:
            cursor.execute("ANALYZE settlement_candidates")

    def group_totals(self, cursor) -> list[tuple[int, str, Decimal, int]]:
        """[(seller id, product type, accumulated amount, candidates)] of the batch."""
        cursor.execute(
            "SELECT seller_id, product_type, SUM(gross), COUNT(*) FROM settlement_candidates"
            " GROUP BY seller_id, product_type ORDER BY seller_id, product_type"
        )
        return [(s, t, amounts.money(total), n) for s, t, total, n in cursor.fetchall()]

    def insert_normal_lines(self, cursor, bills: Sequence[tuple[int, str, int]], *, start) -> int:
        """One normal line per candidate order of `bills` ((seller id, product type, bill
        id) of the batch's new bills); the number inserted."""
        bills_sql, bills_params = self._bills_table(bills)
        partner_amount = self._partner(
            "y.partner_base", "y.partner_ratio", "y.output_vat_rate", "y.service_fee_vat_rate"
        )
        cursor.execute(
            "INSERT INTO settlement_billline (bill_id, order_id, kind, refund_of_id,"  # noqa: S608
            " refunded_total, policy_at, eligible_at, carried_over, gross, fee_policy_id,"
            " fee_ratio, fee, partner_id, partner_terms_id, partner_mode, partner_units,"
            " partner_floor, partner_base, partner_ratio, output_vat_rate,"
            " service_fee_vat_rate, partner_amount, seller_net)"
            " SELECT z.bill_id, z.order_id, 'normal', NULL, 0, z.policy_at, z.eligible_at,"
            " z.eligible_at < %s, z.gross, z.fee_policy_id, z.fee_ratio, z.fee, z.partner_id,"
            " z.partner_terms_id, z.partner_mode, z.units, z.floor_price, z.partner_base,"
            " z.partner_ratio, z.output_vat_rate, z.service_fee_vat_rate, z.partner_amount,"
            f" {self._net('z.gross', 'z.fee', 'z.partner_amount')}"
            f" FROM (SELECT y.*, {partner_amount} AS partner_amount FROM ("
            "  SELECT b.bill_id, x.order_id, x.policy_at, x.eligible_at, x.gross, x.units,"
            "  p.id AS fee_policy_id, COALESCE(p.ratio, 0) AS fee_ratio,"
            f"  {self._fee('x.gross', 'COALESCE(p.ratio, 0)')} AS fee,"
            "  t.partner_id, t.id AS partner_terms_id, COALESCE(t.mode, '') AS partner_mode,"
            "  t.floor_price,"
            "  CASE WHEN t.mode = 'floor_price'"
            f"   THEN {self._floor_base('x.gross', 't.floor_price', 'x.units')}"
            "   WHEN t.mode = 'price_share' THEN x.gross ELSE 0 END AS partner_base,"
            "  COALESCE(t.ratio, 0) AS partner_ratio,"
            "  COALESCE(t.output_vat_rate, 0) AS output_vat_rate,"
            "  COALESCE(t.service_fee_vat_rate, 0) AS service_fee_vat_rate"
            f"  FROM settlement_candidates x JOIN {bills_sql} b"
            "  ON b.seller_id = x.seller_id AND b.product_type = x.product_type"
            # The fee policy version in force at the policy time.
            f"  LEFT JOIN {FEE_POLICY_SPANS} p ON p.product_type = x.product_type"
            "  AND p.effective_from <= x.policy_at AND (p.until IS NULL OR x.policy_at < p.until)"
            # The buyer's partner binding at the policy time.
            f"  LEFT JOIN {BINDING_SPANS} pb ON pb.buyer_id = x.buyer_id"
            "  AND pb.valid_from <= x.policy_at AND (pb.until IS NULL OR x.policy_at < pb.until)"
            # That partner's terms version for the product type at the policy time.
            f"  LEFT JOIN {TERMS_SPANS} t ON t.partner_id = pb.partner_id"
            "  AND t.product_type = x.product_type"
            "  AND t.effective_from <= x.policy_at AND (t.until IS NULL OR x.policy_at < t.until)"
            "  WHERE x.kind = 'normal'"
            # In order id order: the unique (order) index and the foreign-key checks at
            # commit (one lookup per line and key) then walk the orders table in its own
            # order; ~15 % less server CPU for those checks in bench/settlement.py.
            " ) y) z ORDER BY z.order_id",
            [self._dt(start), *bills_params],
        )
        return cursor.rowcount

    def insert_refund_lines(self, cursor, bills: Sequence[tuple[int, str, int]]) -> int:
        """One refund line per refund candidate of `bills`, with the policy and partner
        terms of the order's normal line; the number inserted."""
        bills_sql, bills_params = self._bills_table(bills)
        partner_amount = self._partner(
            "y.partner_base", "y.partner_ratio", "y.output_vat_rate", "y.service_fee_vat_rate"
        )
        cursor.execute(
            "INSERT INTO settlement_billline (bill_id, order_id, kind, refund_of_id,"  # noqa: S608
            " refunded_total, policy_at, eligible_at, carried_over, gross, fee_policy_id,"
            " fee_ratio, fee, partner_id, partner_terms_id, partner_mode, partner_units,"
            " partner_floor, partner_base, partner_ratio, output_vat_rate,"
            " service_fee_vat_rate, partner_amount, seller_net)"
            " SELECT z.bill_id, z.order_id, 'refund', z.refund_of_id, z.refunded_total,"
            " z.policy_at, NULL, FALSE, z.gross, z.fee_policy_id, z.fee_ratio, z.fee,"
            " z.partner_id, z.partner_terms_id, z.partner_mode, z.partner_units,"
            " z.partner_floor, z.partner_base, z.partner_ratio, z.output_vat_rate,"
            " z.service_fee_vat_rate, z.partner_amount,"
            f" {self._net('z.gross', 'z.fee', 'z.partner_amount')}"
            f" FROM (SELECT y.*, {partner_amount} AS partner_amount FROM ("
            "  SELECT b.bill_id, c.order_id, n.id AS refund_of_id, c.refunded_total,"
            "  n.policy_at, c.gross, n.fee_policy_id, n.fee_ratio,"
            f"  {self._fee('c.gross', 'n.fee_ratio')} AS fee,"
            "  n.partner_id, n.partner_terms_id, n.partner_mode, n.partner_units,"
            "  n.partner_floor,"
            "  CASE WHEN n.partner_id IS NULL THEN 0"
            f"   ELSE {self._refund_base('c.gross', 'n.partner_base', 'n.gross')}"
            "   END AS partner_base,"
            "  n.partner_ratio, n.output_vat_rate, n.service_fee_vat_rate"
            f"  FROM settlement_candidates c JOIN {bills_sql} b"
            "  ON b.seller_id = c.seller_id AND b.product_type = c.product_type"
            "  JOIN settlement_billline n ON n.order_id = c.order_id AND n.kind = 'normal'"
            "  WHERE c.kind = 'refund'"
            " ) y) z ORDER BY z.order_id",
            bills_params,
        )
        return cursor.rowcount

    def update_totals(self, cursor, bill_ids: Sequence[int]) -> None:
        """Each bill's totals := the sums of its lines."""
        cursor.execute(
            "UPDATE settlement_bill SET line_count = s.n, gross_total = s.gross,"  # noqa: S608
            " refund_total = s.refunds, carried_in_total = s.carried, fee_total = s.fee,"
            " partner_total = s.partner, net_total = s.net"
            " FROM (SELECT bill_id, COUNT(*) AS n, SUM(gross) AS gross,"
            "  SUM(CASE WHEN kind = 'refund' THEN gross ELSE 0 END) AS refunds,"
            "  SUM(CASE WHEN carried_over THEN gross ELSE 0 END) AS carried,"
            "  SUM(fee) AS fee, SUM(partner_amount) AS partner, SUM(seller_net) AS net"
            "  FROM settlement_billline"
            f"  WHERE bill_id IN ({self._in(bill_ids)}) GROUP BY bill_id) s"
            " WHERE settlement_bill.id = s.bill_id",
            [*bill_ids],
        )

    def drop_candidates(self, cursor) -> None:
        cursor.execute("DROP TABLE settlement_candidates")

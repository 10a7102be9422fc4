"""Settlement benchmark: the monthly billing run over a month of paid orders, run twice,
then checked.

    .venv/bin/python bench/settlement.py [--orders 1000000 --sellers 2000 --reuse]

It uses its own PostgreSQL database (`--database-url`, default
postgres://postgres@127.0.0.1:5432/bench_settlement, never $DATABASE_URL: dropped and
created again unless `--reuse` finds a seed of the same size, whose bills, lines,
carry-overs and runs are then emptied first).

1. Seeds, set-based (`INSERT … SELECT … FROM generate_series`), the month before the
   current one (P): `--sellers` sellers with a listed product of each of six product
   types (`TYPES`), N / 20 buyers, and N orders paid in P. Order g: seller g mod
   sellers, product type (g / sellers) mod 6 (every seller has every type, a type's
   group of ~N / sellers / 6 orders), buyer by a hash of g, paid at a hashed instant of
   P, an amount in the type's range (API calls of a few yuan: those groups stay below
   1,000 yuan and carry over), and profile (a second hash) mod 100 (`PROFILES`):
   10 % in supervision (open case), 8 % with a case completed in P and 2 % completed
   after P, 20 % on the credit line (half repaid in P), 3 % partly refunded, 1 % fully
   refunded, 3 % renewals paid before the policy change and effective after it, 1 %
   renewals not effective until after P, 1 % test orders, the rest paid from the
   balance. Fee policies: a version of every type from 2024 and a second one from the
   16th of P 00:00 (Beijing). 50 partners (even: price share, odd: floor price) with
   terms for every type; every fifth buyer (20 %) bound to one.
2. The billing run of P through the service the beat job calls
   (`settlement.services.settlement_run`: the task only adds "skip a finished period"),
   timed: `run_s`. Then again: a rerun creates nothing (`rerun_new_lines`, and the line
   count unchanged).
3. `settlement.checks.bill_line_mismatches(period=P)` (what `manage.py settlement_check`
   prints): every line re-derived in Python from its order, every bill's totals from its
   lines: `check_mismatch`, and its time.
4. `baseline_s`: one `INSERT … SELECT` of the same orders (id, seller, type, amount, a
   5 % fee and the net) into a plain table (logged, no index), committed — what writing
   one row per order costs on this database at the least.
5. `peak_rss_mb`: the process's peak resident memory (`ru_maxrss`), seeding included.

Target (issue 12, 1M orders on the 2-core machine): run_s <= 60, rerun_new_lines = 0,
check_mismatch = 0, peak_rss_mb <= 500. The last line is machine-readable:
    settlement: orders=<n> lines=<l> run_s=<x> baseline_s=<b> rerun_new_lines=<r> \\
        check_mismatch=<m> peak_rss_mb=<p>
(`lines`: the lines the first run made, refund lines included.)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

PREFIX = "bench-settle"  # usernames, category slug, product and partner names
NUMBER_PREFIX = "BT"  # order numbers
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_settlement"
BUYER_ORDERS = 20  # orders per buyer
PARTNERS = 50
BOUND_EVERY = 5  # every fifth buyer is bound to a partner (20 %)

# code, amount from, amount span, fee ratio (2024 version), fee ratio (from the 16th of
# P), product output VAT rate, floor price per unit (floor-price partners).
TYPES = [
    ("saas", "49", "500", "0.050000", "0.060000", "0.060000", "30.00"),
    ("license_code", "800", "2000", "0.080000", "0.070000", "0.130000", "500.00"),
    ("image", "20", "100", "0.030000", "0.040000", "0.060000", "10.00"),
    ("api_apig", "1", "10", "0.050000", "0.050000", "0.060000", "0.50"),
    ("manual_service", "2000", "10000", "0.100000", "0.120000", "0.060000", "1500.00"),
    ("hardware", "3000", "5000", "0.020000", "0.020000", "0.130000", "2000.00"),
]
SERVICE_FEE_VAT = "0.060000"
# Profiles by (hash mod 100): [from, to) -> name (module docstring, 1).
PROFILES = [
    (0, 10, "open_case"),
    (10, 18, "case_completed"),
    (18, 20, "case_completed_later"),
    (20, 30, "credit_repaid"),
    (30, 40, "credit_open"),
    (40, 43, "part_refunded"),
    (43, 44, "refunded"),
    (44, 47, "early_renewal"),
    (47, 48, "renewal_not_effective"),
    (48, 49, "test"),
    (49, 100, "paid"),
]


def log(message: str) -> None:
    print(message, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> tuple[float, float | None]:
    """CPU time used so far by this process and by its database backend (None when the
    server is on another machine): on a shared machine the wall time of a run depends on
    the others' load, its CPU time much less."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        backend = None
    return time.process_time(), backend


def cpu_note(before: tuple[float, float | None]) -> str:
    own, backend = cpu_seconds()
    server = f"server {backend - before[1]:.1f}s, " if backend is not None else ""
    return f"CPU: {server}bench process {own - before[0]:.1f}s"


# --- seeding ------------------------------------------------------------------------------


def seeded_sizes() -> tuple[int, int]:
    from orders.models import Order
    from sellers.models import Seller

    return (
        Order.objects.filter(number__startswith=NUMBER_PREFIX).count(),
        Seller.objects.filter(user__username__startswith=f"{PREFIX}-seller-").count(),
    )


def seeded_period() -> str:
    from buyers.services.periods import period_of
    from orders.models import Order

    paid_at = Order.objects.filter(number=f"{NUMBER_PREFIX}{0:010d}").values_list(
        "paid_at", flat=True
    )[0]
    return period_of(paid_at)


def insert_select(model, *, exprs: dict[str, str], template, source: str, params=()) -> int:
    """INSERT INTO <model's table> (every column but the id) SELECT … `source`: the
    columns named in `exprs` get that SQL expression, the others the template object's
    value, cast to the column's type (as bench/supervision.py)."""
    from django.db import connection

    columns, values, constants = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in exprs:
            values.append(exprs[field.attname])
        else:
            values.append(f"%s::{field.cast_db_type(connection)}")
            constants.append(field.get_db_prep_save(getattr(template, field.attname), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *params])
        return cursor.rowcount


def _users(role: str, count: int) -> int:
    """`count` accounts `<PREFIX>-<role>-<n>` (never signed in: unusable password)."""
    from django.contrib.auth.hashers import make_password

    from marketplace.accounts.models import User

    name = f"'{PREFIX}-{role}-' || n"
    # ASCII lower-case names: the name and e-mail keys are the names themselves.
    email = f"{name} || '@bench.example'"
    return insert_select(
        User,
        template=User(password=make_password(None), is_active=True),
        exprs={
            "username": name,
            "name_key": name,
            "email": email,
            "email_key": email,
            "account_id": f"md5({name})",
        },
        source="FROM generate_series(0, %s - 1) n",
        params=[count],
    )


def seed(*, orders: int, sellers: int, period: str) -> None:
    """The seed of the module docstring, 1."""
    import datetime as dt
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.db import connection, transaction
    from django.utils import timezone

    from buyers.services.periods import period_bounds
    from marketplace.catalog.models import (
        BillingMode,
        Category,
        Product,
        ProductVersion,
        Spec,
    )
    from orders.models import Order
    from sellers.models import Seller
    from settlement.models import FeePolicy, Partner, PartnerBinding, PartnerTerms
    from supervision.models import Case

    started = time.monotonic()
    now = timezone.now()
    start, end = period_bounds(period)
    change = start.replace(day=16)  # the second fee policy version
    since = dt.datetime(2024, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # 00:00 Beijing
    buyers = max(1, orders // BUYER_ORDERS)
    sellers_like, products_like = f"{PREFIX}-seller-%", f"{PREFIX} %"
    with transaction.atomic(), connection.cursor() as cursor:
        category, _ = Category.objects.get_or_create(
            slug=PREFIX, defaults={"name_en": "Bench settlement", "name_zh": "结算基准测试"}
        )
        _users("seller", sellers)
        insert_select(
            Seller,
            template=Seller(
                status=Seller.Status.ACTIVE,
                business_scope="Cloud software",
                contact_name="Bench",
                contact_mobile="13800138000",
                submitted_at=now,
                activated_at=now,
            ),
            exprs={
                "user_id": "u.id",
                "company_name": "'结算基准测试科技有限公司 ' || u.n",
                "credit_code": "'91310000' || lpad(u.n::text, 10, '0')",
                "store_name": "'Bench settlement store ' || u.n",
                "contact_email": "u.email",
            },
            source="FROM (SELECT id, email, split_part(username, '-', 4)::int AS n"
            " FROM accounts_user WHERE username LIKE %s) u",
            params=[sellers_like],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_type (t int PRIMARY KEY, code text, lo numeric,"
            " span numeric, floor_price numeric, output_vat numeric) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_type VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (t, code, lo, span, floor, vat)
                for t, (code, lo, span, _, _, vat, floor) in enumerate(TYPES)
            ],
        )
        # One listed product (version 1, one one-off spec) per seller and type.
        product_name = f"'{PREFIX} ' || t.code || ' ' || s.n"
        products = insert_select(
            Product,
            template=Product(
                status=Product.Status.LISTED,
                created_at=now,
                listed_at=now,
                summary="A product of the settlement benchmark",
                category=category,
                min_price=Decimal("1.00"),
                billing_modes=f",{BillingMode.ONE_OFF},",
            ),
            exprs={
                "seller_id": "s.id",
                "delivery_type": "t.code",
                "name": product_name,
                "search_text": product_name,
            },
            source="FROM (SELECT s.id, split_part(u.username, '-', 4)::int AS n"
            " FROM sellers_seller s JOIN accounts_user u ON u.id = s.user_id"
            " WHERE u.username LIKE %s) s CROSS JOIN bench_type t",
            params=[sellers_like],
        )
        insert_select(
            ProductVersion,
            template=ProductVersion(
                number=1,
                status=ProductVersion.Status.APPROVED,
                created_at=now,
                category=category,
                summary="A product of the settlement benchmark",
                description="A product of the settlement benchmark.",
                agreement_text="本协议由买卖双方在线签订。",
                submitted_at=now,
                reviewed_at=now,
            ),
            exprs={"product_id": "p.id", "name": "p.name"},
            source="FROM catalog_product p WHERE p.name LIKE %s",
            params=[products_like],
        )
        insert_select(
            Spec,
            template=Spec(code="standard", name="Standard", billing_mode=BillingMode.ONE_OFF),
            exprs={"version_id": "v.id"},
            source="FROM catalog_productversion v JOIN catalog_product p ON p.id = v.product_id"
            " WHERE p.name LIKE %s",
            params=[products_like],
        )
        cursor.execute(
            "UPDATE catalog_product p SET listed_version_id = v.id FROM catalog_productversion v"
            " WHERE v.product_id = p.id AND p.name LIKE %s",
            [products_like],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_spec ON COMMIT DROP AS"
            " SELECT split_part(p.name, ' ', 3)::int AS n, t.t, p.seller_id, p.id AS product_id,"
            " sp.id AS spec_id, p.name"
            " FROM catalog_product p JOIN bench_type t ON t.code = p.delivery_type"
            " JOIN catalog_spec sp ON sp.version_id = p.listed_version_id"
            " WHERE p.name LIKE %s",
            [products_like],
        )
        cursor.execute("ALTER TABLE bench_spec ADD PRIMARY KEY (n, t)")
        _users("buyer", buyers)
        cursor.execute(
            "CREATE TEMP TABLE bench_buyer ON COMMIT DROP AS"
            " SELECT split_part(username, '-', 4)::int AS n, id FROM accounts_user"
            " WHERE username LIKE %s",
            [f"{PREFIX}-buyer-%"],
        )
        cursor.execute("ALTER TABLE bench_buyer ADD PRIMARY KEY (n)")
        log(f"seed: {sellers} sellers, {products} products, {buyers} buyers")

        # Fee policies: a 2024 version of every type and one from the 16th of P.
        FeePolicy.objects.bulk_create(
            FeePolicy(product_type=code, ratio=Decimal(ratio), effective_from=at, note="bench")
            for code, _lo, _span, old, new, _vat, _floor in TYPES
            for ratio, at in ((old, since), (new, change))
        )
        # Partners, their terms for every type, every fifth buyer bound to one.
        partners = Partner.objects.bulk_create(
            Partner(name=f"{PREFIX} partner {p}") for p in range(PARTNERS)
        )
        PartnerTerms.objects.bulk_create(
            PartnerTerms(
                partner=partner,
                product_type=code,
                mode=PartnerTerms.Mode.PRICE_SHARE if p % 2 == 0 else PartnerTerms.Mode.FLOOR_PRICE,
                ratio=Decimal("0.10") + Decimal("0.02") * (p % 5),
                floor_price=None if p % 2 == 0 else Decimal(floor),
                output_vat_rate=Decimal(vat),
                service_fee_vat_rate=Decimal(SERVICE_FEE_VAT),
                effective_from=since,
            )
            for p, partner in enumerate(partners)
            for code, _lo, _span, _old, _new, vat, floor in TYPES
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_partner (p int PRIMARY KEY, id bigint) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_partner VALUES (%s, %s)", [(p, x.pk) for p, x in enumerate(partners)]
        )
        bound = insert_select(
            PartnerBinding,
            template=PartnerBinding(valid_from=since, created_at=now),
            exprs={"partner_id": "p.id", "buyer_id": "b.id"},
            source="FROM bench_buyer b JOIN bench_partner p"
            " ON p.p = mod(b.n / %s, %s) WHERE mod(b.n, %s) = 0",
            params=[BOUND_EVERY, PARTNERS, BOUND_EVERY],
        )

        # One row per order (bench_row), which the INSERTs read.
        cursor.execute("CREATE TEMP TABLE bench_profile (lo int, hi int, name text) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_profile VALUES (%s, %s, %s)", PROFILES)
        cursor.execute(
            "CREATE TEMP TABLE bench_row ON COMMIT DROP AS"
            " SELECT x.*, CASE x.profile"
            # An early renewal: paid before the policy change, effective after it.
            "  WHEN 'early_renewal' THEN x.change_at + (x.end_at - x.change_at) * x.f"
            "  WHEN 'renewal_not_effective' THEN x.end_at + interval '2 days'"
            "  ELSE x.paid_at END AS effective_at"
            " FROM (SELECT g, %s || lpad(g::text, 10, '0') AS number, s.seller_id,"
            "  s.product_id, s.spec_id, s.name AS product_name, t.code AS delivery_type,"
            "  b.id AS buyer_id, p.name AS profile,"
            "  t.lo + round(mod(abs(hashint4extended(g, 3)), 10000) * t.span / 10000, 2)"
            "   AS amount,"
            "  CASE WHEN t.code = 'image' THEN 1 + mod(abs(hashint4extended(g, 4)), 3)"
            "   ELSE 1 END AS periods,"
            "  CASE WHEN t.code = 'hardware' THEN 1 + mod(abs(hashint4extended(g, 4)), 2)"
            "   ELSE 1 END AS quantity,"
            "  mod(abs(hashint4extended(g, 2)), 1000000) / 1000000.0 AS f,"
            "  CASE WHEN p.name IN ('early_renewal', 'renewal_not_effective')"
            "   THEN %s + (%s - %s::timestamptz) * (mod(abs(hashint4extended(g, 2)), 1000000)"
            "    / 1000000.0)"
            "   ELSE %s + (%s - %s::timestamptz) * (mod(abs(hashint4extended(g, 2)), 1000000)"
            "    / 1000000.0) END AS paid_at,"
            "  %s::timestamptz AS change_at, %s::timestamptz AS end_at"
            "  FROM generate_series(0, %s - 1) g"
            "  JOIN bench_profile p ON mod(abs(hashint4extended(g, 1)), 100) >= p.lo"
            "   AND mod(abs(hashint4extended(g, 1)), 100) < p.hi"
            "  JOIN bench_spec s ON s.n = mod(g, %s) AND s.t = mod(g / %s, %s)"
            "  JOIN bench_type t ON t.t = s.t"
            "  JOIN bench_buyer b ON b.n = mod(abs(hashint4extended(g, 5)), %s)) x",
            [
                NUMBER_PREFIX,
                start, change, start,
                start, end, start,
                change, end,
                orders, sellers, sellers, len(TYPES), buyers,
            ],
        )  # fmt: skip
        half = "r.paid_at + (r.end_at - r.paid_at) / 2"  # between payment and the month's end
        created = insert_select(
            Order,
            template=Order(
                version_number=1,
                spec_code="standard",
                spec_name="Standard",
                billing_mode=BillingMode.ONE_OFF,
                period="once",
                created_at=now,
                pay_by=now,
            ),
            exprs={
                "number": "r.number",
                "kind": "CASE WHEN r.profile IN ('early_renewal', 'renewal_not_effective')"
                " THEN 'renewal' ELSE 'new' END",
                "status": "CASE r.profile WHEN 'refunded' THEN 'refunded'"
                " WHEN 'open_case' THEN 'processing' WHEN 'case_completed_later'"
                " THEN 'processing' ELSE 'paid' END",
                "payment_status": "CASE r.profile WHEN 'refunded' THEN 'refunded'"
                " WHEN 'credit_repaid' THEN 'repaid' WHEN 'credit_open' THEN 'paid_on_credit'"
                " ELSE 'paid' END",
                "buyer_id": "r.buyer_id",
                "seller_id": "r.seller_id",
                "product_id": "r.product_id",
                "spec_id": "r.spec_id",
                "product_name": "r.product_name",
                "delivery_type": "r.delivery_type",
                "quantity": "r.quantity",
                "periods": "r.periods",
                "unit_price": "round(r.amount / (r.quantity * r.periods), 2)",
                "list_amount": "r.amount",
                "amount": "r.amount",
                "paid_balance": "CASE WHEN r.profile IN ('credit_repaid', 'credit_open')"
                " THEN 0 ELSE r.amount END",
                "paid_credit": "CASE WHEN r.profile IN ('credit_repaid', 'credit_open')"
                " THEN r.amount ELSE 0 END",
                "refunded_amount": "CASE r.profile WHEN 'refunded' THEN r.amount"
                " WHEN 'part_refunded' THEN round(r.amount * 0.3, 2) ELSE 0 END",
                "is_test": "r.profile = 'test'",
                "created_at": "r.paid_at - interval '5 minutes'",
                "pay_by": "r.paid_at + interval '25 minutes'",
                "paid_at": "r.paid_at",
                "effective_at": "r.effective_at",
                "repaid_at": f"CASE r.profile WHEN 'credit_repaid' THEN {half} END",
            },
            source="FROM bench_row r ORDER BY r.g",
        )
        log(f"seed: {created} orders ({time.monotonic() - started:.0f}s)")
        cases = insert_select(
            Case,
            template=Case(
                flow="standard",
                node="implementing",
                delivery_days=7,
                node_entered_at=now,
                opened_at=now,
            ),
            exprs={
                "order_id": "o.id",
                "seller_id": "r.seller_id",
                "buyer_id": "r.buyer_id",
                "product_id": "r.product_id",
                "node": "CASE r.profile WHEN 'open_case' THEN 'implementing' ELSE 'completed' END",
                "status": "CASE r.profile WHEN 'open_case' THEN 'in_progress' ELSE 'completed' END",
                "opened_at": "r.paid_at",
                "node_entered_at": "r.paid_at",
                "accepted_at": f"CASE r.profile WHEN 'case_completed' THEN {half}"
                " WHEN 'case_completed_later' THEN r.end_at + interval '1 day' END",
                "completed_at": f"CASE r.profile WHEN 'case_completed' THEN {half}"
                " WHEN 'case_completed_later' THEN r.end_at + interval '1 day' END",
            },
            source="FROM bench_row r JOIN orders_order o ON o.number = r.number"
            " WHERE r.profile IN ('open_case', 'case_completed', 'case_completed_later')",
        )
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "sellers_seller",
            "catalog_product",
            "orders_order",
            "supervision_case",
            "settlement_partnerbinding",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    log(
        f"seed: {cases} supervision cases, {len(TYPES) * 2} fee policy versions"
        f" (the second from {change:%Y-%m-%d %H:%M %Z}), {PARTNERS} partners,"
        f" {bound} buyers bound ({time.monotonic() - started:.0f}s)"
    )


def clear_runs() -> None:
    """`--reuse`: empty what the runs made (bills, lines, carry-overs, share bills, runs)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE settlement_billline, settlement_bill, settlement_carryover,"
            " settlement_partnersharebill, settlement_paymentrequest,"
            " settlement_sellerinvoice, settlement_settlementrun CASCADE"
        )
        cursor.execute("VACUUM ANALYZE settlement_billline")


def expected_counts(period: str) -> dict[str, int]:
    """The seed's eligible orders (rules 1-3, from the profiles), to compare with what the
    run billed or carried over."""
    from django.db import connection

    from buyers.services.periods import period_bounds

    _start, end = period_bounds(period)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_order o LEFT JOIN supervision_case c"
            " ON c.order_id = o.id WHERE o.number LIKE %s AND NOT o.is_test"
            " AND o.payment_status IN ('paid', 'repaid') AND o.effective_at < %s"
            " AND (c.id IS NULL OR c.completed_at < %s)",
            [f"{NUMBER_PREFIX}%", end, end],
        )
        (eligible,) = cursor.fetchone()
    return {"eligible": eligible}


# --- the measurements ---------------------------------------------------------------------


def baseline(period: str) -> float:
    """`INSERT … SELECT` of the period's orders into a plain table, committed (4)."""
    from django.db import connection, transaction

    from buyers.services.periods import period_bounds

    start, end = period_bounds(period)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_baseline")
        cursor.execute(
            "CREATE TABLE bench_baseline (order_id bigint, seller_id bigint,"
            " product_type varchar(20), gross numeric(14, 2), fee numeric(14, 2),"
            " seller_net numeric(14, 2))"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline SELECT id, seller_id, delivery_type, amount,"
            " round(amount * 0.05, 2), amount - round(amount * 0.05, 2) FROM orders_order"
            " WHERE paid_at >= %s AND paid_at < %s AND number LIKE %s",
            [start, end, f"{NUMBER_PREFIX}%"],
        )
        rows = cursor.rowcount
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_baseline")
    log(f"baseline: INSERT … SELECT of {rows} orders into a plain table in {seconds:.2f}s")
    return seconds


def line_count(period: str) -> int:
    from settlement.models import BillLine

    return BillLine.objects.filter(bill__period=period).count()


def runs(period: str) -> tuple[int, float, int]:
    """The run, timed, then the rerun (2). Returns (lines, run_s, rerun_new_lines)."""
    from settlement.models import CarryOver
    from settlement.services import settlement_run

    cpu = cpu_seconds()
    started = time.perf_counter()
    run = settlement_run(period=period, source="bench")
    run_s = time.perf_counter() - started
    cpu_used = cpu_note(cpu)
    carried = CarryOver.objects.filter(period=period)
    log(
        f"run {run.pk} {run.status} in {run_s:.2f}s: {run.sellers_done} sellers,"
        f" {run.bills_created} bills, {run.lines_created} lines"
        f" ({run.refund_lines_created} refund lines), {run.carry_overs_created} carry-overs"
        f" ({sum(carried.values_list('line_count', flat=True))} orders and refunds),"
        f" {run.share_bills_created} partner share bills; {cpu_used};"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )
    before = line_count(period)
    cpu = cpu_seconds()
    started = time.perf_counter()
    again = settlement_run(period=period, source="bench")
    rerun_s = time.perf_counter() - started
    cpu_used = cpu_note(cpu)
    after = line_count(period)
    new_lines = again.lines_created + (after - before)
    log(
        f"rerun {again.pk} {again.status} in {rerun_s:.2f}s: {again.bills_created} bills,"
        f" {again.lines_created} lines, {again.carry_overs_created} carry-overs;"
        f" lines of {period}: {before} before, {after} after; {cpu_used}"
    )
    return run.lines_created, run_s, new_lines


def check(period: str) -> int:
    """`bill_line_mismatches` over the period (3); prints the first few."""
    from settlement.checks import bill_line_mismatches

    cpu = cpu_seconds()
    started = time.perf_counter()
    count = 0
    for mismatch in bill_line_mismatches(period=period):
        count += 1
        if count <= 5:
            log(f"MISMATCH {mismatch}")
    log(
        f"check: {count} mismatches in {time.perf_counter() - started:.2f}s ({cpu_note(cpu)});"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )
    return count


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="paid orders in the month")
    parser.add_argument("--sellers", type=int, default=2000, help="sellers sharing the orders")
    parser.add_argument("--reuse", action="store_true", help="keep a seed of the same size")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped unless --reuse")
    args = parser.parse_args()
    if args.orders < args.sellers * len(TYPES):
        raise SystemExit(f"--orders must be at least {len(TYPES)} per seller (every type)")
    started = time.monotonic()
    import checkout  # bench/checkout.py: the database helpers

    url = args.database_url
    dbname = checkout.pg_params(url)["dbname"]
    fresh = not (args.reuse and checkout.database_exists(url))
    if fresh:
        checkout.recreate_database(url, dbname)
    os.environ.update({"DATABASE_URL": url, "CELERY_BROKER_URL": "memory://"})
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from buyers.services.periods import previous_period

    call_command("migrate", verbosity=0)
    if not fresh and seeded_sizes() != (args.orders, args.sellers):
        log(f"seed: {dbname} holds another size, seeding again")
        connection.close()
        checkout.recreate_database(url, dbname)
        call_command("migrate", verbosity=0)
        fresh = True
    if fresh:
        period = previous_period()
        seed(orders=args.orders, sellers=args.sellers, period=period)
    else:
        period = seeded_period()
        clear_runs()
        log(f"seed: reusing {args.orders} orders of {period} in {dbname}, the runs' work emptied")
    log(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    expected = expected_counts(period)
    log(f"seed: {expected['eligible']} orders eligible by rules 1-3 (before the 1,000 threshold)")
    baseline_s = baseline(period)
    lines, run_s, rerun_new = runs(period)
    mismatches = check(period)
    peak = peak_rss_mb()
    met = run_s <= 60 and rerun_new == 0 and mismatches == 0 and peak <= 500
    log(
        "target: run_s <= 60, rerun_new_lines = 0, check_mismatch = 0, peak_rss_mb <= 500:"
        f" {'met' if met else 'not met'}; total {time.monotonic() - started:.0f}s"
    )
    log(
        f"settlement: orders={args.orders} lines={lines} run_s={run_s:.2f}"
        f" baseline_s={baseline_s:.2f} rerun_new_lines={rerun_new}"
        f" check_mismatch={mismatches} peak_rss_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()

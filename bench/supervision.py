"""Supervision benchmark: the beat sweeps over N open cases, and both centers' case lists.

    .venv/bin/python bench/supervision.py [--cases 100000 --sellers 10 --seconds 5 \\
        --clients 2 --reuse]

It uses its own PostgreSQL database (`--database-url`, default
postgres://postgres@127.0.0.1:5432/bench_supervision, never $DATABASE_URL: dropped and
created again unless `--reuse` finds a seed of the same size; the sweeps' work is then
put back first, see 3).

1. Seeds, set-based (`INSERT … SELECT … FROM generate_series`): `--sellers` sellers with
   one listed product per flow, N / 20 buyers, and N paid orders, each with its case and
   the case's first log row ("open"). The log rows are not a valid hash chain (a fixed
   hash: the sweeps and lists don't read it; `supervision_verify` would name every bench
   case). Case i gets profile i mod 100 (`PROFILES`): requirements, review, implementing
   on time, **implementing past its deadline** (5 %, not yet flagged; 3 % flagged
   before), acceptance, the marketplace node, code claim, in transit, **hardware signed
   for more than 10 days ago** (0.5 %, due for the automatic acceptance; 1.5 % not yet),
   design confirmation, in appeal, **completed, the order not yet completed** (8 %),
   completed and synced (orders completed), closed by refund. Opened over the last 90
   days; seller (i / 100) mod sellers (each seller N / sellers cases of every profile),
   the buyer by a hash of i (about 20 cases each, mixed).
2. The sweeps, through the services the Celery tasks call, one call each, timed:
   `cases_flag_overdue`, `cases_auto_accept_hardware`, then `orders_complete_supervised`
   (which also completes the orders of the cases just accepted). Each is checked against
   the seed (every overdue case flagged once, every due hardware case accepted, every
   waiting order completed) and run a second time (idempotent: nothing left to do).
   `sweep_s` is the first runs' total. Notifications are queued to Celery's in-memory
   broker (never sent).
3. `--reuse`: the sweeps' work is put back set-based (flags cleared, orders processing
   again, the auto-accepted cases back at signed-for with their acceptance log rows
   removed with triggers off: the bench database only; needs a superuser).
4. The case lists: gunicorn (2 sync workers, kept connections) and `wrk -t2
   -c<clients>` (bench/_load.py, bench/lua/random_path.lua), signed in with a session
   cookie; one connection per worker by default, so the p95 is a page's latency, not
   time queued behind other requests. Seller 0's list (`seller:supervision_list`,
   N / sellers cases: its first page and "in progress at implementing"), then buyer 0's
   (`supervision:list`, about 20 cases: its first page and "completed"), each a 1 s
   warm-up and `--seconds` measured.
   `list_p95_ms` is the larger of the two p95s.

Target (issue 11, 100k cases on the 2-core machine): sweep_s <= 10, list_p95_ms <= 50.
The last line is machine-readable:
    supervision: cases=<n> sweep_s=<x> list_p95_ms=<y>
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import _load  # bench/, the script's directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

PREFIX = "bench-sup"  # usernames, category slug, product names; order numbers "BS…"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_supervision"
BUYER_CASES = 20  # cases per buyer
PRICE = Decimal("500.00")
FAKE_HASH = "0" * 64  # bench log rows: not a chain (module docstring)

# name, share of 100, flow, node, status, deadline (days from now), flagged overdue,
# signed for (days ago). A case's `requirements` holds its profile's name: `--reuse`
# finds the sweeps' work by it.
PROFILES = [
    ("requirements", 10, "standard", "requirements", "in_progress", None, False, None),
    ("review", 5, "standard", "requirements_review", "in_progress", None, False, None),
    ("implementing", 10, "standard", "implementing", "in_progress", 5, False, None),
    ("orchestrating", 5, "orchestration", "implementing", "in_progress", 3, False, None),
    ("saas", 5, "saas", "implementing", "in_progress", 2, False, None),
    ("overdue", 5, "standard", "implementing", "in_progress", -3, False, None),
    ("flagged", 3, "data_file", "implementing", "in_progress", -8, True, None),
    ("acceptance", 10, "standard", "acceptance", "in_progress", None, False, None),
    ("operator", 3, "joint", "operator_review", "in_progress", None, False, None),
    ("code_claim", 2, "license_code", "code_claim", "in_progress", None, False, None),
    ("in_transit", 2, "hardware", "in_transit", "in_progress", None, False, None),
    # A quarter of these were signed for 11 days ago: due for the automatic acceptance.
    ("signed_for", 2, "hardware", "signed_for", "in_progress", None, False, 4),
    ("design", 1, "site_building", "design_confirmation", "in_progress", None, False, None),
    ("appeal", 1, "standard", "acceptance", "in_appeal", None, False, None),
    ("to_sync", 8, "standard", "completed", "completed", None, False, None),
    ("synced", 26, "orchestration", "completed", "completed", None, False, None),
    ("refunded", 2, "saas", "closed", "closed_by_refund", None, False, None),
]
DELIVERY_TYPE = {
    "standard": "manual_service",
    "site_building": "manual_service",
    "data_file": "data_file",
    "orchestration": "orchestration",
    "saas": "saas",
    "joint": "joint_saas",
    "license_code": "license_code",
    "hardware": "hardware",
}


def log(message: str) -> None:
    print(message, flush=True)


# --- seeding ------------------------------------------------------------------------------


def seeded_sizes() -> tuple[int, int]:
    from sellers.models import Seller
    from supervision.models import Case

    return (
        Case.objects.filter(seller__user__username__startswith=f"{PREFIX}-").count(),
        Seller.objects.filter(user__username__startswith=f"{PREFIX}-seller-").count(),
    )


def insert_select(model, *, exprs: dict[str, str], template, source: str) -> int:
    """INSERT INTO <model's table> (every column but the id) SELECT … `source`: the
    columns named in `exprs` get that SQL expression (no parameters), the others the
    template object's value, cast to the column's type (so a field added to the model
    with a default needs no change here)."""
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
        cursor.execute(sql, constants)
        return cursor.rowcount


def _users(names: list[str]) -> list:
    from django.contrib.auth.hashers import make_password

    from marketplace.accounts.models import User
    from marketplace.accounts.names import email_key, name_key

    password = make_password(None)  # signed in by session only
    return User.objects.bulk_create(
        (
            User(
                username=name,
                password=password,
                email=f"{name}@bench.example",
                name_key=name_key(name),
                email_key=email_key(f"{name}@bench.example"),
            )
            for name in names
        ),
        batch_size=2000,
    )


def _catalog(sellers: int, now) -> list:
    """`sellers` active sellers with one listed one-off product per flow; the rows
    (seller number, seller id, flow, spec id, product id, product name)."""
    from marketplace.catalog.models import BillingMode, Category, Product, ProductVersion, Spec
    from sellers.models import Seller, ServiceGroup

    category, _ = Category.objects.get_or_create(
        slug=PREFIX, defaults={"name_en": "Bench supervision", "name_zh": "监管基准测试"}
    )
    users = _users([f"{PREFIX}-seller-{i}" for i in range(sellers)])
    rows = []
    for n, user in enumerate(users):
        seller = Seller.objects.create(
            user=user,
            status=Seller.Status.ACTIVE,
            company_name=f"监管基准测试科技有限公司 {n}",
            credit_code=f"91330000{n:010d}",
            store_name=f"Bench supervision store {n}",
            business_scope="Services",
            contact_name="Bench",
            contact_mobile="13800138000",
            contact_email=user.email,
            submitted_at=now,
            activated_at=now,
        )
        group = ServiceGroup.objects.create(
            seller=seller, name="客服组", phone="400-800-8000", email="help@bench.example"
        )
        for flow, delivery_type in DELIVERY_TYPE.items():
            name = f"{PREFIX} {flow} {n}"
            product = Product.objects.create(
                seller=seller,
                delivery_type=delivery_type,
                status=Product.Status.LISTED,
                listed_at=now,
                name=name,
                summary="A product of the supervision benchmark",
                category=category,
                min_price=PRICE,
                billing_modes=f",{BillingMode.ONE_OFF},",
                search_text=name,
            )
            version = ProductVersion.objects.create(
                product=product,
                number=1,
                status=ProductVersion.Status.APPROVED,
                name=name,
                category=category,
                summary="A product of the supervision benchmark",
                description="A product of the supervision benchmark.",
                service_group=group,
                agreement_text="本协议由买卖双方在线签订。",
                submitted_at=now,
                reviewed_at=now,
            )
            Product.objects.filter(pk=product.pk).update(listed_version=version)
            spec = Spec.objects.create(
                version=version, code="standard", name="Standard", billing_mode=BillingMode.ONE_OFF
            )
            rows.append((n, seller.pk, flow, spec.pk, product.pk, name))
    return rows


def seed(*, cases: int, sellers: int) -> None:
    """The seed of the module docstring, 1."""
    from django.db import connection, transaction
    from django.utils import timezone

    from orders.models import Order
    from supervision.models import Case, CaseLog

    started = time.monotonic()
    now = timezone.now()
    buyer_count = max(1, cases // BUYER_CASES)
    with transaction.atomic(), connection.cursor() as cursor:
        catalog = _catalog(sellers, now)
        buyers = _users([f"{PREFIX}-buyer-{i}" for i in range(buyer_count)])
        # Lookup tables, then one row per case (bench_row) that the INSERTs read.
        cursor.execute(
            "CREATE TEMP TABLE bench_spec (n int, seller_id bigint, flow text, spec_id bigint,"
            " product_id bigint, name text, PRIMARY KEY (n, flow)) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO bench_spec VALUES (%s, %s, %s, %s, %s, %s)", catalog)
        cursor.execute(
            "CREATE TEMP TABLE bench_buyer (n int PRIMARY KEY, id bigint) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_buyer VALUES (%s, %s)", [(n, b.pk) for n, b in enumerate(buyers)]
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_profile (lo int, hi int, name text, flow text, node text, "
            "status text, due int, flagged bool, signed int) ON COMMIT DROP"
        )
        slot, profile_rows = 0, []
        for name, share, *rest in PROFILES:
            profile_rows.append((slot, slot + share, name, *rest))
            slot += share
        cursor.executemany(
            "INSERT INTO bench_profile VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", profile_rows
        )
        # Case g: profile g mod 100; seller (g / 100) mod sellers (each seller gets every
        # profile); buyer by a hash of g (each about BUYER_CASES, of mixed profiles);
        # opened over the last 90 days.
        cursor.execute(
            "CREATE TEMP TABLE bench_row ON COMMIT DROP AS "
            "SELECT g, 'BS' || lpad(g::text, 10, '0') AS number, s.seller_id, b.id AS buyer_id,"
            " p.name AS profile, p.flow, p.node, p.status, p.due, p.flagged,"
            " CASE WHEN p.signed IS NULL THEN NULL"
            "  WHEN mod(g / 100, 4) = 0 THEN 11 ELSE p.signed END AS signed,"
            " s.spec_id, s.product_id, s.name AS product_name, %s::timestamptz AS now_at,"
            " %s::timestamptz - mod(g * 7, 90) * interval '1 day'"
            "  - mod(g, 1440) * interval '1 minute' AS opened_at "
            "FROM generate_series(0, %s - 1) g "
            "JOIN bench_profile p ON mod(g, 100) >= p.lo AND mod(g, 100) < p.hi "
            "JOIN bench_spec s ON s.n = mod(g / 100, %s) AND s.flow = p.flow "
            "JOIN bench_buyer b ON b.n = mod(abs(hashint4(g)), %s)",
            [now, now, cases, sellers, buyer_count],
        )
        types = " ".join(f"WHEN '{flow}' THEN '{kind}'" for flow, kind in DELIVERY_TYPE.items())
        orders = insert_select(
            Order,
            template=Order(
                status=Order.Status.PROCESSING,
                payment_status=Order.PaymentStatus.PAID,
                version_number=1,
                spec_code="standard",
                spec_name="Standard",
                billing_mode="one_off",
                period="once",
                unit_price=PRICE,
                list_amount=PRICE,
                amount=PRICE,
                paid_balance=PRICE,
                created_at=now,
                pay_by=now,
            ),
            exprs={
                "number": "r.number",
                "status": "CASE r.profile WHEN 'synced' THEN 'completed'"
                " WHEN 'refunded' THEN 'refunded' ELSE 'processing' END",
                "payment_status": "CASE r.profile WHEN 'refunded' THEN 'refunded' ELSE 'paid' END",
                "refunded_amount": f"CASE r.profile WHEN 'refunded' THEN {PRICE} ELSE 0 END",
                "buyer_id": "r.buyer_id",
                "seller_id": "r.seller_id",
                "product_id": "r.product_id",
                "spec_id": "r.spec_id",
                "product_name": "r.product_name",
                "delivery_type": f"CASE r.flow {types} END",
                "created_at": "r.opened_at - interval '5 minutes'",
                "pay_by": "r.opened_at + interval '25 minutes'",
                "paid_at": "r.opened_at",
                "effective_at": "r.opened_at",
                "completed_at": "CASE r.profile WHEN 'synced'"
                " THEN r.opened_at + interval '8 days' END",
            },
            source="FROM bench_row r",
        )
        day = "interval '1 day'"
        completed = "r.status = 'completed'"
        hardware = "r.flow = 'hardware'"
        created = insert_select(
            Case,
            template=Case(
                flow="",
                node="",
                node_entered_at=now,
                delivery_days=7,
                opened_at=now,
                log_count=1,
                log_head=FAKE_HASH,
            ),
            exprs={
                "order_id": "o.id",
                "seller_id": "r.seller_id",
                "buyer_id": "r.buyer_id",
                "product_id": "r.product_id",
                "flow": "r.flow",
                "node": "r.node",
                "status": "r.status",
                "requirements": "r.profile",
                "opened_at": "r.opened_at",
                "node_entered_at": "r.opened_at + interval '1 hour'",
                "due_at": f"r.now_at + r.due * {day}",
                "overdue_at": f"CASE WHEN r.flagged THEN r.now_at - {day} END",
                "accepted_at": f"CASE WHEN {completed} THEN r.opened_at + 7 * {day} END",
                "completed_at": f"CASE WHEN {completed} THEN r.opened_at + 7 * {day} END",
                "order_synced_at": f"CASE r.profile WHEN 'synced' THEN r.opened_at + 8 * {day} END",
                "closed_at": f"CASE r.profile WHEN 'refunded' THEN r.opened_at + 9 * {day} END",
                "carrier": f"CASE WHEN {hardware} THEN 'SF Express' ELSE '' END",
                "tracking_number": f"CASE WHEN {hardware} THEN 'SF' || r.g ELSE '' END",
                "recipient_phone": f"CASE WHEN {hardware} THEN '13900139000' ELSE '' END",
                "buyer_phone": f"CASE WHEN {hardware} THEN '13900139000' ELSE '' END",
                "shipped_at": f"CASE WHEN {hardware} THEN r.now_at - 14 * {day} END",
                "signed_for_at": f"r.now_at - r.signed * {day}",
                "auto_accept_at": f"r.now_at - r.signed * {day} + 10 * {day}",
            },
            source="FROM bench_row r JOIN orders_order o ON o.number = r.number",
        )
        logs = insert_select(
            CaseLog,
            template=CaseLog(seq=1, role="system", action="open", created_at=now, hash=FAKE_HASH),
            exprs={"case_id": "c.id", "to_node": "c.node", "created_at": "c.opened_at"},
            source="FROM bench_row r JOIN orders_order o ON o.number = r.number"
            " JOIN supervision_case c ON c.order_id = o.id",
        )
    with connection.cursor() as cursor:
        for table in ("accounts_user", "orders_order", "supervision_case", "supervision_caselog"):
            cursor.execute(f"ANALYZE {table}")
    log(
        f"seed: {sellers} sellers, {buyer_count} buyers, {orders} orders, {created} cases, "
        f"{logs} log rows ({time.monotonic() - started:.1f}s)"
    )


def rearm() -> None:
    """`--reuse`: put the sweeps' work back (module docstring, 3)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE supervision_case SET overdue_at = NULL WHERE requirements = 'overdue'"
        )
        cursor.execute(
            "UPDATE orders_order SET status = 'processing', completed_at = NULL "
            "WHERE id IN (SELECT order_id FROM supervision_case "
            "WHERE requirements IN ('to_sync', 'signed_for'))"
        )
        # The automatic acceptances' log rows: the append-only trigger is off for this
        # transaction (the replication role; a superuser's, on the bench database only).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM supervision_caselog WHERE seq > 1 AND case_id IN "
            "(SELECT id FROM supervision_case WHERE requirements = 'signed_for')"
        )
        cursor.execute(
            "UPDATE supervision_case SET node = 'signed_for', status = 'in_progress', "
            "accepted_at = NULL, completed_at = NULL, log_count = 1, log_head = %s "
            "WHERE requirements = 'signed_for'",
            [FAKE_HASH],
        )
        cursor.execute(
            "UPDATE supervision_case SET order_synced_at = NULL "
            "WHERE requirements IN ('to_sync', 'signed_for')"
        )


# --- the sweeps ---------------------------------------------------------------------------


def expected_work() -> dict[str, int]:
    from django.utils import timezone

    from supervision.models import Case

    now = timezone.now()
    cases = Case.objects.filter(seller__user__username__startswith=f"{PREFIX}-")
    return {
        "overdue": cases.filter(
            status="in_progress", overdue_at__isnull=True, due_at__lt=now
        ).count(),
        "auto_accept": cases.filter(
            status="in_progress", node="signed_for", auto_accept_at__lte=now
        ).count(),
        "to_sync": cases.filter(status="completed", order_synced_at__isnull=True).count(),
    }


def sweeps() -> float:
    """Each sweep once, timed, checked against the seed; then once more (nothing to do).
    Returns the first runs' total seconds."""
    from supervision.services import (
        cases_auto_accept_hardware,
        cases_flag_overdue,
        orders_complete_supervised,
    )

    expected = expected_work()
    # The automatic acceptances complete cases whose orders the completion sweep then
    # completes: it runs last.
    runs = [
        ("cases_flag_overdue", cases_flag_overdue, expected["overdue"]),
        ("cases_auto_accept_hardware", cases_auto_accept_hardware, expected["auto_accept"]),
        (
            "orders_complete_supervised",
            orders_complete_supervised,
            expected["to_sync"] + expected["auto_accept"],
        ),
    ]
    total = 0.0
    for name, sweep, want in runs:
        started = time.perf_counter()
        done = sweep()
        seconds = time.perf_counter() - started
        total += seconds
        again_started = time.perf_counter()
        again = sweep()
        again_s = time.perf_counter() - again_started
        ok = "ok" if done == want and again == 0 else f"EXPECTED {want} then 0"
        log(f"sweep {name}: {done} in {seconds:.2f}s ({ok}); again: {again} in {again_s:.2f}s")
    return total


# --- the lists ----------------------------------------------------------------------------


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.test import Client

    from marketplace.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def wrk_paths(base: str, paths: list[str], *, cookie: str, seconds: int, clients: int, tmp: str):
    """`wrk` over random picks of `paths` with `cookie` (bench/lua/random_path.lua;
    `_load.wrk`'s parsing); error answers (a log-in redirect too) end the benchmark."""
    paths_file = Path(tmp) / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    for path in paths:  # one plain request each first: a 200, not a log-in page
        request = urllib.request.Request(base.rstrip("/") + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            if response.status != 200 or "/accounts/login" in response.url:
                raise SystemExit(f"{path}: answered {response.status} at {response.url}")
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    command += ["-H", f"Cookie: {cookie}", "-s", str(_load.LUA / "random_path.lua"), base]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
        env={**os.environ, "BENCH_PATHS": str(paths_file)},
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{paths}: {errors.group(1)} error responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"^p95_us=(\d+)", out, re.MULTILINE).group(1)) / 1000
    p50 = _load._ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    return rps, p50, p95


def lists(*, seconds: int, clients: int, workers: int) -> float:
    """The centers' lists under wrk (module docstring, 4); the larger p95 in ms."""
    from django.db import connection
    from django.urls import reverse

    seller_list, buyer_list = reverse("seller:supervision_list"), reverse("supervision:list")
    scenarios = {
        "seller list": (
            f"{PREFIX}-seller-0",
            [seller_list, f"{seller_list}?status=in_progress&node=implementing"],
        ),
        "buyer list": (f"{PREFIX}-buyer-0", [buyer_list, f"{buyer_list}?status=completed"]),
    }
    cookies = {name: session_cookie(user) for name, (user, _paths) in scenarios.items()}
    connection.close()
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-supervision-") as tmp:
        port = _load.free_port()
        server_log = Path(tmp) / "server.log"
        server = _load.start_server(
            port,
            workers=workers,
            log_file=server_log,
            env={"DB_CONN_MAX_AGE": "60", "CELERY_BROKER_URL": "memory://"},
        )
        base = f"http://127.0.0.1:{port}/"
        try:
            for name, (_user, paths) in scenarios.items():
                wrk_paths(base, paths, cookie=cookies[name], seconds=1, clients=clients, tmp=tmp)
                rps, p50, p95 = wrk_paths(
                    base, paths, cookie=cookies[name], seconds=seconds, clients=clients, tmp=tmp
                )
                log(
                    f"{name} ({' and '.join(paths)}): {rps:.0f} req/s, p50 {p50:.1f} ms, "
                    f"p95 {p95:.1f} ms"
                )
                worst = max(worst, p95)
        finally:
            _load.stop_server(server)
            for line in server_log.read_text(errors="replace").splitlines():
                if "ERROR" in line or "Traceback" in line:
                    log(f"server: {line}")
    return worst


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open and closed cases")
    parser.add_argument("--sellers", type=int, default=10, help="sellers sharing the cases")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument(
        "--clients", type=int, default=2, help="wrk connections (default: one per worker)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--reuse", action="store_true", help="keep a seed of the same size")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped unless --reuse")
    args = parser.parse_args()
    if args.cases < 100 * args.sellers:
        raise SystemExit("--cases must be at least 100 per seller (each gets every profile)")
    _load.ensure_wrk()
    started = time.monotonic()
    import checkout  # bench/checkout.py: the database helpers

    url = args.database_url
    dbname = checkout.pg_params(url)["dbname"]
    fresh = not (args.reuse and checkout.database_exists(url))
    if fresh:
        checkout.recreate_database(url, dbname)
    # This process and the server: the bench database; Celery's broker in memory (the
    # sweeps' notifications are queued, never sent).
    os.environ.update(
        {"DATABASE_URL": url, "DB_CONN_MAX_AGE": "60", "CELERY_BROKER_URL": "memory://"}
    )
    os.environ.pop("CONN_MAX_AGE", None)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not fresh and seeded_sizes() != (args.cases, args.sellers):
        log(f"seed: {dbname} holds another size, seeding again")
        connection.close()
        checkout.recreate_database(url, dbname)
        call_command("migrate", verbosity=0)
        fresh = True
    if fresh:
        seed(cases=args.cases, sellers=args.sellers)
    else:
        rearm()
        log(f"seed: reusing {args.cases} cases in {dbname}, the sweeps' work put back")
    log(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    sweep_s = sweeps()
    list_p95 = lists(seconds=args.seconds, clients=args.clients, workers=args.workers)
    met = sweep_s <= 10 and list_p95 <= 50
    log(
        f"target: sweep_s <= 10 and list_p95_ms <= 50: {'met' if met else 'not met'}; "
        f"total {time.monotonic() - started:.0f}s"
    )
    log(f"supervision: cases={args.cases} sweep_s={sweep_s:.2f} list_p95_ms={list_p95:.1f}")


if __name__ == "__main__":
    main()

"""Checkout benchmark: concurrent buyers through the buyer API, then a race for the last units.

    .venv/bin/python bench/checkout.py [--buyers 1000 --specs 1000 --connections 16 \\
        --duration 12 --reuse]

It uses its own PostgreSQL databases (`--database-url`, default
postgres://postgres@127.0.0.1:5432/bench_checkout, never $DATABASE_URL: it is dropped
and created again unless `--reuse` finds a seed of the same size; `<name>_pgbench`
for pgbench).

1. Seeds, with set-based bulk inserts: N buyers with a wallet balance (each with the
   ledger entry the money came with, so that `manage.py ledger_check` agrees) and N
   listed products of one monthly spec each, with stock; then, every run, a new race
   product whose spec has stock 50. The products are licences and images (bought as
   often as a buyer likes; a SaaS period product is one subscription per account).
2. pgbench on the same database server, same client count: `pgbench -i -s 1` into its
   own database, then the built-in tpcb-like script (`-c <connections> -j 2 -T
   <duration>`): the database's own throughput on this machine, the yardstick.
3. Phase 1: gunicorn (2 sync workers, kept connections) and `wrk -t2 -c<connections>`
   (bench/_load.py) through bench/lua/checkout.lua: each request a random buyer (signed in
   once: the personal API token the bench issues each buyer per run, `Authorization:
   Bearer`; `--auth basic` sends the password instead) and a random spec,
   `POST /api/buyer/orders/` with a fresh Idempotency-Key and
   `pay: {method: balance}`: the order placed and paid from the wallet in one request.
   A 2 s warm-up, then --duration seconds measured; any answer but 201 ends the bench.
4. Phase 2: 200 buyers race for the stock-50 spec, one order each (wrk, c=16, through
   bench/lua/checkout_race.lua); then SQL: paid orders of the spec <= 50, stock = 50 -
   paid, nothing else pending.
5. The ledger: `buyers.selectors.ledger_mismatches()` (what `manage.py ledger_check`
   reports) plus every paid order whose payment entries don't add up to its amount.

The bench's server differs from production in two settings, said in its output: the API
throttles are lifted (one client address) and Celery's broker is in memory (the
notification and provisioning tasks are queued, never run, and leave no files behind).
With `--auth basic` the seeded passwords are hashed with MD5PasswordHasher (basic auth
checks the password on every request; PBKDF2 would make it a benchmark of PBKDF2).

Target (issue 8): oversold=0 and ledger_mismatch=0 always; orders_per_s at least 15% of
pgbench's tps. The last two lines are machine-readable:
    pgbench_tps=<t>
    checkout: orders=<n> orders_per_s=<x> p95_ms=<y> oversold=<k> ledger_mismatch=<m>
(`orders`: orders placed and paid in the measured phase 1; `p95_ms`: its latency.)
The exit status is 1 when anything was oversold or the ledger disagrees.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

import _load  # bench/, the script's directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

PREFIX = "bench-checkout"  # usernames, category slug and product names of seeded rows
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_checkout"
API_PATH = "/api/buyer/orders/"
BUYER_PASSWORD = "bench-checkout-password"  # noqa: S105 - seeded bench accounts only
SELLERS = 20
BATCH = 2000
BALANCE = Decimal("1000000.00")  # per buyer: never the limit in a run
STOCK = 1_000_000  # per phase-1 spec: plenty, but taken by stock_take like any stock
RACE_BUYERS = 200
RACE_STOCK = 50
SPEC_CODE = "standard"
DELIVERY_TYPES = ["license_code", "image"]  # bought again and again (module docstring)
# The bench server's own settings (module docstring); MD5 first, so that a log-in never
# rehashes the password with the slow hasher.
BENCH_SETTINGS = {
    "PASSWORD_HASHERS": [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
}


def log(message: str) -> None:
    print(message, flush=True)


# --- databases ----------------------------------------------------------------------------


def pg_params(url: str, dbname: str | None = None) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": dbname or parts.path.lstrip("/"),
    }


def database_exists(url: str) -> bool:
    import psycopg

    params = pg_params(url)
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [params["dbname"]]
            ).fetchone()
        )


def recreate_database(url: str, dbname: str) -> None:
    """Drop and create `dbname` on the server of `url` (a bench database only)."""
    import psycopg
    from psycopg import sql

    if not dbname.startswith("bench"):
        raise SystemExit(f"refusing to drop {dbname!r}: the bench's databases start with 'bench'")
    params = pg_params(url)
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        name = sql.Identifier(dbname)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


# --- seeding ------------------------------------------------------------------------------


def seeded_sizes() -> tuple[int, int]:
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product

    buyers = User.objects.filter(username__startswith=f"{PREFIX}-buyer-").count()
    specs = Product.objects.filter(name__startswith=f"{PREFIX} product ").count()
    return buyers, specs


def _users(names: list[str], password: str):
    from marketplace.accounts.models import User
    from marketplace.accounts.names import email_key, name_key

    # bulk_create skips save(), which computes the uniqueness keys
    return User.objects.bulk_create(
        User(
            username=name,
            password=password,
            email=f"{name}@bench.example",
            name_key=name_key(name),
            email_key=email_key(f"{name}@bench.example"),
        )
        for name in names
    )


def seed(*, buyers: int, specs: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from buyers.models import LedgerEntry, Wallet
    from marketplace.catalog.models import Category
    from sellers.models import Seller, ServiceGroup

    started = time.monotonic()
    now = timezone.now()
    password = make_password(BUYER_PASSWORD, hasher="md5")
    with transaction.atomic():
        Category.objects.get_or_create(
            slug=PREFIX, defaults={"name_en": "Bench checkout", "name_zh": "基准测试"}
        )
        users = _users([f"{PREFIX}-seller-{i}" for i in range(SELLERS)], make_password(None))
        sellers = Seller.objects.bulk_create(
            Seller(
                user=user,
                status=Seller.Status.ACTIVE,
                company_name=f"基准测试科技有限公司 {i}",
                credit_code=f"91320000{i:010d}"[:18],
                store_name=f"Bench store {i}",
                business_scope="Cloud software",
                contact_name="Bench",
                contact_mobile="13800138000",
                contact_email=user.email,
                submitted_at=now,
                activated_at=now,
            )
            for i, user in enumerate(users)
        )
        ServiceGroup.objects.bulk_create(
            ServiceGroup(seller=s, name="客服组", phone="400-800-8000", email="help@bench.example")
            for s in sellers
        )
    log(f"seed: {SELLERS} sellers")

    for start in range(0, buyers, BATCH):
        with transaction.atomic():
            names = [f"{PREFIX}-buyer-{i}" for i in range(start, min(buyers, start + BATCH))]
            wallets = Wallet.objects.bulk_create(
                Wallet(buyer=user, balance=BALANCE) for user in _users(names, password)
            )
            # The money came from somewhere: one top-up entry each (ledger_check agrees).
            LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    wallet=wallet,
                    account=LedgerEntry.Account.BALANCE,
                    kind=LedgerEntry.Kind.OPERATOR_TOP_UP,
                    amount=BALANCE,
                    balance_after=BALANCE,
                    key=f"operator_top_up:{PREFIX}-{wallet.pk}",
                    memo="bench seed",
                )
                for wallet in wallets
            )
    log(f"seed: {buyers} buyers with {BALANCE} each ({time.monotonic() - started:.0f}s)")

    for start in range(0, specs, BATCH):
        rows = [
            (
                f"{PREFIX} product {i}",
                sellers[i % SELLERS],
                DELIVERY_TYPES[i % len(DELIVERY_TYPES)],
                Decimal(10 + (i * 37) % 490),
            )
            for i in range(start, min(specs, start + BATCH))
        ]
        with transaction.atomic():
            create_products(rows, stock=STOCK)
    log(f"seed: {specs} products of one spec each ({time.monotonic() - started:.0f}s)")
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "buyers_wallet",
            "buyers_ledgerentry",
            "catalog_product",
            "catalog_productversion",
            "catalog_spec",
            "catalog_price",
            "catalog_specsales",
        ):
            cursor.execute(f"ANALYZE {table}")


def create_products(rows, *, stock: int):
    """Listed products of one monthly spec each, as publishing leaves them; `rows` are
    (name, seller, delivery type, monthly price). Returns the products."""
    from django.db import connection
    from django.utils import timezone

    from marketplace.catalog.cache import bump_generation
    from marketplace.catalog.models import (
        BillingMode,
        Category,
        Price,
        Product,
        ProductVersion,
        Spec,
        SpecSales,
    )
    from sellers.models import ServiceGroup

    now = timezone.now()
    category = Category.objects.get(slug=PREFIX)
    groups = {g.seller_id: g for g in ServiceGroup.objects.filter(seller__in=[r[1] for r in rows])}
    products = Product.objects.bulk_create(
        Product(
            seller=seller,
            delivery_type=delivery_type,
            status=Product.Status.LISTED,
            listed_at=now,
            name=name,
            summary="A product of the checkout benchmark",
            category=category,
            min_price=price,
            billing_modes=f",{BillingMode.PERIOD},",
            search_text=name.lower(),
        )
        for name, seller, delivery_type, price in rows
    )
    versions = ProductVersion.objects.bulk_create(
        ProductVersion(
            product=product,
            number=1,
            status=ProductVersion.Status.APPROVED,
            name=name,
            category=category,
            summary="A product of the checkout benchmark",
            description="A product of the checkout benchmark.",
            service_group=groups.get(seller.pk),
            agreement_text="本协议由买卖双方在线签订，买家下单时勾选即生效。",
            submitted_at=now,
            reviewed_at=now,
        )
        for product, (name, seller, _, _) in zip(products, rows, strict=True)
    )
    spec_rows = Spec.objects.bulk_create(
        Spec(version=v, code=SPEC_CODE, name="Standard", billing_mode=BillingMode.PERIOD)
        for v in versions
    )
    Price.objects.bulk_create(
        Price(spec=spec, period=Price.Period.MONTH, amount=row[3], max_periods=12)
        for spec, row in zip(spec_rows, rows, strict=True)
    )
    SpecSales.objects.bulk_create(
        SpecSales(product=p, spec_code=SPEC_CODE, stock=stock) for p in products
    )
    with connection.cursor() as cursor:  # set-based: each product points at its version
        cursor.execute(
            "UPDATE catalog_product SET listed_version_id = v.id "
            "FROM catalog_productversion v WHERE v.product_id = catalog_product.id "
            "AND catalog_product.id = ANY(%s)",
            [[p.pk for p in products]],
        )
    bump_generation()  # bulk writes bypass the services: cached lists are stale
    return products


def create_race_product(run: str):
    from sellers.models import Seller

    seller = Seller.objects.filter(user__username=f"{PREFIX}-seller-0").get()
    (product,) = create_products(
        [(f"{PREFIX} race {run}", seller, "license_code", Decimal("99.00"))], stock=RACE_STOCK
    )
    return product


# --- load ---------------------------------------------------------------------------------


def authorization(username: str) -> str:
    """HTTP basic (the bench's `--auth basic`): a password check on every request."""
    token = base64.b64encode(f"{username}:{BUYER_PASSWORD}".encode()).decode()
    return f"Basic {token}"


def issue_api_tokens(usernames: list[str]) -> dict[str, str]:
    """A fresh personal API token for each buyer (README › API tokens), as a client signs
    in once and keeps its token: `Authorization: Bearer <token>` per request. The bench's
    earlier tokens are deleted first; only the digests are stored, as the service does."""
    from marketplace.accounts import tokens
    from marketplace.accounts.models import ApiToken, User

    users = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    ApiToken.objects.filter(user_id__in=users.values(), name=PREFIX).delete()
    issued = {name: tokens.new_token() for name in usernames}
    ApiToken.objects.bulk_create(
        ApiToken(user_id=users[name], name=PREFIX, prefix=prefix, digest=tokens.digest(token))
        for name, (prefix, token) in issued.items()
    )
    return {name: f"Bearer {token}" for name, (_prefix, token) in issued.items()}


def order_body(product_id: int) -> str:
    return json.dumps(
        {
            "product": product_id,
            "spec_code": SPEC_CODE,
            "quantity": 1,
            "period": "month",
            "periods": 1,
            "agreement_accepted": True,
            "pay": {"method": "balance"},
        },
        separators=(",", ":"),
    )


def write_lines(lines: list[str], directory: str, name: str) -> str:
    path = os.path.join(directory, name)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pgbench(url: str, *, dbname: str, clients: int, seconds: int, scale: int) -> float:
    """The tps of pgbench's built-in tpcb-like script against its own database."""
    recreate_database(url, dbname)
    params = pg_params(url, dbname)
    env = {**os.environ, "PGPASSWORD": params["password"]}
    common = ["-h", params["host"], "-p", str(params["port"]), "-U", params["user"]]
    subprocess.run(
        ["pgbench", *common, "-i", "-q", "-s", str(scale), dbname],
        check=True,
        capture_output=True,
        env=env,
    )
    result = subprocess.run(
        ["pgbench", *common, "-c", str(clients), "-j", "2", "-T", str(seconds), dbname],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=seconds + 60,
    )
    return float(re.search(r"^tps = ([\d.]+)", result.stdout, re.MULTILINE).group(1))


def race(base_url: str, *, buyers_file: str, body: str, clients: int, run: str) -> dict:
    """Every buyer of `buyers_file` sends one order of `body`; the responses counted."""
    threads = 2
    with tempfile.TemporaryDirectory(prefix="bench-race-") as done_dir:
        env = {
            **os.environ,
            "BENCH_BUYERS": buyers_file,
            "BENCH_BODY": body,
            "BENCH_PATH": API_PATH,
            "BENCH_RUN": run,
            "BENCH_THREADS": str(threads),
            "BENCH_DONE": done_dir,
        }
        script = _load.LUA / "checkout_race.lua"
        process = subprocess.Popen(
            ["wrk", f"-t{threads}", f"-c{clients}", "-d120s", "--timeout", "30s", "-s"]
            + [str(script), base_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # Each thread writes its file once all its buyers were answered; then wrk is
        # stopped (SIGINT: it prints its summary and runs done()).
        deadline = time.monotonic() + 110
        while time.monotonic() < deadline and process.poll() is None:
            if len(os.listdir(done_dir)) >= threads:
                break
            time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    found = re.search(r"race_responses created=(\d+) sold_out=(\d+) other=(\d+)", out)
    if not found:
        raise SystemExit(f"race: wrk said\n{out}\n{err}")
    if err.strip():
        log(err.strip())
    created, sold_out, other = (int(x) for x in found.groups())
    return {"created": created, "sold_out": sold_out, "other": other}


# --- checks -------------------------------------------------------------------------------


def race_check(product) -> dict:
    from marketplace.catalog.models import SpecSales
    from orders.models import Order

    orders = Order.objects.filter(product=product)
    paid = orders.filter(payment_status=Order.PaymentStatus.PAID).count()
    live = orders.exclude(status=Order.Status.CANCELLED).count()
    stock = SpecSales.objects.filter(product=product, spec_code=SPEC_CODE).get().stock
    return {
        "paid": paid,
        "pending": orders.filter(status=Order.Status.PENDING_PAYMENT).count(),
        "stock_left": stock,
        "oversold": max(0, paid - RACE_STOCK, -stock),
        # every unit taken is an order still live, and every sold unit is a paid order
        "stock_consistent": stock == RACE_STOCK - live and live == paid,
    }


def order_ledger_mismatches() -> int:
    """Paid orders whose payment ledger entries don't add up to the amount paid."""
    from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from buyers.models import LedgerEntry
    from orders.models import Order

    charged = (
        LedgerEntry.objects.filter(order_number=OuterRef("number"), kind=LedgerEntry.Kind.PAYMENT)
        .order_by()
        .values("order_number")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    paid = Order.objects.filter(payment_status=Order.PaymentStatus.PAID).annotate(
        charged=-Coalesce(Subquery(charged), zero)
    )
    wrong = 0
    for amount, balance, credit, coupon, ledger in paid.values_list(
        "amount", "paid_balance", "paid_credit", "paid_coupon", "charged"
    ).iterator():
        wrong += amount != balance + credit + coupon or amount != ledger
    return wrong


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=16, help="wrk and pgbench clients")
    parser.add_argument("--duration", type=int, default=12, help="seconds of each measurement")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an earlier seed of the same size"
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped unless --reuse")
    parser.add_argument(
        "--auth",
        choices=("token", "basic"),
        default="token",
        help="token: a personal API token per buyer (Bearer); basic: the password each time",
    )
    parser.add_argument(
        "--pgbench-scale", type=int, default=1, help="pgbench -i -s (1: pgbench's default)"
    )
    args = parser.parse_args()
    if args.buyers < RACE_BUYERS:
        raise SystemExit(f"--buyers must be at least {RACE_BUYERS} (the race)")
    _load.ensure_wrk()
    if not shutil.which("pgbench"):
        raise SystemExit("needs pgbench: apt-get install postgresql-client")
    started = time.monotonic()
    run = str(time.time_ns() // 10**6)
    url = args.database_url
    dbname = pg_params(url)["dbname"]
    os.environ["DATABASE_URL"] = url  # this process and the server

    fresh = not (args.reuse and database_exists(url))
    if fresh:
        recreate_database(url, dbname)
    import django

    django.setup()
    _load.apply_settings(BENCH_SETTINGS)
    from django.core.management import call_command
    from django.db import connection

    from buyers.selectors import ledger_mismatches
    from marketplace.accounts.models import User
    from marketplace.catalog.models import Product
    from orders.models import Order

    call_command("migrate", verbosity=0)
    if not fresh and seeded_sizes() != (args.buyers, args.specs):
        log(f"seed: {dbname} holds another size, seeding again")
        connection.close()
        recreate_database(url, dbname)
        call_command("migrate", verbosity=0)
        fresh = True
    if fresh:
        seed(buyers=args.buyers, specs=args.specs)
    else:
        log(f"seed: reusing {args.buyers} buyers and {args.specs} products in {dbname}")
    race_product = create_race_product(run)
    buyer_names = list(
        User.objects.filter(username__startswith=f"{PREFIX}-buyer-")
        .order_by("pk")
        .values_list("username", flat=True)
    )
    product_ids = list(
        Product.objects.filter(name__startswith=f"{PREFIX} product ")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    connection.close()
    log(f"database: {dbname}; seeded in {time.monotonic() - started:.0f}s")
    log(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before measuring")

    tps = pgbench(
        url,
        dbname=f"{dbname}_pgbench",
        clients=args.connections,
        seconds=args.duration,
        scale=args.pgbench_scale,
    )
    log(
        f"pgbench: tpcb-like, scale {args.pgbench_scale}, -c{args.connections} -j2 "
        f"-T{args.duration}: {tps:.0f} tps"
    )

    if args.auth == "token":
        auth = "a personal API token per buyer (Authorization: Bearer)"
    else:
        auth = (
            "HTTP basic on every request, the seeded buyers' passwords hashed with "
            "MD5PasswordHasher (not PBKDF2)"
        )
    log(f"auth: {auth}; the bench server lifts the API throttles and queues Celery tasks in memory")
    with tempfile.TemporaryDirectory(prefix="bench-checkout-") as tmp:
        if args.auth == "token":
            headers = issue_api_tokens(buyer_names)
        else:
            headers = {n: authorization(n) for n in buyer_names}
        buyers_file = write_lines([headers[n] for n in buyer_names], tmp, "buyers.txt")
        bodies_file = write_lines([order_body(pk) for pk in product_ids], tmp, "bodies.txt")
        race_file = write_lines([headers[n] for n in buyer_names[:RACE_BUYERS]], tmp, "race.txt")
        port = _load.free_port()
        server_log = Path(tmp) / "server.log"
        server = _load.start_server(
            port,
            app="_load:django_application",
            pythonpath="bench",
            workers=args.workers,
            log_file=server_log,
            env={
                **_load.settings_env(BENCH_SETTINGS),
                "DB_CONN_MAX_AGE": "60",
                "API_THROTTLE_ANON": "100000000/min",
                "API_THROTTLE_USER": "100000000/min",
                "CELERY_BROKER_URL": "memory://",
            },
        )
        try:
            base = f"http://127.0.0.1:{port}/"
            script = _load.LUA / "checkout.lua"
            env = {"BENCH_BUYERS": buyers_file, "BENCH_BODIES": bodies_file}
            env["BENCH_PATH"] = API_PATH
            _load.wrk(
                base,
                seconds=2,
                clients=args.connections,
                script=script,
                env={**env, "BENCH_RUN": f"w{run}"},
            )
            load = _load.wrk(
                base,
                seconds=args.duration,
                clients=args.connections,
                script=script,
                env={**env, "BENCH_RUN": f"m{run}"},
            )
            measured = Order.objects.filter(idempotency_key__startswith=f"bench-m{run}-")
            orders = measured.filter(payment_status=Order.PaymentStatus.PAID).count()
            unpaid = measured.exclude(payment_status=Order.PaymentStatus.PAID).count()
            connection.close()
            log(
                f"phase 1: {orders} orders placed and paid in {args.duration}s "
                f"({load.rps:.1f}/s, p50 {load.p50_ms:.1f} ms, p95 {load.p95_ms:.1f} ms, "
                f"p99 {load.p99_ms:.1f} ms); not paid: {unpaid}; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            answers = race(
                base,
                buyers_file=race_file,
                body=order_body(race_product.pk),
                clients=args.connections,
                run=run,
            )
        finally:
            _load.stop_server(server)
            # The race's sold-out answers are logged (WARNING "Conflict"): show the rest.
            errors = [
                line
                for line in server_log.read_text(encoding="utf-8", errors="replace").splitlines()
                if ("ERROR" in line or "Traceback" in line or "Error:" in line)
            ]
            for line in errors[:20]:
                log(f"server: {line}")

    check = race_check(race_product)
    oversold = check["oversold"]
    log(
        f"race: {RACE_BUYERS} buyers for stock {RACE_STOCK}: answered created="
        f"{answers['created']} sold_out={answers['sold_out']} other={answers['other']}; "
        f"paid={check['paid']} pending={check['pending']} stock_left={check['stock_left']} "
        f"stock_consistent={'yes' if check['stock_consistent'] else 'NO'}"
    )
    wallets = len(ledger_mismatches())
    by_order = order_ledger_mismatches()
    mismatch = wallets + by_order
    log(f"ledger: wallets and coupons off their ledger={wallets}, paid orders off it={by_order}")
    share = load.rps / tps if tps else 0.0
    log(
        f"target: orders_per_s >= 15% of pgbench_tps: {share:.1%} "
        f"({'met' if share >= 0.15 else 'not met'}); total {time.monotonic() - started:.0f}s"
    )
    log(f"pgbench_tps={tps:.1f}")
    log(
        f"checkout: orders={orders} orders_per_s={load.rps:.1f} p95_ms={load.p95_ms:.1f} "
        f"oversold={oversold} ledger_mismatch={mismatch}"
    )
    if oversold or mismatch or not check["stock_consistent"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

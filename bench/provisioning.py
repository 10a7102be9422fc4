"""Provisioning benchmark: paid SaaS orders → newInstance calls through the outbox, real
Celery workers over Redis, the real sample ISV; until every call is delivered.

    .venv/bin/python bench/provisioning.py [--orders 2000 --rate 110 --payers 3 \\
        --workers 2 --concurrency 2 --fail-rate 0.3]

It uses its own PostgreSQL database (`--database-url`, default
postgres://postgres@127.0.0.1:5432/bench_provisioning, never $DATABASE_URL: dropped and
created again every run) and a private `redis-server` on a free loopback port (nothing
saved; `--redis-url` to use another, whose database is flushed).

1. Seeds, set-based: one seller with two listed SaaS products (one per run), each with
   its production interface (the sample ISV's demo key, stored encrypted as the
   credentials service stores it), N buyers, and per product N orders paid from the
   balance with their subscriptions pending delivery: what `order_pay` leaves before its
   newInstance call (the checkout benchmark measures the payment itself).
2. Two runs, each with a fresh sample ISV (`python -m sample_isv`, its SQLite file on
   /dev/shm when there is one), 2 worker processes (`celery -A marketplace worker
   --concurrency <c>`) and `celery beat` with the sweeper every second
   (`ISV_SWEEP_SECONDS=1`, production: 30 s): a healthy ISV, then one failing
   `--fail-rate` of the requests at random with HTTP 500 (backoff base 1 s, cap 4 s
   instead of 30 s and 20 min).
3. Each order is "paid" at `--rate` per second in all (from `--payers` threads), one
   transaction each, as `order_pay` writes it: `call_enqueue(newInstance, {orderId,
   orderLineId})` for the order's subscription; the commit kicks a dispatch task
   through Redis (coalesced: orders/provisioning.py › _kick). Then it waits until every
   call is delivered (or finally failed), at most `--timeout` seconds after the last
   commit. calls/s can't exceed the rate paid: it shows whether dispatch keeps up.
4. Per run, from the database: calls; delivered (succeeded); lost (not succeeded at the
   end); commit-to-ack per call (`created_at` → the end of its successful attempt:
   `started_at + latency_ms`), its p50/p95/max; calls/s = delivered / (last ack − first
   commit); attempts; the CPU time per call of the workers, beat, the ISV, the
   database's backends and the paying bench itself (/proc: the machine is shared, the
   CPU cost is the figure that doesn't depend on what else runs). From the ISV's
   `GET /_state`: duplicate_instances (orders holding more than one instance) and
   orders without one.

Target (issue 9): lost=0 and duplicate_instances=0 in both runs; healthy p95 ≤ 500 ms
and ≥ 100 calls/s on the 2-core machine. The last line is machine-readable:
    provisioning: calls=<n> delivered=<d> lost=<l> duplicate_instances=<k>
        p95_commit_to_ack_ms=<x> calls_per_s=<y> flaky_calls_per_s=<z>
(on one line; calls, delivered, lost and duplicates summed over both runs, p95 and
calls_per_s of the healthy run). The exit status is 1 when a call was lost or an
instance duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
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

PREFIX = "bench-prov"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_provisioning"
BATCH = 2000
PRICE = Decimal("100.00")
CELERY = str(Path(sys.executable).parent / "celery")
# The workers' settings in both runs; the flaky run's backoff is shortened (module doc).
WORKER_ENV = {
    "DEBUG": "false",
    "LOG_LEVEL": "WARNING",
    "DB_CONN_MAX_AGE": "60",
    "PROVISIONING_DISPATCHER": "orders.isv.dispatcher.HttpDispatcher",
    "ISV_SWEEP_SECONDS": "1",
    "ISV_BACKOFF_BASE_SECONDS": "1",
    "ISV_BACKOFF_CAP_SECONDS": "4",
}


def log(message: str) -> None:
    print(message, flush=True)


# --- processes ----------------------------------------------------------------------------


class Child:
    """A child process in its own session (killed with its children), output to `log`."""

    def __init__(self, command: list[str], *, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as output:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()  # a Celery worker's warm shutdown: its pool finishes
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def wait_for(condition, *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def start_redis(directory: Path) -> tuple[Child, str]:
    port = _load.free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--daemonize", "no", "--dir", str(directory)]
    child = Child(command, log_path=directory / "redis.log", env=dict(os.environ))

    def ping() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(ping, timeout=10, what="redis-server")
    return child, f"redis://127.0.0.1:{port}/0"


def start_isv(directory: Path, name: str, *args: str) -> tuple[Child, str]:
    port = _load.free_port()
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp below it
    db_dir = Path(tempfile.mkdtemp(prefix="bench-isv-", dir=shm if shm.is_dir() else None))
    command = [sys.executable, "-m", "sample_isv", "--port", str(port)]
    command += ["--db", str(db_dir / f"{name}.sqlite3"), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = Child(command, log_path=directory / f"isv-{name}.log", env=env)
    child.db_dir = db_dir
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if child.popen.poll() is not None:
            raise SystemExit(f"the sample ISV exited:\n{child.output()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return True
        except OSError:
            return False

    wait_for(healthy, timeout=15, what="the sample ISV")
    return child, base


def _proc_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds used, command line) of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmdline)
    return table


def cpu_seconds(roots: dict[str, list[int]], dbname: str) -> dict[str, float]:
    """CPU seconds used so far by each group of process trees in `roots`, and by the
    PostgreSQL backends of `dbname` ("postgres")."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu, _cmd) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, 0.0, ""))[1] + sum(tree(c) for c in children.get(pid, []))

    used = {name: sum(tree(pid) for pid in pids) for name, pids in roots.items()}
    used["postgres"] = sum(
        cpu
        for _ppid, cpu, cmd in table.values()
        if cmd.startswith("postgres: ") and f" {dbname} " in cmd
    )
    used["bench"] = table.get(os.getpid(), (0, 0.0, ""))[1]  # the payments, itself only
    return used


def isv_state(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/_state", timeout=30) as response:
        return json.load(response)


def celery_env(url: str, broker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.pop("CONN_MAX_AGE", None)  # an older name, which would win over DB_CONN_MAX_AGE
    return {
        **env,
        **WORKER_ENV,
        "DATABASE_URL": url,
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
    }


def start_workers(
    directory: Path, name: str, *, env: dict, workers: int, concurrency: int
) -> list[Child]:
    children = []
    for number in range(1, workers + 1):
        command = [CELERY, "-A", "marketplace", "worker", "--loglevel=INFO"]
        command += [f"--concurrency={concurrency}", "--pool=prefork"]
        command += [f"-n=bench{number}-{name}@%h", "--without-gossip", "--without-mingle"]
        command += ["--without-heartbeat"]
        log_path = directory / f"worker{number}-{name}.log"
        children.append(Child(command, log_path=log_path, env=env))
    for child in children:

        def ready(child=child) -> bool:
            if child.popen.poll() is not None:
                raise SystemExit(f"a worker exited:\n{child.output()}")
            return " ready." in child.output()

        wait_for(ready, timeout=60, every=0.2, what="the Celery workers")
    schedule = directory / f"celerybeat-{name}"
    beat = [CELERY, "-A", "marketplace", "beat", "--loglevel=INFO", f"--schedule={schedule}"]
    children.append(Child(beat, log_path=directory / f"beat-{name}.log", env=env))
    return children


# --- seeding ------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import checkout  # bench/checkout.py

    checkout.recreate_database(url, checkout.pg_params(url)["dbname"])


def seed(*, orders: int, runs: list[str]) -> dict[str, int]:
    """The seed of the module docstring; the product id of each run."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from marketplace.accounts.models import User
    from marketplace.accounts.names import email_key, name_key
    from marketplace.catalog.models import (
        BillingMode,
        Category,
        DeliveryType,
        Price,
        Product,
        ProductVersion,
        Spec,
    )
    from marketplace.core import crypto
    from orders.models import Order, ProductInterface, Subscription
    from sample_isv.server import DEFAULT_ACCESS_KEY
    from sellers.models import AccessKey, Seller, ServiceGroup
    from sellers.services.credentials import new_key_id

    def users(names: list[str]) -> list:
        password = make_password(None)
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

    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        category, _ = Category.objects.get_or_create(
            slug=PREFIX, defaults={"name_en": "Bench provisioning", "name_zh": "开通基准测试"}
        )
        (seller_user,) = users([f"{PREFIX}-seller"])
        seller = Seller.objects.create(
            user=seller_user,
            status=Seller.Status.ACTIVE,
            company_name="开通基准测试科技有限公司",
            credit_code="913200000000000001",
            store_name="Bench provisioning store",
            business_scope="Cloud software",
            contact_name="Bench",
            contact_mobile="13800138000",
            contact_email=seller_user.email,
            submitted_at=now,
            activated_at=now,
        )
        group = ServiceGroup.objects.create(
            seller=seller, name="客服组", phone="400-800-8000", email="help@bench.example"
        )
        key = AccessKey.objects.create(
            seller=seller,
            kind=AccessKey.Kind.INTERFACE,
            key_id=new_key_id(),
            secret_encrypted=crypto.encrypt(DEFAULT_ACCESS_KEY),
        )
        products = {}
        for run in runs:
            name = f"{PREFIX} SaaS {run}"
            product = Product.objects.create(
                seller=seller,
                delivery_type=DeliveryType.SAAS,
                status=Product.Status.LISTED,
                listed_at=now,
                name=name,
                summary="A SaaS product of the provisioning benchmark",
                category=category,
                min_price=PRICE,
                billing_modes=f",{BillingMode.PERIOD},",
                search_text=name.lower(),
            )
            version = ProductVersion.objects.create(
                product=product,
                number=1,
                status=ProductVersion.Status.APPROVED,
                name=name,
                category=category,
                summary="A SaaS product of the provisioning benchmark",
                description="A SaaS product of the provisioning benchmark.",
                service_group=group,
                agreement_text="本协议由买卖双方在线签订，买家下单时勾选即生效。",
                submitted_at=now,
                reviewed_at=now,
            )
            spec = Spec.objects.create(
                version=version, code="standard", name="Standard", billing_mode=BillingMode.PERIOD
            )
            Price.objects.create(spec=spec, period=Price.Period.MONTH, amount=PRICE)
            Product.objects.filter(pk=product.pk).update(listed_version=version)
            ProductInterface.objects.create(
                product=product, production_url="http://127.0.0.1:9/produce", access_key=key
            )
            products[run] = (product, version, spec)

    expires = now + timezone.timedelta(days=30)
    for start in range(0, orders, BATCH):
        with transaction.atomic():
            buyers = users(
                [f"{PREFIX}-buyer-{i}" for i in range(start, min(orders, start + BATCH))]
            )
            for product, version, spec in products.values():
                subscriptions = Subscription.objects.bulk_create(
                    Subscription(
                        buyer=buyer,
                        seller=seller,
                        product=product,
                        spec=spec,
                        spec_code=spec.code,
                        spec_name=spec.name,
                        delivery_type=DeliveryType.SAAS,
                        billing_mode=BillingMode.PERIOD,
                        status=Subscription.Status.PENDING,
                        starts_at=now,
                        expires_at=expires,
                    )
                    for buyer in buyers
                )
                Order.objects.bulk_create(
                    Order(
                        status=Order.Status.PAID,
                        payment_status=Order.PaymentStatus.PAID,
                        buyer=buyer,
                        seller=seller,
                        product=product,
                        spec=spec,
                        subscription=subscription,
                        product_name=version.name,
                        version_number=1,
                        spec_code=spec.code,
                        spec_name=spec.name,
                        delivery_type=DeliveryType.SAAS,
                        billing_mode=BillingMode.PERIOD,
                        period=Price.Period.MONTH,
                        unit_price=PRICE,
                        list_amount=PRICE,
                        amount=PRICE,
                        paid_balance=PRICE,
                        pay_by=now,
                        paid_at=now,
                        effective_at=now,
                        ends_at=expires,
                    )
                    for buyer, subscription in zip(buyers, subscriptions, strict=True)
                )
    with connection.cursor() as cursor:
        for table in ("accounts_user", "orders_subscription", "orders_order"):
            cursor.execute(f"ANALYZE {table}")
    log(
        f"seed: {orders} buyers, {len(runs)} SaaS products, {orders * len(runs)} paid orders "
        f"with pending subscriptions ({time.monotonic() - started:.0f}s)"
    )
    return {run: product.pk for run, (product, _v, _s) in products.items()}


# --- one run ------------------------------------------------------------------------------


def pay(product_id: int, *, rate: float, payers: int) -> tuple[int, float]:
    """Commit the newInstance call of each order of `product_id`, `rate` per second in
    all, one transaction each (the after-commit kick goes to Redis), from `payers`
    threads (a payment waits on the database; one thread alone falls behind the rate);
    (calls, seconds taken)."""
    import threading

    from django.db import connection

    from orders.models import Order, ProvisioningCall, Subscription
    from orders.provisioning import call_enqueue

    rows = list(
        Order.objects.filter(product_id=product_id)
        .order_by("pk")
        .values_list("pk", "number", "subscription_id")
    )
    started = time.monotonic()

    def payer(offset: int) -> None:
        try:
            for n in range(offset, len(rows), payers):
                order_id, number, subscription_id = rows[n]
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                call_enqueue(
                    subscription=Subscription(pk=subscription_id),
                    activity=ProvisioningCall.Activity.NEW_INSTANCE,
                    payload={
                        "instanceId": "",
                        "orderId": number,
                        "orderLineId": f"{number}-000001",
                    },
                    order=Order(pk=order_id),
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=payer, args=(i,)) for i in range(payers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(rows), time.monotonic() - started


def wait_delivered(product_id: int, *, timeout: float) -> None:
    from orders.models import ProvisioningCall

    open_calls = ProvisioningCall.objects.filter(
        subscription__product_id=product_id,
        status__in=[ProvisioningCall.Status.PENDING, ProvisioningCall.Status.SENDING],
    )
    deadline = time.monotonic() + timeout
    while open_calls.exists() and time.monotonic() < deadline:
        time.sleep(0.25)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(product_id: int, isv_base: str) -> dict:
    from datetime import timedelta

    from orders.models import CallAttempt, Order, ProvisioningCall

    calls = ProvisioningCall.objects.filter(subscription__product_id=product_id)
    created = dict(calls.values_list("pk", "created_at"))
    status = dict(calls.values_list("pk", "status"))
    acks = {
        call_id: started + timedelta(milliseconds=latency or 0)
        for call_id, started, latency in CallAttempt.objects.filter(
            call__in=calls, ok=True
        ).values_list("call_id", "started_at", "latency_ms")
    }
    attempts = CallAttempt.objects.filter(call__in=calls).count()
    delivered = [pk for pk, s in status.items() if s == ProvisioningCall.Status.SUCCEEDED]
    latencies = [(acks[pk] - created[pk]).total_seconds() * 1000 for pk in delivered if pk in acks]
    span = (max(acks.values()) - min(created.values())).total_seconds() if acks else 0.0
    state = isv_state(isv_base)
    numbers = set(Order.objects.filter(product_id=product_id).values_list("number", flat=True))
    instances = state["instances"]
    return {
        "calls": len(status),
        "delivered": len(delivered),
        "lost": len(status) - len(delivered),
        "failed": sum(s == ProvisioningCall.Status.FAILED for s in status.values()),
        "attempts": attempts,
        "duplicates": sum(count > 1 for count in instances.values()),
        "no_instance": len(numbers - set(instances)),
        "isv_requests": state["counters"]["requests"],
        "isv_faults": state["counters"]["faults"],
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies, default=0.0),
        "calls_per_s": len(delivered) / span if span else 0.0,
    }


def run_once(
    name: str, product_id: int, *, args, url: str, broker: str, tmp: Path, isv_args: list[str]
) -> dict:
    from django.db import connection

    from orders.models import ProductInterface

    isv, base = start_isv(tmp, name, *isv_args)
    ProductInterface.objects.filter(product_id=product_id).update(production_url=f"{base}/produce")
    env = celery_env(url, broker)
    connection.close()
    children = start_workers(tmp, name, env=env, workers=args.workers, concurrency=args.concurrency)
    try:
        time.sleep(1)  # beat's first tick
        load = os.getloadavg()[0]
        roots = {
            "workers": [c.popen.pid for c in children[:-1]],
            "beat": [children[-1].popen.pid],
            "isv": [isv.popen.pid],
        }
        dbname = url.rsplit("/", 1)[1]
        cpu_before = cpu_seconds(roots, dbname)
        calls, seconds = pay(product_id, rate=args.rate, payers=args.payers)
        log(
            f"{name}: {calls} orders paid in {seconds:.1f}s ({calls / seconds:.0f}/s), "
            f"load average before {load:.2f}"
        )
        wait_delivered(product_id, timeout=args.timeout)
        cpu_after = cpu_seconds(roots, dbname)
        result = measure(product_id, base)
        cpu = {k: (cpu_after[k] - cpu_before[k]) * 1000 / max(calls, 1) for k in cpu_after}
        log(
            f"{name}: CPU ms per call: "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
            + f"; load average after {os.getloadavg()[0]:.2f}"
        )
    finally:
        for child in children:
            child.stop()
        isv.stop()
        shutil.rmtree(isv.db_dir, ignore_errors=True)
        errors = [
            line
            for child in children
            for line in child.output().splitlines()
            if "ERROR" in line or "Traceback" in line
        ]
        for line in errors[:10]:
            log(f"{name} worker: {line}")
    log(
        f"{name}: calls={result['calls']} delivered={result['delivered']} lost={result['lost']} "
        f"(finally failed {result['failed']}) duplicate_instances={result['duplicates']} "
        f"orders_without_instance={result['no_instance']} attempts={result['attempts']} "
        f"isv_requests={result['isv_requests']} isv_faults={result['isv_faults']} "
        f"commit_to_ack_ms p50={result['p50']:.0f} p95={result['p95']:.0f} "
        f"max={result['max']:.0f} calls_per_s={result['calls_per_s']:.1f}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders (calls) per run")
    parser.add_argument("--rate", type=float, default=110.0, help="orders paid per second")
    parser.add_argument("--payers", type=int, default=3, help="threads paying the orders")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size of each worker")
    parser.add_argument("--fail-rate", type=float, default=0.3, help="the flaky run's faults")
    parser.add_argument("--timeout", type=float, default=180, help="seconds after the last payment")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and created")
    parser.add_argument("--redis-url", help="a broker to use (flushed) instead of a private one")
    args = parser.parse_args()
    if not shutil.which("redis-server") and not args.redis_url:
        raise SystemExit("needs redis-server (apt-get install redis-server) or --redis-url")
    started = time.monotonic()
    url = args.database_url
    recreate_database(url)
    tmp = Path(tempfile.mkdtemp(prefix="bench-provisioning-"))
    redis = None
    if args.redis_url:
        broker = args.redis_url
        import redis as redis_client

        redis_client.Redis.from_url(broker).flushdb()
    else:
        redis, broker = start_redis(tmp)
    # This process: the bench database, the broker, no eager tasks.
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": broker, "CELERY_BROKER_URL": broker})
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    os.environ["DB_CONN_MAX_AGE"] = "60"
    os.environ.pop("CONN_MAX_AGE", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    runs = ["healthy", "flaky"]
    products = seed(orders=args.orders, runs=runs)
    log(f"machine: {os.cpu_count()} cores; {args.workers} workers x {args.concurrency}")
    try:
        healthy = run_once(
            "healthy", products["healthy"], args=args, url=url, broker=broker, tmp=tmp, isv_args=[]
        )
        flaky = run_once(
            "flaky",
            products["flaky"],
            args=args,
            url=url,
            broker=broker,
            tmp=tmp,
            isv_args=["--fail-rate", str(args.fail_rate), "--fail-mode", "http500"],
        )
    finally:
        if redis is not None:
            redis.stop()
    both = [healthy, flaky]
    total = {key: sum(r[key] for r in both) for key in ("calls", "delivered", "lost", "duplicates")}
    met = (
        total["lost"] == 0
        and total["duplicates"] == 0
        and healthy["p95"] <= 500
        and healthy["calls_per_s"] >= 100
    )
    log(
        "target: lost=0, duplicate_instances=0, healthy p95 <= 500 ms and >= 100 calls/s: "
        f"{'met' if met else 'not met'}; total {time.monotonic() - started:.0f}s; logs in {tmp}"
    )
    log(
        f"provisioning: calls={total['calls']} delivered={total['delivered']} "
        f"lost={total['lost']} duplicate_instances={total['duplicates']} "
        f"p95_commit_to_ack_ms={healthy['p95']:.0f} calls_per_s={healthy['calls_per_s']:.1f} "
        f"flaky_calls_per_s={flaky['calls_per_s']:.1f}"
    )
    if total["lost"] or total["duplicates"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

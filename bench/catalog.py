"""Catalog benchmark: search and product pages at N products, next to a trivial view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_catalog \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/catalog.py --products 100000 [--reuse]

1. Seeds N listed products (Chinese and English names, categories, sellers, specs,
   prices, regions, listing fields filled as publishing fills them) with set-based
   bulk inserts, into the configured database. `--reuse` keeps an earlier seed of the
   same size instead of seeding again.
2. Starts the real server (gunicorn, 2 sync workers) on a free loopback port.
3. Measures with concurrent clients (threads + requests, bounded by count and time):
   the search-results page over a mix of Chinese and English terms of 1-5 characters,
   random product pages, and /healthz as the baseline Django view (one `SELECT 1`).
   Search and category lists are cached per catalog generation (catalog/cache.py), so
   the search figure is mostly cache hits, as repeated searches are. The cold figure
   ("search-cold") gives every request a query string of its own (the same terms with
   a unique `price_max` above every price: the cache key holds the known list parameters
   only, so an unknown parameter would be a hit): every one is a cache miss that queries
   and renders its list, as a search nobody made before does.

Target (PostgreSQL, 100k products): search p95 ≤ 50 ms and search throughput ≥ 40% of
the baseline. The last two lines are machine-readable, the last one the normal workload:
    catalog-cold: products=<N> search_p95_ms=<x> search_rps=<r> baseline_rps=<b>
    catalog: products=<N> search_p95_ms=<x> product_p95_ms=<y> search_rps=<r> baseline_rps=<b>
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

BENCH_PREFIX = "bench-catalog"  # usernames and category slugs of seeded rows
SELLERS = 200
BATCH = 5000
RUN = time.time_ns()  # makes the cold scenario's URLs unique across runs too

# Search terms buyers type: two-character Chinese words (the common case), a single
# character, longer Chinese terms, English words and fragments.
SEARCH_TERMS = [
    "数据",
    "客服",
    "建站",
    "安全",
    "云",
    "数据库",
    "企业版",
    "智能客服",
    "容器服务",
    "crm",
    "backup",
    "mysql",
    "office",
    "gateway",
    "ai",
]

CN_PREFIX = ["云", "智能", "企业", "极速", "安全", "轻量", "分布式", "开源", "专业", "全栈"]
CN_NOUN = [
    "数据库",
    "客服机器人",
    "办公套件",
    "安全网关",
    "建站服务",
    "数据迁移",
    "容器服务",
    "视频会议",
    "财务软件",
    "人力资源系统",
    "监控平台",
    "备份与恢复",
    "大模型助手",
    "电子签章",
    "物联网平台",
]
CN_EDITION = ["企业版", "标准版", "专业版", "旗舰版", "基础版"]
EN_PREFIX = ["Cloud", "Smart", "Open", "Rapid", "Secure", "Lite", "Pro", "Hyper", "Nimbus", "Blue"]
EN_NOUN = [
    "CRM",
    "Database",
    "Backup",
    "API Gateway",
    "Office Suite",
    "Helpdesk",
    "Analytics",
    "MySQL Service",
    "Kubernetes",
    "AI Assistant",
    "Site Builder",
    "Data Migration",
    "Monitoring",
    "Firewall",
    "E-Signature",
]
CN_SUMMARY = [
    "为中小企业提供一站式{noun}，开箱即用",
    "高可用、弹性伸缩的{noun}，按需付费",
    "专业团队7x24小时支持的{noun}",
]
EN_SUMMARY = [
    "A {noun} for growing teams, ready in minutes",
    "Highly available {noun} with pay-as-you-go billing",
    "Managed {noun} with 24/7 expert support",
]
TAGS = ["saas", "数据", "安全", "ai", "办公", "运维", "开源", "database", "crm", "建站"]
CATEGORIES = [
    ("software", "Software", "软件", ["database", "office", "security", "crm"]),
    ("services", "Services", "服务", ["migration", "site-building", "ops"]),
    ("ai", "AI", "人工智能", ["llm", "agents"]),
    ("infrastructure", "Infrastructure", "基础设施", ["images", "containers", "hardware"]),
    ("data", "Data", "数据", ["datasets", "api"]),
]
REGIONS = [
    ("cn-north", "North China", "华北"),
    ("cn-east", "East China", "华东"),
    ("cn-south", "South China", "华南"),
    ("cn-southwest", "Southwest China", "西南"),
    ("cn-hk", "Hong Kong", "香港"),
]


def log(message: str) -> None:
    print(message, flush=True)


# --- seeding ------------------------------------------------------------------------------


def bench_product_count() -> int:
    from marketplace.catalog.models import Product

    return Product.objects.filter(seller__user__username__startswith=BENCH_PREFIX).count()


def wipe() -> None:
    """Delete an earlier seed (only rows the bench created), children first."""
    from django.db import transaction

    from marketplace.accounts.models import User
    from marketplace.catalog.cache import bump_generation
    from marketplace.catalog.models import Price, Product, ProductVersion, Spec
    from sellers.models import Seller, ServiceGroup

    sellers = Seller.objects.filter(user__username__startswith=BENCH_PREFIX)
    products = Product.objects.filter(seller__in=sellers)
    with transaction.atomic():
        Price.objects.filter(spec__version__product__in=products).delete()
        Spec.objects.filter(version__product__in=products).delete()
        Product.regions.through.objects.filter(product__in=products).delete()
        products.update(listed_version=None)
        ProductVersion.objects.filter(product__in=products).delete()
        products.delete()
        ServiceGroup.objects.filter(seller__in=sellers).delete()
        sellers.delete()
        User.objects.filter(username__startswith=BENCH_PREFIX).delete()
        bump_generation()  # bulk writes bypass the services: cached lists are stale


def seed(n: int, *, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from marketplace.accounts.models import User
    from marketplace.catalog.cache import bump_generation
    from marketplace.catalog.models import (
        Category,
        Price,
        Product,
        ProductVersion,
        Region,
        Spec,
    )
    from sellers.models import Seller, ServiceGroup

    started = time.monotonic()
    now = timezone.now()
    categories = []
    for position, (slug, en, zh, children) in enumerate(CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            slug=f"{BENCH_PREFIX}-{slug}",
            defaults={"name_en": en, "name_zh": zh, "position": position},
        )
        for child in children:
            cat, _ = Category.objects.get_or_create(
                slug=f"{BENCH_PREFIX}-{child}",
                defaults={"name_en": child.title(), "name_zh": child, "parent": parent},
            )
            categories.append(cat)
    regions = [
        Region.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh})[0]
        for code, en, zh in REGIONS
    ]

    unusable = make_password(None)  # seeded sellers never log in
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"{BENCH_PREFIX}-{i}", password=unusable, email=f"s{i}@bench.example")
            for i in range(SELLERS)
        )
        sellers = Seller.objects.bulk_create(
            Seller(
                user=user,
                status=Seller.Status.ACTIVE,
                company_name=f"基准测试科技有限公司 {i}",
                credit_code=f"91310000{i:010d}"[:18],
                store_name=f"{rng.choice(['云帆', '星河', 'Acme', 'Nimbus', '海纳'])}{i}",
                business_scope="Cloud software",
                contact_name="Bench",
                contact_mobile="13800138000",
                contact_email=f"s{i}@bench.example",
                submitted_at=now,
                activated_at=now,
            )
            for i, user in enumerate(users)
        )
        groups = ServiceGroup.objects.bulk_create(
            ServiceGroup(
                seller=s,
                name="客服组",
                phone="400-800-8000",
                email="help@bench.example",
                hours="Mon–Fri 9:00–18:00",
            )
            for s in sellers
        )
    group_of = {g.seller_id: g for g in groups}
    log(f"seed: {SELLERS} sellers, {len(categories)} categories")

    modes_cycle = [
        [("period", [("month", 1), ("year", 10)]), ("trial", [("free", 0)])],
        [("on_demand", [("unit", 0.01)])],
        [("one_off", [("once", 1)])],
        [("package", [("package", 5)]), ("period", [("month", 1)])],
    ]
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        rows = []
        for i in range(done, done + size):
            seller = sellers[rng.randrange(len(sellers))]
            if rng.random() < 0.6:
                noun = rng.choice(CN_NOUN)
                name = f"{rng.choice(CN_PREFIX)}{noun}{rng.choice(CN_EDITION)} {i}"
                summary = rng.choice(CN_SUMMARY).format(noun=noun)
            else:
                noun = rng.choice(EN_NOUN)
                name = f"{rng.choice(EN_PREFIX)} {noun} {i}"
                summary = rng.choice(EN_SUMMARY).format(noun=noun)
            tags = ", ".join(rng.sample(TAGS, 2))
            base = Decimal(rng.randrange(1, 2000))
            modes = modes_cycle[i % len(modes_cycle)]
            rows.append((seller, name, summary, tags, base, modes, rng.choice(categories)))
        with transaction.atomic():
            products = Product.objects.bulk_create(
                Product(
                    seller=seller,
                    delivery_type=rng.choice(
                        ["saas", "saas", "image", "license_code", "manual_service", "api_apig"]
                    ),
                    status=Product.Status.LISTED,
                    listed_at=now - timedelta(minutes=n - i),
                    name=name,
                    summary=summary,
                    category=category,
                    min_price=base,
                    billing_modes="," + ",".join(sorted({m for m, _ in modes})) + ",",
                    search_text=" ".join([name, summary, tags, seller.store_name]).lower(),
                )
                for i, (seller, name, summary, tags, base, modes, category) in enumerate(
                    rows, start=done
                )
            )
            versions = ProductVersion.objects.bulk_create(
                ProductVersion(
                    product=product,
                    number=1,
                    status=ProductVersion.Status.APPROVED,
                    name=name,
                    category=category,
                    summary=summary,
                    description=f"{summary}\n\n{name}",
                    tags=tags,
                    service_group=group_of[seller.pk],
                    agreement_text="本协议由买卖双方在线签订，买家下单时勾选即生效。",
                    usage_guide="登录控制台，按向导完成初始化。",
                    submitted_at=now,
                    reviewed_at=now,
                )
                for product, (seller, name, summary, tags, base, modes, category) in zip(
                    products, rows, strict=True
                )
            )
            specs, spec_prices = [], []
            for version, (_, _, _, _, base, modes, _) in zip(versions, rows, strict=True):
                for position, (mode, prices) in enumerate(modes):
                    specs.append(
                        Spec(
                            version=version,
                            code=f"{mode}-{position}",
                            name=mode.title(),
                            billing_mode=mode,
                            trial_days=30 if mode == "trial" else None,
                            position=position,
                        )
                    )
                    spec_prices.append([(p, base * Decimal(str(f))) for p, f in prices])
            specs = Spec.objects.bulk_create(specs)
            Price.objects.bulk_create(
                Price(spec=spec, period=period, amount=amount.quantize(Decimal("0.01")))
                for spec, prices in zip(specs, spec_prices, strict=True)
                for period, amount in prices
            )
            Product.regions.through.objects.bulk_create(
                Product.regions.through(product_id=p.pk, region_id=r.pk)
                for p in products
                for r in rng.sample(regions, rng.randint(1, 3))
            )
            # Set-based: point every product of the batch at its version.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE catalog_product SET listed_version_id = v.id "
                    "FROM catalog_productversion v "
                    "WHERE v.product_id = catalog_product.id "
                    "AND catalog_product.listed_version_id IS NULL "
                    "AND catalog_product.id BETWEEN %s AND %s",
                    [products[0].pk, products[-1].pk],
                )
        done += size
        log(f"seed: {done}/{n} products ({time.monotonic() - started:.0f}s)")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "catalog_product",
                "catalog_productversion",
                "catalog_spec",
                "catalog_price",
                "catalog_product_regions",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    bump_generation()  # bulk writes bypass the services: cached lists are stale
    log(f"seed: done in {time.monotonic() - started:.0f}s")


# --- server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # Persistent connections, as a production deployment would have.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "marketplace.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        mean = statistics.mean(self.latencies) * 1000 if self.latencies else float("nan")
        return (
            f"{self.name:<9} n={len(self.latencies):<6} errors={self.errors:<3} "
            f"p50={self.pct(0.50):7.1f} ms  p95={self.pct(0.95):7.1f} ms  "
            f"mean={mean:7.1f} ms  rps={self.rps:7.1f}"
        )


def measure(name, urls, *, base, clients, seconds, max_requests, warmup=20, unique=False) -> Result:
    """`unique`: append a parameter of its own to every request's URL (cache misses)."""
    import requests

    result = Result(name)
    lock = threading.Lock()
    issued = 0
    stop_at = 0.0
    serial = itertools.count()

    def pick(rng: random.Random) -> str:
        url = base + rng.choice(urls)
        if unique:  # a price cap no product reaches, unique to this request: a cache miss
            url += f"{'&' if '?' in url else '?'}price_max=9{RUN % 10**5:05d}{next(serial):06d}"
        return url

    def worker(seed: int) -> None:
        nonlocal issued
        rng = random.Random(seed)
        session = requests.Session()
        for _ in range(warmup // clients + 1):
            session.get(pick(rng), timeout=30)
        barrier.wait()
        while time.monotonic() < stop_at:
            with lock:
                if issued >= max_requests:
                    return
                issued += 1
            url = pick(rng)
            t0 = time.perf_counter()
            try:
                response = session.get(url, timeout=30)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            took = time.perf_counter() - t0
            with lock:
                if ok:
                    result.latencies.append(took)
                else:
                    result.errors += 1

    window = {}

    def start_clock() -> None:
        # Runs once, before any client is released: every client sees the same window.
        nonlocal stop_at
        window["started"] = time.monotonic()
        stop_at = window["started"] + seconds

    barrier = threading.Barrier(clients, action=start_clock)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = window["started"]
    result.elapsed = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--reuse",
        "--keep",
        action="store_true",
        help="keep an earlier seed of the same size instead of seeding again",
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--seconds", type=float, default=15, help="time per scenario")
    parser.add_argument("--requests", type=int, default=5000, help="max requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from marketplace.catalog.models import Product

    rng = random.Random(args.seed)
    log(f"database: {settings.DATABASES['default']['ENGINE']} {connection.settings_dict['NAME']}")
    existing = bench_product_count()
    if args.reuse and existing == args.products:
        log(f"seed: reusing {existing} products")
    else:
        if existing:
            log(f"seed: removing an earlier seed of {existing} products")
            wipe()
        seed(args.products, rng=rng)

    ids = list(
        Product.objects.filter(
            seller__user__username__startswith=BENCH_PREFIX, status=Product.Status.LISTED
        ).values_list("pk", flat=True)
    )
    product_urls = [f"/products/{pk}/" for pk in rng.sample(ids, min(2000, len(ids)))]
    search_urls = [f"/search/?q={term}" for term in SEARCH_TERMS]
    connection.close()

    port = free_port()
    server = start_server(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        common = {
            "base": base,
            "clients": args.clients,
            "seconds": args.seconds,
            "max_requests": args.requests,
        }
        baseline = measure("baseline", ["/healthz"], **common)
        log(baseline.line())
        cold = measure("search-cold", search_urls, **common, unique=True)
        log(cold.line())
        search = measure("search", search_urls, **common)
        log(search.line())
        product = measure("product", product_urls, **common)
        log(product.line())
        per_term = {}
        for term in SEARCH_TERMS:
            one = measure(
                f"q={term}", [f"/search/?q={term}"], **{**common, "seconds": 2, "max_requests": 100}
            )
            per_term[term] = one.pct(0.95)
        log("search p95 per term: " + ", ".join(f"{t}={ms:.1f}ms" for t, ms in per_term.items()))
    finally:
        server.terminate()
        server.wait(timeout=30)

    ratio = search.rps / baseline.rps if baseline.rps else 0
    cold_ratio = cold.rps / baseline.rps if baseline.rps else 0
    log(f"search throughput = {ratio:.0%} of baseline (target ≥ 40%); search p95 target ≤ 50 ms")
    log(f"search throughput, every request a cache miss = {cold_ratio:.0%} of baseline")
    log(
        f"catalog-cold: products={args.products} search_p95_ms={cold.pct(0.95):.1f} "
        f"search_rps={cold.rps:.1f} baseline_rps={baseline.rps:.1f}"
    )
    log(
        f"catalog: products={args.products} search_p95_ms={search.pct(0.95):.1f} "
        f"product_p95_ms={product.pct(0.95):.1f} search_rps={search.rps:.1f} "
        f"baseline_rps={baseline.rps:.1f}"
    )


if __name__ == "__main__":
    main()

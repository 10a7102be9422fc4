"""Catalog benchmark: the hot pages at N products, next to /healthz and a bare WSGI app.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_catalog \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/catalog.py --products 100000 [--reuse]

1. Seeds N listed products (Chinese and English names, categories, sellers, specs,
   prices, regions, listing fields filled as publishing fills them) with set-based
   bulk inserts, into the configured database. `--reuse` keeps an earlier seed of the
   same size instead of seeding again.
2. Serves a bare WSGI app (bench/bare_wsgi.py, the framework's floor) and then the site
   with the same gunicorn (2 sync workers, persistent connections) on a free loopback
   port, and measures each path with `wrk` (bench/_load.py; -t2 -c16, --seconds each,
   after a 2 s warm-up) through bench/lua/random_path.lua, which picks every request's
   path at random from a list: /healthz (one `SELECT 1`), the home page, a cached search
   (15 common terms, warmed up), a search of random terms (common terms and fragments
   of product names) where every request is a cache miss (a `price_max` of its own above
   every price: the list cache keys on the list parameters), category and store pages,
   random product pages and the catalog API's list and random product detail.

Targets (PostgreSQL, 100k products, 2 cores): /healthz ≥ 30% of the bare app; product
≥ 35% of /healthz with p99 ≤ 60 ms; uncached search ≥ 25%; cached search and home ≥ 60%;
API list and detail ≥ 40%. One line per path (`share`: of /healthz measured in the same
run; /healthz's own of the bare app), the last line machine-readable:
    path=<name> rps=<r> p50_ms=<a> p99_ms=<b> share=<s>
    catalog: products=<N> search_p95_ms=<x> product_p95_ms=<y> search_rps=<r> baseline_rps=<b>
(`search_*`: the uncached random-term search; `baseline_rps`: /healthz.)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import _load  # bench/, the script's directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

BENCH_PREFIX = "bench-catalog"  # usernames and category slugs of seeded rows
SELLERS = 200
BATCH = 5000
RUN = time.time_ns()  # makes the uncached search's URLs unique across runs too

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
    from marketplace.accounts.names import email_key, name_key
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
            # bulk_create skips save(), which computes the uniqueness keys
            User(
                username=f"{BENCH_PREFIX}-{i}",
                password=unusable,
                email=f"s{i}@bench.example",
                name_key=name_key(f"{BENCH_PREFIX}-{i}"),
                email_key=email_key(f"s{i}@bench.example"),
            )
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


# --- measuring ---------------------------------------------------------------------------


def random_terms(rng: random.Random, count: int = 300) -> list[str]:
    """Search terms as buyers type them: the common ones, and fragments (1-4 characters
    of Chinese, 2-6 letters of English) of the words products are named with."""
    words = CN_PREFIX + CN_NOUN + CN_EDITION + EN_PREFIX + EN_NOUN
    terms = set(SEARCH_TERMS)
    while len(terms) < count:
        word = rng.choice(words).lower()
        size = rng.randint(1, 4) if not word.isascii() else rng.randint(2, 6)
        if len(word) >= size:
            start = rng.randrange(len(word) - size + 1)
            terms.add(word[start : start + size].strip())
    return sorted(t for t in terms if t)


def path_file(paths: list[str]) -> str:
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-catalog-", suffix=".txt", delete=False, encoding="utf-8"
    ) as handle:
        handle.write("\n".join(paths) + "\n")
    return handle.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument(
        "--reuse",
        "--keep",
        action="store_true",
        help="keep an earlier seed of the same size instead of seeding again",
    )
    parser.add_argument("--clients", type=int, default=16, help="wrk connections")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--paths",
        default="",
        help="comma-separated paths to measure (e.g. healthz,product); default: all",
    )
    args = parser.parse_args()
    _load.ensure_wrk()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from marketplace.catalog.models import Category, Product

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

    listed = Product.objects.filter(
        seller__user__username__startswith=BENCH_PREFIX, status=Product.Status.LISTED
    )
    ids = list(listed.values_list("pk", flat=True))
    sample = rng.sample(ids, min(5000, len(ids)))
    seller_ids = sorted(set(listed.values_list("seller_id", flat=True)))
    slugs = list(
        Category.objects.filter(slug__startswith=BENCH_PREFIX).values_list("slug", flat=True)
    )
    connection.close()

    term_paths = [f"/search/?q={quote(term)}" for term in random_terms(rng)]
    scenarios = {  # name: (paths, Lua input: a file of paths, every request a cache miss)
        "healthz": (["/healthz"], False),
        "home": (["/"], False),
        "search_cached": ([f"/search/?q={quote(term)}" for term in SEARCH_TERMS], False),
        "search": (term_paths, True),
        "category": ([f"/category/{slug}/" for slug in slugs], False),
        "product": ([f"/products/{pk}/" for pk in sample], False),
        "store": ([f"/store/{pk}/" for pk in seller_ids], False),
        "api_list": (["/api/catalog/products/"], False),
        "api_detail": ([f"/api/catalog/products/{pk}/" for pk in sample], False),
    }
    if args.paths:
        wanted = {"healthz", *args.paths.split(",")}  # every share is of /healthz
        scenarios = {name: value for name, value in scenarios.items() if name in wanted}
    files = {name: path_file(paths) for name, (paths, _) in scenarios.items()}
    script = _load.LUA / "random_path.lua"
    results: dict[str, _load.WrkResult] = {}
    bare = None
    try:
        # The framework's floor: a bare WSGI app in the same gunicorn.
        port = _load.free_port()
        server = _load.start_server(
            port, app="bare_wsgi:application", workers=args.workers, pythonpath="bench"
        )
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            _load.wrk(url, seconds=2, clients=args.clients)
            bare = _load.wrk(url, seconds=args.seconds, clients=args.clients)
        finally:
            _load.stop_server(server)
        log(f"bare WSGI app: {bare.rps:.0f} req/s, p99 {bare.p99}")

        port = _load.free_port()
        # Persistent connections, as a production deployment has (README "Performance").
        server = _load.start_server(
            port,
            env={
                "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
                # one client address: the API's throttles (both count an anonymous client
                # by address) would answer 429
                "API_THROTTLE_ANON": "100000000/min",
                "API_THROTTLE_USER": "100000000/min",
            },
            workers=args.workers,
        )
        try:
            base = f"http://127.0.0.1:{port}/"
            for name, (_, unique) in scenarios.items():
                env = {"BENCH_PATHS": files[name]}
                if unique:
                    env["BENCH_UNIQUE"] = str(RUN // 10**9 % 1000)
                _load.wrk(base, seconds=2, clients=args.clients, script=script, env=env)  # warm
                if unique:  # the warm-up's terms were other requests: still all misses
                    env["BENCH_UNIQUE"] = str((RUN // 10**9 + 500) % 1000)
                results[name] = _load.wrk(
                    base, seconds=args.seconds, clients=args.clients, script=script, env=env
                )
                log(f"{name}: {results[name].rps:.0f} req/s, p99 {results[name].p99}")
        finally:
            _load.stop_server(server)
    finally:
        for path in files.values():
            os.unlink(path)

    healthz = results["healthz"]
    for name, result in [("bare", bare), *results.items()]:
        # /healthz's share is of the bare app, every other path's of /healthz
        floor = {"bare": bare, "healthz": bare}.get(name, healthz)
        log(
            f"path={name} rps={result.rps:.1f} p50_ms={result.p50_ms:.2f} "
            f"p99_ms={result.p99_ms:.2f} share={result.rps / floor.rps:.2f}"
        )
    if "search" in results and "product" in results:
        log(
            f"catalog: products={args.products} search_p95_ms={results['search'].p95_ms:.1f} "
            f"product_p95_ms={results['product'].p95_ms:.1f} "
            f"search_rps={results['search'].rps:.1f} baseline_rps={healthz.rps:.1f}"
        )


if __name__ == "__main__":
    main()

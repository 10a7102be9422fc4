"""Publish a realistic demo catalog for the given active sellers.

    manage.py seed_catalog --sellers seller-cloudnova seller-acme [--operator operator]

Every product goes through the publishing services (product_create → product_submit →
product_approve), exactly as a seller and an operator would, so the demo shows what the
real flow produces. Every delivery type appears, with Chinese and English names,
categories and sales regions. Idempotent: a product is identified by its seller and its
stable demo key (kept as the version's name), and skipped when it exists.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from marketplace.accounts.models import User
from marketplace.catalog import services
from marketplace.catalog.agreements import agreement_template, support_terms_template
from marketplace.catalog.models import Category, DeliveryType, Product, Region
from sellers import services as seller_services
from sellers.models import Seller, ServiceGroup

# A minimal PDF: the demo's joint-operation authorization letter.
DEMO_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

# (slug, English, Chinese, parent slug)
CATEGORIES = [
    ("software", "Software", "软件", None),
    ("office", "Office & collaboration", "办公协同", "software"),
    ("database", "Databases", "数据库", "software"),
    ("security", "Security", "安全", "software"),
    ("services", "Professional services", "专业服务", None),
    ("site-building", "Site building", "网站建设", "services"),
    ("migration", "Data migration", "数据迁移", "services"),
    ("ai", "AI & large models", "人工智能", None),
    ("ai-agents", "Agents", "智能体", "ai"),
    ("infrastructure", "Infrastructure", "基础设施", None),
    ("images", "Images", "镜像", "infrastructure"),
    ("hardware", "Hardware", "硬件", "infrastructure"),
    ("data", "Data", "数据", None),
    ("datasets", "Data sets", "数据集", "data"),
    ("apis", "APIs", "API", "data"),
]
REGIONS = [
    ("cn-north", "North China", "华北"),
    ("cn-east", "East China", "华东"),
    ("cn-south", "South China", "华南"),
    ("cn-southwest", "Southwest China", "西南"),
]


def _period(code, name, month, year=None, **extra):
    prices = [{"period": "month", "amount": Decimal(month), "max_periods": 12}]
    if year:
        prices.append({"period": "year", "amount": Decimal(year), "max_periods": 3})
    return {"code": code, "name": name, "billing_mode": "period", "prices": prices, **extra}


def _trial(days=14):
    return {
        "code": "trial",
        "name": "免费试用 Free trial",
        "billing_mode": "trial",
        "trial_days": days,
        "prices": [{"period": "free", "amount": Decimal("0")}],
    }


def _once(code, name, amount):
    return {
        "code": code,
        "name": name,
        "billing_mode": "one_off",
        "prices": [{"period": "once", "amount": Decimal(amount)}],
    }


def _on_demand(code, name, amount, unit):
    return {
        "code": code,
        "name": name,
        "billing_mode": "on_demand",
        "prices": [{"period": "unit", "amount": Decimal(amount), "unit": unit}],
    }


def _package(code, name, amount, quota, kind="stop_when_used_up"):
    return {
        "code": code,
        "name": name,
        "billing_mode": "package",
        "package_kind": kind,
        "package_quota": quota,
        "prices": [{"period": "package", "amount": Decimal(amount)}],
    }


# key, delivery type, category, name, summary, tags, specs, regions, extra version fields
PRODUCTS = [
    (
        "office-suite",
        DeliveryType.SAAS,
        "office",
        "云办公套件 CloudDesk",
        "在线文档、表格与视频会议一体化办公平台 / Docs, sheets and meetings in one place",
        "办公, office, saas, 协同",
        [_period("team", "团队版 Team", "99.00", "999.00"), _trial(30)],
        ["cn-north", "cn-east", "cn-south"],
        {},
    ),
    (
        "joint-crm",
        DeliveryType.JOINT_SAAS,
        "office",
        "联营客户管理 Joint CRM",
        "统一登录、组织同步的联营 SaaS 客户关系管理 / Joint-operation CRM with single sign-on",
        "crm, 销售, 联营",
        [_period("standard", "标准版 Standard", "199.00", "1999.00")],
        ["cn-east"],
        {"joint": True},
    ),
    (
        "mysql-license",
        DeliveryType.LICENSE_CODE,
        "database",
        "企业级数据库 MySQL 增强版",
        "高可用数据库软件授权码，在线激活 / Enterprise MySQL licence, activated online",
        "数据库, mysql, database",
        [_once("perpetual", "永久授权 Perpetual", "12800.00")],
        ["cn-north", "cn-east"],
        {"license_type": "device", "license_term": "perpetual"},
    ),
    (
        "erp-package",
        DeliveryType.LICENSE_PACKAGE,
        "software",
        "制造业 ERP 软件包部署",
        "由卖家上门部署的制造业 ERP / Manufacturing ERP, deployed by the seller",
        "erp, 制造, 部署",
        [_once("standard", "标准部署 Standard", "58000.00")],
        ["cn-east", "cn-south"],
        {"license_type": "named_user", "license_term": "fixed", "license_term_months": 36},
    ),
    (
        "gitlab-auto",
        DeliveryType.LICENSE_AUTO,
        "software",
        "代码托管平台 一键部署 Code Hosting",
        "一键部署到您的云服务器 / One-click deploy onto your cloud servers",
        "devops, git, 开源",
        [_once("node", "单节点 Single node", "3600.00")],
        ["cn-north", "cn-east", "cn-south", "cn-southwest"],
        {
            "license_type": "site",
            "license_term": "perpetual",
            "deploy_contents": "GitLab CE 17.5（Docker Compose：GitLab、PostgreSQL 16、Redis 7）"
            "部署到一台云服务器；需要 4 vCPU、8 GB 内存、100 GB 磁盘。\n"
            "GitLab CE 17.5 (Docker Compose: GitLab, PostgreSQL 16, Redis 7) on one cloud "
            "server; needs 4 vCPUs, 8 GB memory, 100 GB disk.",
        },
    ),
    (
        "ubuntu-image",
        DeliveryType.IMAGE,
        "images",
        "Ubuntu 24.04 LAMP 镜像",
        "预装 Apache、MySQL、PHP 的云服务器镜像 / LAMP stack machine image",
        "镜像, ubuntu, lamp",
        [
            _period("monthly", "包月 Monthly", "30.00", "300.00"),
            _on_demand("hourly", "按需 Pay-as-you-go", "0.05", "小时 hour"),
        ],
        ["cn-north", "cn-east", "cn-south", "cn-southwest"],
        {
            "image_os": "Ubuntu 24.04 LTS",
            "image_architecture": "x86_64",
            "image_regions": {
                "cn-north": "img-ubuntu2404-lamp-cn-north-01",
                "cn-east": "img-ubuntu2404-lamp-cn-east-01",
                "cn-south": "img-ubuntu2404-lamp-cn-south-01",
                "cn-southwest": "img-ubuntu2404-lamp-cn-southwest-01",
            },
        },
    ),
    (
        "edge-box",
        DeliveryType.HARDWARE,
        "hardware",
        "边缘计算一体机 Edge Box",
        "工业现场的边缘计算硬件，顺丰包邮 / Rugged edge computing appliance, shipped",
        "硬件, 边缘计算, iot",
        [_once("box", "标准款 Standard", "8999.00")],
        ["cn-east", "cn-south"],
        {
            "hardware_spec": "Intel Core i5-1235U，16 GB 内存，512 GB NVMe，4 × 千兆网口，"
            "-20～60 ℃ 宽温，12–24 V 直流供电\n"
            "Intel Core i5-1235U, 16 GB RAM, 512 GB NVMe, 4 × GbE, -20 to 60 °C, 12–24 V DC",
            "hardware_weight_kg": Decimal("2.30"),
            "hardware_size": "22 × 16 × 6",
            "shipping_regions": ["cn-north", "cn-east", "cn-south"],
            "avg_delivery_days": 3,
        },
    ),
    (
        "site-building",
        DeliveryType.MANUAL_SERVICE,
        "site-building",
        "企业官网建站服务",
        "专业团队为您设计并搭建企业官网 / Company website designed and built for you",
        "建站, 网站, 设计",
        [_once("basic", "基础版 Basic", "4999.00"), _once("pro", "专业版 Pro", "12999.00")],
        ["cn-north", "cn-east", "cn-south", "cn-southwest"],
        {"flow_template": "site_building", "avg_delivery_days": 15},
    ),
    (
        "data-migration",
        DeliveryType.MANUAL_SERVICE,
        "migration",
        "数据库迁移上云服务 Database Migration",
        "专家评估、迁移与割接，业务零中断 / Assessment, migration and cut-over by experts",
        "迁移, 数据库, 上云",
        [_once("standard", "标准迁移 Standard", "20000.00")],
        ["cn-north", "cn-east"],
        {"flow_template": "standard", "avg_delivery_days": 10},
    ),
    (
        "retail-dataset",
        DeliveryType.DATA_FILE,
        "datasets",
        "零售行业消费数据集",
        "按需求定制的脱敏零售消费数据 / Anonymised retail data, tailored to your needs",
        "数据集, 零售, dataset",
        [_once("custom", "定制 Custom", "15000.00")],
        ["cn-east"],
        {},
    ),
    (
        "k8s-orchestration",
        DeliveryType.ORCHESTRATION,
        "infrastructure",
        "高可用 Kubernetes 应用编排模板",
        "三可用区高可用集群编排模板 / Three-zone highly available cluster template",
        "kubernetes, 容器, 编排",
        [_once("template", "编排模板 Template", "2999.00")],
        ["cn-north", "cn-east", "cn-south"],
        {},
    ),
    (
        "ocr-api",
        DeliveryType.API_APIG,
        "apis",
        "通用文字识别 OCR API",
        "身份证、发票、表格识别接口 / ID card, invoice and table recognition API",
        "ocr, api, 识别",
        [
            _on_demand("per-call", "按次 Per call", "0.01", "次 call"),
            _package("10k", "1万次套餐 10k calls", "80.00", 10000, kind="per_call"),
        ],
        ["cn-north", "cn-east", "cn-south", "cn-southwest"],
        {
            "api_quota_unit": "次 call",
            "api_endpoints": [
                {"method": "POST", "path": "/v1/ocr/id-card", "description": "身份证识别 ID card"},
                {"method": "POST", "path": "/v1/ocr/invoice", "description": "发票识别 Invoice"},
                {"method": "POST", "path": "/v1/ocr/table", "description": "表格识别 Table"},
            ],
        },
    ),
    (
        "support-agent",
        DeliveryType.API_AGENTS,
        "ai-agents",
        "智能客服大模型 Agent",
        "基于大模型的智能客服机器人接口 / LLM customer-service agent API",
        "ai, 大模型, 客服, agent",
        [
            _on_demand("tokens", "按量 Per 1k tokens", "0.02", "千 tokens"),
            _package("starter", "入门包 Starter", "199.00", 1000000),
        ],
        ["cn-north", "cn-east"],
        {
            "api_quota_unit": "千 tokens",
            "api_endpoints": [
                {
                    "method": "POST",
                    "path": "/v1/agent/chat",
                    "description": "对话 Chat with the agent",
                },
                {
                    "method": "GET",
                    "path": "/v1/agent/sessions/{id}",
                    "description": "会话记录 A session's messages",
                },
            ],
        },
    ),
]


class Command(BaseCommand):
    help = "Publish a demo catalog (every delivery type) for the given active sellers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sellers", nargs="+", required=True, help="usernames of active sellers"
        )
        parser.add_argument(
            "--joint-sellers",
            nargs="*",
            default=[],
            help="usernames (among --sellers) that get the joint-operation products",
        )
        parser.add_argument(
            "--operator",
            default=None,
            help="staff username who approves (default: the first who may review products)",
        )

    def handle(
        self,
        *args,
        sellers: list[str],
        operator: str | None,
        joint_sellers: list[str] = (),
        **options,
    ):
        reviewer = self._operator(operator)
        categories = self._categories()
        regions = {
            code: Region.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh})[
                0
            ]
            for code, en, zh in REGIONS
        }
        found = list(
            Seller.objects.filter(user__username__in=sellers, status=Seller.Status.ACTIVE)
            .select_related("user")
            .order_by("pk")
        )
        missing = set(sellers) - {s.user.username for s in found}
        if missing:
            self.stderr.write(f"seed_catalog: skipping sellers not active: {sorted(missing)}")
        created = 0
        # Share the demo products out between the sellers, round robin.
        for index, row in enumerate(PRODUCTS):
            if not found:
                break
            seller = found[index % len(found)]
            if row[-1].get("joint"):
                # A joint product goes to a joint seller, if any; it gets certified below.
                seller = next((s for s in found if s.user.username in joint_sellers), seller)
            created += self._product(seller, row, categories, regions, reviewer)
        self.stdout.write(
            f"seed_catalog: {created} products published, {len(PRODUCTS)} in the demo"
        )

    def _operator(self, username: str | None) -> User:
        staff = User.objects.filter(is_staff=True, is_active=True)
        if username:
            staff = staff.filter(username=username)
        # The first operator allowed to review products (the service checks it again).
        user = next(
            (u for u in staff.order_by("pk") if u.has_perm("catalog.review_productversion")),
            None,
        )
        if user is None:
            raise CommandError(
                "seed_catalog needs a staff user who may review products (reviewer group)."
            )
        return user

    def _categories(self) -> dict[str, Category]:
        categories: dict[str, Category] = {}
        for position, (slug, en, zh, parent) in enumerate(CATEGORIES):
            categories[slug], _ = Category.objects.get_or_create(
                slug=slug,
                defaults={
                    "name_en": en,
                    "name_zh": zh,
                    "parent": categories.get(parent),
                    "position": position,
                },
            )
        return categories

    @transaction.atomic
    def _product(self, seller, row, categories, regions, reviewer) -> int:
        key, delivery_type, category, name, summary, tags, specs, region_codes, extra = row
        # The stable key: this seller already has a product by that (first) name.
        if Product.objects.filter(seller=seller, versions__number=1, versions__name=name).exists():
            return 0
        extra = dict(extra)
        joint = extra.pop("joint", False)
        # Delivery-type rows name regions by code.
        if "image_regions" in extra:
            extra["image_regions"] = [
                {"region": regions[code], "image_id": image_id}
                for code, image_id in extra["image_regions"].items()
            ]
        if "shipping_regions" in extra:
            extra["shipping_regions"] = [regions[code] for code in extra["shipping_regions"]]
        # The seller's own first group (seed_demo makes one), else a support group.
        group = seller.service_groups.order_by("id").first()
        if group is None:
            group = ServiceGroup.objects.create(
                seller=seller,
                name="售后服务组 Support",
                phone="400-800-8000",
                email=seller.contact_email,
                hours="周一至周五 9:00–18:00 / Mon–Fri 9:00–18:00",
            )
        fields = {
            "name": name,
            "category": categories[category],
            "summary": summary,
            "description": f"{summary}\n\n{name}",
            "tags": tags,
            "service_group": group,
            "service_forms": ["phone", "email"],
            "service_scope": ["consulting", "operation_guidance", "running_maintenance"],
            "service_notes": "工作日 9:00–18:00 电话与邮件支持，紧急问题 7×24 小时响应。\n"
            "Phone and e-mail support on working days 9:00–18:00; urgent issues 24/7.",
            "after_sales_scope": "工作日 4 小时内响应 / Answer within 4 working hours",
            "usage_guide": "购买后在“已购服务”中查看开通信息，按向导完成初始化。\n"
            "After purchase, open Purchased services and follow the set-up guide.",
            **extra,
        }
        if joint:
            fields["support_terms_text"] = _filled_support_terms(name, seller)
        else:
            fields["agreement_text"] = agreement_template()
        product = services.product_create(
            seller=seller,
            delivery_type=delivery_type,
            fields=fields,
            specs=specs,
            actor=seller.user,
        )
        if joint:
            self._certify(product, seller, reviewer)
        version = services.product_submit(product=product, actor=seller.user)
        product = services.product_approve(version=version, actor=reviewer)
        services.product_sales_update(
            product=product,
            actor=seller.user,
            allowlist_enabled=False,
            trial_allowlist_enabled=False,
            credit_line_allowed=True,
            cash_coupon_allowed=True,
            credit_specified_users_only=False,
            regions=[regions[c] for c in region_codes],
        )
        return 1

    def _certify(self, product: Product, seller: Seller, reviewer: User) -> None:
        """A certification naming the joint product, approved: its draft exists first,
        since a certification covers the products it names (issue 6 item 9)."""
        if services.covering_certification(product) is not None:
            return
        certification = seller_services.joint_certification_submit(
            seller=seller,
            actor=seller.user,
            company_name=seller.company_name,
            credit_code=seller.credit_code,
            authorization_letter=SimpleUploadedFile(
                "authorization.pdf", DEMO_PDF, content_type="application/pdf"
            ),
            products=[product],
            products_description="联营版 / joint-operation edition",
        )
        seller_services.joint_certification_approve(certification=certification, actor=reviewer)


def _filled_support_terms(product_name: str, seller: Seller) -> str:
    """The platform's terms template with its editable places filled in."""
    import re

    values = {
        "product_name": product_name,
        "seller_name": seller.company_name,
        "service_hours": "周一至周五 9:00–18:00",
        "service_phone": "400-800-8000",
        "service_email": seller.contact_email,
    }
    text = support_terms_template()
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: values.get(m.group(1), seller.store_name), text)
    return re.sub(
        r"\[\[.*?\]\]", "工作日 4 小时内响应 / We answer within 4 working hours.", text, flags=re.S
    )

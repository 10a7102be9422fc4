"""Demo supervision cases for `seed_demo` (run after `seed_orders`): cases in several nodes
of several flows for the demo accounts, every move through the services the pages use,
so each case's log chain verifies (`manage.py supervision_verify`).

What it leaves (README › Service supervision › Demo cases):
- seed_orders' paid orders of buyer-alice with seller-cloudnova opened their cases through
  the paid hook; they are moved on: CloudDesk (SaaS) delivered with a PDF and a PNG,
  waiting for alice's acceptance; Joint CRM delivered, waiting for the marketplace's
  node (admin); the Kubernetes template (bought last month) still implementing, past
  its deadline and flagged overdue by the sweep (when `time_machine` backdated it).
- new orders, paid from the balance (the operator tops it up first, by their amount):
  * buyer-alice, Database Migration (standard, seller-cloudnova): delivered with a
    report, rejected once by alice, back with the seller (implementing);
  * buyer-chen, Database Migration (standard): requirements submitted, waiting for
    seller-cloudnova to confirm them;
  * buyer-chen, company website (site building, seller-datamill): the design submitted,
    chen appealed with a screenshot: frozen (in appeal) at the design confirmation;
  * buyer-chen, retail dataset (data file, seller-datamill): delivered, accepted,
    completed; the completion sweep completed the order;
  * buyer-chen, MySQL licence (online code, seller-cloudnova): the code delivered,
    waiting for chen to claim it;
  * buyer-chen, Edge Box (hardware, seller-cloudnova): shipped, in transit.
  (buyer-bob keeps only seed_orders' orders, which its tests count.)

Idempotent: buyer-chen's first order (a fixed idempotency key) is the marker; when it
exists nothing is done. Everything is one transaction.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from buyers.services.wallet import wallet_operator_top_up
from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from orders.models import Order
from orders.services.checkout import order_pay, order_place
from supervision import services as s
from supervision.flows import Node
from supervision.models import Case

MARKER = "seed-demo:chen:migration"

# seed_catalog's demo products (the first version's name) bought here: spec, region.
MIGRATION = ("数据库迁移上云服务 Database Migration", "standard", "cn-north")
SITE = ("企业官网建站服务", "basic", "cn-east")
DATASET = ("零售行业消费数据集", "custom", "cn-east")
MYSQL = ("企业级数据库 MySQL 增强版", "perpetual", "cn-north")
EDGE_BOX = ("边缘计算一体机 Edge Box", "box", "cn-east")

# seed_orders' orders whose cases this seed moves on (their idempotency keys).
ALICE_SAAS = "seed-demo:alice:clouddesk"
ALICE_JOINT = "seed-demo:alice:crm"
ALICE_ORCHESTRATION = "seed-demo:alice:k8s-credit"


# --- tiny real evidence files -------------------------------------------------------------


def demo_pdf(name: str, title: str) -> SimpleUploadedFile:
    """A one-page PDF with `title` (ASCII) on it, with a correct cross-reference table."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return SimpleUploadedFile(name, bytes(out), content_type="application/pdf")


def demo_png(name: str, text: str, color=(14, 116, 144)) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 180), color)
    ImageDraw.Draw(image).text((16, 80), text, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "Create the demo supervision cases (called by seed_demo after seed_orders)."

    def handle(self, *args, **options) -> None:
        names = ["buyer-alice", "buyer-chen", "seller-cloudnova", "seller-datamill", "operator"]
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        if len(users) < len(names):
            self.stdout.write("seed_supervision: demo accounts missing (run seed_demo), skipped")
            return
        if Order.objects.filter(buyer=users["buyer-chen"], idempotency_key=MARKER).exists():
            self.stdout.write("seed_supervision: demo cases already there, nothing to do")
            return
        self.products = {}
        for name, _spec, _region in (MIGRATION, SITE, DATASET, MYSQL, EDGE_BOX):
            product = Product.objects.filter(
                status=Product.Status.LISTED, versions__number=1, versions__name=name
            ).first()
            if product is None:
                self.stdout.write(f"seed_supervision: product {name!r} not listed, skipped")
                return
            self.products[name] = product
        with transaction.atomic():
            cases = self._seed(users)
        summary = ", ".join(f"{c.get_flow_display()}: {c.get_node_display()}" for c in cases)
        self.stdout.write(self.style.SUCCESS(f"seed_supervision: {len(cases)} cases ({summary})"))

    # --- helpers ------------------------------------------------------------------------

    def _buy(self, buyers: dict, orders: list) -> list[Order]:
        """Place (buyer, product row, key) orders, top each buyer up by what they cost,
        then pay them from the balance: each paid order opens its case (the paid hook)."""
        placed = []
        for buyer, (name, code, region), key in orders:
            spec = self.products[name].listed_version.specs.get(code=code)
            placed.append(
                order_place(
                    buyer=buyer,
                    spec=spec,
                    region=region,
                    agreement_accepted=True,
                    idempotency_key=f"seed-demo:{key}",
                )
            )
        for buyer in buyers.values():
            amount = sum((o.amount for o in placed if o.buyer_id == buyer.pk), Decimal("0.00"))
            wallet_operator_top_up(
                buyer=buyer,
                amount=amount,
                actor=self.operator,
                memo="Demo top-up (service supervision)",
            )
        return [order_pay(order_id=o.pk, buyer=o.buyer, method="balance") for o in placed]

    @staticmethod
    def _case(order: Order | None) -> Case | None:
        return Case.objects.filter(order=order).first() if order is not None else None

    # --- the demo -----------------------------------------------------------------------

    def _seed(self, users) -> list[Case]:
        self.operator = User.objects.get(pk=users["operator"].pk)  # fresh permission cache
        alice, chen = users["buyer-alice"], users["buyer-chen"]
        cloudnova, datamill = users["seller-cloudnova"], users["seller-datamill"]
        # The marker first: everything is one transaction.
        chen_migration, alice_migration, site, dataset, mysql, box = self._buy(
            {"alice": alice, "chen": chen},
            [
                (chen, MIGRATION, "chen:migration"),
                (alice, MIGRATION, "alice:migration"),
                (chen, SITE, "chen:site"),
                (chen, DATASET, "chen:dataset"),
                (chen, MYSQL, "chen:mysql"),
                (chen, EDGE_BOX, "chen:edge-box"),
            ],
        )
        cases = []

        # Standard: requirements submitted, waiting for the seller to confirm them.
        case = self._case(chen_migration)
        s.case_submit_requirements(
            case_id=case.pk,
            actor=chen,
            requirements="将自建 MySQL 5.7（约 200 GB）迁移到云数据库，割接停机不超过 30 分钟。\n"
            "Move our self-hosted MySQL 5.7 (about 200 GB) to the cloud database with at "
            "most 30 minutes of downtime at the cut-over.",
        )
        cases.append(case)

        # Standard: delivered with a report, rejected once, back with the seller.
        case = self._case(alice_migration)
        s.case_submit_requirements(
            case_id=case.pk,
            actor=alice,
            requirements="迁移 CRM 数据库并保留全部历史订单。\n"
            "Migrate the CRM database and keep every historical order.",
        )
        s.case_confirm_requirements(case_id=case.pk, actor=cloudnova, comment="Confirmed.")
        s.case_mark_delivered(
            case_id=case.pk,
            actor=cloudnova,
            description="迁移完成，附迁移报告。\nMigration done; the report is attached.",
            files=[demo_pdf("migration-report.pdf", "Migration report - CRM database")],
        )
        s.case_reject(
            case_id=case.pk,
            actor=alice,
            reason="2023 年的订单缺失。\nThe orders of 2023 are missing.",
            files=[demo_png("missing-orders.png", "Orders 2023: 0 rows", (199, 0, 11))],
        )
        cases.append(case)

        # Site building: the design submitted, the buyer appealed: frozen.
        case = self._case(site)
        s.case_submit_requirements(
            case_id=case.pk,
            actor=chen,
            requirements="中英双语企业官网，5 个页面，含产品展示与联系表单。\n"
            "A bilingual company site, 5 pages, with a product showcase and a contact form.",
        )
        s.case_confirm_requirements(case_id=case.pk, actor=datamill)
        s.case_submit_design(
            case_id=case.pk,
            actor=datamill,
            description="首页与产品页设计稿。\nDesign of the home and product pages.",
            files=[demo_pdf("design-draft.pdf", "Website design draft v1")],
        )
        s.appeal_open(
            case_id=case.pk,
            actor=chen,
            reason="设计稿只有中文，与需求不符，卖家不回复。\n"
            "The design is in Chinese only, not bilingual as agreed, and the seller "
            "does not answer.",
            files=[demo_png("design-chinese-only.png", "Design: Chinese only")],
        )
        cases.append(case)

        # Data file: delivered, accepted, completed (the order completes with the sweep).
        case = self._case(dataset)
        s.case_submit_requirements(
            case_id=case.pk,
            actor=chen,
            requirements="华东地区 2024 年便利店消费数据，按周汇总。\n"
            "2024 convenience-store sales in East China, summed by week.",
        )
        s.case_mark_delivered(
            case_id=case.pk,
            actor=datamill,
            description="数据集与数据字典已交付。\nThe dataset and its data dictionary.",
            files=[demo_pdf("data-dictionary.pdf", "Retail dataset - data dictionary")],
        )
        s.case_accept(case_id=case.pk, actor=chen, comment="数据完整。Complete, thank you.")
        cases.append(case)

        # License code: delivered, waiting for the buyer to claim it.
        case = self._case(mysql)
        s.case_deliver_code(
            case_id=case.pk, actor=cloudnova, code=f"MYSQL-DEMO-{mysql.number[-8:]}"
        )
        cases.append(case)

        # Hardware: shipped, in transit.
        case = self._case(box)
        s.case_ship(
            case_id=case.pk,
            actor=cloudnova,
            carrier="顺丰速运 SF Express",
            tracking_number=f"SF{box.number[-12:]}",
            recipient_phone=chen.mobile or "13900139000",
        )
        cases.append(case)

        # seed_orders' cases (opened by the paid hook), each moved on from where it opened.
        opened = {
            key: self._case(Order.objects.filter(buyer=alice, idempotency_key=key).first())
            for key in (ALICE_SAAS, ALICE_JOINT, ALICE_ORCHESTRATION)
        }
        case = opened[ALICE_SAAS]
        if case is not None and case.node == Node.IMPLEMENTING:
            s.case_mark_delivered(
                case_id=case.pk,
                actor=cloudnova,
                description="团队空间已开通，管理员账号见附件。\n"
                "The team space is live; the admin account is in the attached guide.",
                files=[
                    demo_pdf("onboarding-guide.pdf", "CloudDesk onboarding guide"),
                    demo_png("team-space.png", "CloudDesk team space", (199, 0, 11)),
                ],
            )
            cases.append(case)
        case = opened[ALICE_JOINT]
        if case is not None and case.node == Node.IMPLEMENTING:
            s.case_mark_delivered(
                case_id=case.pk,
                actor=cloudnova,
                description="CRM 已开通，单点登录已配置。\nCRM live, single sign-on set up.",
            )
            cases.append(case)
        if opened[ALICE_ORCHESTRATION] is not None:
            cases.append(opened[ALICE_ORCHESTRATION])  # overdue when bought last month

        # The beat jobs, once: flag what is overdue, complete the accepted orders.
        s.cases_flag_overdue()
        s.orders_complete_supervised()
        for case in cases:
            case.refresh_from_db()
        return cases

"""Demo data for `make run`: an operator, two active sellers, one pending seller and three
buyers, each through the same services the pages use. Idempotent: each step is skipped
when its result already exists. The catalog is published by `seed_catalog`."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import BaseCommand, CommandError, call_command, get_commands
from django.db import transaction
from PIL import Image, ImageDraw

from marketplace.accounts.groups import ensure_operator_groups
from marketplace.accounts.models import User
from marketplace.accounts.services import (
    user_mark_email_verified,
    user_sign_up,
    user_verify_enterprise,
)
from marketplace.accounts.validators import uscc_check_char
from sellers import services
from sellers.models import Seller

OPERATOR = ("operator", "operator-pass-2026")
# Not a superuser: the demo operator holds exactly the operator groups' permissions
# (README › Operators: permissions and groups), so the demo shows the real checks.
PASSWORD = "demo-pass-2026"
BUYERS = ["buyer-alice", "buyer-bob", "buyer-chen"]


@dataclass(frozen=True)
class DemoSeller:
    username: str
    company: str
    store: str
    scope: str
    color: tuple[int, int, int]
    serial: int
    active: bool = True
    joint: bool = False


SELLERS = [
    DemoSeller(
        "seller-cloudnova",
        "云新科技有限公司 CloudNova Technology Co., Ltd.",
        "CloudNova 云新",
        "SaaS office suites, CRM and collaboration tools",
        (199, 0, 11),
        1,
        joint=True,
    ),
    DemoSeller(
        "seller-datamill",
        "数磨坊信息技术有限公司 DataMill Information Technology Co., Ltd.",
        "DataMill 数磨坊",
        "Data migration, site building and data-file services",
        (14, 116, 144),
        2,
    ),
    DemoSeller(
        "seller-pending",
        "青云启航软件有限公司 Qingyun Software Co., Ltd.",
        "Qingyun 青云",
        "Security scanning images and licences",
        (22, 163, 74),
        3,
        active=False,
    ),
]


def _credit_code(serial: int) -> str:
    first17 = f"9131011500{serial:07d}"
    return first17 + uscc_check_char(first17)


def _png(name: str, text: str, color, size=(240, 240)) -> SimpleUploadedFile:
    img = Image.new("RGB", size, color)
    ImageDraw.Draw(img).text((16, size[1] // 2 - 6), text, fill=(255, 255, 255))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "Create (or complete) the demo operator, sellers and buyers; print their log-ins."

    # The passwords of the accounts it creates: the published ones (README) unless given.
    operator_password = OPERATOR[1]
    demo_password = PASSWORD

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force-production",
            action="store_true",
            help="Run even with DJANGO_ENV=production (needs both passwords below).",
        )
        parser.add_argument(
            "--operator-password",
            default=os.environ.get("SEED_OPERATOR_PASSWORD", ""),
            help="Password of the operator account (env SEED_OPERATOR_PASSWORD).",
        )
        parser.add_argument(
            "--demo-password",
            default=os.environ.get("SEED_DEMO_PASSWORD", ""),
            help="Password of the demo sellers and buyers (env SEED_DEMO_PASSWORD).",
        )

    def _use_passwords(self, options) -> None:
        """Refuse to put accounts with the published passwords on a production site: there
        it runs only with --force-production and two new passwords that pass the password
        validators. Elsewhere a given password replaces the published one."""
        given = {"operator": options["operator_password"], "demo": options["demo_password"]}
        if settings.PRODUCTION:
            if not options["force_production"]:
                raise CommandError(
                    "seed_demo creates accounts with the passwords published in the README; "
                    "it does not run with DJANGO_ENV=production. To seed a production site "
                    "anyway, pass --force-production with --operator-password and "
                    "--demo-password (or SEED_OPERATOR_PASSWORD and SEED_DEMO_PASSWORD)."
                )
            missing = [f"--{name}-password" for name, value in given.items() if not value]
            if missing:
                raise CommandError(f"--force-production needs new passwords: {', '.join(missing)}.")
            if {given["operator"], given["demo"]} & {OPERATOR[1], PASSWORD}:
                raise CommandError("The published demo passwords can't be used in production.")
        for name, value in given.items():
            if not value:
                continue
            try:
                password_validation.validate_password(value)
            except ValidationError as exc:
                raise CommandError(f"--{name}-password: {' '.join(exc.messages)}") from exc
        self.operator_password = given["operator"] or OPERATOR[1]
        self.demo_password = given["demo"] or PASSWORD

    def handle(self, *args, **options) -> None:
        self._use_passwords(options)
        operator = self._operator()
        for demo in SELLERS:
            self._seller(demo, operator)
        for username in BUYERS:
            self._user(username)
        if "seed_catalog" in get_commands():
            call_command(
                "seed_catalog",
                sellers=[d.username for d in SELLERS if d.active],
                # Certified per product by seed_catalog, once the product's draft exists.
                joint_sellers=[d.username for d in SELLERS if d.active and d.joint],
                stdout=self.stdout,
            )
        if "seed_isv" in get_commands():
            # Production interfaces on the sample ISV, before the demo purchases: their
            # newInstance calls then go to it (orders/management/commands/seed_isv.py).
            call_command("seed_isv", password=self.demo_password, stdout=self.stdout)
        if "seed_orders" in get_commands():
            # Demo orders, subscriptions and money, through the services (idempotent).
            call_command("seed_orders", stdout=self.stdout)
        if "seed_supervision" in get_commands():
            # Supervision cases in several nodes of several flows, on the demo orders.
            call_command("seed_supervision", stdout=self.stdout)
        if "seed_invoices" in get_commands():
            # Invoice requests in each state, one of them overdue (invoices/).
            call_command("seed_invoices", stdout=self.stdout)
        if "seed_settlement" in get_commands():
            # Fee policies, a partner, last month's orders and their bills (settlement/).
            call_command("seed_settlement", password=self.demo_password, stdout=self.stdout)
        self._print_logins()

    def _operator(self) -> User:
        username, password = OPERATOR[0], self.operator_password
        operator, created = User.objects.get_or_create(
            username=username,
            defaults={"email": "operator@example.com", "is_staff": True},
        )
        if created:
            operator.set_password(password)
            operator.save()
        operator.groups.add(*ensure_operator_groups())
        return operator

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first() or user_sign_up(
            username=username, email=f"{username}@example.com", password=self.demo_password
        )
        # Demo accounts are ready to sell: their (made-up) addresses count as verified.
        return user_mark_email_verified(user=user, actor=None)

    @transaction.atomic
    def _seller(self, demo: DemoSeller, operator: User) -> None:
        user = self._user(demo.username)
        if not user.is_enterprise:
            user_verify_enterprise(
                user=user,
                company_name=demo.company,
                credit_code=_credit_code(demo.serial),
                legal_representative="张伟 Zhang Wei",
                licence=_png("licence.png", "LICENCE", (120, 120, 120)),
            )
        seller = Seller.objects.filter(user=user).first()
        if seller is None:
            seller = services.seller_apply(
                user=user,
                store_name=demo.store,
                business_scope=demo.scope,
                contact_name="李娜 Li Na",
                contact_mobile="13800138000",
                contact_email=f"{demo.username}@example.com",
            )
        if not demo.active:
            return
        if seller.status == Seller.Status.PENDING:
            seller = services.seller_approve(seller=seller, actor=operator)
        if seller.status == Seller.Status.APPROVED:
            services.business_info_certify(
                seller=seller,
                actor=user,
                province="上海市",
                city="上海市",
                district="浦东新区",
                address_detail="张江高科技园区 88 号 / 88 Zhangjiang Hi-Tech Park",
                has_marketplace_contact=False,
                logo=_png("logo.png", demo.store[:10], demo.color),
            )
        if not seller.service_groups.exists():
            services.service_group_create(
                seller=seller,
                actor=user,
                name="客户成功 Customer success",
                phone="400-800-8888",
                email=f"support@{demo.username}.example.com",
                hours="周一至周五 9:00–18:00 / Mon–Fri 9:00–18:00",
            )

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log-ins:"))
        self.stdout.write(f"  operator (admin /admin/)  {OPERATOR[0]:<18} {self.operator_password}")
        for demo in SELLERS:
            role = "active seller" if demo.active else "pending seller"
            self.stdout.write(f"  {role:<25} {demo.username:<18} {self.demo_password}")
        for username in BUYERS:
            self.stdout.write(f"  {'buyer':<25} {username:<18} {self.demo_password}")

"""Demo settlement data for `seed_demo` (run last): fee policies, the acceleration plan,
a customer-service partner, last month's paid orders and last month's billing run.

What it leaves (README › Settlement › Demo data):
- fee policy versions of every product type: one from 2024-01-01 00:00 and the one in
  force now from 2024-03-01 00:00 Beijing time (the spec's example date), e.g. auto-deploy
  licences 8 % then 5 %, images 5 % then 3 %, API 5 % then 6 %;
- the acceleration tiers: silver 100,000 / gold 2,000,000 / diamond 5,000,000 yuan of
  private-offer GMV;
- the partner 华信客户服务 Huaxin Services (account `partner-huaxin`, the demo password),
  bound to buyer-chen since 2024-01-01, with price-share terms for auto-deploy licences
  (10 %, output VAT 13 %, service-fee VAT 6 %) and floor-price terms for images (20 %
  of what exceeds 20.00 a unit, output VAT 13 %, service-fee VAT 6 %);
- orders paid on the 10th of last month, through the services (the clock set back with
  `time_machine`, as seed_orders does; without it — a production install — none are
  placed and the run finds nothing to bill), after an operator top-up of their amount:
  * buyer-chen and buyer-alice: Code Hosting (auto-deploy licence, seller-cloudnova),
    3,600.00 each;
  * buyer-chen: the Ubuntu image (seller-datamill) for 3 years (900.00) and for 4 months
    (120.00), and an OCR API package (80.00);
- the billing run of last month (`settlement_run`, as the beat job), which leaves
  seller-cloudnova's auto-deploy licence bill (gross 7,200.00, fee 360.00, chen's line
  with a 337.70 partner share), seller-datamill's image bill (1,020.00, fee 30.60,
  floor-price partner shares 157.59 and 7.50), seller-datamill's API group carried over
  (80.00, below 1,000 yuan) and Huaxin's share bill of the month (502.79).

Idempotent: each row is looked up before it is made; buyer-chen's Code Hosting order (a
fixed idempotency key) marks the orders; a period whose run over all sellers finished
is not run again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from buyers.services.periods import period_bounds, previous_period
from buyers.services.wallet import wallet_operator_top_up
from marketplace.accounts.models import User
from marketplace.accounts.services import user_mark_email_verified, user_sign_up
from marketplace.catalog.models import DeliveryType, Product
from orders.models import Order
from orders.services.checkout import order_pay, order_place
from settlement.models import AccelerationTier, FeePolicy, Partner, PartnerBinding, PartnerTerms
from settlement.selectors import period_finished
from settlement.services import partner_binding_create, partner_create, settlement_run

KEY = "seed-demo:settlement:"  # the orders' idempotency keys
MARKER = f"{KEY}chen:hosting"
DEFAULT_PASSWORD = "demo-pass-2026"  # seed_demo's PASSWORD, when run on its own

# (product type, ratio from 2024-01-01, ratio from 2024-03-01): versions written straight
# to the table, as past versions can't be added through `fee_policy_create`.
FEE_RATIOS = {
    DeliveryType.SAAS: ("0.050000", "0.060000"),
    DeliveryType.JOINT_SAAS: ("0.080000", "0.080000"),
    DeliveryType.LICENSE_CODE: ("0.080000", "0.050000"),
    DeliveryType.LICENSE_PACKAGE: ("0.080000", "0.050000"),
    DeliveryType.LICENSE_AUTO: ("0.080000", "0.050000"),
    DeliveryType.IMAGE: ("0.050000", "0.030000"),
    DeliveryType.HARDWARE: ("0.020000", "0.020000"),
    DeliveryType.MANUAL_SERVICE: ("0.100000", "0.100000"),
    DeliveryType.DATA_FILE: ("0.080000", "0.080000"),
    DeliveryType.ORCHESTRATION: ("0.050000", "0.050000"),
    DeliveryType.API_APIG: ("0.050000", "0.060000"),
    DeliveryType.API_AGENTS: ("0.050000", "0.060000"),
}
TIERS = [
    ("silver", "白银 Silver", "100000.00", "首页推荐位 1 周 / A week on the home page"),
    (
        "gold",
        "黄金 Gold",
        "2000000.00",
        "专属运营经理，搜索加权 / An account manager, search boost",
    ),
    (
        "diamond",
        "钻石 Diamond",
        "5000000.00",
        "联合市场活动，费率优惠 / Joint campaigns, a lower fee",
    ),
]
PARTNER = "华信客户服务 Huaxin Services"
PARTNER_USER = "partner-huaxin"

# seed_catalog's demo products (the first version's name) bought here.
CODE_HOSTING = "代码托管平台 一键部署 Code Hosting"
UBUNTU = "Ubuntu 24.04 LAMP 镜像"
OCR = "通用文字识别 OCR API"


def _beijing(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=ZoneInfo("Asia/Shanghai"))


def _last_month_moment(now: dt.datetime) -> dt.datetime:
    """10:00 Beijing time on the 10th of the month before `now`'s."""
    start, _end = period_bounds(previous_period(now))
    return start.replace(day=10, hour=10)


class Command(BaseCommand):
    help = "Demo fee policies, partner, last month's orders and bills (called by seed_demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="of the partner's account it creates"
        )

    def handle(self, *args, password: str, **options) -> None:
        names = ["buyer-alice", "buyer-chen", "operator"]
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        if len(users) < len(names):
            self.stdout.write("seed_settlement: demo accounts missing (run seed_demo), skipped")
            return
        with transaction.atomic():
            self._policies()
            partner = self._partner(users["buyer-chen"], password)
        placed = self._orders(users)
        period = previous_period()
        if period_finished(period=period):
            self.stdout.write(f"seed_settlement: {period} billed already, nothing to do")
            return
        run = settlement_run(period=period, source="seed")
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_settlement: {placed}; billing run of {period}: {run.bills_created} bills, "
                f"{run.lines_created} lines, {run.carry_overs_created} carry-overs, "
                f"{run.share_bills_created} partner share bills; partner account "
                f"{partner.user.username}"
            )
        )

    # --- tables the operators keep ---------------------------------------------------------

    @staticmethod
    def _policies() -> None:
        for product_type, ratios in FEE_RATIOS.items():
            for ratio, since in zip(
                ratios, (_beijing(2024, 1, 1), _beijing(2024, 3, 1)), strict=True
            ):
                FeePolicy.objects.get_or_create(
                    product_type=product_type,
                    effective_from=since,
                    defaults={"ratio": Decimal(ratio), "note": "Demo"},
                )
        for code, name, threshold, benefits in TIERS:
            AccelerationTier.objects.get_or_create(
                code=code,
                defaults={"name": name, "gmv_threshold": Decimal(threshold), "benefits": benefits},
            )

    @staticmethod
    def _partner(chen: User, password: str) -> Partner:
        """Huaxin, its account, its binding to buyer-chen and its terms (past versions:
        written straight to the table, like the fee policies)."""
        user = User.objects.filter(username=PARTNER_USER).first() or user_sign_up(
            username=PARTNER_USER, email=f"{PARTNER_USER}@example.com", password=password
        )
        user_mark_email_verified(user=user, actor=None)
        partner = Partner.objects.filter(name=PARTNER).first() or partner_create(
            name=PARTNER,
            user=user,
            credit_code="91310115MA1HX0001A",
            contact_name="王芳 Wang Fang",
            contact_phone="021-60001234",
            contact_email=f"{PARTNER_USER}@example.com",
        )
        since = _beijing(2024, 1, 1)
        if not PartnerBinding.objects.filter(partner=partner, buyer=chen).exists():
            partner_binding_create(partner=partner, buyer=chen, valid_from=since)
        terms = [
            (
                DeliveryType.LICENSE_AUTO,
                PartnerTerms.Mode.PRICE_SHARE,
                "0.100000",
                None,
                "0.130000",
            ),
            (DeliveryType.IMAGE, PartnerTerms.Mode.FLOOR_PRICE, "0.200000", "20.00", "0.130000"),
        ]
        for product_type, mode, ratio, floor_price, output_vat in terms:
            PartnerTerms.objects.get_or_create(
                partner=partner,
                product_type=product_type,
                effective_from=since,
                defaults={
                    "mode": mode,
                    "ratio": Decimal(ratio),
                    "floor_price": Decimal(floor_price) if floor_price else None,
                    "output_vat_rate": Decimal(output_vat),
                    "service_fee_vat_rate": Decimal("0.060000"),
                },
            )
        return partner

    # --- last month's orders -----------------------------------------------------------

    def _orders(self, users) -> str:
        alice, chen = users["buyer-alice"], users["buyer-chen"]
        if Order.objects.filter(buyer=chen, idempotency_key=MARKER).exists():
            return "last month's demo orders already there"
        products = {}
        for name in (CODE_HOSTING, UBUNTU, OCR):
            product = Product.objects.filter(
                status=Product.Status.LISTED, versions__number=1, versions__name=name
            ).first()
            if product is None:
                return f"product {name!r} not listed, no orders placed"
            products[name] = product
        try:
            import time_machine
        except ImportError:  # a production install: no demo orders in the past
            return "time_machine missing, last month's demo orders not placed"
        east = {"region": "cn-east"}
        orders = [
            # (buyer, product, spec code, placement options, idempotency key)
            (chen, CODE_HOSTING, "node", {"region": "cn-north"}, "chen:hosting"),
            (alice, CODE_HOSTING, "node", {"region": "cn-north"}, "alice:hosting"),
            (chen, UBUNTU, "monthly", {**east, "period": "year", "periods": 3}, "chen:ubuntu-3y"),
            (chen, UBUNTU, "monthly", {**east, "period": "month", "periods": 4}, "chen:ubuntu-4m"),
            (chen, OCR, "10k", east, "chen:ocr-10k"),
        ]  # fmt: skip
        operator = User.objects.get(pk=users["operator"].pk)  # fresh permission cache
        with (
            transaction.atomic(),
            time_machine.travel(_last_month_moment(timezone.now()), tick=True),
        ):
            placed = []
            for buyer, name, code, options, key in orders:
                placed.append(
                    order_place(
                        buyer=buyer,
                        spec=products[name].listed_version.specs.get(code=code),
                        agreement_accepted=True,
                        idempotency_key=f"{KEY}{key}",  # chen's first: MARKER
                        **options,
                    )
                )
            for buyer in (alice, chen):
                amount = sum((o.amount for o in placed if o.buyer_id == buyer.pk), Decimal("0.00"))
                wallet_operator_top_up(
                    buyer=buyer, amount=amount, actor=operator, memo="Demo top-up (settlement)"
                )
            for order in placed:
                order_pay(order_id=order.pk, buyer=order.buyer, method="balance")
        total = sum((o.amount for o in placed), Decimal("0.00"))
        return f"{len(placed)} orders paid last month ({total} yuan)"

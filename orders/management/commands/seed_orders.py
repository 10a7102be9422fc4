"""Demo orders and money for `seed_demo` (run at its end): every row through the services
the pages use, so the ledger balances (`manage.py ledger_check`).

What it leaves (README › Buying):
- the demo buyers' wallets topped up by the demo operator (finance), a credit limit for
  buyer-alice and her open credit bill of last month (a credit-paid order placed with
  the clock set to the 15th of last month: `time_machine`, a development dependency;
  without it the order is paid on credit now and no bill is issued), a cash coupon for
  buyer-bob;
- two vouchers of seller-cloudnova issued to buyer-alice (one used, one available) and
  a private offer (10 % off CloudDesk) from seller-cloudnova to buyer-alice;
- buyer-alice's orders with seller-cloudnova: CloudDesk paid (subscription in service,
  voucher and offer applied), one renewal paid, a second renewal unsubscribed and
  refunded in full (not yet effective), Joint CRM paid with an unsubscription request
  waiting for the seller (guarantee period), a licence waiting for payment (cancelled
  by the expiry job after ORDER_PAY_MINUTES), a cancelled order, last month's order on
  credit;
- buyer-bob's orders with seller-datamill: an image subscription paid partly with the
  cash coupon, an API package paid from the balance, a site-building order waiting for
  payment.

Idempotent: the first order (buyer-alice's, with a fixed idempotency key) is the marker;
when it exists nothing is done. Everything is one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from buyers.models import CashCoupon
from buyers.services.coupons import cash_coupon_issue
from buyers.services.periods import previous_period
from buyers.services.vouchers import voucher_create, voucher_issue
from buyers.services.wallet import wallet_operator_top_up, wallet_set_credit_limit
from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from orders.models import Order, ProductInterface
from orders.services.checkout import order_cancel, order_pay, order_place
from orders.services.credit import credit_bills_issue
from orders.services.offers import private_offer_create
from orders.services.subscriptions import renewal_place, subscription_activate
from orders.services.unsubscribe import unsubscription_request
from sellers.models import Seller

MARKER = "seed-demo:alice:clouddesk"
TOP_UPS = {"buyer-alice": "5000.00", "buyer-bob": "3000.00", "buyer-chen": "500.00"}
ALICE_CREDIT_LIMIT = Decimal("20000.00")

# seed_catalog's demo products (the first version's name) and the spec codes bought here.
CLOUDDESK = "云办公套件 CloudDesk"
JOINT_CRM = "联营客户管理 Joint CRM"
MYSQL = "企业级数据库 MySQL 增强版"
CODE_HOSTING = "代码托管平台 一键部署 Code Hosting"
K8S = "高可用 Kubernetes 应用编排模板"
UBUNTU = "Ubuntu 24.04 LAMP 镜像"
OCR = "通用文字识别 OCR API"
SITE = "企业官网建站服务"


def _last_month_moment(now: dt.datetime) -> dt.datetime:
    """10:00 Beijing time on the 15th of the month before `now`'s."""
    local = timezone.localtime(now)
    first = local.replace(day=1, hour=10, minute=0, second=0, microsecond=0)
    return (first - dt.timedelta(days=1)).replace(day=15)


class Command(BaseCommand):
    help = "Create the demo orders, subscriptions and money (called by seed_demo)."

    def handle(self, *args, **options) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=[*TOP_UPS, "operator"])}
        sellers = {
            s.user.username: s
            for s in Seller.objects.select_related("user").filter(
                user__username__in=["seller-cloudnova", "seller-datamill"],
                status=Seller.Status.ACTIVE,
            )
        }
        if len(users) < 4 or len(sellers) < 2:
            self.stdout.write("seed_orders: demo accounts missing (run seed_demo), skipped")
            return
        if Order.objects.filter(buyer=users["buyer-alice"], idempotency_key=MARKER).exists():
            self.stdout.write("seed_orders: demo orders already there, nothing to do")
            return
        self.products = {}
        for username, names in {
            "seller-cloudnova": [CLOUDDESK, JOINT_CRM, MYSQL, CODE_HOSTING, K8S],
            "seller-datamill": [UBUNTU, OCR, SITE],
        }.items():
            for name in names:
                product = Product.objects.filter(
                    seller=sellers[username],
                    status=Product.Status.LISTED,
                    versions__number=1,
                    versions__name=name,
                ).first()
                if product is None:
                    self.stdout.write(f"seed_orders: product {name!r} not listed, skipped")
                    return
                self.products[name] = product
        with transaction.atomic():
            summary = self._seed(users, sellers)
        self.stdout.write(self.style.SUCCESS(f"seed_orders: {summary}"))

    # --- helpers ------------------------------------------------------------------------

    def _spec(self, name: str, code: str):
        return self.products[name].listed_version.specs.get(code=code)

    def _place(self, buyer, name, code, key, **kw) -> Order:
        kw.setdefault("agreement_accepted", True)
        return order_place(
            buyer=buyer, spec=self._spec(name, code), idempotency_key=f"seed-demo:{key}", **kw
        )

    def _buy(self, buyer, name, code, key, *, method="balance", coupon_ids=(), **kw) -> Order:
        order = self._place(buyer, name, code, key, **kw)
        return order_pay(order_id=order.pk, buyer=buyer, method=method, coupon_ids=coupon_ids)

    @staticmethod
    def _provisioned(order: Order, instance: str) -> None:
        """Stand-in for provisioning (04) until the worker delivers the newInstance call:
        the service is usable at once. A product wired to the sample ISV (seed_isv) gets
        its instance id from the ISV's answer, so the calls that follow (renewals) name the
        real instance; the others get a made-up one."""
        wired = ProductInterface.objects.filter(product_id=order.product_id).exists()
        subscription_activate(
            subscription=order.subscription,
            instance_id="" if wired else instance,
            access_info=None
            if wired
            else {"adminUrl": f"https://{instance}.cloudnova.example.com/admin"},
        )

    # --- the demo -----------------------------------------------------------------------

    def _seed(self, users, sellers) -> str:
        operator = User.objects.get(pk=users["operator"].pk)  # fresh permission cache
        alice, bob = users["buyer-alice"], users["buyer-bob"]
        cloudnova = sellers["seller-cloudnova"]
        now = timezone.now()

        for username, amount in TOP_UPS.items():
            wallet_operator_top_up(
                buyer=users[username], amount=Decimal(amount), actor=operator, memo="Demo top-up"
            )
        wallet_set_credit_limit(buyer=alice, limit=ALICE_CREDIT_LIMIT, actor=operator)
        coupon: CashCoupon = cash_coupon_issue(
            buyer=bob,
            amount=Decimal("100.00"),
            valid_from=now - dt.timedelta(minutes=1),
            valid_until=now + dt.timedelta(days=90),
            actor=operator,
            note="Demo cash coupon",
        )

        # Seller-cloudnova's vouchers for buyer-alice: one is spent on CloudDesk below.
        welcome, spare = (
            voucher_create(
                seller=cloudnova,
                name=name,
                amount=Decimal(amount),
                min_order_amount=Decimal(minimum),
                valid_from=now - dt.timedelta(days=1),
                valid_until=now + dt.timedelta(days=90),
                actor=cloudnova.user,
            )
            for name, amount, minimum in [
                ("新客立减 Welcome ¥20", "20.00", "50.00"),
                ("续费礼券 Loyalty ¥30", "30.00", "100.00"),
            ]
        )
        for voucher in (welcome, spare):
            voucher_issue(voucher=voucher, buyer_ids=[alice.pk], actor=cloudnova.user)
        private_offer_create(
            seller=cloudnova,
            account_name=alice.username,
            account_id=alice.account_id,
            product_id=self.products[CLOUDDESK].pk,
            kind="percent",
            value=Decimal("10"),
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=180),
            actor=cloudnova.user,
        )

        # Buyer-alice with seller-cloudnova. The marker comes first: all is one transaction.
        grant = welcome.grants.get(buyer=alice)
        desk = self._place(
            alice, CLOUDDESK, "team", "alice:clouddesk", period="month", region="cn-east",
            voucher_grant_ids=[grant.pk],
        )  # fmt: skip
        desk = order_pay(order_id=desk.pk, buyer=alice, method="balance")
        self._provisioned(desk, "clouddesk-alice")
        renewals = []
        for n, periods in ((1, 1), (2, 2)):
            renewal = renewal_place(
                subscription_id=desk.subscription_id,
                buyer=alice,
                periods=periods,
                period="month",
                idempotency_key=f"seed-demo:alice:clouddesk-renewal-{n}",
            )
            renewals.append(order_pay(order_id=renewal.pk, buyer=alice, method="balance"))
        # The later renewal is not yet effective: unsubscribed, refunded in full at once.
        unsubscription_request(
            order_id=renewals[-1].pk, buyer=alice, reason="Renewed twice by mistake."
        )
        crm = self._buy(alice, JOINT_CRM, "standard", "alice:crm", period="month", region="cn-east")
        self._provisioned(crm, "crm-alice")
        # Within the guarantee period: a request waiting for seller-cloudnova.
        unsubscription_request(
            order_id=crm.pk,
            buyer=alice,
            reason="Our sales team chose another CRM.",
            proposed_amount=Decimal("150.00"),
        )
        self._place(alice, MYSQL, "perpetual", "alice:mysql", region="cn-north")
        hosting = self._place(alice, CODE_HOSTING, "node", "alice:hosting", region="cn-north")
        order_cancel(order_id=hosting.pk, buyer=alice)
        bill = self._credit_order_last_month(alice)

        # Buyer-bob with seller-datamill.
        self._buy(
            bob, UBUNTU, "monthly", "bob:ubuntu", period="month", region="cn-north",
            coupon_ids=[coupon.pk],
        )  # fmt: skip
        self._buy(bob, OCR, "10k", "bob:ocr", region="cn-north")
        self._place(bob, SITE, "basic", "bob:site", region="cn-east")

        orders = Order.objects.filter(idempotency_key__startswith="seed-demo:").count()
        return (
            f"{len(TOP_UPS)} wallets topped up, {orders} orders, "
            f"credit bill {bill or 'not issued (time_machine missing)'}, "
            "2 vouchers and a private offer for buyer-alice, a cash coupon for buyer-bob"
        )

    def _credit_order_last_month(self, alice) -> str:
        """A template bought on credit on the 15th of last month, and that month's bill."""
        try:
            import time_machine
        except ImportError:  # a production install: paid on credit now, no bill yet
            travel = contextlib.nullcontext()
            moment = None
        else:
            moment = _last_month_moment(timezone.now())
            travel = time_machine.travel(moment, tick=True)
        with travel:
            self._buy(
                alice, K8S, "template", "alice:k8s-credit", method="credit", region="cn-north"
            )
        if moment is None:
            return ""
        period = previous_period()
        credit_bills_issue(period=period)
        return period

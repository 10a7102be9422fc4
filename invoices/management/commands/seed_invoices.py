"""Demo invoice requests for `seed_demo` (run after `seed_orders` and `seed_supervision`):
one in each state, through the services the pages use, on the demo buyers' paid orders.

- requested (due in 7 days), requested and overdue (asked 10 days ago, flagged by the
  sweep), issued (an e-invoice PDF), mailed (a paper VAT invoice with its tracking
  number), rejected (wrong tax number), withdrawn by the buyer.

Idempotent: the demo title of buyer-alice is the marker; when it exists nothing is done.
"""

from __future__ import annotations

import datetime as dt

from django.core.management import BaseCommand
from django.db import transaction
from django.utils import timezone

from invoices import services
from invoices.models import InvoiceRequest, InvoiceTitle
from invoices.selectors import PAID, issuer_for, order_problem, orders_for_invoicing
from marketplace.accounts.models import User
from marketplace.accounts.validators import uscc_check_char
from supervision.management.commands.seed_supervision import demo_pdf

TITLE = "演示科技有限公司 Demo Tech Co."
STATES = ("requested", "overdue", "issued", "mailed", "rejected", "cancelled")


class Command(BaseCommand):
    help = "Demo invoice requests in each state (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        buyers = list(User.objects.filter(username__in=("buyer-alice", "buyer-chen")))
        if not buyers or InvoiceTitle.objects.filter(name=TITLE).exists():
            return
        base = "91310115MA1K4DE8X"
        made = 0
        states = list(STATES)
        for buyer in buyers:
            title = services.invoice_title_create(
                buyer=buyer,
                kind="company",
                name=TITLE,
                tax_number=base + uscc_check_char(base),
                bank_name="招商银行上海分行",
                bank_account="6214830000001234",
                registered_address="上海市浦东新区示例路 1 号",
                registered_phone="021-60000000",
            )
            address = services.mailing_address_create(
                buyer=buyer,
                recipient="李雷",
                phone="13800000000",
                address="上海市浦东新区示例路 1 号",
            )
            orders = [
                o
                for o in orders_for_invoicing(buyer).filter(payment_status__in=PAID)
                if not order_problem(o) and issuer_for(o) == "seller"
            ]
            for order in orders:
                if not states:
                    break
                made += self._one(states.pop(0), order, title, address)
        services.invoices_flag_overdue()
        self.stdout.write(f"Demo invoice requests: {made}.")

    def _one(self, state: str, order, title, address) -> int:
        paper = state == "mailed" or order.delivery_type == "hardware"
        kind = "paper_vat" if paper else "e_invoice"
        now = timezone.now() - dt.timedelta(days=10) if state == "overdue" else None
        request = services.invoice_request_create(
            buyer=order.buyer,
            order_ids=[order.pk],
            title_id=title.pk,
            kind=kind,
            address_id=address.pk if paper else None,
            now=now,
        )
        seller, user = request.seller, request.seller.user
        if state == "issued" and kind == "e_invoice":
            services.invoice_issue(
                request_id=request.pk,
                seller=seller,
                actor=user,
                file=demo_pdf("invoice.pdf", f"E-invoice {request.pk}"),
            )
        elif state in ("issued", "mailed"):
            services.invoice_mark_mailed(
                request_id=request.pk,
                seller=seller,
                actor=user,
                carrier="顺丰速运",
                tracking_number=f"SF{request.pk:010d}",
            )
        elif state == "rejected":
            services.invoice_reject(
                request_id=request.pk,
                seller=seller,
                actor=user,
                reason="税号与抬头不一致，请核对。",
            )
        elif state == "cancelled":
            services.invoice_request_cancel(request_id=request.pk, buyer=order.buyer)
        return int(isinstance(request, InvoiceRequest))

"""The settlement admin (settlement/admin.py) as operators of each group see it: finance
decides payment requests, receives invoices and re-runs billing; support only views;
a reviewer sees nothing. Every action calls the service; a re-run adds no line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from marketplace.catalog.models import DeliveryType
from settlement import services
from settlement.models import (
    Bill,
    BillLine,
    FeePolicy,
    PartnerShareBill,
    PaymentRequest,
    SellerInvoice,
    SettlementRun,
)
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory, UserFactory
from tests.factories.settlement import (
    FeePolicyFactory,
    beijing,
    billable_order,
    issued_bill,
    settle_product,
    share_bill,
)
from tests.factories.supervision import evidence_pdf
from tests.settlement.helpers import line_keys

pytestmark = pytest.mark.django_db


def url(model, view: str = "changelist", *args) -> str:
    return reverse(f"admin:settlement_{model._meta.model_name}_{view}", args=args)


def act(client, model, action: str, objs, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objs], **extra}
    return client.post(url(model), data, follow=True)


def waiting_request() -> PaymentRequest:
    bill = issued_bill()
    return services.payment_request_create(bill=bill, seller_user=bill.seller.user)


def test_finance_approves_a_payment_request(client):
    request = waiting_request()
    client.force_login(FinanceFactory())
    assert client.get(url(PaymentRequest, "change", request.pk)).status_code == 200
    response = act(client, PaymentRequest, "approve", [request])
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == PaymentRequest.Status.APPROVED
    assert request.bill.status == Bill.Status.PAID


def test_reject_asks_a_reason_first(client):
    request = waiting_request()
    client.force_login(FinanceFactory())
    page = act(client, PaymentRequest, "reject", [request])
    assert b'name="reason"' in page.content  # the intermediate page
    request.refresh_from_db()
    assert request.status == PaymentRequest.Status.REQUESTED
    act(client, PaymentRequest, "reject", [request], confirm="1", reason="Bank account missing")
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "Bank account missing")
    assert request.bill.status == Bill.Status.ISSUED


@pytest.mark.parametrize(
    "make_user", [SupportFactory, ReviewerFactory], ids=["support", "reviewer"]
)
def test_other_groups_cannot_decide(client, make_user):
    request = waiting_request()
    user = make_user()
    client.force_login(user)
    may_view = user.groups.filter(name="support").exists()
    assert client.get(url(PaymentRequest)).status_code == (200 if may_view else 403)
    act(client, PaymentRequest, "approve", [request])
    act(client, PaymentRequest, "reject", [request], confirm="1", reason="no")
    request.refresh_from_db()
    assert request.status == PaymentRequest.Status.REQUESTED
    if may_view:  # support sees the queue but no decision buttons
        page = client.get(url(PaymentRequest, "change", request.pk)).content.decode()
        assert 'value="approve"' not in page


def test_finance_receives_a_sellers_invoice_and_support_cannot(client):
    bill = issued_bill(product_type=DeliveryType.JOINT_SAAS)
    invoice = services.seller_invoice_upload(
        bill=bill,
        seller_user=bill.seller.user,
        number="No 9",
        issued_on=dt.date(2026, 2, 1),
        amount=bill.net_total,
        file=evidence_pdf("invoice.pdf"),
    )
    services.seller_invoice_mark_mailed(
        invoice=invoice, seller_user=bill.seller.user, carrier="SF", tracking_number="SF1"
    )
    client.force_login(SupportFactory())
    act(client, SellerInvoice, "receive", [invoice])
    invoice.refresh_from_db()
    assert invoice.status == SellerInvoice.Status.MAILED
    client.force_login(FinanceFactory())
    assert client.get(url(SellerInvoice, "change", invoice.pk)).status_code == 200
    act(client, SellerInvoice, "receive", [invoice])
    invoice.refresh_from_db()
    assert invoice.status == SellerInvoice.Status.RECEIVED


def test_finance_settles_a_share_bill_only_after_the_invoice(client):
    share = share_bill()
    user = share.partner.user
    services.partner_share_bill_countersign(share_bill=share, partner_user=user)
    client.force_login(FinanceFactory())
    response = act(client, PartnerShareBill, "mark_paid", [share])  # no invoice yet
    assert "can&#x27;t be done" in response.content.decode() or "can't be done" in (
        response.content.decode()
    )
    share.refresh_from_db()
    assert share.status == PartnerShareBill.Status.COUNTERSIGNED
    services.partner_share_bill_invoice_upload(
        share_bill=share,
        partner_user=user,
        file=evidence_pdf("vat.pdf"),
        carrier="SF",
        tracking_number="9",
    )
    act(client, PartnerShareBill, "receive_invoice", [share])
    act(client, PartnerShareBill, "mark_paid", [share])
    share.refresh_from_db()
    assert share.status == PartnerShareBill.Status.PAID


def test_rerun_from_the_admin_adds_no_line(client):
    FeePolicyFactory(ratio=Decimal("0.05"))
    product = settle_product()
    billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 5, 2))
    first = services.settlement_run(period="2024-05")
    lines = line_keys()
    assert len(lines) == 1

    client.force_login(SupportFactory())  # may view runs, not start them
    act(client, SettlementRun, "rerun", [first])
    assert SettlementRun.objects.count() == 1

    client.force_login(FinanceFactory())
    assert client.get(url(SettlementRun, "change", first.pk)).status_code == 200
    act(client, SettlementRun, "rerun", [first])
    assert SettlementRun.objects.count() == 2
    rerun = SettlementRun.objects.order_by("-pk").first()
    assert (rerun.source, rerun.status, rerun.lines_created) == ("admin", "finished", 0)
    assert rerun.actor.groups.filter(name="finance").exists()
    assert line_keys() == lines and BillLine.objects.count() == 1


def test_line_page_explains_the_line(client):
    FeePolicyFactory(ratio=Decimal("0.05"))
    product = settle_product()
    billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 5, 2))
    services.settlement_run(period="2024-05")
    line = BillLine.objects.get()
    client.force_login(SupportFactory())
    page = client.get(url(BillLine, "change", line.pk)).content.decode()
    assert "1,500.00" in page and "75.00" in page  # gross and fee (5%)


def test_fee_policy_is_added_through_the_service(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    when = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    data = {
        "product_type": DeliveryType.SAAS,
        "ratio": "1.5",
        "effective_from_0": when.strftime("%Y-%m-%d"),
        "effective_from_1": when.strftime("%H:%M:%S"),
        "note": "",
    }
    page = client.post(url(FeePolicy, "add"), data)
    assert page.status_code == 200 and "from 0 to 1" in page.content.decode()
    assert not FeePolicy.objects.exists()
    data["ratio"] = "0.06"
    assert client.post(url(FeePolicy, "add"), data).status_code == 302
    policy = FeePolicy.objects.get()
    assert policy.ratio == Decimal("0.06") and policy.created_by == admin_user

    in_force = FeePolicyFactory(product_type=DeliveryType.IMAGE)
    assert client.post(url(FeePolicy, "delete", in_force.pk), {"post": "yes"}).status_code == 403
    assert client.post(url(FeePolicy, "change", in_force.pk), data).status_code == 403
    assert FeePolicy.objects.filter(pk=in_force.pk).exists()

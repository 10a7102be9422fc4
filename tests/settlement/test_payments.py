"""Payment requests, the seller's invoice to the marketplace and partner share bills
(settlement/services/payments.py; issue 12 §6, §7): every transition, its history row
and e-mail, and every refusal with nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from marketplace.catalog.models import DeliveryType
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError, InvalidTransition, PermissionDenied
from marketplace.core.models import Notification
from marketplace.core.notifications import notification_message
from settlement import services
from settlement.exceptions import NotFound
from settlement.models import Bill, PartnerShareBill, PaymentRequest, SellerInvoice
from tests.factories.accounts import FinanceFactory, SupportFactory, UserFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.settlement import issued_bill, share_bill
from tests.factories.supervision import evidence_pdf

pytestmark = pytest.mark.django_db


def snapshot(*objs) -> list[dict]:
    rows = [model_to_dict(type(o).objects.get(pk=o.pk)) for o in objs]
    return [
        rows,
        PaymentRequest.objects.count(),
        SellerInvoice.objects.count(),
        Notification.objects.count(),
    ]


@pytest.fixture
def finance():
    return FinanceFactory()


@pytest.fixture
def bill():
    return issued_bill()


@pytest.fixture
def joint_bill():
    return issued_bill(product_type=DeliveryType.JOINT_SAAS)


def upload(bill, **kw) -> SellerInvoice:
    fields = {
        "number": "No 12345678",
        "issued_on": dt.date(2026, 2, 3),
        "amount": bill.net_total,
        "file": evidence_pdf("invoice.pdf"),
    }
    fields.update(kw)
    return services.seller_invoice_upload(bill=bill, seller_user=bill.seller.user, **fields)


def mailed_invoice(bill) -> SellerInvoice:
    invoice = upload(bill)
    return services.seller_invoice_mark_mailed(
        invoice=invoice, seller_user=bill.seller.user, carrier="SF", tracking_number="SF100"
    )


# --- payment requests ---------------------------------------------------------------------


def test_request_then_approve(bill, finance, django_capture_on_commit_callbacks):
    seller_user = bill.seller.user
    with django_capture_on_commit_callbacks() as callbacks:
        request = services.payment_request_create(bill=bill, seller_user=seller_user, note="pls")
    assert len(callbacks) == 1  # the e-mail, enqueued after commit
    bill.refresh_from_db()
    assert request.status == PaymentRequest.Status.REQUESTED
    assert bill.status == Bill.Status.PAYMENT_REQUESTED
    assert [r.action for r in history_for(bill)] == ["request_payment"]

    services.payment_request_approve(request=request, actor=finance)
    request.refresh_from_db()
    bill.refresh_from_db()
    assert request.status == PaymentRequest.Status.APPROVED
    assert request.decided_by == finance and request.decided_at
    assert bill.status == Bill.Status.PAID and bill.paid_at
    assert [(r.action, r.to_state) for r in history_for(request)] == [
        ("request", "requested"),
        ("approve", "approved"),
    ]
    assert (
        Notification.objects.filter(user=seller_user, template="settlement_bill_update").count()
        == 2
    )


def test_reject_with_reason_then_request_again(bill, finance):
    request = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    services.payment_request_reject(request=request, actor=finance, reason="Wrong bank account")
    request.refresh_from_db()
    bill.refresh_from_db()
    assert request.status == PaymentRequest.Status.REJECTED
    assert request.reason == "Wrong bank account"
    assert bill.status == Bill.Status.ISSUED
    again = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    assert again.pk != request.pk and again.status == PaymentRequest.Status.REQUESTED
    mail = Notification.objects.filter(context__reason="Wrong bank account").get()
    assert "Wrong bank account" in notification_message(mail).body


def test_rejection_email_is_in_the_sellers_language(bill, finance):
    bill.seller.user.language = "zh-hans"
    bill.seller.user.save()
    request = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    services.payment_request_reject(request=request, actor=finance, reason="缺少银行信息")
    mail = Notification.objects.filter(context__event="payment request rejected").get()
    message = notification_message(mail)
    assert "2026-01" in message.subject
    assert "payment request rejected" not in message.body  # translated


def test_another_sellers_bill_is_not_found(bill):
    other = ActiveSellerFactory()
    before = snapshot(bill)
    with pytest.raises(NotFound):
        services.payment_request_create(bill=bill, seller_user=other.user)
    assert snapshot(bill) == before


def test_a_second_request_while_one_waits_is_refused(bill):
    services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    before = snapshot(bill)
    with pytest.raises(DomainError, match="already waiting"):
        services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    assert snapshot(bill) == before


def test_a_paid_bill_cannot_be_requested(bill, finance):
    request = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    services.payment_request_approve(request=request, actor=finance)
    before = snapshot(bill)
    with pytest.raises(InvalidTransition):
        services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    assert snapshot(bill) == before


def test_invoice_required_bill_needs_a_mailed_invoice(joint_bill):
    seller_user = joint_bill.seller.user
    before = snapshot(joint_bill)
    with pytest.raises(DomainError, match="VAT special invoice"):
        services.payment_request_create(bill=joint_bill, seller_user=seller_user)
    assert snapshot(joint_bill) == before
    invoice = upload(joint_bill)  # uploaded, not yet mailed: still refused
    with pytest.raises(DomainError, match="VAT special invoice"):
        services.payment_request_create(bill=joint_bill, seller_user=seller_user)
    services.seller_invoice_mark_mailed(
        invoice=invoice, seller_user=seller_user, carrier="SF", tracking_number="SF1"
    )
    request = services.payment_request_create(bill=joint_bill, seller_user=seller_user)
    assert request.status == PaymentRequest.Status.REQUESTED


def test_approve_refused_once_the_invoice_was_rejected(joint_bill, finance):
    invoice = mailed_invoice(joint_bill)
    request = services.payment_request_create(bill=joint_bill, seller_user=joint_bill.seller.user)
    services.seller_invoice_reject(invoice=invoice, actor=finance, reason="Wrong tax number")
    before = snapshot(joint_bill, request)
    with pytest.raises(DomainError, match="rejected"):
        services.payment_request_approve(request=request, actor=finance)
    assert snapshot(joint_bill, request) == before


@pytest.mark.parametrize("make_actor", [SupportFactory, UserFactory], ids=["support", "seller"])
def test_deciding_needs_the_permission(bill, make_actor):
    request = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    before = snapshot(bill, request)
    with pytest.raises(PermissionDenied):
        services.payment_request_approve(request=request, actor=make_actor())
    with pytest.raises(PermissionDenied):
        services.payment_request_reject(request=request, actor=make_actor(), reason="no")
    assert snapshot(bill, request) == before


def test_reject_needs_a_reason_and_a_waiting_request(bill, finance):
    request = services.payment_request_create(bill=bill, seller_user=bill.seller.user)
    before = snapshot(bill, request)
    with pytest.raises(DomainError, match="reason"):
        services.payment_request_reject(request=request, actor=finance, reason="  ")
    assert snapshot(bill, request) == before
    services.payment_request_approve(request=request, actor=finance)
    before = snapshot(bill, request)
    with pytest.raises(InvalidTransition):
        services.payment_request_reject(request=request, actor=finance, reason="late")
    with pytest.raises(InvalidTransition):
        services.payment_request_approve(request=request, actor=finance)
    assert snapshot(bill, request) == before


# --- the seller's invoice to the marketplace ------------------------------------------------


def test_invoice_upload_mail_receive(joint_bill, finance):
    invoice = upload(joint_bill)
    assert invoice.status == SellerInvoice.Status.UPLOADED
    assert invoice.file.name.startswith("settlement-invoices/") and invoice.file.name.endswith(
        ".pdf"
    )
    invoice = services.seller_invoice_mark_mailed(
        invoice=invoice, seller_user=joint_bill.seller.user, carrier="EMS", tracking_number="E1"
    )
    assert (invoice.status, invoice.carrier, invoice.tracking_number) == ("mailed", "EMS", "E1")
    invoice = services.seller_invoice_receive(invoice=invoice, actor=finance)
    assert invoice.status == SellerInvoice.Status.RECEIVED and invoice.received_at
    assert [r.action for r in history_for(invoice)] == ["upload", "mail", "receive"]
    assert Notification.objects.filter(template="settlement_bill_update").count() == 3


def test_a_rejected_invoice_can_be_replaced(joint_bill, finance):
    invoice = mailed_invoice(joint_bill)
    services.seller_invoice_reject(invoice=invoice, actor=finance, reason="Blurred scan")
    invoice.refresh_from_db()
    assert invoice.status == SellerInvoice.Status.REJECTED and invoice.reason == "Blurred scan"
    assert upload(joint_bill, number="No 2").status == SellerInvoice.Status.UPLOADED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file": SimpleUploadedFile("invoice.pdf", b"not a pdf at all")}, "not accepted"),
        ({"number": " "}, "invoice number"),
        ({"issued_on": dt.date(2999, 1, 1)}, "future"),
        ({"amount": Decimal("1.00")}, "seller net"),
        ({"amount": "abc"}, "amount"),
    ],
)
def test_invoice_upload_refusals(joint_bill, change, message):
    before = snapshot(joint_bill)
    with pytest.raises(DomainError, match=message):
        upload(joint_bill, **change)
    assert snapshot(joint_bill) == before


def test_invoice_upload_refused_for_another_seller_a_second_time_or_no_invoice_needed(
    joint_bill, bill
):
    with pytest.raises(NotFound):
        services.seller_invoice_upload(
            bill=joint_bill,
            seller_user=ActiveSellerFactory().user,
            number="1",
            issued_on=dt.date(2026, 2, 1),
            amount=joint_bill.net_total,
            file=evidence_pdf("i.pdf"),
        )
    with pytest.raises(DomainError, match="needs no invoice"):
        upload(bill)
    upload(joint_bill)
    before = snapshot(joint_bill)
    with pytest.raises(DomainError, match="already uploaded"):
        upload(joint_bill)
    assert snapshot(joint_bill) == before


def test_invoice_mail_and_decisions_refusals(joint_bill, finance):
    invoice = upload(joint_bill)
    before = snapshot(invoice)
    with pytest.raises(NotFound):
        services.seller_invoice_mark_mailed(
            invoice=invoice,
            seller_user=ActiveSellerFactory().user,
            carrier="SF",
            tracking_number="1",
        )
    with pytest.raises(DomainError, match="tracking number"):
        services.seller_invoice_mark_mailed(
            invoice=invoice, seller_user=joint_bill.seller.user, carrier="SF", tracking_number=""
        )
    with pytest.raises(InvalidTransition):  # not mailed yet
        services.seller_invoice_receive(invoice=invoice, actor=finance)
    with pytest.raises(PermissionDenied):
        services.seller_invoice_reject(invoice=invoice, actor=SupportFactory(), reason="x")
    with pytest.raises(DomainError, match="reason"):
        services.seller_invoice_reject(invoice=invoice, actor=finance, reason="")
    assert snapshot(invoice) == before


# --- partner share bills -----------------------------------------------------------------------


def test_share_bill_countersign_invoice_receive_pay(finance):
    share = share_bill()
    partner_user = share.partner.user
    share = services.partner_share_bill_countersign(share_bill=share, partner_user=partner_user)
    assert share.status == PartnerShareBill.Status.COUNTERSIGNED
    assert share.countersigned_by == partner_user
    share = services.partner_share_bill_invoice_upload(
        share_bill=share,
        partner_user=partner_user,
        file=evidence_pdf("vat.pdf"),
        carrier="SF",
        tracking_number="SF9",
    )
    assert (share.status, share.tracking_number) == ("invoiced", "SF9")
    assert share.invoice_file.name.endswith(".pdf")
    share = services.partner_share_bill_receive_invoice(share_bill=share, actor=finance)
    assert share.status == PartnerShareBill.Status.RECEIVED and share.received_at
    share = services.partner_share_bill_mark_paid(share_bill=share, actor=finance)
    assert share.status == PartnerShareBill.Status.PAID and share.paid_at
    assert [r.action for r in history_for(share)] == [
        "countersign",
        "invoice",
        "receive_invoice",
        "pay",
    ]
    assert (
        Notification.objects.filter(
            user=partner_user, template="settlement_share_bill_update"
        ).count()
        == 4
    )


def test_share_bill_payment_waits_for_the_invoice(finance):
    share = share_bill()
    services.partner_share_bill_countersign(share_bill=share, partner_user=share.partner.user)
    before = snapshot(share)
    with pytest.raises(InvalidTransition):
        services.partner_share_bill_mark_paid(share_bill=share, actor=finance)
    with pytest.raises(InvalidTransition):
        services.partner_share_bill_receive_invoice(share_bill=share, actor=finance)
    assert snapshot(share) == before


def test_share_bill_refusals(finance):
    share = share_bill()
    before = snapshot(share)
    with pytest.raises(NotFound):  # another partner's account
        services.partner_share_bill_countersign(share_bill=share, partner_user=UserFactory())
    with pytest.raises(InvalidTransition):  # not countersigned yet
        services.partner_share_bill_invoice_upload(
            share_bill=share,
            partner_user=share.partner.user,
            file=evidence_pdf("vat.pdf"),
            carrier="SF",
            tracking_number="1",
        )
    with pytest.raises(DomainError, match="not accepted"):
        services.partner_share_bill_invoice_upload(
            share_bill=share,
            partner_user=share.partner.user,
            file=SimpleUploadedFile("vat.pdf", b"plain text"),
            carrier="SF",
            tracking_number="1",
        )
    with pytest.raises(PermissionDenied):
        services.partner_share_bill_mark_paid(share_bill=share, actor=SupportFactory())
    with pytest.raises(PermissionDenied):
        services.partner_share_bill_receive_invoice(share_bill=share, actor=share.partner.user)
    assert snapshot(share) == before
    services.partner_share_bill_countersign(share_bill=share, partner_user=share.partner.user)
    with pytest.raises(InvalidTransition):  # twice
        services.partner_share_bill_countersign(share_bill=share, partner_user=share.partner.user)

"""Payment requests 申请支付, the seller's invoice to the marketplace and the partners'
share bills (06 › Payment request, › Invoicing; issue 12 §6, §7).

Every transition: one transaction, the row locked (`select_for_update`), the source
state checked by the model's state machine (`InvalidTransition` otherwise), the change
and its history row written by `marketplace.core.audit.move_to`, and the seller (or the
partner's account) e-mailed through the notification outbox, in their language, after
commit. A refusal is a `DomainError` with a translated message and changes nothing.

Who may act:
- the seller, on its own bills only (anyone else's is "not found"): request payment,
  upload its VAT special invoice and mark it mailed;
- the partner's account, on its own share bills: countersign, upload its invoice;
- operators with `settlement.decide_paymentrequest` (approve / reject a request),
  `settlement.receive_sellerinvoice` (receive / reject a seller's invoice) and
  `settlement.settle_partnersharebill` (receive a partner's invoice, mark it paid).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.catalog.models import DeliveryType
from marketplace.core.audit import log_transition, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.files import check_document
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from ..exceptions import NotFound
from ..models import (
    BILL_STATUS,
    PARTNER_SHARE_BILL_STATUS,
    PAYMENT_REQUEST_STATUS,
    SELLER_INVOICE_STATUS,
    Bill,
    PartnerShareBill,
    PaymentRequest,
    SellerInvoice,
)

DECIDE_PERMISSION = "settlement.decide_paymentrequest"
RECEIVE_INVOICE_PERMISSION = "settlement.receive_sellerinvoice"
SHARE_BILL_PERMISSION = "settlement.settle_partnersharebill"

PDF_ONLY = {"application/pdf": (".pdf",)}
# An invoice that counts for a payment request: mailed (tracking recorded) or received.
LIVE_MAILED = (SellerInvoice.Status.MAILED, SellerInvoice.Status.RECEIVED)

# What happened, as the e-mails say it (translated in the recipient's language by the
# templates `settlement_bill_update` and `settlement_share_bill_update`).
EVENTS = {
    "requested": gettext_noop("payment requested, waiting for review"),
    "approved": gettext_noop("payment approved"),
    "rejected": gettext_noop("payment request rejected"),
    "invoice_uploaded": gettext_noop("your invoice to the marketplace was uploaded"),
    "invoice_mailed": gettext_noop("your invoice to the marketplace was recorded as mailed"),
    "invoice_received": gettext_noop("the marketplace received your invoice"),
    "invoice_rejected": gettext_noop("the marketplace rejected your invoice"),
    "countersigned": gettext_noop("share bill countersigned"),
    "share_invoiced": gettext_noop("your invoice was recorded as mailed"),
    "share_invoice_received": gettext_noop("the marketplace received your invoice"),
    "share_paid": gettext_noop("share bill paid"),
}


# --- checks shared by the transitions -------------------------------------------------------


def _own_bill(bill: Bill, seller_user) -> Bill:
    """The bill locked, if it is `seller_user`'s; NotFound otherwise."""
    found = (
        Bill.objects.select_for_update(of=("self",))
        .select_related("seller")
        .filter(pk=bill.pk, seller__user_id=getattr(seller_user, "pk", None))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason: the seller sees it and can fix what is wrong."))
    return reason


def _tracking(carrier: str, tracking_number: str) -> tuple[str, str]:
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise DomainError(_("Enter the carrier and the tracking number of the mailed invoice."))
    if len(carrier) > 50 or len(tracking_number) > 50:
        raise DomainError(_("The carrier and the tracking number have at most 50 characters."))
    return carrier, tracking_number


def _check_pdf(upload) -> None:
    """A real PDF (by its bytes, with a .pdf name) within the size limit."""
    if not upload:
        raise DomainError(_("Choose the invoice's PDF file."))
    try:
        check_document(upload, max_bytes=settings.INVOICE_FILE_MAX_BYTES, mimes=PDF_ONLY)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from None


def _type_msgid(product_type: str) -> str:
    """The product type's English label: the template translates it for the recipient."""
    with translation.override(None):
        return str(DeliveryType(product_type).label)


def _notify_seller(bill: Bill, event: str, *, key: str, reason: str = "") -> None:
    notify(
        user=bill.seller.user,
        template="settlement_bill_update",
        context={
            "bill_id": bill.pk,
            "period": bill.period,
            "product_type": _type_msgid(bill.product_type),
            "net_total": str(bill.net_total),
            "event": EVENTS[event],
            "reason": reason,
        },
        key=key,
    )


def _notify_partner(share_bill: PartnerShareBill, event: str, *, key: str) -> None:
    partner = share_bill.partner
    if partner.user_id is None:
        return  # no account to write to: the operators reach the contact themselves
    notify(
        user=partner.user,
        template="settlement_share_bill_update",
        context={
            "share_bill_id": share_bill.pk,
            "partner": partner.name,
            "period": share_bill.period,
            "share_total": str(share_bill.share_total),
            "event": EVENTS[event],
        },
        key=key,
    )


# --- payment requests ------------------------------------------------------------------------


@transaction.atomic
def payment_request_create(*, bill: Bill, seller_user, note: str = "") -> PaymentRequest:
    """The seller asks the marketplace to pay its issued bill (bill → payment requested).

    Refuses another seller's bill (NotFound), a second request while one waits, a bill
    not issued (or paid already), and — for a bill with `invoice_required` — a bill whose
    VAT special invoice to the marketplace is not yet uploaded and mailed."""
    bill = _own_bill(bill, seller_user)
    if bill.payment_requests.filter(status=PaymentRequest.Status.REQUESTED).exists():
        raise DomainError(_("A payment request of this bill is already waiting for review."))
    target = BILL_STATUS.check(bill, "request_payment")
    if bill.invoice_required and not bill.seller_invoices.filter(status__in=LIVE_MAILED).exists():
        raise DomainError(
            _(
                "This bill needs your VAT special invoice to the marketplace first: upload "
                "it and record the carrier and tracking number once it is mailed."
            )
        )
    now = timezone.now()
    request = PaymentRequest.objects.create(
        bill=bill, note=(note or "").strip(), requested_by=seller_user, requested_at=now
    )
    log_transition(request, action="request", to_state=request.status, actor=seller_user)
    move_to(bill, target, action="request_payment", actor=seller_user)
    _notify_seller(bill, "requested", key=f"settlement:payment-request:{request.pk}:requested")
    return request


def _locked_request(request: PaymentRequest) -> tuple[PaymentRequest, Bill]:
    # The bill first, then the request: the order `payment_request_create` locks in.
    bill_id = PaymentRequest.objects.filter(pk=request.pk).values_list("bill_id", flat=True)
    bill = Bill.objects.select_for_update(of=("self",)).select_related("seller__user")
    bill = bill.filter(pk__in=bill_id).first()
    if bill is None:
        raise NotFound()
    return PaymentRequest.objects.select_for_update().get(pk=request.pk), bill


@transaction.atomic
def payment_request_approve(*, request: PaymentRequest, actor) -> PaymentRequest:
    """An operator approves a waiting request: request → approved, bill → paid.

    For a bill with `invoice_required` the seller's invoice must still be live (mailed
    or received): one the operators rejected meanwhile has to be replaced first."""
    check_operator_permission(
        actor, DECIDE_PERMISSION, _("You may not approve or reject payment requests.")
    )
    request, bill = _locked_request(request)
    target = PAYMENT_REQUEST_STATUS.check(request, "approve")
    bill_target = BILL_STATUS.check(bill, "approve_payment")
    if bill.invoice_required and not bill.seller_invoices.filter(status__in=LIVE_MAILED).exists():
        raise DomainError(
            _("The seller's invoice to the marketplace was rejected: wait for a new one.")
        )
    now = timezone.now()
    request.decided_by, request.decided_at = actor, now
    move_to(request, target, action="approve", actor=actor, also_save=["decided_by", "decided_at"])
    bill.paid_at = now
    move_to(bill, bill_target, action="approve_payment", actor=actor, also_save=["paid_at"])
    _notify_seller(bill, "approved", key=f"settlement:payment-request:{request.pk}:approved")
    return request


@transaction.atomic
def payment_request_reject(*, request: PaymentRequest, actor, reason: str) -> PaymentRequest:
    """An operator rejects a waiting request with a reason: request → rejected, bill →
    issued again, so the seller can fix what is wrong and request again (a new row)."""
    check_operator_permission(
        actor, DECIDE_PERMISSION, _("You may not approve or reject payment requests.")
    )
    reason = _reason(reason)
    request, bill = _locked_request(request)
    target = PAYMENT_REQUEST_STATUS.check(request, "reject")
    bill_target = BILL_STATUS.check(bill, "reject_payment")
    request.decided_by, request.decided_at, request.reason = actor, timezone.now(), reason
    move_to(
        request,
        target,
        action="reject",
        actor=actor,
        reason=reason,
        also_save=["decided_by", "decided_at", "reason"],
    )
    move_to(bill, bill_target, action="reject_payment", actor=actor, reason=reason)
    _notify_seller(
        bill, "rejected", key=f"settlement:payment-request:{request.pk}:rejected", reason=reason
    )
    return request


# --- the seller's invoice to the marketplace --------------------------------------------------


def _clean_invoice_fields(
    bill: Bill, number: str, issued_on, amount
) -> tuple[str, dt.date, Decimal]:
    number = (number or "").strip()
    if not number or len(number) > 50:
        raise DomainError(_("Enter the invoice number (at most 50 characters)."))
    if isinstance(issued_on, dt.datetime) or not isinstance(issued_on, dt.date):
        raise DomainError(_("Enter the date the invoice was issued."))
    if issued_on > timezone.localdate():
        raise DomainError(_("The invoice date can't be in the future."))
    try:
        amount = Decimal(str(amount).strip())
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(_("Enter the invoice amount (tax incl.)."))
    # The invoice is for what the marketplace pays: the bill's seller net, to the cent.
    if amount != bill.net_total:
        raise DomainError(
            _("The invoice amount must be the bill's seller net, ¥%(amount)s.")
            % {"amount": bill.net_total}
        )
    return number, issued_on, amount


@transaction.atomic
def seller_invoice_upload(
    *, bill: Bill, seller_user, number: str, issued_on: dt.date, amount, file
) -> SellerInvoice:
    """The seller uploads its VAT special invoice 增值税专用发票 to the marketplace for a
    bill that needs one (PDF checked by its bytes, stored privately). One live invoice
    per bill: after a rejection the seller uploads a new one."""
    _check_pdf(file)
    bill = _own_bill(bill, seller_user)
    if not bill.invoice_required:
        raise DomainError(_("This bill needs no invoice to the marketplace."))
    if bill.status == Bill.Status.PAID:
        raise DomainError(_("This bill is paid already."))
    number, issued_on, amount = _clean_invoice_fields(bill, number, issued_on, amount)
    if bill.seller_invoices.exclude(status=SellerInvoice.Status.REJECTED).exists():
        raise DomainError(
            _("An invoice of this bill is already uploaded; a rejected one can be replaced.")
        )
    invoice = SellerInvoice(
        bill=bill,
        invoice_number=number,
        invoice_date=issued_on,
        amount=amount,
        uploaded_by=seller_user,
        uploaded_at=timezone.now(),
    )
    file.seek(0)
    invoice.file.save(file.name, file, save=False)
    invoice.save()
    log_transition(invoice, action="upload", to_state=invoice.status, actor=seller_user)
    _notify_seller(bill, "invoice_uploaded", key=f"settlement:invoice:{invoice.pk}:uploaded")
    return invoice


def _locked_invoice(invoice: SellerInvoice, *, seller_user=None) -> SellerInvoice:
    queryset = SellerInvoice.objects.select_for_update(of=("self",)).select_related(
        "bill__seller__user"
    )
    if seller_user is not None:
        queryset = queryset.filter(bill__seller__user_id=seller_user.pk)
    found = queryset.filter(pk=invoice.pk).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def seller_invoice_mark_mailed(
    *, invoice: SellerInvoice, seller_user, carrier: str, tracking_number: str
) -> SellerInvoice:
    """The seller posted the paper invoice: carrier and tracking number recorded."""
    carrier, tracking_number = _tracking(carrier, tracking_number)
    invoice = _locked_invoice(invoice, seller_user=seller_user)
    target = SELLER_INVOICE_STATUS.check(invoice, "mail")
    invoice.carrier, invoice.tracking_number = carrier, tracking_number
    invoice.mailed_at = timezone.now()
    move_to(
        invoice,
        target,
        action="mail",
        actor=seller_user,
        also_save=["carrier", "tracking_number", "mailed_at"],
    )
    _notify_seller(invoice.bill, "invoice_mailed", key=f"settlement:invoice:{invoice.pk}:mailed")
    return invoice


@transaction.atomic
def seller_invoice_receive(*, invoice: SellerInvoice, actor) -> SellerInvoice:
    """An operator records the mailed invoice as received."""
    check_operator_permission(
        actor, RECEIVE_INVOICE_PERMISSION, _("You may not receive or reject sellers' invoices.")
    )
    invoice = _locked_invoice(invoice)
    target = SELLER_INVOICE_STATUS.check(invoice, "receive")
    invoice.received_at = timezone.now()
    move_to(invoice, target, action="receive", actor=actor, also_save=["received_at"])
    _notify_seller(
        invoice.bill, "invoice_received", key=f"settlement:invoice:{invoice.pk}:received"
    )
    return invoice


@transaction.atomic
def seller_invoice_reject(*, invoice: SellerInvoice, actor, reason: str) -> SellerInvoice:
    """An operator rejects the invoice with a reason; the seller uploads a new one."""
    check_operator_permission(
        actor, RECEIVE_INVOICE_PERMISSION, _("You may not receive or reject sellers' invoices.")
    )
    reason = _reason(reason)
    invoice = _locked_invoice(invoice)
    target = SELLER_INVOICE_STATUS.check(invoice, "reject")
    invoice.reason = reason
    move_to(invoice, target, action="reject", actor=actor, reason=reason, also_save=["reason"])
    _notify_seller(
        invoice.bill,
        "invoice_rejected",
        key=f"settlement:invoice:{invoice.pk}:rejected",
        reason=reason,
    )
    return invoice


# --- partner share bills ---------------------------------------------------------------------


def _locked_share_bill(share_bill: PartnerShareBill, *, partner_user=None) -> PartnerShareBill:
    queryset = PartnerShareBill.objects.select_for_update(of=("self",)).select_related(
        "partner__user"
    )
    if partner_user is not None:
        queryset = queryset.filter(
            partner__user_id=getattr(partner_user, "pk", None), partner__is_active=True
        )
    found = queryset.filter(pk=share_bill.pk).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def partner_share_bill_countersign(
    *, share_bill: PartnerShareBill, partner_user
) -> PartnerShareBill:
    """The partner confirms its share bill of the period."""
    share_bill = _locked_share_bill(share_bill, partner_user=partner_user)
    target = PARTNER_SHARE_BILL_STATUS.check(share_bill, "countersign")
    share_bill.countersigned_at, share_bill.countersigned_by = timezone.now(), partner_user
    move_to(
        share_bill,
        target,
        action="countersign",
        actor=partner_user,
        also_save=["countersigned_at", "countersigned_by"],
    )
    _notify_partner(share_bill, "countersigned", key=f"settlement:share:{share_bill.pk}:signed")
    return share_bill


@transaction.atomic
def partner_share_bill_invoice_upload(
    *,
    share_bill: PartnerShareBill,
    partner_user,
    file,
    carrier: str,
    tracking_number: str,
    number: str = "",
) -> PartnerShareBill:
    """After countersigning, the partner uploads its VAT special invoice to the
    marketplace (PDF) and records how it was mailed."""
    _check_pdf(file)
    carrier, tracking_number = _tracking(carrier, tracking_number)
    share_bill = _locked_share_bill(share_bill, partner_user=partner_user)
    target = PARTNER_SHARE_BILL_STATUS.check(share_bill, "invoice")
    file.seek(0)
    share_bill.invoice_file.save(file.name, file, save=False)
    share_bill.invoice_number = (number or "").strip()[:50]
    share_bill.carrier, share_bill.tracking_number = carrier, tracking_number
    share_bill.mailed_at = timezone.now()
    move_to(
        share_bill,
        target,
        action="invoice",
        actor=partner_user,
        also_save=["invoice_file", "invoice_number", "carrier", "tracking_number", "mailed_at"],
    )
    _notify_partner(share_bill, "share_invoiced", key=f"settlement:share:{share_bill.pk}:invoiced")
    return share_bill


@transaction.atomic
def partner_share_bill_receive_invoice(*, share_bill: PartnerShareBill, actor) -> PartnerShareBill:
    """An operator records the partner's mailed invoice as received; payment may follow."""
    check_operator_permission(
        actor, SHARE_BILL_PERMISSION, _("You may not settle partner share bills.")
    )
    share_bill = _locked_share_bill(share_bill)
    target = PARTNER_SHARE_BILL_STATUS.check(share_bill, "receive_invoice")
    share_bill.received_at = timezone.now()
    move_to(share_bill, target, action="receive_invoice", actor=actor, also_save=["received_at"])
    _notify_partner(
        share_bill, "share_invoice_received", key=f"settlement:share:{share_bill.pk}:received"
    )
    return share_bill


@transaction.atomic
def partner_share_bill_mark_paid(*, share_bill: PartnerShareBill, actor) -> PartnerShareBill:
    """An operator records the share paid — only once the partner's invoice is received
    (the state machine's `pay` starts from "received")."""
    check_operator_permission(
        actor, SHARE_BILL_PERMISSION, _("You may not settle partner share bills.")
    )
    share_bill = _locked_share_bill(share_bill)
    target = PARTNER_SHARE_BILL_STATUS.check(share_bill, "pay")
    share_bill.paid_at = timezone.now()
    move_to(share_bill, target, action="pay", actor=actor, also_save=["paid_at"])
    _notify_partner(share_bill, "share_paid", key=f"settlement:share:{share_bill.pk}:paid")
    return share_bill

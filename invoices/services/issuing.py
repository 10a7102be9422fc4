"""The issuer's side: issue an e-invoice by uploading its PDF, mark a paper invoice mailed,
reject with a reason, issue a red-letter invoice. Sellers act on their own requests
whose issuer is the seller; operators (`invoices.issue_marketplace_invoice`) act on the
marketplace's, in the admin. Each transition locks the row, checks its source state,
writes its history row and e-mails the buyer after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.audit import move_to
from marketplace.core.exceptions import PermissionDenied
from marketplace.core.files import check_document

from ..exceptions import InvalidInput, InvoiceNotFound, NotTheIssuer
from ..models import INVOICE_STATUS, RED_LETTER_STATUS, InvoiceRequest, RedLetterInvoice
from .notify import ISSUE_PERMISSION, notify_buyer

PDF_ONLY = {"application/pdf": (".pdf",)}


def check_invoice_pdf(upload) -> None:
    """A real PDF (by its bytes, with a .pdf name) within the size limit."""
    if not upload:
        raise InvalidInput(_("Choose the invoice's PDF file."), field="file")
    try:
        check_document(upload, max_bytes=settings.INVOICE_FILE_MAX_BYTES, mimes=PDF_ONLY)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="file") from None


def _locked(request_id: int, *, seller=None, operator=None) -> InvoiceRequest:
    """The request, locked, if the actor is its issuer: a seller's own (another's is
    not found) with the seller as issuer, or an operator with the permission on a
    marketplace-issued one."""
    queryset = InvoiceRequest.objects.select_for_update().select_related("seller")
    if seller is not None:
        request = queryset.filter(pk=request_id, seller=seller).first()
        if request is None:
            raise InvoiceNotFound
        if request.issuer != InvoiceRequest.Issuer.SELLER:
            raise NotTheIssuer
        return request
    if operator is None or not operator.has_perm(ISSUE_PERMISSION):
        raise PermissionDenied(_("You may not issue marketplace invoices."))
    request = queryset.filter(pk=request_id).first()
    if request is None:
        raise InvoiceNotFound
    if request.issuer != InvoiceRequest.Issuer.MARKETPLACE:
        raise InvalidInput(_("The seller issues this invoice, not the marketplace."))
    return request


@transaction.atomic
def invoice_issue(*, request_id: int, actor, file, seller=None) -> InvoiceRequest:
    """Issue an e-invoice: its PDF, checked by content, to private storage."""
    check_invoice_pdf(file)
    request = _locked(request_id, seller=seller, operator=None if seller else actor)
    target = INVOICE_STATUS.check(request, "issue")
    if request.kind != InvoiceRequest.Kind.E_INVOICE:
        raise InvalidInput(_("A paper invoice is marked mailed with its tracking number."))
    file.seek(0)
    request.file.save(file.name, file, save=False)
    request.issued_at = timezone.now()
    move_to(request, target, action="issue", actor=actor, also_save=["file", "issued_at"])
    notify_buyer(request, "invoice_issued")
    return request


@transaction.atomic
def invoice_mark_mailed(
    *, request_id: int, actor, carrier: str, tracking_number: str, seller=None
) -> InvoiceRequest:
    """A paper VAT invoice was posted: carrier and tracking number for the buyer."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise InvalidInput(_("Enter the carrier and the tracking number."), field="tracking_number")
    request = _locked(request_id, seller=seller, operator=None if seller else actor)
    target = INVOICE_STATUS.check(request, "mail")
    if request.kind != InvoiceRequest.Kind.PAPER_VAT:
        raise InvalidInput(_("An e-invoice is issued by uploading its PDF."))
    request.carrier, request.tracking_number = carrier, tracking_number
    request.mailed_at = request.issued_at = timezone.now()
    move_to(
        request,
        target,
        action="mail",
        actor=actor,
        also_save=["carrier", "tracking_number", "mailed_at", "issued_at"],
    )
    notify_buyer(request, "invoice_mailed", carrier=carrier, tracking_number=tracking_number)
    return request


@transaction.atomic
def invoice_reject(*, request_id: int, actor, reason: str, seller=None) -> InvoiceRequest:
    """Refuse a request (a wrong tax number ...): its orders are free to be asked for
    again, with the reason shown to the buyer."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the buyer a reason."), field="reason")
    request = _locked(request_id, seller=seller, operator=None if seller else actor)
    target = INVOICE_STATUS.check(request, "reject")
    request.reject_reason = reason
    move_to(
        request, target, action="reject", actor=actor, reason=reason, also_save=["reject_reason"]
    )
    request.lines.update(live=False)
    notify_buyer(request, "invoice_rejected", reason=reason)
    return request


@transaction.atomic
def red_letter_issue(*, red_letter_id: int, actor, file, seller=None) -> RedLetterInvoice:
    """Issue a recorded red-letter (credit) invoice by uploading its PDF."""
    check_invoice_pdf(file)
    queryset = RedLetterInvoice.objects.select_for_update().select_related("request__seller")
    if seller is not None:
        red = queryset.filter(pk=red_letter_id, request__seller=seller).first()
        if red is None:
            raise InvoiceNotFound
        if red.request.issuer != InvoiceRequest.Issuer.SELLER:
            raise NotTheIssuer
    else:
        if not actor.has_perm(ISSUE_PERMISSION):
            raise PermissionDenied(_("You may not issue marketplace invoices."))
        red = queryset.filter(pk=red_letter_id).first()
        if red is None:
            raise InvoiceNotFound
    target = RED_LETTER_STATUS.check(red, "issue")
    file.seek(0)
    red.file.save(file.name, file, save=False)
    red.issued_at = timezone.now()
    move_to(red, target, action="issue", actor=actor, also_save=["file", "issued_at"])
    notify_buyer(red.request, "red_letter_issued", order_number=red.order.number)
    return red

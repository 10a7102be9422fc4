"""The buyer's side: invoice titles, mailing addresses, asking for an invoice, cancelling.

Checks come first and write nothing; a refusal raises an `InvoiceError` with a translated
message and leaves every row as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.validators import validate_uscc
from marketplace.core.audit import log_transition, move_to

from ..exceptions import InvalidInput, InvoiceNotFound, NotInvoiceable
from ..models import (
    INVOICE_STATUS,
    InvoiceRequest,
    InvoiceRequestOrder,
    InvoiceTitle,
    MailingAddress,
)
from ..selectors import (
    e_invoice_unavailable,
    issuer_for,
    order_problem,
    orders_for_invoicing,
    seller_issues_e_invoices,
)
from .notify import notify_issuer

TITLE_FIELDS = (
    "name",
    "tax_number",
    "bank_name",
    "bank_account",
    "registered_address",
    "registered_phone",
)


def check_title(*, kind: str, name: str, tax_number: str) -> str:
    """The tax number, normalised; `InvalidInput` for a missing name or a malformed number
    (a company's tax number is its unified social credit code, checked as in onboarding)."""
    if kind not in InvoiceTitle.Kind.values:
        raise InvalidInput(_("Choose a company or a personal title."), field="kind")
    if not (name or "").strip():
        raise InvalidInput(_("Enter the title's name."), field="name")
    tax_number = (tax_number or "").strip().upper()
    if kind == InvoiceTitle.Kind.COMPANY:
        try:
            validate_uscc(tax_number)
        except ValidationError as exc:
            raise InvalidInput(
                _("The tax number is not valid: %(problem)s") % {"problem": " ".join(exc.messages)},
                field="tax_number",
            ) from None
    return tax_number


@transaction.atomic
def invoice_title_create(
    *, buyer, kind: str, name: str, tax_number: str = "", **details
) -> InvoiceTitle:
    tax_number = check_title(kind=kind, name=name, tax_number=tax_number)
    fields = {k: (details.get(k) or "").strip() for k in TITLE_FIELDS[2:]}
    if kind == InvoiceTitle.Kind.PERSONAL:
        tax_number, fields = "", dict.fromkeys(fields, "")
    return InvoiceTitle.objects.create(
        buyer=buyer, kind=kind, name=name.strip(), tax_number=tax_number, **fields
    )


@transaction.atomic
def invoice_title_delete(*, buyer, title_id: int) -> None:
    """Requests keep their own copy of the title: deleting it changes no request."""
    deleted, _rows = InvoiceTitle.objects.filter(buyer=buyer, pk=title_id).delete()
    if not deleted:
        raise InvoiceNotFound(_("This invoice title doesn't exist."))


@transaction.atomic
def mailing_address_create(*, buyer, recipient: str, phone: str, address: str) -> MailingAddress:
    if not (recipient.strip() and phone.strip() and address.strip()):
        raise InvalidInput(_("Enter the recipient, the phone and the address."))
    return MailingAddress.objects.create(
        buyer=buyer, recipient=recipient.strip(), phone=phone.strip(), address=address.strip()
    )


@transaction.atomic
def mailing_address_delete(*, buyer, address_id: int) -> None:
    deleted, _rows = MailingAddress.objects.filter(buyer=buyer, pk=address_id).delete()
    if not deleted:
        raise InvoiceNotFound(_("This mailing address doesn't exist."))


def due_at(requested_at: dt.datetime) -> dt.datetime:
    """Seven calendar days (06: "within 7 days"; business days are not required)."""
    return requested_at + dt.timedelta(days=settings.INVOICE_ISSUE_DAYS)


@transaction.atomic
def invoice_request_create(
    *,
    buyer,
    order_ids: list[int],
    title_id: int,
    kind: str,
    address_id: int | None = None,
    now: dt.datetime | None = None,
) -> InvoiceRequest:
    """Ask for one invoice for paid orders of one seller (06 › Invoicing).

    Another buyer's order is answered as a missing one (`InvoiceNotFound`). Two requests
    racing for the same order: the partial unique index on the live lines lets one
    commit; the other is refused with `NotInvoiceable`."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in order_ids or ()})
    if not ids:
        raise NotInvoiceable(_("Choose at least one order."))
    orders = list(orders_for_invoicing(buyer).filter(pk__in=ids).order_by("created_at", "pk"))
    if len(orders) != len(ids):
        raise InvoiceNotFound(_("This order doesn't exist."))
    title = InvoiceTitle.objects.filter(buyer=buyer, pk=title_id).first()
    if title is None:
        raise InvoiceNotFound(_("This invoice title doesn't exist."))
    if len({o.seller_id for o in orders}) > 1:
        raise NotInvoiceable(
            _("One invoice covers orders of one seller: ask for one invoice per seller.")
        )
    for order in orders:
        problem = order_problem(order)
        if problem:
            raise NotInvoiceable(problem)
    issuers = {issuer_for(o) for o in orders}
    if len(issuers) > 1:
        raise NotInvoiceable(
            _(
                "Orders from before and after the cut-over have different issuers: "
                "ask for them separately."
            )
        )
    check_title(kind=title.kind, name=title.name, tax_number=title.tax_number)
    seller = orders[0].seller
    address = None
    if kind == InvoiceRequest.Kind.E_INVOICE:
        reason = e_invoice_unavailable(
            orders, issues_e_invoices=seller_issues_e_invoices(seller.pk)
        )
        if reason:
            raise NotInvoiceable(reason)
    elif kind == InvoiceRequest.Kind.PAPER_VAT:
        if not title.vat_ready:
            raise InvalidInput(
                _(
                    "A VAT special invoice needs a company title with its tax number, bank, "
                    "account, registered address and phone."
                ),
                field="title",
            )
        address = MailingAddress.objects.filter(buyer=buyer, pk=address_id).first()
        if address is None:
            raise InvalidInput(_("Choose the address to mail the invoice to."), field="address")
    else:
        raise InvalidInput(_("Choose the invoice type."), field="kind")

    request = _create(buyer, seller, issuers.pop(), kind, orders, title, address, now)
    try:
        with transaction.atomic():  # a savepoint: the race's loser keeps its transaction
            InvoiceRequestOrder.objects.bulk_create(
                [InvoiceRequestOrder(request=request, order=o, amount=o.amount) for o in orders]
            )
    except IntegrityError:
        raise NotInvoiceable(
            _("One of these orders has just been included in another invoice request.")
        ) from None
    log_transition(request, action="request", to_state=request.status, actor=buyer)
    notify_issuer(request, "invoice_requested")
    return request


def _create(buyer, seller, issuer, kind, orders, title, address, now) -> InvoiceRequest:
    return InvoiceRequest.objects.create(
        buyer=buyer,
        seller=seller,
        issuer=issuer,
        kind=kind,
        amount=sum((o.amount for o in orders), Decimal("0")),
        title_kind=title.kind,
        title_name=title.name,
        tax_number=title.tax_number,
        bank_name=title.bank_name,
        bank_account=title.bank_account,
        registered_address=title.registered_address,
        registered_phone=title.registered_phone,
        recipient=address.recipient if address else "",
        recipient_phone=address.phone if address else "",
        mailing_address=address.address if address else "",
        requested_at=now,
        due_at=due_at(now),
    )


@transaction.atomic
def invoice_request_cancel(*, request_id: int, buyer) -> InvoiceRequest:
    """The buyer withdraws a request not yet issued; its orders may be asked for again."""
    request = InvoiceRequest.objects.select_for_update().filter(pk=request_id, buyer=buyer).first()
    if request is None:
        raise InvoiceNotFound
    target = INVOICE_STATUS.check(request, "cancel")
    move_to(request, target, action="cancel", actor=buyer)
    request.lines.update(live=False)
    notify_issuer(request, "invoice_cancelled")
    return request


__all__ = [
    "check_title",
    "invoice_request_cancel",
    "invoice_request_create",
    "invoice_title_create",
    "invoice_title_delete",
    "mailing_address_create",
    "mailing_address_delete",
]

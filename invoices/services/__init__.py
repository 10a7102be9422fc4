"""Invoicing services (writes): `requests` (the buyer's titles, addresses, requests),
`issuing` (the issuer's transitions), `sweeps` (the beat jobs). Import from here."""

from .issuing import (
    check_invoice_pdf,
    invoice_issue,
    invoice_mark_mailed,
    invoice_reject,
    red_letter_issue,
)
from .requests import (
    check_title,
    invoice_request_cancel,
    invoice_request_create,
    invoice_title_create,
    invoice_title_delete,
    mailing_address_create,
    mailing_address_delete,
)
from .sweeps import invoices_flag_overdue, red_letters_record

__all__ = [
    "check_invoice_pdf",
    "check_title",
    "invoice_issue",
    "invoice_mark_mailed",
    "invoice_reject",
    "invoice_request_cancel",
    "invoice_request_create",
    "invoice_title_create",
    "invoice_title_delete",
    "invoices_flag_overdue",
    "mailing_address_create",
    "mailing_address_delete",
    "red_letter_issue",
    "red_letters_record",
]

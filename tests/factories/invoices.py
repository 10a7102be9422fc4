"""Invoicing test data: titles, addresses, requests in each state."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from invoices import services
from invoices.models import InvoiceRequest, InvoiceTitle, MailingAddress
from marketplace.accounts.validators import uscc_check_char
from orders.models import Order
from tests.factories.orders import PaidOrderFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def good_tax_number(base: str = "91110108551385082") -> str:
    return base + uscc_check_char(base)


def invoice_pdf(name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def company_title(buyer, **extra) -> InvoiceTitle:
    fields = {
        "kind": InvoiceTitle.Kind.COMPANY,
        "name": "Example Co.",
        "tax_number": good_tax_number(),
        "bank_name": "Bank of Example",
        "bank_account": "6222000011112222",
        "registered_address": "1 Example Road, Shanghai",
        "registered_phone": "021-12345678",
        **extra,
    }
    return InvoiceTitle.objects.create(buyer=buyer, **fields)


def mailing_address(buyer) -> MailingAddress:
    return MailingAddress.objects.create(
        buyer=buyer, recipient="Li Lei", phone="13800000000", address="2 Example Road"
    )


def paid_order(**kwargs) -> Order:
    return PaidOrderFactory(**kwargs)


def pre_cut_over(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(
        created_at=dt.datetime(2018, 6, 1, 4, 0, tzinfo=dt.UTC)
    )
    order.refresh_from_db()
    return order


def invoice_request(
    *, order: Order | None = None, kind: str = InvoiceRequest.Kind.E_INVOICE, **order_kwargs
) -> InvoiceRequest:
    order = order or paid_order(**order_kwargs)
    title = company_title(order.buyer)
    address = mailing_address(order.buyer) if kind == InvoiceRequest.Kind.PAPER_VAT else None
    return services.invoice_request_create(
        buyer=order.buyer,
        order_ids=[order.pk],
        title_id=title.pk,
        kind=kind,
        address_id=address.pk if address else None,
    )

"""The seller's order export: the filtered "Orders" list as CSV or XLSX, streamed
(`marketplace.core.exports`: typed cells, formula-safe text, Beijing times)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from marketplace.core import exports
from marketplace.core.exports import XLSX_CONTENT_TYPE, Column

from .models import Order

__all__ = ["COLUMNS", "XLSX_CONTENT_TYPE", "headers", "orders_csv_response", "orders_xlsx_response"]

CHUNK_SIZE = 500

COLUMNS: tuple[Column, ...] = (
    Column(_("Order number"), lambda o: o.number),
    Column(_("Ordered at"), lambda o: o.created_at, "time"),
    Column(_("Kind"), lambda o: o.get_kind_display()),
    Column(_("Status"), lambda o: o.get_status_display()),
    Column(_("Payment status"), lambda o: o.get_payment_status_display()),
    Column(_("Buyer account name"), lambda o: o.buyer.username, "user_text"),
    Column(_("Product"), lambda o: o.product_name, "user_text"),
    Column(_("Product version"), lambda o: o.version_number, "number"),
    Column(_("Spec"), lambda o: o.spec_name, "user_text"),
    Column(_("Quantity"), lambda o: o.quantity, "number"),
    Column(_("Periods"), lambda o: o.periods, "number"),
    Column(_("List amount"), lambda o: o.list_amount, "money"),
    Column(_("Private offer"), lambda o: o.offer_discount, "money"),
    Column(_("Vouchers"), lambda o: o.voucher_discount, "money"),
    Column(_("Amount payable"), lambda o: o.amount, "money"),
    Column(_("Paid from balance"), lambda o: o.paid_balance, "money"),
    Column(_("Paid on credit"), lambda o: o.paid_credit, "money"),
    Column(_("Paid with cash coupons"), lambda o: o.paid_coupon, "money"),
    Column(_("Refunded"), lambda o: o.refunded_amount, "money"),
    Column(_("Paid at"), lambda o: o.paid_at, "time"),
)


def headers() -> list[str]:
    return exports.headers(COLUMNS)


def orders_csv_response(queryset: QuerySet[Order], *, filename: str) -> StreamingHttpResponse:
    """The orders as a CSV download, streamed row by row."""
    return exports.csv_response(
        queryset.select_related("buyer"), COLUMNS, filename=filename, chunk_size=CHUNK_SIZE
    )


def orders_xlsx_response(queryset: QuerySet[Order], *, filename: str) -> FileResponse:
    """The orders as an XLSX download: written row by row, then sent in blocks."""
    return exports.xlsx_response(
        queryset.select_related("buyer"),
        COLUMNS,
        filename=filename,
        sheet_title=_("Orders"),
        chunk_size=CHUNK_SIZE,
    )

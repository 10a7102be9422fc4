"""The seller's order export: the filtered "Orders" list as CSV or XLSX.

Both formats stream: rows are read with `.iterator(chunk_size=...)` (no whole list in
memory) and written as they come. CSV goes out through a generator; XLSX is written by
openpyxl's write-only workbook (row by row, no cell objects kept) to a spooled temporary
file, which the response then sends in blocks: an XLSX is a zip whose directory comes
last, so it can't be produced as a stream itself.

The header row is in the seller's language; amounts are numbers (Decimal in CSV, numeric
cells with two decimals in XLSX), times are Beijing time without an offset. Text that
people typed (product and account names) is protected against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import Order

CHUNK_SIZE = 500
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str  # lazily translated
    value: Callable[[Order], object]
    kind: str = "text"  # "text", "user_text", "money", "number", "time"


def _time(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


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


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(order: Order) -> list:
    """One row of typed values (Decimal amounts, naive Beijing datetimes, safe text)."""
    row = []
    for column in COLUMNS:
        value = column.value(order)
        if column.kind == "time":
            value = _time(value)
        elif column.kind == "user_text":
            value = _safe_text(str(value))
        elif column.kind == "money":
            value = Decimal(value)
        row.append(value)
    return row


def _rows(queryset: QuerySet[Order]) -> Iterator[list]:
    for order in queryset.select_related("buyer").iterator(chunk_size=CHUNK_SIZE):
        yield _cells(order)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


class _Echo:
    """A file-like object whose write returns the line: csv.writer feeds the generator."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _csv_lines(rows: Iterable[list], *, language: str | None) -> Iterator[str]:
    # The body is produced after the view returned, while the server sends it: the labels
    # (header, statuses) use the language of the request that asked for it.
    with translation.override(language):
        writer = csv.writer(_Echo())
        # A byte-order mark: spreadsheet programs then read the file as UTF-8 (Chinese).
        yield "\ufeff" + writer.writerow(headers())
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])


def orders_csv_response(queryset: QuerySet[Order], *, filename: str) -> StreamingHttpResponse:
    """The orders as a CSV download, streamed row by row."""
    lines = _csv_lines(_rows(queryset), language=translation.get_language())
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def orders_xlsx_response(queryset: QuerySet[Order], *, filename: str) -> FileResponse:
    """The orders as an XLSX download: written row by row, then sent in blocks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Orders"))[:31])
    header_cells = []
    for text in headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in _rows(queryset):
        cells = []
        for column, value in zip(COLUMNS, row, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind == "money":
                cell.number_format = "0.00"
            elif column.kind == "time" and value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        sheet.append(cells)
    # Kept in memory while small, on disk beyond a few megabytes; closed by the response.
    output = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )

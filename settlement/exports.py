"""A bill's lines as CSV or XLSX (06 › Payment request: "账单可以导出吗"; issue 12 §5).

Both stream, so a 100k-line bill never sits in memory: the lines are read with
`.iterator(chunk_size=CHUNK_SIZE)` and written as they come. CSV goes out through a
generator; XLSX is written by openpyxl's write-only workbook (row by row, no cell objects
kept) to a spooled temporary file that the response sends in blocks (an XLSX is a zip
whose directory comes last: it can't be produced as a stream itself). Same approach as
`orders.exports`.

Every intermediate value of a line is a column, so the file can be checked by hand like
the explain page. Amounts are numbers (Decimal in CSV, numeric cells in XLSX), ratios are
fractions (0.05 = 5%), times are Beijing time without an offset.
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

from .models import BillLine

CHUNK_SIZE = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str  # lazily translated
    value: Callable[[BillLine], object]
    kind: str = "text"  # "text", "user_text", "money", "ratio", "time"


def _time(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


COLUMNS: tuple[Column, ...] = (
    Column(_("Line"), lambda x: x.pk),
    Column(_("Kind"), lambda x: x.get_kind_display()),
    Column(_("Order number"), lambda x: x.order.number),
    Column(_("Product"), lambda x: x.order.product_name, "user_text"),
    Column(_("Paid at"), lambda x: x.order.paid_at, "time"),
    Column(_("Effective at"), lambda x: x.order.effective_at, "time"),
    Column(_("Policy time"), lambda x: x.policy_at, "time"),
    Column(_("Carried over"), lambda x: _("Yes") if x.carried_over else _("No")),
    Column(_("Eligible since"), lambda x: x.eligible_at, "time"),
    Column(_("Gross"), lambda x: x.gross, "money"),
    Column(
        _("Fee policy in force since"),
        lambda x: x.fee_policy.effective_from if x.fee_policy else None,
        "time",
    ),
    Column(_("Fee ratio"), lambda x: x.fee_ratio, "ratio"),
    Column(_("Operations management fee"), lambda x: x.fee, "money"),
    Column(_("Partner"), lambda x: x.partner.name if x.partner else "", "user_text"),
    Column(_("Partner mode"), lambda x: x.get_partner_mode_display() if x.partner_mode else ""),
    Column(_("Floor price per unit"), lambda x: x.partner_floor, "money"),
    Column(_("Units"), lambda x: x.partner_units if x.partner_id else None),
    Column(_("Share base"), lambda x: x.partner_base, "money"),
    Column(_("Partner ratio"), lambda x: x.partner_ratio, "ratio"),
    Column(_("Product output VAT rate"), lambda x: x.output_vat_rate, "ratio"),
    Column(_("Service-fee VAT rate"), lambda x: x.service_fee_vat_rate, "ratio"),
    Column(_("Partner share"), lambda x: x.partner_amount, "money"),
    Column(_("Seller net"), lambda x: x.seller_net, "money"),
)


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(line: BillLine) -> list:
    row = []
    for column in COLUMNS:
        value = column.value(line)
        if column.kind == "time":
            value = _time(value)
        elif column.kind == "user_text":
            value = _safe_text(str(value))
        elif column.kind in ("money", "ratio") and value is not None:
            value = Decimal(value)
        elif value is not None and not isinstance(value, int):
            value = str(value)
        row.append(value)
    return row


def _rows(lines: QuerySet[BillLine]) -> Iterator[list]:
    for line in lines.iterator(chunk_size=CHUNK_SIZE):
        yield _cells(line)


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
    # use the language of the request that asked for it.
    with translation.override(language):
        writer = csv.writer(_Echo())
        # A byte-order mark: spreadsheet programs then read the file as UTF-8 (Chinese).
        yield "\ufeff" + writer.writerow(headers())
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])


def lines_csv_response(lines: QuerySet[BillLine], *, filename: str) -> StreamingHttpResponse:
    """The lines as a CSV download, streamed row by row."""
    body = _csv_lines(_rows(lines), language=translation.get_language())
    response = StreamingHttpResponse(body, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def lines_xlsx_response(lines: QuerySet[BillLine], *, filename: str) -> FileResponse:
    """The lines as an XLSX download (a StreamingHttpResponse): written row by row by the
    write-only workbook, then sent in blocks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Bill lines"))[:31])
    header_cells = []
    for text in headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in _rows(lines):
        cells = []
        for column, value in zip(COLUMNS, row, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind == "money":
                cell.number_format = "0.00"
            elif column.kind == "ratio":
                cell.number_format = "0.00####"
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

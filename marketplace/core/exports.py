"""Spreadsheet downloads of a queryset: CSV and XLSX, both streamed (the sellers' order
export, the settlement bill lines; each app declares only its columns).

Rows are read with `.iterator(chunk_size=...)` (no whole list in memory) and written as
they come. CSV goes out through a generator; XLSX is written by openpyxl's write-only
workbook (row by row, no cell objects kept) to a spooled temporary file, which the
response then sends in blocks: an XLSX is a zip whose directory comes last, so it can't be
produced as a stream itself.

The header row is in the requester's language; amounts are numbers (Decimal in CSV,
numeric cells with two decimals in XLSX), ratios are fractions, times are Beijing time
without an offset. Text people typed is protected against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {"money": "0.00", "ratio": "0.00####", "time": "yyyy-mm-dd hh:mm:ss"}


@dataclass(frozen=True)
class Column:
    header: str  # lazily translated
    value: Callable[[object], object]
    kind: str = "text"  # "text", "user_text", "number", "money", "ratio", "time"


def _cell(kind: str, value):
    """A typed value: naive Beijing datetimes, safe text, Decimal amounts and ratios."""
    if kind == "time":
        return timezone.localtime(value).replace(tzinfo=None) if value else None
    if kind == "user_text":
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    if kind in ("money", "ratio") and value is not None:
        return Decimal(value)
    if value is not None and not isinstance(value, (int, str, Decimal)):
        return str(value)  # a lazily translated label
    return value


def rows(queryset: QuerySet, columns: Sequence[Column], *, chunk_size: int) -> Iterator[list]:
    for obj in queryset.iterator(chunk_size=chunk_size):
        yield [_cell(column.kind, column.value(obj)) for column in columns]


def headers(columns: Sequence[Column]) -> list[str]:
    return [str(column.header) for column in columns]


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


def _csv_lines(
    table: Iterable[list], columns: Sequence[Column], *, language: str | None
) -> Iterator[str]:
    # The body is produced after the view returned, while the server sends it: the labels
    # (header, statuses) use the language of the request that asked for it.
    with translation.override(language):
        writer = csv.writer(_Echo())
        # A byte-order mark: spreadsheet programs then read the file as UTF-8 (Chinese).
        yield "\ufeff" + writer.writerow(headers(columns))
        for row in table:
            yield writer.writerow([_csv_value(value) for value in row])


def csv_response(
    queryset: QuerySet, columns: Sequence[Column], *, filename: str, chunk_size: int
) -> StreamingHttpResponse:
    """The queryset as a CSV download, streamed row by row."""
    table = rows(queryset, columns, chunk_size=chunk_size)
    body = _csv_lines(table, columns, language=translation.get_language())
    response = StreamingHttpResponse(body, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    queryset: QuerySet,
    columns: Sequence[Column],
    *,
    filename: str,
    sheet_title: str,
    chunk_size: int,
) -> FileResponse:
    """The queryset as an XLSX download: written row by row, then sent in blocks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31])
    header_cells = []
    for text in headers(columns):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows(queryset, columns, chunk_size=chunk_size):
        cells = []
        for column, value in zip(columns, row, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            if value is not None and column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    # Kept in memory while small, on disk beyond a few megabytes; closed by the response.
    output = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )

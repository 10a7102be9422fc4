"""The "specify customers" 指定客户 file of a seller voucher (01-sellers › Vouchers).

The seller downloads a template (CSV or XLSX; two columns: account name, account ID),
fills in one customer per row and uploads it. The upload is recognised by its bytes,
not its name: an XLSX is a zip holding `[Content_Types].xml`; a CSV is text that decodes
as UTF-8 (with or without BOM) or GB18030 (what Excel writes on Chinese Windows). Every
problem is reported with its row number (the header is row 1); a file with any problem
issues nothing (decision: all-or-nothing).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import override

from buyers.models import Voucher, VoucherGrant
from buyers.services.vouchers import MAX_GRANTS_PER_FILE
from marketplace.accounts.models import User

MAX_FILE_BYTES = 2 * 1024 * 1024
# An XLSX is compressed: refuse one that would unpack to more than this (a zip bomb).
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Header cells accepted for each column, compared case-insensitively without spaces:
# the template's English and Chinese headers, whichever language it was downloaded in.
NAME_HEADERS = {"accountname", "账号名", "账号名称", "账户名"}
ID_HEADERS = {"accountid", "账号id", "账户id"}


def template_headers() -> list[str]:
    """The header row in both languages, so that one file works in either."""
    with override("en"):
        name_en, id_en = _("Account name"), _("Account ID")
    with override("zh-hans"):
        name_zh, id_zh = _("Account name"), _("Account ID")
    return [f"{name_en} {name_zh}", f"{id_en} {id_zh}"]


EXAMPLE_ROW = ["example-buyer", "0123456789abcdef0123456789abcdef"]


def template_csv() -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese header correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template_headers())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "customers"
    sheet.append(template_headers())
    # Text cells: an account ID of digits must not become a number in Excel.
    for column in ("A", "B"):
        sheet.column_dimensions[column].width = 40
        sheet.column_dimensions[column].number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading an upload -----------------------------------------------------------------


def _bad_type() -> ValidationError:
    return ValidationError(
        _("Upload the filled-in template as a CSV (UTF-8 or GB18030) or XLSX file."),
        code="bad_file_type",
    )


def _looks_like_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ValidationError(_("The file is too large once unpacked."), code="zip_bomb")
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell(v) for v in values])
                if len(rows) > MAX_GRANTS_PER_FILE + 1000:  # enough to say "too many"
                    break
        finally:
            book.close()
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken workbook of any kind
        raise ValidationError(
            _("This XLSX file can't be read. Save it again from the template."),
            code="bad_xlsx",
        ) from exc
    return rows


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Text, not a binary file that happens to decode: no control characters but
        # tab and line ends.
        if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
            raise _bad_type()
        return text
    raise _bad_type()


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode_text(data)
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ValidationError(
            _("This CSV file can't be read: %(error)s") % {"error": exc}, code="bad_csv"
        ) from exc


def read_upload(upload) -> list[list[str]]:
    """The cells of every row of an uploaded CSV or XLSX (header first). Raises
    ValidationError when the file is of another type (whatever its name), too large or
    unreadable."""
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_FILE_BYTES)},
            code="file_too_large",
        )
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    upload.seek(0)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty_file")
    name = (upload.name or "").lower()
    if _looks_like_xlsx(data):
        if not name.endswith(".xlsx"):
            raise _bad_type()
        return _xlsx_rows(data)
    if filetype.guess(data[:8192]) is not None or not name.endswith((".csv", ".txt")):
        raise _bad_type()
    return _csv_rows(data)


# --- checking the rows ------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    row: int  # in the file; the header is row 1
    account_name: str
    account_id: str
    user_id: int


@dataclass
class FileCheck:
    rows: list[FileRow]
    errors: list[tuple[int, str]]  # (row number, message); row 0: the whole file

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _key(header: str) -> str:
    return "".join(header.split()).lower()


def _columns(header: list[str]) -> tuple[int, int] | None:
    """Positions of the account-name and account-ID columns, or None if the header is not
    exactly those two columns (in any order; the template's bilingual headers too)."""
    cells = [_key(h) for h in header]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) != 2:
        return None
    positions = {}
    for index, cell in enumerate(cells):
        if cell in NAME_HEADERS or any(cell.startswith(h) for h in NAME_HEADERS):
            positions.setdefault("name", index)
        elif cell in ID_HEADERS or any(cell.startswith(h) for h in ID_HEADERS):
            positions.setdefault("id", index)
    if set(positions) != {"name", "id"}:
        return None
    return positions["name"], positions["id"]


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_rows(*, voucher: Voucher, cells: list[list[str]]) -> FileCheck:
    """Check every row of the file against the accounts and the voucher. Every row with a
    problem gets its message; rows without one become `FileRow`s."""
    errors: list[tuple[int, str]] = []
    if not cells or _columns(cells[0]) is None:
        return FileCheck(
            rows=[],
            errors=[
                (
                    1,
                    _(
                        "The first row must be the template's header: two columns, "
                        "account name and account ID."
                    ),
                )
            ],
        )
    name_at, id_at = _columns(cells[0])
    body = [(number, row) for number, row in enumerate(cells[1:], start=2) if any(row)]
    if not body:
        return FileCheck(rows=[], errors=[(0, _("The file lists no customers."))])
    if len(body) > MAX_GRANTS_PER_FILE:
        return FileCheck(
            rows=[],
            errors=[
                (
                    0,
                    _("A file may list at most %(max)s customers; this one lists %(count)s.")
                    % {"max": f"{MAX_GRANTS_PER_FILE:,}", "count": f"{len(body):,}"},
                )
            ],
        )

    parsed: list[tuple[int, str, str]] = []
    for number, row in body:
        padded = row + [""] * (2 - len(row))
        extra = [c for i, c in enumerate(padded) if i not in (name_at, id_at) and c]
        name, account_id = padded[name_at], padded[id_at]
        if extra:
            errors.append((number, _("This row has more than two columns.")))
        elif not name and not account_id:
            errors.append((number, _("The account name and account ID are empty.")))
        elif not name:
            errors.append((number, _("The account name is empty.")))
        elif not account_id:
            errors.append((number, _("The account ID is empty.")))
        else:
            parsed.append((number, name, account_id))

    names, ids = {}, {}
    for chunk in _chunks(sorted({p[1] for p in parsed})):
        names.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    for chunk in _chunks(sorted({p[2] for p in parsed})):
        ids.update(User.objects.filter(account_id__in=chunk).values_list("account_id", "pk"))
    user_ids = set(ids.values())
    holders = set()
    for chunk in _chunks(sorted(user_ids)):
        holders.update(
            VoucherGrant.objects.filter(voucher=voucher, buyer_id__in=chunk).values_list(
                "buyer_id", flat=True
            )
        )

    rows: list[FileRow] = []
    seen: dict[int, int] = {}
    for number, name, account_id in parsed:
        by_name, by_id = names.get(name), ids.get(account_id)
        if by_name is None and by_id is None:
            errors.append((number, _("No account has this account name and account ID.")))
        elif by_id is None:
            errors.append((number, _("No account has this account ID.")))
        elif by_name is None:
            errors.append((number, _("No account has this account name.")))
        elif by_name != by_id:
            errors.append(
                (number, _("The account name and the account ID are of different accounts."))
            )
        elif by_id in seen:
            errors.append(
                (
                    number,
                    _("This customer is already listed in row %(row)s.") % {"row": seen[by_id]},
                )
            )
        elif by_id == voucher.seller.user_id:
            errors.append((number, _("This is your own account.")))
        elif by_id in holders:
            errors.append((number, _("This customer already holds this voucher.")))
        else:
            seen[by_id] = number
            rows.append(FileRow(number, name, account_id, by_id))
    errors.sort(key=lambda e: e[0])
    return FileCheck(rows=rows, errors=errors)

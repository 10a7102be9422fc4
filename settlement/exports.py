"""A bill's lines as CSV or XLSX (06 › Payment request: "账单可以导出吗"; issue 12 §5).

Both stream (`marketplace.core.exports`), so a 100k-line bill never sits in memory: the
lines are read with `.iterator(chunk_size=CHUNK_SIZE)` and written as they come.

Every intermediate value of a line is a column, so the file can be checked by hand like
the explain page. Amounts are numbers (Decimal in CSV, numeric cells in XLSX), ratios are
fractions (0.05 = 5%), times are Beijing time without an offset.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from marketplace.core import exports
from marketplace.core.exports import XLSX_CONTENT_TYPE, Column

from .models import BillLine

__all__ = ["COLUMNS", "XLSX_CONTENT_TYPE", "headers", "lines_csv_response", "lines_xlsx_response"]

CHUNK_SIZE = 2000

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


def headers() -> list[str]:
    return exports.headers(COLUMNS)


def lines_csv_response(lines: QuerySet[BillLine], *, filename: str) -> StreamingHttpResponse:
    """The lines as a CSV download, streamed row by row."""
    return exports.csv_response(lines, COLUMNS, filename=filename, chunk_size=CHUNK_SIZE)


def lines_xlsx_response(lines: QuerySet[BillLine], *, filename: str) -> FileResponse:
    """The lines as an XLSX download: written row by row, then sent in blocks."""
    return exports.xlsx_response(
        lines, COLUMNS, filename=filename, sheet_title=_("Bill lines"), chunk_size=CHUNK_SIZE
    )

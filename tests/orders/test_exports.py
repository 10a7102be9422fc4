"""The seller's order export: CSV and XLSX, streamed, filtered the same way as the list,
header row translated, amounts as numbers, another seller's orders never in it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from orders import exports
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory, PaidOrderFactory
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db


def _url(fmt: str) -> str:
    return reverse("seller:order_export", args=[fmt])


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[tuple]:
    assert isinstance(response, FileResponse)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def setup(client):
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller, name="=HYPERLINK(evil)")
    paid = PaidOrderFactory(product=product, buyer=UserFactory(username="alice"))
    pending = OrderFactory(product=product)
    foreign = PaidOrderFactory()
    client.force_login(seller.user)
    return seller, paid, pending, foreign


def test_csv_has_the_sellers_filtered_orders(client, setup):
    seller, paid, pending, foreign = setup
    response = client.get(_url("csv"), {"status": "paid"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "Order number" and "Amount payable" in header
    assert [row[0] for row in body] == [paid.number]
    row = dict(zip(header, body[0], strict=True))
    assert row["Buyer account name"] == "alice"
    assert row["Amount payable"] == str(paid.amount) == "99.00"
    assert Decimal(row["Paid from balance"]) == paid.amount
    # A product name that looks like a formula is written as text.
    assert row["Product"] == "'=HYPERLINK(evil)"
    all_numbers = {row[0] for row in _csv(client.get(_url("csv")))[1:]}
    assert all_numbers == {paid.number, pending.number}
    assert foreign.number not in all_numbers


def test_xlsx_amounts_are_numbers_and_times_are_beijing(client, setup):
    seller, paid, pending, foreign = setup
    response = client.get(_url("xlsx"))
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    rows = _xlsx(response)
    header = rows[0]
    # (A row's empty cells at the end aren't stored: zip stops at the row's last value.)
    by_number = {row[0]: dict(zip(header, row, strict=False)) for row in rows[1:]}
    assert set(by_number) == {paid.number, pending.number}
    row = by_number[paid.number]
    assert row["Amount payable"] == 99 and isinstance(row["Amount payable"], (int, float))
    assert row["Quantity"] == 1
    local = timezone.localtime(paid.created_at).replace(tzinfo=None, microsecond=0)
    assert row["Ordered at"].replace(microsecond=0) == local
    assert by_number[pending.number].get("Paid at") is None


def test_header_row_is_translated(client, setup):
    with translation.override("zh-hans"):
        header = _csv(client.get(_url("csv"), HTTP_ACCEPT_LANGUAGE="zh-hans"))[0]
        expected = [str(column.header) for column in exports.COLUMNS]
    assert header == expected
    assert header[0] != "Order number"


def test_export_queries_do_not_grow_with_orders(client, setup):
    seller, paid, *_ = setup
    few, few_rows = _export_queries(client)
    for _ in range(5):
        OrderFactory(product=paid.product)
    many, many_rows = _export_queries(client)
    assert many_rows == few_rows + 5
    assert many == few


def _export_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        rows = _csv(client.get(_url("csv")))
    return len(ctx.captured_queries), len(rows) - 1


def test_unknown_format_and_wrong_role(client, setup):
    seller, paid, *_ = setup
    assert client.get("/seller/orders/export/pdf/").status_code == 404
    client.force_login(paid.buyer)
    assert client.get(_url("csv")).status_code == 403
    assert client.get(_url("xlsx")).status_code == 403

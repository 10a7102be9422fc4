"""Seller center › Settlement: bills by period, a bill (totals, payment request, the VAT
special invoice to the marketplace, its lines), a line's explanation, the CSV/XLSX
exports and the fee ratios, each scoped by the seller."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from settlement import exports
from settlement.models import Bill, BillLine, PaymentRequest, SellerInvoice
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.settlement import (
    AccelerationTierFactory,
    FeePolicyFactory,
    PartnerFactory,
    beijing,
    billable_order,
    settle_product,
)
from tests.factories.settlement_bills import issued_bill

pytestmark = pytest.mark.django_db
D = Decimal
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def orders_of(seller, n: int, *, amount: str = "1000.00", delivery_type: str = "saas"):
    product = settle_product(seller=seller, delivery_type=delivery_type)
    return [
        billable_order(product=product, amount=amount, paid_at=beijing(2024, 5, 2 + i % 20))
        for i in range(n)
    ]


@pytest.fixture
def seller():
    return ActiveSellerFactory()


@pytest.fixture
def bill(seller):
    """Three lines: two shared with a partner, one without, carried over from April."""
    orders = orders_of(seller, 3)
    return issued_bill(
        seller=seller,
        orders=orders,
        partner=PartnerFactory(),
        carried=[orders[2]],
        without_partner=[orders[2]],
    )


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"seller:settlement_{name}", kwargs=kwargs)


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


# --- bills ------------------------------------------------------------------------------------


def test_the_bill_list_shows_the_sellers_bills_with_their_status(seller_client, seller, bill):
    another = ActiveSellerFactory()
    other = issued_bill(seller=another, orders=orders_of(another, 1))
    response = seller_client.get(url("bill_list"))
    assert response.status_code == 200
    bills = list(response.context["page"].object_list)
    assert bill in bills and other not in bills
    html = response.content.decode()
    assert url("bill_detail", pk=bill.pk) in html
    assert "Issued" in html
    assert 'data-testid="acceleration"' in html


def test_the_bill_list_filters_by_period_type_and_status(seller_client, seller, bill):
    hardware = issued_bill(
        seller=seller,
        orders=orders_of(seller, 1, delivery_type="hardware"),
        period="2024-06",
        product_type="hardware",
    )
    Bill.objects.filter(pk=hardware.pk).update(status=Bill.Status.PAID)

    def listed(**params):
        response = seller_client.get(url("bill_list"), params)
        return set(response.context["page"].object_list)

    assert listed() == {bill, hardware}
    assert listed(period="2024-06") == {hardware}
    assert listed(product_type="saas") == {bill}
    assert listed(status="paid") == {hardware}
    assert listed(status="issued", period="2024-05") == {bill}
    assert listed(period="not-a-month") == {bill, hardware}  # dropped, not an error
    empty = seller_client.get(url("bill_list"), {"period": "2020-01"})
    assert 'data-testid="no-bills"' in empty.content.decode()


def test_the_bill_list_costs_the_same_queries_for_one_bill_or_many(seller_client, seller):
    issued_bill(seller=seller, orders=orders_of(seller, 1), period="2024-01")
    one = count_queries(seller_client, url("bill_list"))
    for month in range(2, 9):
        issued_bill(seller=seller, orders=orders_of(seller, 2), period=f"2024-{month:02}")
    assert count_queries(seller_client, url("bill_list")) == one


def test_the_bill_page_shows_totals_lines_and_the_request_button(seller_client, bill):
    response = seller_client.get(url("bill_detail", pk=bill.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert str(bill.net_total) in html and str(bill.fee_total) in html
    assert 'data-testid="request-payment"' in html
    assert len(response.context["page"].object_list) == 3
    for line in bill.lines.all():
        assert url("line_explain", pk=line.pk) in html


def test_the_lines_filter_by_kind_carried_partner_and_order(seller_client, bill):
    lines = list(bill.lines.select_related("order").order_by("id"))

    def shown(**params):
        response = seller_client.get(url("bill_detail", pk=bill.pk), params)
        return [x.pk for x in response.context["page"].object_list]

    assert shown(carried="yes") == [lines[2].pk]
    assert shown(carried="no") == [lines[0].pk, lines[1].pk]
    assert shown(partner="yes") == [lines[0].pk, lines[1].pk]
    assert shown(partner="no") == [lines[2].pk]
    assert shown(kind="refund") == []
    assert shown(kind="normal") == [x.pk for x in lines]
    assert shown(order=lines[1].order.number) == [lines[1].pk]
    assert shown(kind="bogus") == [x.pk for x in lines]  # dropped


def test_the_lines_filter_answers_htmx_with_the_lines_only(seller_client, bill):
    response = seller_client.get(
        url("bill_detail", pk=bill.pk),
        {"partner": "no"},
        headers={"HX-Request": "true", "HX-Target": "bill-lines"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="bill-lines">')
    assert html.count('data-testid="line-row"') == 1


def test_the_lines_are_paginated(seller_client, seller, monkeypatch):
    from settlement import seller_views

    monkeypatch.setattr(seller_views, "LINES_PER_PAGE", 2)
    bill = issued_bill(seller=seller, orders=orders_of(seller, 5))
    first = seller_client.get(url("bill_detail", pk=bill.pk))
    assert len(first.context["page"].object_list) == 2
    last = seller_client.get(url("bill_detail", pk=bill.pk), {"page": 3})
    assert len(last.context["page"].object_list) == 1


def test_the_bill_page_costs_the_same_queries_for_few_or_many_lines(seller_client, seller):
    partner = PartnerFactory()
    few = issued_bill(seller=seller, orders=orders_of(seller, 2), partner=partner)
    many = issued_bill(
        seller=seller, orders=orders_of(seller, 40), partner=partner, period="2024-06"
    )
    assert count_queries(seller_client, url("bill_detail", pk=few.pk)) == count_queries(
        seller_client, url("bill_detail", pk=many.pk)
    )


# --- explain ----------------------------------------------------------------------------------


def test_the_explain_page_fills_the_formula_with_the_lines_numbers(seller_client, seller):
    FeePolicyFactory(ratio=D("0.05"))
    product = settle_product(seller=seller)
    order = billable_order(product=product, amount="1234.00", paid_at=beijing(2024, 5, 6))
    call_command("settlement_run", "--period", "2024-05", stdout=io.StringIO())
    line = BillLine.objects.get(order=order)
    response = seller_client.get(url("line_explain", pk=line.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert "1,234.00 × 5%, rounded half up to the cent" in html
    assert "= 61.70" in html  # 1234 × 5% = 61.70
    assert "= 1,172.30" in html  # the seller's net


# --- exports ----------------------------------------------------------------------------------


def test_the_csv_export_streams_every_line_with_its_values(seller_client, bill):
    response = seller_client.get(url("bill_export", pk=bill.pk, fmt="csv"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert f"bill-{bill.period}-saas-{bill.pk}.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == exports.headers()
    assert len(rows) == 1 + 3
    header = rows[0]
    lines = list(bill.lines.select_related("order").order_by("id"))
    for row, line in zip(rows[1:], lines, strict=True):
        assert row[header.index("Order number")] == line.order.number
        assert D(row[header.index("Gross")]) == line.gross
        assert D(row[header.index("Operations management fee")]) == line.fee
        assert D(row[header.index("Partner share")]) == line.partner_amount
        assert D(row[header.index("Seller net")]) == line.seller_net
        assert D(row[header.index("Fee ratio")]) == line.fee_ratio


def test_the_csv_export_applies_the_lines_filters(seller_client, bill):
    response = seller_client.get(url("bill_export", pk=bill.pk, fmt="csv"), {"carried": "yes"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 2


def test_the_xlsx_export_streams_a_workbook_of_the_lines(seller_client, bill):
    response = seller_client.get(url("bill_export", pk=bill.pk, fmt="xlsx"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == exports.headers()
    assert len(rows) == 4
    net = rows[0].index("Seller net")
    assert sum(D(str(r[net])) for r in rows[1:]) == bill.net_total


def test_the_exports_read_the_lines_in_chunks(seller_client, bill, monkeypatch):
    """The lines come through `.iterator(chunk_size=...)`: a 100k-line bill is never one
    list in memory."""
    from django.db.models.query import QuerySet

    chunks = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunks.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    for fmt in ("csv", "xlsx"):
        response = seller_client.get(url("bill_export", pk=bill.pk, fmt=fmt))
        b"".join(response.streaming_content)
    assert chunks == [exports.CHUNK_SIZE, exports.CHUNK_SIZE]


# --- payment requests and the invoice to the marketplace --------------------------------------


def test_requesting_payment_moves_the_bill_and_shows_the_request(seller_client, bill):
    response = seller_client.post(url("payment_request", pk=bill.pk), {"note": "Please"})
    assert response.status_code == 302
    request = PaymentRequest.objects.get(bill=bill)
    assert (request.status, request.note) == ("requested", "Please")
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAYMENT_REQUESTED
    page = seller_client.get(url("bill_detail", pk=bill.pk)).content.decode()
    assert 'data-testid="payment-requests"' in page
    assert "waiting for the marketplace&#x27;s review" in page
    assert 'data-testid="request-payment"' not in page
    # A second request is refused with the service's message, nothing changed.
    again = seller_client.post(url("payment_request", pk=bill.pk), follow=True)
    assert "already waiting for review" in again.content.decode()
    assert PaymentRequest.objects.filter(bill=bill).count() == 1


def test_an_invoice_required_bill_refuses_payment_until_the_invoice_is_mailed(
    seller_client, seller
):
    bill = issued_bill(
        seller=seller,
        orders=orders_of(seller, 1, delivery_type="joint_saas"),
        product_type="joint_saas",
        invoice_required=True,
    )
    page = seller_client.get(url("bill_detail", pk=bill.pk)).content.decode()
    assert "Upload and mail your VAT special invoice to the marketplace first" in page
    assert 'data-testid="request-payment"' not in page
    assert 'data-testid="invoice-upload-form"' in page
    # Posting anyway: refused with the service's message, nothing changes.
    refused = seller_client.post(url("payment_request", pk=bill.pk), follow=True)
    assert "needs your VAT special invoice to the marketplace first" in refused.content.decode()
    assert not PaymentRequest.objects.filter(bill=bill).exists()

    uploaded = seller_client.post(
        url("invoice_upload", pk=bill.pk),
        {
            "number": "No. 0001",
            "issued_on": "2024-06-01",
            "amount": str(bill.net_total),
            "file": SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
        },
    )
    assert uploaded.status_code == 302, uploaded.content.decode()[:2000]
    invoice = SellerInvoice.objects.get(bill=bill)
    assert invoice.status == SellerInvoice.Status.UPLOADED
    page = seller_client.get(url("bill_detail", pk=bill.pk)).content.decode()
    assert "Mail your VAT special invoice and record its tracking number first" in page
    assert 'data-testid="invoice-mail-form"' in page

    mailed = seller_client.post(
        url("invoice_mail", pk=bill.pk), {"carrier": "SF Express", "tracking_number": "SF100"}
    )
    assert mailed.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.tracking_number) == ("mailed", "SF100")
    page = seller_client.get(url("bill_detail", pk=bill.pk)).content.decode()
    assert 'data-testid="request-payment"' in page

    seller_client.post(url("payment_request", pk=bill.pk))
    assert PaymentRequest.objects.filter(bill=bill, status="requested").exists()


def test_a_wrong_invoice_is_refused_with_the_services_message(seller_client, seller):
    bill = issued_bill(
        seller=seller, orders=orders_of(seller, 1), product_type="saas", invoice_required=True
    )
    response = seller_client.post(
        url("invoice_upload", pk=bill.pk),
        {
            "number": "No. 0002",
            "issued_on": "2024-06-01",
            "amount": "1.00",
            "file": SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "must be the bill&#x27;s seller net" in response.content.decode()
    assert not SellerInvoice.objects.exists()


# --- isolation --------------------------------------------------------------------------------


def test_another_sellers_bill_and_line_are_404_on_every_url(client, bill):
    intruder = ActiveSellerFactory()
    client.force_login(intruder.user)
    line = bill.lines.first()
    gets = [
        url("bill_detail", pk=bill.pk),
        url("bill_export", pk=bill.pk, fmt="csv"),
        url("bill_export", pk=bill.pk, fmt="xlsx"),
        url("line_explain", pk=line.pk),
    ]
    posts = {
        url("payment_request", pk=bill.pk): {},
        url("invoice_upload", pk=bill.pk): {"number": "x", "issued_on": "2024-06-01"},
        url("invoice_mail", pk=bill.pk): {"carrier": "SF", "tracking_number": "1"},
    }
    for path in gets:
        assert client.get(path).status_code == 404, path
    for path, data in posts.items():
        assert client.post(path, data).status_code == 404, path
    assert not PaymentRequest.objects.exists()
    bill.refresh_from_db()
    assert bill.status == Bill.Status.ISSUED
    assert list(client.get(url("bill_list")).context["page"].object_list) == []


def test_a_buyer_may_not_open_the_settlement_pages(client, bill):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    assert client.get(url("bill_list")).status_code == 403
    assert client.get(url("bill_detail", pk=bill.pk)).status_code == 403


# --- fee ratios, acceleration, navigation -------------------------------------------------------


def test_the_fee_ratios_page_shows_the_ratio_in_force_upcoming_and_history(seller_client, seller):
    settle_product(seller=seller)
    FeePolicyFactory(ratio=D("0.05"), effective_from=beijing(2020, 1, 1))
    FeePolicyFactory(ratio=D("0.08"), effective_from=beijing(2024, 3, 1))
    FeePolicyFactory(ratio=D("0.10"), effective_from=beijing(2099, 1, 1))
    response = seller_client.get(url("fee_ratios"))
    html = response.content.decode()
    assert response.status_code == 200
    current = html.split('data-testid="fee-ratio-current"')[1].split("</div>")[0]
    assert "8%" in current and "2024-03-01 00:00" in current
    assert html.count('data-testid="fee-ratio-upcoming"') == 1 and "10%" in html
    assert html.count('data-testid="fee-ratio-history"') == 1 and "5%" in html


def test_the_acceleration_panel_shows_tier_gmv_and_distance(seller_client, seller):
    AccelerationTierFactory(code="silver", name="Silver", gmv_threshold=D("100000.00"))
    AccelerationTierFactory(code="gold", name="Gold", gmv_threshold=D("2000000.00"))
    response = seller_client.get(url("bill_list"))
    acceleration = response.context["acceleration"]
    assert acceleration.tier is None and acceleration.next_tier.code == "silver"
    html = response.content.decode()
    assert "100000.00" in html and "Silver" in html


def test_the_seller_menu_links_the_settlement_pages(seller_client):
    html = seller_client.get(reverse("seller:dashboard")).content.decode()
    assert url("bill_list") in html and url("fee_ratios") in html

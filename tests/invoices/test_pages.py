"""The invoicing pages of both centers: the request form, the lists (query counts constant),
the seller's actions, refusals shown on the page with nothing changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoices.models import InvoiceRequest, InvoiceTitle, SellerInvoiceSettings
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory
from tests.factories.invoices import (
    company_title,
    invoice_pdf,
    invoice_request,
    paid_order,
    pre_cut_over,
)

pytestmark = pytest.mark.django_db


def test_a_buyer_asks_for_an_e_invoice_from_the_page(client):
    order = paid_order()
    title = company_title(order.buyer)
    client.force_login(order.buyer)
    page = client.get(reverse("invoices:new"), {"orders": [order.pk]})
    assert page.status_code == 200
    assert page.context["e_invoice_reason"] == ""
    response = client.post(
        reverse("invoices:new"), {"orders": [order.pk], "title": title.pk, "kind": "e_invoice"}
    )
    request = InvoiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:detail", kwargs={"pk": request.pk})


def test_the_disabled_e_invoice_button_says_why(client):
    order = pre_cut_over(paid_order())
    client.force_login(order.buyer)
    page = client.get(reverse("invoices:new"), {"orders": [order.pk]})
    assert "invoiced by the marketplace on paper" in page.content.decode()
    SellerInvoiceSettings.objects.create(seller=paid_order().seller, issues_e_invoices=False)


def test_a_refusal_is_shown_on_the_page_and_nothing_changes(client):
    request = invoice_request()
    order = request.lines.get().order
    client.force_login(order.buyer)
    response = client.post(
        reverse("invoices:new"),
        {"orders": [order.pk], "title": company_title(order.buyer).pk, "kind": "e_invoice"},
    )
    assert response.status_code == 200
    assert "already invoiced" in response.context["error"]
    assert InvoiceRequest.objects.count() == 1


def test_a_malformed_tax_number_is_refused_by_the_title_form(client):
    order = paid_order()
    client.force_login(order.buyer)
    response = client.post(
        reverse("invoices:titles"),
        {"kind": "company", "name": "Example Co.", "tax_number": "123"},
    )
    assert response.status_code == 200
    assert "18 characters" in response.content.decode()
    assert not InvoiceTitle.objects.exists()


def test_the_seller_uploads_the_invoice_and_a_fake_pdf_is_refused(client):
    request = invoice_request()
    client.force_login(request.seller.user)
    url = reverse("seller:invoice_issue", kwargs={"pk": request.pk})
    fake = invoice_pdf()
    fake.file.write(b"")
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "requested"
    assert client.post(url, {"file": invoice_pdf()}).status_code == 302
    request.refresh_from_db()
    assert request.status == "issued"
    detail = client.get(reverse("invoices:detail", kwargs={"pk": request.pk}))
    assert detail.status_code == 404  # the seller is not the buyer
    client.force_login(request.buyer)
    detail = client.get(reverse("invoices:detail", kwargs={"pk": request.pk}))
    assert 'data-testid="invoice-download"' in detail.content.decode()


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_cost_the_same_queries_with_more_rows(client):
    first = invoice_request()
    buyer, seller = first.buyer, first.seller
    for url, user in (
        (reverse("invoices:list"), buyer),
        (reverse("seller:invoice_list"), seller.user),
    ):
        client.force_login(user)
        few = _queries(client, url)
        for _ in range(3):
            invoice_request(buyer=buyer, product=first.lines.get().order.product)
        assert _queries(client, url) == few, url


@pytest.mark.parametrize(
    ("make_user", "may_view", "may_issue"),
    [(SupportFactory, True, True), (FinanceFactory, True, True), (ReviewerFactory, False, False)],
)
def test_operator_groups_in_the_admin(client, make_user, may_view, may_issue):
    request = invoice_request()
    user = make_user()
    client.force_login(user)
    url = reverse("admin:invoices_invoicerequest_changelist")
    assert client.get(url).status_code == (200 if may_view else 403)
    assert user.has_perm("invoices.issue_marketplace_invoice") == may_issue
    if may_view:
        assert client.get(url, {"overdue": "yes"}).status_code == 200
        change = reverse("admin:invoices_invoicerequest_change", args=[request.pk])
        assert client.get(change).status_code == 200


def test_the_admin_marks_a_marketplace_invoice_mailed_with_permission_only(client):
    order = pre_cut_over(paid_order())
    from invoices import services
    from tests.factories.invoices import mailing_address

    request = services.invoice_request_create(
        buyer=order.buyer,
        order_ids=[order.pk],
        title_id=company_title(order.buyer).pk,
        kind="paper_vat",
        address_id=mailing_address(order.buyer).pk,
    )
    url = reverse("admin:invoices_invoicerequest_changelist")
    data = {
        "action": "mark_mailed",
        "_selected_action": [request.pk],
        "mailed_confirm": "1",
        "carrier": "SF",
        "tracking_number": "SF9",
    }
    client.force_login(ReviewerFactory())
    client.post(url, data)
    request.refresh_from_db()
    assert request.status == "requested"
    client.force_login(SupportFactory())
    client.post(url, data)
    request.refresh_from_db()
    assert (request.status, request.tracking_number) == ("mailed", "SF9")

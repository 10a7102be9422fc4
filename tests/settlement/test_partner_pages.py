"""The partner center: a partner's share bills, one share bill with its lines, the
countersign button and the partner's invoice to the marketplace; other partners' share
bills are 404, other accounts get 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from settlement.models import PartnerShareBill
from tests.factories.accounts import UserFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.settlement import PartnerFactory, beijing, billable_order, settle_product
from tests.factories.settlement_bills import issued_bill, share_bill_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def shared_bill(partner, *, lines: int = 2, period: str = "2024-05") -> PartnerShareBill:
    seller = ActiveSellerFactory()
    product = settle_product(seller=seller)
    orders = [
        billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 5, 3))
        for _ in range(lines)
    ]
    issued_bill(seller=seller, orders=orders, partner=partner, period=period)
    return share_bill_for(partner, period)


@pytest.fixture
def partner():
    return PartnerFactory(user=UserFactory())


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner.user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"partner:{name}", kwargs=kwargs)


def test_the_list_shows_the_partners_own_share_bills(partner_client, partner):
    mine = shared_bill(partner)
    theirs = shared_bill(PartnerFactory(user=UserFactory()), period="2024-06")
    response = partner_client.get(url("share_bill_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    html = response.content.decode()
    assert url("share_bill_detail", pk=mine.pk) in html
    assert url("share_bill_detail", pk=theirs.pk) not in html


def test_the_list_costs_the_same_queries_for_one_or_many_share_bills(partner_client, partner):
    shared_bill(partner, period="2024-01")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert partner_client.get(url("share_bill_list")).status_code == 200
        return len(queries)

    one = count()
    for month in range(2, 7):
        shared_bill(partner, period=f"2024-{month:02}")
    assert count() == one


def test_the_share_bill_page_shows_its_lines_at_a_constant_cost(partner_client, partner):
    few = shared_bill(partner, lines=1, period="2024-01")
    many = shared_bill(partner, lines=12, period="2024-02")
    counts = []
    for share_bill in (few, many):
        with CaptureQueriesContext(connection) as queries:
            response = partner_client.get(url("share_bill_detail", pk=share_bill.pk))
        counts.append(len(queries))
        assert len(response.context["page"].object_list) == share_bill.line_count
    assert counts[0] == counts[1]
    html = response.content.decode()
    assert str(many.share_total) in html
    assert 'data-testid="countersign"' in html


def test_countersign_then_invoice(partner_client, partner):
    share_bill = shared_bill(partner)
    response = partner_client.post(url("share_bill_countersign", pk=share_bill.pk))
    assert response.status_code == 302
    share_bill.refresh_from_db()
    assert share_bill.status == PartnerShareBill.Status.COUNTERSIGNED
    page = partner_client.get(url("share_bill_detail", pk=share_bill.pk)).content.decode()
    assert 'data-testid="partner-invoice-form"' in page

    # Countersigning twice: the service's refusal, shown as a message.
    again = partner_client.post(url("share_bill_countersign", pk=share_bill.pk), follow=True)
    assert 'role="alert"' in again.content.decode()

    missing = partner_client.post(
        url("share_bill_invoice", pk=share_bill.pk), {"carrier": "SF", "tracking_number": ""}
    )
    assert missing.status_code == 400
    invoiced = partner_client.post(
        url("share_bill_invoice", pk=share_bill.pk),
        {
            "file": SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
            "number": "P-0001",
            "carrier": "SF Express",
            "tracking_number": "SF200",
        },
    )
    assert invoiced.status_code == 302, invoiced.content.decode()[:1500]
    share_bill.refresh_from_db()
    assert share_bill.status == PartnerShareBill.Status.INVOICED
    assert (share_bill.tracking_number, share_bill.invoice_number) == ("SF200", "P-0001")


def test_another_partners_share_bill_is_404_on_every_url(partner_client):
    theirs = shared_bill(PartnerFactory(user=UserFactory()))
    assert partner_client.get(url("share_bill_detail", pk=theirs.pk)).status_code == 404
    assert partner_client.post(url("share_bill_countersign", pk=theirs.pk)).status_code == 404
    response = partner_client.post(
        url("share_bill_invoice", pk=theirs.pk), {"carrier": "SF", "tracking_number": "1"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PartnerShareBill.Status.ISSUED


def test_accounts_not_linked_to_a_partner_get_403(client, partner):
    share_bill = shared_bill(partner)
    inactive = PartnerFactory(user=UserFactory(), is_active=False)
    for user in (UserFactory(), ActiveSellerFactory().user, inactive.user):
        client.force_login(user)
        assert client.get(url("share_bill_list")).status_code == 403
        assert client.get(url("share_bill_detail", pk=share_bill.pk)).status_code == 403


def test_the_top_bar_links_the_partner_center_for_partners_only(client, partner):
    client.force_login(partner.user)
    assert 'data-testid="nav-partner-center"' in client.get(reverse("home")).content.decode()
    client.logout()
    client.force_login(UserFactory())
    assert 'data-testid="nav-partner-center"' not in client.get(reverse("home")).content.decode()

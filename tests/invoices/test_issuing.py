"""The issuer's transitions, the overdue flag and red-letter invoices (issue 13 › Seller
center, › Seven-day deadline, › Bad input)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from invoices import services
from invoices.exceptions import InvalidInput, InvoiceNotFound, NotInvoiceable, NotTheIssuer
from invoices.models import InvoiceRequest, RedLetterInvoice
from invoices.selectors import overdue_counts_by_seller
from marketplace.core.exceptions import InvalidTransition, PermissionDenied
from marketplace.core.models import Notification, TransitionLog
from orders.models import Order
from tests.factories.accounts import SupportFactory, UserFactory
from tests.factories.invoices import (
    company_title,
    invoice_pdf,
    invoice_request,
    mailing_address,
    paid_order,
    pre_cut_over,
)
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db


def snapshot(request) -> tuple:
    request.refresh_from_db()
    return (request.status, request.file.name, TransitionLog.objects.count())


def test_the_seller_issues_an_e_invoice_and_the_buyer_is_told():
    request = invoice_request()
    seller = request.seller
    services.invoice_issue(
        request_id=request.pk, seller=seller, actor=seller.user, file=invoice_pdf()
    )
    request.refresh_from_db()
    assert request.status == "issued" and request.file and request.issued_at
    assert Notification.objects.filter(user=request.buyer, template="invoice_issued").exists()
    assert request.can_view_private_file(request.buyer, "file")
    assert not request.can_view_private_file(UserFactory(), "file")


def test_a_file_that_is_not_a_pdf_is_refused():
    request = invoice_request()
    before = snapshot(request)
    fake = SimpleUploadedFile(
        "invoice.pdf", b"just text, not a PDF", content_type="application/pdf"
    )
    with pytest.raises(InvalidInput) as info:
        services.invoice_issue(
            request_id=request.pk, seller=request.seller, actor=request.seller.user, file=fake
        )
    assert "not accepted" in info.value.message
    assert snapshot(request) == before


def test_another_seller_cannot_issue_and_the_marketplace_issues_pre_cut_over_ones():
    request = invoice_request()
    other = ActiveSellerFactory()
    before = snapshot(request)
    with pytest.raises(InvoiceNotFound):
        services.invoice_issue(
            request_id=request.pk, seller=other, actor=other.user, file=invoice_pdf()
        )
    assert snapshot(request) == before
    order = pre_cut_over(paid_order())
    old = services.invoice_request_create(
        buyer=order.buyer,
        order_ids=[order.pk],
        title_id=company_title(order.buyer).pk,
        kind="paper_vat",
        address_id=mailing_address(order.buyer).pk,
    )
    before = snapshot(old)
    with pytest.raises(NotTheIssuer) as info:
        services.invoice_mark_mailed(
            request_id=old.pk,
            seller=old.seller,
            actor=old.seller.user,
            carrier="SF",
            tracking_number="1",
        )
    assert "marketplace issues" in info.value.message
    assert snapshot(old) == before
    with pytest.raises(PermissionDenied):
        services.invoice_mark_mailed(
            request_id=old.pk, actor=UserFactory(is_staff=True), carrier="SF", tracking_number="1"
        )
    services.invoice_mark_mailed(
        request_id=old.pk, actor=SupportFactory(), carrier="SF", tracking_number="SF100"
    )
    old.refresh_from_db()
    assert (old.status, old.tracking_number) == ("mailed", "SF100")


def test_issuing_twice_is_refused():
    request = invoice_request()
    seller = request.seller
    services.invoice_issue(
        request_id=request.pk, seller=seller, actor=seller.user, file=invoice_pdf()
    )
    before = snapshot(request)
    with pytest.raises(InvalidTransition) as info:
        services.invoice_issue(
            request_id=request.pk, seller=seller, actor=seller.user, file=invoice_pdf()
        )
    assert "Issued" in info.value.message
    assert snapshot(request) == before


def test_a_paper_invoice_is_marked_mailed_with_its_tracking_number():
    request = invoice_request(kind="paper_vat")
    seller = request.seller
    with pytest.raises(InvalidInput):
        services.invoice_mark_mailed(
            request_id=request.pk,
            seller=seller,
            actor=seller.user,
            carrier="SF",
            tracking_number="",
        )
    with pytest.raises(InvalidInput):
        services.invoice_issue(
            request_id=request.pk, seller=seller, actor=seller.user, file=invoice_pdf()
        )
    services.invoice_mark_mailed(
        request_id=request.pk, seller=seller, actor=seller.user, carrier="SF", tracking_number="SF1"
    )
    request.refresh_from_db()
    assert request.status == "mailed"
    assert Notification.objects.filter(user=request.buyer, template="invoice_mailed").exists()


def test_a_rejection_needs_a_reason_and_frees_the_orders():
    request = invoice_request()
    seller = request.seller
    with pytest.raises(InvalidInput):
        services.invoice_reject(request_id=request.pk, seller=seller, actor=seller.user, reason=" ")
    services.invoice_reject(
        request_id=request.pk, seller=seller, actor=seller.user, reason="Wrong tax number"
    )
    request.refresh_from_db()
    assert (request.status, request.reject_reason) == ("rejected", "Wrong tax number")
    assert not request.lines.filter(live=True).exists()


def test_overdue_requests_are_flagged_once_and_counted_per_seller():
    request = invoice_request()
    operator = SupportFactory()
    services.invoices_flag_overdue(now=request.due_at - dt.timedelta(minutes=1))
    assert not InvoiceRequest.objects.filter(overdue_flagged_at__isnull=False).exists()
    later = request.due_at + dt.timedelta(minutes=1)
    assert services.invoices_flag_overdue(now=later) == 1
    assert services.invoices_flag_overdue(now=later + dt.timedelta(hours=1)) == 0
    assert (
        Notification.objects.filter(template="invoice_overdue", user=request.seller.user).count()
        == 1
    )
    assert (
        Notification.objects.filter(template="invoice_overdue_operators", user=operator).count()
        == 1
    )
    assert overdue_counts_by_seller() == {request.seller_id: 1}


def test_a_refund_after_invoicing_records_a_red_letter_invoice_once():
    request = invoice_request()
    seller = request.seller
    services.invoice_issue(
        request_id=request.pk, seller=seller, actor=seller.user, file=invoice_pdf()
    )
    order = request.lines.get().order
    assert services.red_letters_record() == 0
    Order.objects.filter(pk=order.pk).update(refunded_amount=order.amount, status="refunded")
    assert services.red_letters_record() == 1
    assert services.red_letters_record() == 0
    red = RedLetterInvoice.objects.get()
    assert (red.amount, red.status) == (order.amount, "due")
    # The order stays invoiced: a refunded order can't be asked for again.
    with pytest.raises(NotInvoiceable):
        services.invoice_request_create(
            buyer=order.buyer,
            order_ids=[order.pk],
            title_id=company_title(order.buyer).pk,
            kind="e_invoice",
        )
    services.red_letter_issue(
        red_letter_id=red.pk, seller=seller, actor=seller.user, file=invoice_pdf()
    )
    red.refresh_from_db()
    assert red.status == "issued" and red.file


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_for_the_same_order_one_wins():
    order = paid_order()
    titles = [company_title(order.buyer), company_title(order.buyer)]
    barrier = threading.Barrier(2)
    results: list = []

    def ask(title):
        try:
            barrier.wait()
            results.append(
                services.invoice_request_create(
                    buyer=order.buyer, order_ids=[order.pk], title_id=title.pk, kind="e_invoice"
                )
            )
        except NotInvoiceable as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(t,)) for t in titles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if isinstance(r, InvoiceRequest)]
    lost = [r for r in results if isinstance(r, NotInvoiceable)]
    assert len(won) == 1 and len(lost) == 1, results
    assert InvoiceRequest.objects.count() == 1
    assert timezone.now()

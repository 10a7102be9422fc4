"""Asking for an invoice (06 › Invoicing, issue 13 › Request, › Bad input): each refusal
has a clear translated message and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices import services
from invoices.exceptions import InvalidInput, InvoiceNotFound, NotInvoiceable
from invoices.models import InvoiceRequest, InvoiceRequestOrder, InvoiceTitle, SellerInvoiceSettings
from marketplace.catalog.models import DeliveryType
from marketplace.core.models import Notification, TransitionLog
from orders.models import Order, Unsubscription
from tests.factories.accounts import UserFactory
from tests.factories.invoices import (
    company_title,
    good_tax_number,
    invoice_request,
    mailing_address,
    paid_order,
    pre_cut_over,
)
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        InvoiceRequest.objects.count(),
        InvoiceRequestOrder.objects.count(),
        TransitionLog.objects.count(),
        Notification.objects.count(),
    )


def ask(order_or_orders, kind="e_invoice", buyer=None, title=None, address=None):
    orders = order_or_orders if isinstance(order_or_orders, list) else [order_or_orders]
    buyer = buyer or orders[0].buyer
    title = title or company_title(buyer)
    return services.invoice_request_create(
        buyer=buyer,
        order_ids=[o.pk for o in orders],
        title_id=title.pk,
        kind=kind,
        address_id=address.pk if address else None,
    )


def refused(exc_type, call, text: str):
    before = state()
    with pytest.raises(exc_type) as info:
        call()
    assert text in info.value.message
    assert state() == before
    return info.value


def test_a_request_for_a_paid_order_goes_to_the_seller_with_a_7_day_deadline():
    order = paid_order()
    now = timezone.now()
    request = ask(order)
    assert request.issuer == InvoiceRequest.Issuer.SELLER
    assert request.seller == order.seller
    assert request.amount == order.amount
    assert request.status == "requested"
    assert request.due_at - request.requested_at == dt.timedelta(days=7)
    assert request.requested_at >= now
    assert request.title_name == "Example Co."
    assert TransitionLog.objects.filter(object_id=str(request.pk), action="request").exists()
    assert Notification.objects.get().user == order.seller.user


def test_orders_before_the_cut_over_are_invoiced_by_the_marketplace_on_paper():
    order = pre_cut_over(paid_order())
    refused(
        NotInvoiceable,
        lambda: ask(order),
        "invoiced by the marketplace on paper",
    )
    request = ask(order, kind="paper_vat", address=mailing_address(order.buyer))
    assert request.issuer == InvoiceRequest.Issuer.MARKETPLACE


def test_the_cut_over_is_a_setting(settings):
    order = paid_order()
    settings.INVOICE_SELLER_ISSUES_FROM = "2100-01-01 00:00:00"
    request = ask(order, kind="paper_vat", address=mailing_address(order.buyer))
    assert request.issuer == InvoiceRequest.Issuer.MARKETPLACE


def test_mixing_orders_before_and_after_the_cut_over_is_refused():
    new = paid_order()
    old = pre_cut_over(paid_order(buyer=new.buyer, product=new.product))
    refused(
        NotInvoiceable,
        lambda: ask([new, old], kind="paper_vat", address=mailing_address(new.buyer)),
        "different issuers",
    )


def test_someone_elses_order_is_not_found():
    order = paid_order()
    intruder = UserFactory()
    refused(InvoiceNotFound, lambda: ask(order, buyer=intruder), "doesn't exist")


def test_orders_of_two_sellers_are_refused():
    first = paid_order()
    second = paid_order(buyer=first.buyer)
    assert first.seller_id != second.seller_id
    refused(NotInvoiceable, lambda: ask([first, second]), "one seller")


def test_an_unpaid_order_is_refused():
    order = OrderFactory()
    refused(NotInvoiceable, lambda: ask(order), "not paid")


def test_a_refunded_order_is_refused():
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.REFUNDED,
        payment_status=Order.PaymentStatus.REFUNDED,
        refunded_amount=order.amount,
    )
    refused(NotInvoiceable, lambda: ask(order), "was refunded")


def test_an_order_with_a_pending_unsubscription_is_refused():
    order = paid_order()
    Unsubscription.objects.create(
        order=order,
        buyer=order.buyer,
        seller=order.seller,
        rule=Unsubscription.Rule.GUARANTEE,
        proposed_amount=order.amount,
    )
    refused(NotInvoiceable, lambda: ask(order), "pending unsubscription")


def test_an_order_already_invoiced_is_refused_and_a_rejected_one_may_be_asked_again():
    request = invoice_request()
    order = request.lines.get().order
    refused(NotInvoiceable, lambda: ask(order), "already invoiced")
    services.invoice_reject(
        request_id=request.pk, seller=request.seller, actor=request.seller.user, reason="Wrong"
    )
    again = ask(order)
    assert again.status == "requested"


def test_a_malformed_tax_number_is_refused_on_the_title_and_on_the_request():
    buyer = UserFactory()
    before = InvoiceTitle.objects.count()
    with pytest.raises(InvalidInput) as info:
        services.invoice_title_create(
            buyer=buyer, kind="company", name="Example Co.", tax_number="91110108551385081X"
        )
    assert "tax number is not valid" in info.value.message
    assert InvoiceTitle.objects.count() == before
    # A title stored before the check (an old row) is checked again when it is used.
    order = paid_order(buyer=buyer)
    bad = company_title(buyer, tax_number="123")
    refused(InvalidInput, lambda: ask(order, title=bad), "tax number is not valid")


def test_a_personal_title_needs_no_tax_number_but_gets_no_vat_invoice():
    order = paid_order()
    title = services.invoice_title_create(buyer=order.buyer, kind="personal", name="Li Lei")
    assert title.tax_number == ""
    address = mailing_address(order.buyer)
    refused(
        InvalidInput,
        lambda: ask(order, kind="paper_vat", title=title, address=address),
        "company title",
    )
    assert ask(order, title=title).title_kind == "personal"


def test_a_paper_invoice_needs_an_address():
    order = paid_order()
    refused(InvalidInput, lambda: ask(order, kind="paper_vat"), "address")


def test_a_seller_without_e_invoices_gets_paper_requests_only():
    order = paid_order()
    SellerInvoiceSettings.objects.create(seller=order.seller, issues_e_invoices=False)
    refused(NotInvoiceable, lambda: ask(order), "does not issue e-invoices")


def test_hardware_orders_get_paper_invoices():
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(delivery_type=DeliveryType.HARDWARE)
    refused(NotInvoiceable, lambda: ask(order), "Hardware orders")


def test_an_amount_above_the_limit_gets_a_paper_invoice(settings):
    order = paid_order()
    settings.INVOICE_E_INVOICE_MAX_AMOUNT = str(order.amount - Decimal("0.01"))
    refused(NotInvoiceable, lambda: ask(order), "at most")


def test_the_buyer_may_withdraw_a_request_and_ask_again():
    request = invoice_request()
    services.invoice_request_cancel(request_id=request.pk, buyer=request.buyer)
    request.refresh_from_db()
    assert request.status == "cancelled"
    assert not request.lines.filter(live=True).exists()
    with pytest.raises(InvoiceNotFound):
        services.invoice_request_cancel(request_id=request.pk, buyer=UserFactory())


def test_a_good_tax_number_is_kept_upper_case():
    title = services.invoice_title_create(
        buyer=UserFactory(), kind="company", name="X", tax_number=good_tax_number().lower()
    )
    assert title.tax_number == good_tax_number()

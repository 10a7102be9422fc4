"""Seller center › Settlement: the seller's bills by period (with the acceleration plan),
one bill (totals, carry-over, payment request and its history, the VAT special invoice to
the marketplace, the lines with filters), a line's explanation, the lines as CSV/XLSX,
and the fee ratios.

Every read goes through `settlement.selectors`, scoped by the seller in the query:
another seller's bill or line is a 404, for GET and POST alike. Every write is one of
the transition services (`settlement.services`); a refusal is its `DomainError`'s
message and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.catalog.models import DeliveryType
from marketplace.core.exceptions import DomainError
from orders.seller_views.orders import order_seller_required

from . import exports, selectors, services
from .explain import line_explain
from .forms import BillFilterForm, LineFilterForm, MailForm, PaymentRequestForm, SellerInvoiceForm
from .models import Bill, PaymentRequest, SellerInvoice

BILLS_PER_PAGE = 24
LINES_PER_PAGE = 50


@order_seller_required
@require_GET
def bill_list(request):
    """The seller's bills, newest period first, and the acceleration plan's panel."""
    form = BillFilterForm(request.GET or None)
    bills = selectors.bill_list(seller=request.seller, **form.filters())
    page = Paginator(bills, BILLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/seller/bill_list.html",
        {
            "filter_form": form,
            "page": page,
            "is_filtered": any(form.filters().values()),
            "acceleration": selectors.seller_acceleration(seller=request.seller),
        },
    )


def payment_blocker(
    bill: Bill, requests: list[PaymentRequest], invoice: SellerInvoice | None
) -> str:
    """Why the seller can't request payment of `bill` now ("" when they can). The page
    shows it in place of the button; the service checks the same rules and has the last
    word (06 › Payment request)."""
    if bill.status == Bill.Status.PAID:
        return _("This bill has been paid.")
    if any(r.status == PaymentRequest.Status.REQUESTED for r in requests):
        return _("Your payment request is waiting for the marketplace's review.")
    if bill.status != Bill.Status.ISSUED:
        return _("Payment can't be requested in this status.")
    if bill.invoice_required:
        if invoice is None:
            return _(
                "Upload and mail your VAT special invoice to the marketplace first: this "
                "bill is for joint-operation products."
            )
        if invoice.status == SellerInvoice.Status.UPLOADED:
            return _("Mail your VAT special invoice and record its tracking number first.")
    return ""


def _bill_page(request, bill: Bill, *, invoice_form=None, mail_form=None, status=200):
    requests = list(
        bill.payment_requests.select_related("requested_by", "decided_by").order_by(
            "-requested_at", "-id"
        )
    )
    invoices = list(bill.seller_invoices.order_by("-uploaded_at", "-id"))
    live = next((i for i in invoices if i.status != SellerInvoice.Status.REJECTED), None)
    line_form = LineFilterForm(request.GET or None)
    lines = selectors.bill_lines(bill=bill, filters=line_form.filters())
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "bill": bill,
        "line_form": line_form,
        "page": page,
        "requests": requests,
        "invoices": invoices,
        "invoice": live,
        "blocker": payment_blocker(bill, requests, live),
        "invoice_form": invoice_form or SellerInvoiceForm(initial={"amount": bill.net_total}),
        "mail_form": mail_form or MailForm(),
        "request_form": PaymentRequestForm(),
        "carry_overs": list(
            selectors.carry_overs_for_seller(seller=request.seller).filter(
                product_type=bill.product_type
            )[:12]
        ),
    }
    if request.htmx and request.htmx.target == "bill-lines":
        return render(request, "settlement/seller/_lines.html", context)
    return render(request, "settlement/seller/bill_detail.html", context, status=status)


@order_seller_required
@require_GET
def bill_detail(request, pk: int):
    return _bill_page(request, selectors.bill_for_seller(seller=request.seller, bill_id=pk))


@order_seller_required
@require_GET
def line_explain_page(request, pk: int):
    line = selectors.line_for_seller(seller=request.seller, line_id=pk)
    return render(
        request,
        "settlement/seller/line_explain.html",
        {"line": line, "bill": line.bill, "steps": line_explain(line)},
    )


@order_seller_required
@require_GET
def bill_export(request, pk: int, fmt: str):
    """The bill's lines (the page's filters applied) as a file, streamed."""
    bill = selectors.bill_for_seller(seller=request.seller, bill_id=pk)
    lines = selectors.bill_lines(bill=bill, filters=LineFilterForm(request.GET or None).filters())
    filename = f"bill-{bill.period}-{bill.product_type}-{bill.pk}"
    if fmt == "csv":
        return exports.lines_csv_response(lines, filename=filename)
    if fmt == "xlsx":
        return exports.lines_xlsx_response(lines, filename=filename)
    raise Http404


@order_seller_required
@require_POST
def payment_request(request, pk: int):
    bill = selectors.bill_for_seller(seller=request.seller, bill_id=pk)
    form = PaymentRequestForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.payment_request_create(bill=bill, seller_user=request.user, note=note)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Payment requested: the marketplace reviews it and tells you by e-mail.")
        )
    return redirect("seller:settlement_bill_detail", pk=bill.pk)


@order_seller_required
@require_POST
def invoice_upload(request, pk: int):
    bill = selectors.bill_for_seller(seller=request.seller, bill_id=pk)
    form = SellerInvoiceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.seller_invoice_upload(
                bill=bill,
                seller_user=request.user,
                number=form.cleaned_data["number"],
                issued_on=form.cleaned_data["issued_on"],
                amount=form.cleaned_data["amount"],
                file=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Invoice uploaded: mail it and record the tracking number.")
            )
            return redirect("seller:settlement_bill_detail", pk=bill.pk)
    return _bill_page(request, bill, invoice_form=form, status=400)


@order_seller_required
@require_POST
def invoice_mail(request, pk: int):
    bill = selectors.bill_for_seller(seller=request.seller, bill_id=pk)
    invoice = bill.seller_invoices.filter(status=SellerInvoice.Status.UPLOADED).first()
    form = MailForm(request.POST)
    if invoice is None:
        messages.error(request, _("There is no uploaded invoice waiting to be mailed."))
        return redirect("seller:settlement_bill_detail", pk=bill.pk)
    if form.is_valid():
        try:
            services.seller_invoice_mark_mailed(
                invoice=invoice, seller_user=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Mailing recorded: you may now request payment."))
            return redirect("seller:settlement_bill_detail", pk=bill.pk)
    return _bill_page(request, bill, mail_form=form, status=400)


@order_seller_required
@require_GET
def fee_ratios(request):
    """The fee ratio in force per product type the seller sells, the versions to come and
    the earlier ones (seed: "如何查看运营管理费比例")."""
    return render(
        request,
        "settlement/seller/fee_ratios.html",
        {
            "rows": selectors.seller_fee_ratios(seller=request.seller),
            "type_labels": dict(DeliveryType.choices),
        },
    )

"""Buyer center › Invoices (namespace "invoices", shown in the buyer center's layout): the
buyer's requests, one request (status, download, tracking, history, red-letter
invoices), asking for an invoice, and the titles and addresses. Every read is scoped by
the buyer in the query: another buyer's object is a 404 and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.core.navigation import entries_for

from . import selectors, services
from .exceptions import InvoiceError, InvoiceNotFound
from .forms import AddressForm, RequestForm, TitleForm
from .models import InvoiceRequest

REQUESTABLE_ORDERS = 200  # the newest paid orders offered on the request page


def _render(request, template: str, context: dict):
    """In the buyer center's layout (its menu), whatever the namespace."""
    center = {"center": "buyer", "center_nav": entries_for("buyer", request.user)}
    return render(request, template, {**center, **context})


def _get(buyer, pk):
    try:
        return selectors.invoice_get_for_buyer(buyer, pk)
    except InvoiceNotFound:
        raise Http404 from None


@login_required
@require_GET
def invoice_list(request):
    page = Paginator(selectors.invoice_list_for_buyer(request.user), 20).get_page(
        request.GET.get("page")
    )
    return _render(request, "invoices/buyer_list.html", {"page": page})


@login_required
@require_GET
def invoice_detail(request, pk: int):
    invoice = _get(request.user, pk)
    context = {
        "invoice": invoice,
        "lines": selectors.invoice_lines(invoice),
        "red_letters": selectors.red_letters(invoice),
        "history": selectors.invoice_history(invoice),
        "can_cancel": invoice.status == InvoiceRequest.Status.REQUESTED,
    }
    return _render(request, "invoices/buyer_detail.html", context)


@login_required
@require_POST
def invoice_cancel(request, pk: int):
    invoice = _get(request.user, pk)
    try:
        services.invoice_request_cancel(request_id=invoice.pk, buyer=request.user)
    except InvoiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invoice request was withdrawn."))
    return redirect("invoices:detail", pk=invoice.pk)


def _request_page(request, form, orders, chosen: list[int], error: str = ""):
    rows = [(order, selectors.order_problem(order)) for order in orders]
    selected = [o for o, problem in rows if o.pk in chosen and not problem]
    e_reason = ""
    if selected:
        e_reason = selectors.e_invoice_unavailable(
            selected,
            issues_e_invoices=selectors.seller_issues_e_invoices(selected[0].seller_id),
        )
    context = {
        "form": form,
        "rows": rows,
        "chosen": chosen,
        "e_invoice_reason": e_reason,
        "error": error,
        "titles": form.fields["title"].choices,
    }
    return _render(request, "invoices/buyer_request.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_new(request):
    """Ask for an invoice: reached from my orders and purchased services (`?orders=…`)."""
    orders = list(
        selectors.orders_for_invoicing(request.user)
        .filter(payment_status__in=selectors.PAID)
        .order_by("-created_at", "-id")[:REQUESTABLE_ORDERS]
    )
    titles = request.user.invoice_titles.all()
    addresses = request.user.mailing_addresses.all()
    kwargs = {"orders": orders, "titles": titles, "addresses": addresses}
    if request.method == "GET":
        chosen = [int(v) for v in request.GET.getlist("orders") if v.isdigit()]
        form = RequestForm(initial={"orders": chosen}, **kwargs)
        return _request_page(request, form, orders, chosen)
    form = RequestForm(request.POST, **kwargs)
    chosen = [int(v) for v in request.POST.getlist("orders") if v.isdigit()]
    if not form.is_valid():
        return _request_page(request, form, orders, chosen)
    data = form.cleaned_data
    try:
        invoice = services.invoice_request_create(
            buyer=request.user,
            order_ids=data["orders"],
            title_id=data["title"],
            kind=data["kind"],
            address_id=data["address"],
        )
    except InvoiceNotFound:
        raise Http404 from None
    except InvoiceError as exc:
        return _request_page(request, form, orders, chosen, error=exc.message)
    messages.success(request, _("Your invoice request was sent to the issuer."))
    return redirect("invoices:detail", pk=invoice.pk)


@login_required
@require_http_methods(["GET", "POST"])
def title_list(request):
    form = TitleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invoice_title_create(buyer=request.user, **form.cleaned_data)
        except InvoiceError as exc:
            form.add_error(getattr(exc, "field", "") or None, exc.message)
        else:
            messages.success(request, _("The invoice title was saved."))
            return redirect("invoices:titles")
    titles = request.user.invoice_titles.all()
    return _render(request, "invoices/buyer_titles.html", {"form": form, "titles": titles})


@login_required
@require_POST
def title_delete(request, pk: int):
    try:
        services.invoice_title_delete(buyer=request.user, title_id=pk)
    except InvoiceNotFound:
        raise Http404 from None
    messages.success(request, _("The invoice title was deleted."))
    return redirect("invoices:titles")


@login_required
@require_http_methods(["GET", "POST"])
def address_list(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailing_address_create(buyer=request.user, **form.cleaned_data)
        except InvoiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The mailing address was saved."))
            return redirect("invoices:addresses")
    addresses = request.user.mailing_addresses.all()
    return _render(request, "invoices/buyer_addresses.html", {"form": form, "addresses": addresses})


@login_required
@require_POST
def address_delete(request, pk: int):
    try:
        services.mailing_address_delete(buyer=request.user, address_id=pk)
    except InvoiceNotFound:
        raise Http404 from None
    messages.success(request, _("The mailing address was deleted."))
    return redirect("invoices:addresses")

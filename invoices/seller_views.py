"""Seller center › Invoices: the requests addressed to the seller (filters, deadline), one
request, and the issuer's actions (upload the e-invoice, mark a paper invoice mailed,
reject with a reason, issue a red-letter invoice). Scoped by the seller in the query:
another seller's request is a 404 and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders.seller_views.orders import order_seller_required

from . import selectors, services
from .exceptions import InvoiceError, InvoiceNotFound
from .forms import IssueForm, MailForm, RejectForm, SellerFilterForm, SettingsForm
from .models import InvoiceRequest, SellerInvoiceSettings


@order_seller_required
@require_GET
def invoice_list(request):
    filters = SellerFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.invoice_list_for_seller(
        request.seller, status=data.get("status", ""), overdue=data.get("overdue", False)
    )
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    settings_form = SettingsForm(
        initial={"issues_e_invoices": selectors.seller_issues_e_invoices(request.seller.pk)}
    )
    context = {"page": page, "filter_form": filters, "settings_form": settings_form}
    return render(request, "invoices/seller_list.html", context)


@order_seller_required
@require_POST
def invoice_settings(request):
    form = SettingsForm(request.POST)
    form.is_valid()
    SellerInvoiceSettings.objects.update_or_create(
        seller=request.seller,
        defaults={"issues_e_invoices": form.cleaned_data.get("issues_e_invoices", False)},
    )
    messages.success(request, _("Your invoice settings were saved."))
    return redirect("seller:invoice_list")


def _get(request, pk: int) -> InvoiceRequest:
    try:
        return selectors.invoice_get_for_seller(request.seller, pk)
    except InvoiceNotFound:
        raise Http404 from None


def _page(request, invoice, *, forms=None, status=200):
    forms = forms or {}
    context = {
        "invoice": invoice,
        "lines": selectors.invoice_lines(invoice),
        "red_letters": selectors.red_letters(invoice),
        "history": selectors.invoice_history(invoice),
        "issue_form": forms.get("issue") or IssueForm(),
        "mail_form": forms.get("mail") or MailForm(),
        "reject_form": forms.get("reject") or RejectForm(),
        "is_issuer": invoice.issuer == InvoiceRequest.Issuer.SELLER,
    }
    return render(request, "invoices/seller_detail.html", context, status=status)


@order_seller_required
@require_GET
def invoice_detail(request, pk: int):
    return _page(request, _get(request, pk))


def _act(request, pk: int, name: str, form, call, done: str):
    invoice = _get(request, pk)
    if not form.is_valid():
        return _page(request, invoice, forms={name: form}, status=400)
    try:
        call(invoice, form.cleaned_data)
    except InvoiceNotFound:
        raise Http404 from None
    except InvoiceError as exc:
        form.add_error(None, exc.message)
        return _page(request, invoice, forms={name: form}, status=400)
    messages.success(request, done)
    return redirect("seller:invoice_detail", pk=invoice.pk)


@order_seller_required
@require_POST
def invoice_issue(request, pk: int):
    return _act(
        request,
        pk,
        "issue",
        IssueForm(request.POST, request.FILES),
        lambda inv, data: services.invoice_issue(
            request_id=inv.pk, seller=request.seller, actor=request.user, file=data["file"]
        ),
        _("The invoice was issued; the buyer was told."),
    )


@order_seller_required
@require_POST
def invoice_mail(request, pk: int):
    return _act(
        request,
        pk,
        "mail",
        MailForm(request.POST),
        lambda inv, data: services.invoice_mark_mailed(
            request_id=inv.pk, seller=request.seller, actor=request.user, **data
        ),
        _("The invoice was marked mailed; the buyer was told."),
    )


@order_seller_required
@require_POST
def invoice_reject(request, pk: int):
    return _act(
        request,
        pk,
        "reject",
        RejectForm(request.POST),
        lambda inv, data: services.invoice_reject(
            request_id=inv.pk, seller=request.seller, actor=request.user, reason=data["reason"]
        ),
        _("The request was rejected; the buyer was told why."),
    )


@order_seller_required
@require_POST
def red_letter_issue(request, pk: int):
    red = (
        selectors.RedLetterInvoice.objects.filter(pk=pk, request__seller=request.seller)
        .select_related("request")
        .first()
    )
    if red is None:
        raise Http404
    return _act(
        request,
        red.request_id,
        "red_letter",
        IssueForm(request.POST, request.FILES),
        lambda inv, data: services.red_letter_issue(
            red_letter_id=red.pk, seller=request.seller, actor=request.user, file=data["file"]
        ),
        _("The red-letter invoice was issued; the buyer was told."),
    )

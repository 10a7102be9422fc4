"""The partner center 客户服务商 (issue 12 §2, §7): a partner's share bills by period, one
share bill with its lines, the countersign button and the partner's invoice to the
marketplace (file, carrier, tracking number).

Only an account linked to an active `Partner` gets in (403 otherwise); share bills are
looked up among the partner's own in the query: another partner's is a 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.core.exceptions import DomainError

from . import selectors, services
from .forms import PartnerInvoiceForm
from .models import PartnerShareBill

LINES_PER_PAGE = 50


def partner_required(view):
    """Log-in, then an account linked to an active partner (403 otherwise); sets
    `request.partner`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        partner = selectors.partner_for_user(request.user)
        if partner is None:
            raise PermissionDenied(_("Only a customer service partner's account may open this."))
        request.partner = partner
        return view(request, *args, **kwargs)

    return wrapper


def _share_bill(request, pk: int) -> PartnerShareBill:
    share_bill = selectors.partner_share_bills(partner=request.partner).filter(pk=pk).first()
    if share_bill is None:
        raise Http404
    return share_bill


@partner_required
@require_GET
def share_bill_list(request):
    bills = selectors.partner_share_bills(partner=request.partner)
    page = Paginator(bills, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/partner/share_bill_list.html",
        {"page": page, "partner": request.partner},
    )


def _page(request, share_bill: PartnerShareBill, *, form=None, status=200):
    lines = selectors.partner_share_lines(share_bill=share_bill)
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/partner/share_bill_detail.html",
        {
            "share_bill": share_bill,
            "partner": request.partner,
            "page": page,
            "invoice_form": form or PartnerInvoiceForm(),
        },
        status=status,
    )


@partner_required
@require_GET
def share_bill_detail(request, pk: int):
    return _page(request, _share_bill(request, pk))


@partner_required
@require_POST
def share_bill_countersign(request, pk: int):
    share_bill = _share_bill(request, pk)
    try:
        services.partner_share_bill_countersign(share_bill=share_bill, partner_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Countersigned: now send the marketplace your VAT special invoice.")
        )
    return redirect("partner:share_bill_detail", pk=share_bill.pk)


@partner_required
@require_POST
def share_bill_invoice(request, pk: int):
    share_bill = _share_bill(request, pk)
    form = PartnerInvoiceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.partner_share_bill_invoice_upload(
                share_bill=share_bill, partner_user=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Invoice recorded: the marketplace pays once it arrives."))
            return redirect("partner:share_bill_detail", pk=share_bill.pk)
    return _page(request, share_bill, form=form, status=400)

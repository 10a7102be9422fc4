"""Seller center › Sales management › Vouchers (01-sellers › Vouchers): the list, a new
voucher, its detail with the customers it was issued to, and "specify customers": the
template download, the upload with its row-by-row check, the preview and the confirmation.

The preview carries the checked customers to the confirmation as a signed token (the
voucher and the account ids, signed with the seller in the salt, valid for an hour): the
confirmation trusts nothing else from the page, and the service checks again under lock.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from buyers import voucher_files
from buyers import voucher_selectors as selectors
from buyers.forms_vouchers import VoucherConfirmForm, VoucherForm, VoucherUploadForm
from buyers.services.vouchers import voucher_create, voucher_issue
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service
from sellers.models import Seller

ISSUE_TOKEN_MAX_AGE = 3600  # seconds between the preview and the confirmation


def active_seller_required(view):
    """Log-in, then an active seller (403 otherwise); sets `request.seller`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seller = Seller.objects.filter(user=request.user).first()
        if seller is None or seller.status != Seller.Status.ACTIVE:
            raise PermissionDenied(_("Only an onboarded seller can manage sales."))
        request.seller = seller
        return view(request, *args, **kwargs)

    return wrapper


@active_seller_required
def voucher_list(request):
    page = Paginator(selectors.seller_voucher_list(seller=request.seller), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "buyers/seller_vouchers.html", {"page": page, "now": timezone.now()})


@active_seller_required
@require_http_methods(["GET", "POST"])
def voucher_new(request):
    form = VoucherForm(request.POST or None, seller=request.seller)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        voucher = call_service(
            form,
            voucher_create,
            seller=request.seller,
            name=data["name"],
            amount=data["amount"],
            min_order_amount=data["min_order_amount"] or 0,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            product_ids=[p.pk for p in data["products"]],
            actor=request.user,
        )
        if voucher:
            messages.success(request, _("The voucher was created. Now specify its customers."))
            return redirect("seller:voucher_detail", pk=voucher.pk)
    return render(request, "buyers/seller_vouchers_form.html", {"form": form})


def _detail(request, voucher, **context):
    page = Paginator(selectors.voucher_grant_list(voucher=voucher), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "buyers/seller_vouchers_detail.html",
        {
            "voucher": voucher,
            "page": page,
            "expired": voucher.valid_until <= timezone.now(),
            "upload_form": context.pop("upload_form", None) or VoucherUploadForm(),
            **context,
        },
    )


@active_seller_required
@require_GET
def voucher_detail(request, pk: int):
    voucher = selectors.seller_voucher_get(seller=request.seller, pk=pk)
    return _detail(request, voucher)


TEMPLATE_FORMATS = {
    "csv": ("text/csv; charset=utf-8", voucher_files.template_csv),
    "xlsx": (voucher_files.XLSX_MIME, voucher_files.template_xlsx),
}


@active_seller_required
def voucher_template(request, fmt: str):
    if fmt not in TEMPLATE_FORMATS:
        raise Http404
    content_type, build = TEMPLATE_FORMATS[fmt]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="voucher-customers.{fmt}"'
    return response


def _salt(request) -> str:
    return f"buyers.voucher_issue:{request.seller.pk}"


@active_seller_required
@require_http_methods(["GET", "POST"])
def voucher_upload(request, pk: int):
    """Check the uploaded file; errors by row, or the preview with the confirm button.
    (A GET, e.g. a reload, goes back to the voucher: ownership is checked first.)"""
    voucher = selectors.seller_voucher_get(seller=request.seller, pk=pk)
    if request.method == "GET":
        return redirect("seller:voucher_detail", pk=voucher.pk)
    form = VoucherUploadForm(request.POST, request.FILES)
    if voucher.valid_until <= timezone.now():
        form.add_error(None, _("This voucher has expired and can't be issued any more."))
        return _detail(request, voucher, upload_form=form)
    if not form.is_valid():
        return _detail(request, voucher, upload_form=form)
    try:
        cells = voucher_files.read_upload(form.cleaned_data["file"])
    except ValidationError as exc:
        form.add_error("file", exc)
        return _detail(request, voucher, upload_form=form)
    check = voucher_files.check_rows(voucher=voucher, cells=cells)
    if not check.ok:
        return _detail(request, voucher, upload_form=form, row_errors=check.errors)
    token = signing.dumps(
        {"voucher": voucher.pk, "buyers": [row.user_id for row in check.rows]},
        salt=_salt(request),
        compress=True,
    )
    return render(
        request,
        "buyers/seller_vouchers_preview.html",
        {
            "voucher": voucher,
            "rows": check.rows,
            "confirm_form": VoucherConfirmForm(initial={"token": token}),
        },
    )


@active_seller_required
@require_http_methods(["GET", "POST"])
def voucher_issue_confirm(request, pk: int):
    voucher = selectors.seller_voucher_get(seller=request.seller, pk=pk)
    if request.method == "GET":
        return redirect("seller:voucher_detail", pk=voucher.pk)
    form = VoucherConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(
            form.cleaned_data["token"], salt=_salt(request), max_age=ISSUE_TOKEN_MAX_AGE
        )
        if data.get("voucher") != voucher.pk:
            raise signing.BadSignature
        buyer_ids = [int(buyer_id) for buyer_id in data["buyers"]]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(
            request, _("The confirmation has expired or is invalid. Upload the file again.")
        )
        return redirect("seller:voucher_detail", pk=voucher.pk)
    try:
        count = voucher_issue(voucher=voucher, buyer_ids=buyer_ids, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The voucher was issued to %(count)s customers.") % {"count": count}
        )
    return redirect("seller:voucher_detail", pk=voucher.pk)

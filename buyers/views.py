"""The buyer center (我的云商店): overview, credentials, real-name verification, and the
buyer's money (费用中心): wallet and ledger, top-ups, credit line, cash coupons."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from buyers.models import LedgerEntry, TopUp
from buyers.payments import get_provider
from buyers.services.topup import MAX_TOP_UP, MIN_TOP_UP, top_up_start
from marketplace.accounts.forms import EnterpriseVerificationForm, IndividualVerificationForm
from marketplace.accounts.models import User
from marketplace.accounts.services import user_verify_enterprise, user_verify_individual
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service
from orders.services.credit import credit_bill_repay

from . import selectors


@login_required
def dashboard(request):
    # The buyer center may read any domain: the supervision cases waiting for the buyer.
    from supervision.selectors import todo_count_for_buyer

    context = {
        **selectors.buyer_overview(user=request.user),
        "supervision_todo": todo_count_for_buyer(request.user),
    }
    return render(request, "buyers/dashboard.html", context)


@login_required
def credentials(request):
    return render(request, "buyers/credentials.html")


@login_required
def verification(request):
    return render(
        request, "buyers/verification.html", selectors.verification_status(user=request.user)
    )


def enterprise_verification_page(request, *, done_url: str):
    """Enterprise real-name verification, then `done_url`. The buyer center serves it, and
    the seller center too (onboarding step 1, `seller:verify_enterprise`), so that a
    seller stays in the seller center's layout: the layout follows the URL's namespace."""
    if request.user.real_name_status == User.RealName.ENTERPRISE:
        messages.info(request, _("This account is already verified as an enterprise."))
        return redirect(done_url)
    form = EnterpriseVerificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(form, user_verify_enterprise, user=request.user, **form.cleaned_data)
        if done:
            messages.success(request, _("Your enterprise is verified."))
            return redirect(done_url)
    return render(request, "buyers/verify_enterprise.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def verify_enterprise(request):
    # Older links from onboarding step 1 say `?next=seller`: the seller center's page.
    if request.GET.get("next") == "seller":
        if request.method == "GET":
            return redirect("seller:verify_enterprise")
        return enterprise_verification_page(request, done_url="seller:dashboard")
    return enterprise_verification_page(request, done_url="buyer:verification")


@login_required
@require_http_methods(["GET", "POST"])
def verify_individual(request):
    if request.user.real_name_status != User.RealName.NONE:
        messages.info(request, _("This account has already passed real-name verification."))
        return redirect("buyer:verification")
    form = IndividualVerificationForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(form, user_verify_individual, user=request.user, **form.cleaned_data)
    ):
        messages.success(request, _("Your identity is verified."))
        return redirect("buyer:verification")
    return render(request, "buyers/verify_individual.html", {"form": form})


# --- the buyer's money (费用中心) ----------------------------------------------------------

LEDGER_PAGE_SIZE = 20


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"),
        min_value=MIN_TOP_UP,
        max_value=MAX_TOP_UP,
        max_digits=14,
        decimal_places=2,
    )


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *LedgerEntry.Kind.choices],
    )


@login_required
def wallet(request):
    """Balance, the ledger (filter by kind, paginated) and the top-up form."""
    filters = LedgerFilterForm(request.GET or None)
    kind = filters.cleaned_data["kind"] if filters.is_valid() else ""
    page = Paginator(selectors.ledger_entries(user=request.user, kind=kind), LEDGER_PAGE_SIZE)
    return render(
        request,
        "buyers/wallet.html",
        {
            "wallet": selectors.wallet_of(user=request.user),
            "page": page.get_page(request.GET.get("page")),
            "filters": filters,
            "kind": kind,
            "form": TopUpForm(),
            "top_ups": selectors.top_ups(user=request.user)[:5],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def wallet_top_up(request):
    """Start a top-up and send the buyer to the payment provider's page."""
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_provider()
        top_up = call_service(
            form,
            top_up_start,
            buyer=request.user,
            amount=form.cleaned_data["amount"],
            provider=provider.name,
        )
        if top_up is not None:
            return_url = request.build_absolute_uri(
                reverse("buyer:top_up_detail", args=[top_up.reference])
            )
            return redirect(provider.start(top_up, return_url))
    return render(request, "buyers/topup_form.html", {"form": form})


@login_required
def top_up_detail(request, reference: str):
    """Where the provider sends the buyer back: the top-up's status (the provider's
    notification, not this page, completes it). Another buyer's reference is a 404."""
    top_up = get_object_or_404(selectors.top_ups(user=request.user), reference=reference)
    return render(
        request,
        "buyers/topup_detail.html",
        {"top_up": top_up, "pending": top_up.status == TopUp.Status.PENDING},
    )


@login_required
def credit(request):
    """Credit limit, used and available; the monthly bills and their repay buttons."""
    return render(
        request,
        "buyers/credit.html",
        {
            "wallet": selectors.wallet_of(user=request.user),
            "bills": selectors.credit_bills(user=request.user),
        },
    )


@login_required
@require_POST
def credit_bill_repay_view(request, pk: int):
    bill = get_object_or_404(selectors.credit_bills(user=request.user), pk=pk)
    try:
        credit_bill_repay(bill=bill, buyer=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The credit bill for %(period)s is repaid.") % {"period": bill.period},
        )
    return redirect("buyer:credit")


@login_required
def coupons(request):
    return render(
        request, "buyers/coupons.html", {"coupons": selectors.cash_coupons(user=request.user)}
    )

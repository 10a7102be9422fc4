"""The buyer center (我的云商店): overview, credentials, real-name verification."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from marketplace.accounts.forms import EnterpriseVerificationForm, IndividualVerificationForm
from marketplace.accounts.models import User
from marketplace.accounts.services import user_verify_enterprise, user_verify_individual
from marketplace.core.forms import call_service

from . import selectors


@login_required
def dashboard(request):
    return render(request, "buyers/dashboard.html", selectors.buyer_overview(user=request.user))


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

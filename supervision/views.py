"""Buyer center › Service supervision: the buyer's cases (list with filters), one case and
the buyer's actions on it. Every read goes through the selectors, scoped by the buyer:
another buyer's case (or a seller's look at it here) is a 404 and nothing changes.

Acceptance completes the case and lets the seller be paid, so it asks again: the case
page links to a confirmation page (no JavaScript needed), and only its form, which
carries `confirm`, accepts; a GET or a POST without it shows the question."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.core.navigation import entries_for

from .flows import Role
from .forms import AcceptForm
from .pages import action_form, case_context, list_context, perform
from .selectors import (
    case_actions_for,
    case_get_for_buyer,
    case_list_for_buyer,
    case_product_choices,
)

URLS = {"detail_url": "supervision:detail", "action_url": "supervision:action"}


def _render(request, template: str, context: dict):
    """In the buyer center's layout (its menu), whatever the namespace."""
    center = {"center": "buyer", "center_nav": entries_for("buyer", request.user)}
    return render(request, template, {**center, **URLS, **context})


@login_required
@require_GET
def case_list(request):
    context = list_context(
        request,
        queryset_for=lambda filters: case_list_for_buyer(request.user, filters),
        product_choices=case_product_choices(buyer=request.user),
        role=Role.BUYER,
    )
    return _render(request, "supervision/case_list.html", context)


def _page(request, case, bound=None):
    context = case_context(case, role=Role.BUYER, user=request.user, bound=bound)
    return _render(request, "supervision/case_detail.html", context)


@login_required
@require_GET
def case_detail(request, pk: int):
    return _page(request, case_get_for_buyer(request.user, pk))


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    case = case_get_for_buyer(request.user, pk)
    failed = perform(request, case, action, Role.BUYER)
    if failed is None:
        return redirect("supervision:detail", pk=case.pk)
    return _page(request, case, bound={action: failed})


@login_required
@require_http_methods(["GET", "POST"])
def case_accept(request, pk: int):
    case = case_get_for_buyer(request.user, pk)
    form = action_form(case, "accept", request.POST or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["confirm"]:
        perform(request, case, "accept", Role.BUYER)  # its message either way
        return redirect("supervision:detail", pk=case.pk)
    if "accept" not in case_actions_for(case, Role.BUYER):
        messages.info(request, _("This case is not waiting for your acceptance."))
        return redirect("supervision:detail", pk=case.pk)
    # The question, with the comment typed so far; its form carries `confirm`.
    comment = form.cleaned_data.get("comment", "") if form.is_bound and form.is_valid() else ""
    confirm = AcceptForm(prefix="accept", initial={"comment": comment, "confirm": True})
    return _render(request, "supervision/accept_confirm.html", {"case": case, "form": confirm})

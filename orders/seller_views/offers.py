"""Seller center › Sales management › Private offers 专属优惠: the list, a new offer for one
buyer (account name + account ID) on one listed product, and revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from buyers.seller_views import active_seller_required
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service
from orders import offer_selectors as selectors
from orders.forms_offers import PrivateOfferForm
from orders.services.offers import private_offer_create, private_offer_revoke


@active_seller_required
def offer_list(request):
    now = timezone.now()
    page = Paginator(selectors.seller_offer_list(seller=request.seller), 20).get_page(
        request.GET.get("page")
    )
    for offer in page.object_list:
        if offer.revoked_at:
            offer.state, offer.state_label = "revoked", _("Revoked")
        elif now >= offer.valid_until:
            offer.state, offer.state_label = "expired", _("Expired")
        elif now < offer.valid_from:
            offer.state, offer.state_label = "pending", _("Not yet valid")
        else:
            offer.state, offer.state_label = "active", _("In effect")
    return render(request, "orders/seller_offers.html", {"page": page})


@active_seller_required
@require_http_methods(["GET", "POST"])
def offer_new(request):
    form = PrivateOfferForm(request.POST or None, seller=request.seller)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        offer = call_service(
            form,
            private_offer_create,
            seller=request.seller,
            account_name=data["account_name"],
            account_id=data["account_id"],
            product_id=data["product"].pk,
            kind=data["kind"],
            value=data["value"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            actor=request.user,
        )
        if offer:
            messages.success(
                request,
                _("The private offer for %(account)s was created.")
                % {"account": offer.buyer.username},
            )
            return redirect("seller:private_offer_list")
    return render(request, "orders/seller_offers_form.html", {"form": form})


@active_seller_required
@require_http_methods(["GET", "POST"])
def offer_revoke(request, pk: int):
    offer = selectors.seller_offer_get(seller=request.seller, pk=pk)
    if request.method == "GET":  # ownership first: another seller's offer is a 404
        return redirect("seller:private_offer_list")
    try:
        private_offer_revoke(offer=offer, seller=request.seller, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The private offer was revoked."))
    return redirect("seller:private_offer_list")

"""Helpers shared by the seller-center product pages."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from sellers.models import Seller

from .. import seller_selectors as selectors
from ..models import Product, ProductVersion


def active_seller_required(view):
    """Log-in, then an active seller (403 otherwise); sets `request.seller`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seller = Seller.objects.filter(user=request.user).first()
        if seller is None or seller.status != Seller.Status.ACTIVE:
            raise PermissionDenied(_("Only an onboarded seller can manage products."))
        request.seller = seller
        return view(request, *args, **kwargs)

    return wrapper


def _draft_or_404(product: Product) -> ProductVersion:
    draft = selectors.product_draft(product=product)
    if draft is None:
        raise Http404
    return draft

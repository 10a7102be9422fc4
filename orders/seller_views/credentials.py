"""Seller center › Application tools 应用工具: access keys 密钥管理, production interfaces
生产接口 and test accounts 应用测试账号 (issue 9 › 1).

A secret or a password is only ever in the response to the POST that made it: the page
is rendered directly (no redirect, nothing in the session or in a message) and sent with
`Cache-Control: no-store`. Every object is looked up through the signed-in seller, so
another seller's key or product is a 404 and nothing changes.

(The module lives in orders because the interface pages read and write
`orders.ProductInterface`; the access-key and test-account services are in
`sellers.services.credentials`.)
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service
from sellers.forms_credentials import AccessKeyCreateForm, ProductInterfaceForm
from sellers.models import AccessKey, Seller
from sellers.services import credentials
from sellers.views import seller_required

from .. import interface_selectors as selectors
from ..models import ProductInterface
from ..services.interfaces import product_interface_set

Status = Seller.Status
MANAGING = [Status.ACTIVE, Status.EXIT_PENDING]


def _own_key(seller: Seller, pk: int) -> AccessKey:
    return get_object_or_404(credentials.access_key_list(seller=seller), pk=pk)


def _secret_page(request, *, key: AccessKey, secret: str, rotated: AccessKey | None = None):
    context = {
        "key": key,
        "secret": secret,
        "rotated": rotated,
        "products": list(selectors.products_signed_with(key=rotated)) if rotated else [],
    }
    return render(request, "sellers/credentials_secret.html", context)


# --- access keys ----------------------------------------------------------------------------


@seller_required(MANAGING)
@require_GET
def access_key_list(request, *, seller: Seller):
    now = timezone.now()
    keys = list(credentials.access_key_list(seller=seller))
    for key in keys:
        key.usable = credentials.access_key_usable(key, at=now)
    return render(
        request,
        "sellers/credentials_keys.html",
        {"keys": keys, "overlap_hours": settings.ACCESS_KEY_ROTATION_OVERLAP_HOURS},
    )


@seller_required(MANAGING)
@require_http_methods(["GET", "POST"])
@never_cache
def access_key_create(request, *, seller: Seller):
    form = AccessKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = call_service(
            form,
            credentials.access_key_create,
            seller=seller,
            kind=form.cleaned_data["kind"],
            actor=request.user,
        )
        if made:
            key, secret = made
            return _secret_page(request, key=key, secret=secret)
    return render(request, "sellers/credentials_key_create.html", {"form": form})


@seller_required(MANAGING)
@require_http_methods(["GET", "POST"])
@never_cache
def access_key_rotate(request, pk: int, *, seller: Seller):
    key = _own_key(seller, pk)
    if request.method == "POST":
        try:
            new_key, secret = credentials.access_key_rotate(key=key, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("seller:access_key_list")
        key.refresh_from_db()
        return _secret_page(request, key=new_key, secret=secret, rotated=key)
    return render(
        request,
        "sellers/credentials_confirm.html",
        {
            "key": key,
            "action": "rotate",
            "products": selectors.products_signed_with(key=key),
            "overlap_hours": settings.ACCESS_KEY_ROTATION_OVERLAP_HOURS,
        },
    )


@seller_required(MANAGING)
@require_http_methods(["GET", "POST"])
def access_key_revoke(request, pk: int, *, seller: Seller):
    key = _own_key(seller, pk)
    if request.method == "POST":
        credentials.access_key_revoke(key=key, actor=request.user)
        messages.success(request, _("The key %(key_id)s is revoked.") % {"key_id": key.key_id})
        return redirect("seller:access_key_list")
    return render(
        request,
        "sellers/credentials_confirm.html",
        {"key": key, "action": "revoke", "products": selectors.products_signed_with(key=key)},
    )


# --- production interfaces ------------------------------------------------------------------


def _interface_or_none(product):
    try:
        return product.interface
    except ProductInterface.DoesNotExist:
        return None


@seller_required(MANAGING)
@require_GET
def interface_list(request, *, seller: Seller):
    now = timezone.now()
    rows = []
    for product in selectors.seller_interface_products(seller=seller):
        interface = _interface_or_none(product)
        keys = (
            [k for k in (interface.access_key, interface.kit_access_key) if k] if interface else []
        )
        rows.append(
            {
                "product": product,
                "interface": interface,
                # A key that ends (rotated) or has ended: the seller must switch.
                "expiring": [k for k in keys if k.expires_at or k.revoked_at],
                "unusable": [k for k in keys if not credentials.access_key_usable(k, at=now)],
            }
        )
    return render(request, "sellers/interface_list.html", {"rows": rows})


@seller_required(MANAGING)
@require_http_methods(["GET", "POST"])
def interface_edit(request, product_pk: int, *, seller: Seller):
    product = selectors.seller_interface_product_get(seller=seller, pk=product_pk)
    interface = _interface_or_none(product)
    initial = {}
    if interface is not None:
        initial = {
            "production_url": interface.production_url,
            "access_key": interface.access_key_id,
            "kit_access_key": interface.kit_access_key_id,
        }
    form = ProductInterfaceForm(
        request.POST or None, initial=initial, seller=seller, joint=product.is_joint
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            product_interface_set,
            seller=seller,
            product=product,
            production_url=form.cleaned_data["production_url"],
            access_key=form.cleaned_data["access_key"],
            kit_access_key=form.cleaned_data.get("kit_access_key"),
            actor=request.user,
        )
    ):
        messages.success(request, _("The production interface is saved."))
        return redirect("seller:interface_list")
    return render(
        request,
        "sellers/interface_form.html",
        {
            "form": form,
            "product": product,
            "interface": interface,
            "has_keys": form.fields["access_key"].queryset.exists(),
        },
    )


# --- test accounts --------------------------------------------------------------------------


@seller_required(MANAGING)
@require_GET
def test_account_list(request, *, seller: Seller):
    accounts = list(credentials.test_account_list(seller=seller))
    return render(
        request,
        "sellers/test_accounts.html",
        {"accounts": accounts, "limit": credentials.MAX_TEST_ACCOUNTS},
    )


@seller_required()
@require_POST
@never_cache
def test_account_create(request, *, seller: Seller):
    try:
        account, password = credentials.test_account_create(seller=seller, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("seller:test_account_list")
    return render(
        request, "sellers/test_accounts_created.html", {"account": account, "password": password}
    )


# Views named test_* are not tests.
test_account_list.__test__ = False  # type: ignore[attr-defined]
test_account_create.__test__ = False  # type: ignore[attr-defined]

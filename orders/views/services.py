"""Buyer center › Purchased services 已购买的服务: the list, one service's page with the
actions legal in its state (renew, upgrade, unsubscribe, auto-repurchase), and the
posts behind them. Every query is scoped by the signed-in buyer: another buyer's
service is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from invoices.selectors import mark_orders_for_invoicing
from marketplace.catalog.models import BillingMode, Price
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from ..forms_lifecycle import AutoRepurchaseForm, RenewForm, UpgradeForm
from ..models import Order, Subscription, Unsubscription
from ..services.packages import package_auto_repurchase_set
from ..services.subscriptions import (
    current_period,
    renewal_place,
    renewal_refusal,
    spec_for_sale,
    upgrade_place,
    upgrade_quote,
    upgrade_targets,
)
from ..services.unsubscribe import OPEN, unsubscription_rule
from .lists import buyer_center

PAGE_SIZE = 20


# --- reads -----------------------------------------------------------------------------------


def subscription_list_for_buyer(*, buyer):
    return (
        Subscription.objects.filter(buyer=buyer)
        .select_related("product", "seller")
        .order_by("-created_at", "-id")
    )


def subscription_get_for_buyer(*, buyer, pk: int) -> Subscription:
    paid_orders = Order.objects.filter(paid_at__isnull=False).order_by("-paid_at", "-id")
    return get_object_or_404(
        Subscription.objects.select_related(
            "product__listed_version", "seller", "spec"
        ).prefetch_related(Prefetch("orders", queryset=paid_orders, to_attr="paid_orders")),
        pk=pk,
        buyer=buyer,
    )


def access_url(subscription: Subscription) -> str:
    """The instance's address from provisioning, if it is a web address (the seller's
    server wrote it: never a javascript: link)."""
    info = subscription.access_info if isinstance(subscription.access_info, dict) else {}
    for key in ("adminUrl", "frontEndUrl"):
        url = str(info.get(key) or "")
        if url.startswith(("https://", "http://")):
            return url
    return ""


def _pay_url(order: Order) -> str:
    try:
        return reverse("orders:pay", args=[order.number])
    except NoReverseMatch:
        return reverse("orders:detail", args=[order.number])


def _renew_prices(subscription: Subscription) -> list[Price]:
    try:
        spec = spec_for_sale(subscription)
    except DomainError:
        return []
    return list(spec.prices.filter(period__in=[Price.Period.MONTH, Price.Period.YEAR]))


def _detail_context(subscription: Subscription, **forms) -> dict:
    can_renew = not renewal_refusal(subscription)
    can_upgrade = (
        subscription.status == Subscription.Status.ACTIVE
        and subscription.billing_mode == BillingMode.PERIOD
        and not subscription.is_trial
    )
    upgrade_specs = upgrade_targets(subscription) if can_upgrade else []
    order_rules = [(order, *unsubscription_rule(order)) for order in subscription.paid_orders]
    mark_orders_for_invoicing(subscription.paid_orders)  # the invoice column
    is_package = subscription.billing_mode == BillingMode.PACKAGE
    package_specs = []
    if is_package and subscription.product.listed_version_id:
        package_specs = list(
            subscription.product.listed_version.specs.filter(billing_mode=BillingMode.PACKAGE)
        )
    subscription.access_url = access_url(subscription)
    return {
        "subscription": subscription,
        "can_renew": can_renew,
        "renew_refusal": renewal_refusal(subscription),
        "renew_form": forms.get("renew_form")
        or RenewForm(prices=_renew_prices(subscription), initial={"periods": 1}),
        "can_upgrade": can_upgrade and bool(upgrade_specs),
        "upgrade_form": forms.get("upgrade_form")
        or UpgradeForm(
            specs=upgrade_specs,
            initial={"spec_code": subscription.spec_code, "quantity": subscription.quantity},
        ),
        "period": current_period(subscription) if can_upgrade else "",
        "order_rules": order_rules,
        "open_unsubscriptions": Unsubscription.objects.filter(
            order__subscription=subscription, status__in=OPEN
        ).select_related("order"),
        "is_package": is_package,
        "repurchase_form": forms.get("repurchase_form")
        or AutoRepurchaseForm(
            specs=package_specs,
            initial={
                "enabled": subscription.auto_repurchase,
                "mode": "amount" if subscription.repurchase_threshold_amount else "percent",
                "threshold": subscription.repurchase_threshold_amount
                or subscription.repurchase_threshold_percent,
                "spec_code": subscription.repurchase_spec_code,
            },
        ),
        "quota_percent_left": (
            round(100 * subscription.quota_left / subscription.quota_total)
            if subscription.quota_total
            else 0
        ),
    }


# --- pages -----------------------------------------------------------------------------------


@login_required
def service_list(request):
    page = Paginator(subscription_list_for_buyer(buyer=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for subscription in page.object_list:
        subscription.access_url = access_url(subscription)
    return buyer_center(request, "orders/services_list.html", {"page": page})


@login_required
def service_detail(request, pk: int):
    from ..isv.instances import instance_refresh, instance_view

    subscription = subscription_get_for_buyer(buyer=request.user, pk=pk)
    # Reference §1.2: the instance's info is asked again whenever the buyer opens it
    # (short timeout; on failure the stored data is shown with a note).
    stale_reason = instance_refresh(subscription=subscription)
    context = _detail_context(subscription)
    context["instance"] = instance_view(subscription, stale_reason=stale_reason)
    return buyer_center(request, "orders/services_detail.html", context)


@login_required
@require_POST
def service_renew(request, pk: int):
    subscription = subscription_get_for_buyer(buyer=request.user, pk=pk)
    form = RenewForm(request.POST, prices=_renew_prices(subscription))
    if form.is_valid():
        order = call_service(
            form,
            renewal_place,
            subscription_id=subscription.pk,
            buyer=request.user,
            periods=form.cleaned_data["periods"],
            period=form.cleaned_data["period"],
        )
        if order is not None:
            messages.success(request, _("Renewal order placed: pay it to extend the service."))
            return redirect(_pay_url(order))
    return buyer_center(
        request, "orders/services_detail.html", _detail_context(subscription, renew_form=form)
    )


@login_required
def service_upgrade(request, pk: int):
    """GET with spec_code and quantity: the prorated price; POST: place the order."""
    subscription = subscription_get_for_buyer(buyer=request.user, pk=pk)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = UpgradeForm(data, specs=upgrade_targets(subscription))
    quote = None
    if form.is_valid():
        kwargs = {
            "subscription_id": subscription.pk,
            "buyer": request.user,
            "spec_code": form.cleaned_data["spec_code"],
            "quantity": form.cleaned_data["quantity"],
        }
        if request.method == "POST":
            order = call_service(form, upgrade_place, **kwargs)
            if order is not None:
                messages.success(request, _("Upgrade order placed: pay it to upgrade."))
                return redirect(_pay_url(order))
        else:
            quote = call_service(form, upgrade_quote, **kwargs)
    return buyer_center(
        request,
        "orders/services_upgrade.html",
        {"subscription": subscription, "form": form, "quote": quote},
    )


@login_required
@require_POST
def service_auto_repurchase(request, pk: int):
    subscription = subscription_get_for_buyer(buyer=request.user, pk=pk)
    specs = []
    if subscription.product.listed_version_id:
        specs = list(
            subscription.product.listed_version.specs.filter(billing_mode=BillingMode.PACKAGE)
        )
    form = AutoRepurchaseForm(request.POST, specs=specs)
    if form.is_valid() and call_service(
        form,
        package_auto_repurchase_set,
        subscription_id=subscription.pk,
        buyer=request.user,
        **form.service_kwargs(),
    ):
        messages.success(request, _("Auto-repurchase settings saved."))
        return redirect("orders:service_detail", pk=subscription.pk)
    return buyer_center(
        request,
        "orders/services_detail.html",
        _detail_context(subscription, repurchase_form=form),
    )

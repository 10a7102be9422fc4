"""Operations: orders and what hangs off them (purchased services, unsubscriptions,
refunds, signed agreements, provisioning calls, private offers, package usage).

Everything is read-only here (STYLE › state machines): states change only through the
services, and operators act through actions that call them, each behind its own
permission. Support sees these pages, finance sees them too (and refunds, the
`orders.refund_order` permission), the reviewer doesn't (orders.0002_operator_groups_orders).
Every changelist joins the rows it names (`list_select_related`): no query per row.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.core.admin_actions import admin_time, has_perm, history_table, run_each

from .models import (
    CallAttempt,
    Order,
    PrivateOffer,
    ProbeRun,
    ProductInterface,
    ProvisioningCall,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
    UsageRecord,
)
from .provisioning import call_restart
from .services.unsubscribe import order_refund_by_operator, refundable


def _field_names(model, *, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every concrete field and many-to-many of `model`, in declaration order."""
    return tuple(
        f.name
        for f in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if f.name not in exclude
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nothing is added, changed or deleted by hand; the change page shows every field."""

    extra_readonly: tuple[str, ...] = ()
    hidden_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return (*_field_names(self.model, exclude=self.hidden_fields), *self.extra_readonly)

    def get_fields(self, request, obj=None):
        if self.fieldsets:
            return super().get_fields(request, obj)
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabular(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(ReadOnlyTabular):
    model = Refund
    fields = ("created_at", "amount", "to_balance", "to_credit", "to_coupon", "reason", "actor")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class UnsubscriptionInline(ReadOnlyTabular):
    model = Unsubscription
    fields = ("created_at", "rule", "status", "proposed_amount", "agreed_amount", "resolved_at")
    readonly_fields = fields


class CallInline(ReadOnlyTabular):
    model = ProvisioningCall
    fields = ("sequence", "activity", "status", "attempts", "created_at", "finished_at")
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount to refund (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("The buyer receives this reason by e-mail."),
    )
    # Made when the page is shown: the same confirmation posted twice refunds once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "kind",
        "status",
        "payment_status",
        "buyer",
        "seller",
        "amount",
        "created_at",
    )
    list_filter = ("status", "payment_status", "kind", "delivery_type", "billing_mode")
    search_fields = (
        "number",
        "buyer__username",
        "seller__store_name",
        "seller__company_name",
        "product_name",
    )
    search_help_text = gettext_lazy(
        "Search by order number, buyer account name, store name, company name or product."
    )
    list_select_related = ("buyer", "seller")
    date_hierarchy = "created_at"
    hidden_fields = ("voucher_grants", "idempotency_key")
    extra_readonly = ("vouchers", "history")
    inlines = (RefundInline, UnsubscriptionInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "kind",
                    "status",
                    "payment_status",
                    "buyer",
                    "seller",
                    "subscription",
                )
            },
        ),
        (
            gettext_lazy("What was bought"),
            {
                "fields": (
                    "product",
                    "product_name",
                    "version_number",
                    "spec",
                    "spec_code",
                    "spec_name",
                    "upgraded_from_spec_code",
                    "delivery_type",
                    "billing_mode",
                    "attributes",
                    "region",
                    "quantity",
                    "period",
                    "periods",
                )
            },
        ),
        (
            gettext_lazy("Price"),
            {
                "fields": (
                    "unit_price",
                    "list_amount",
                    "private_offer",
                    "offer_discount",
                    "vouchers",
                    "voucher_discount",
                    "amount",
                )
            },
        ),
        (
            gettext_lazy("Payment"),
            {
                "fields": (
                    "paid_balance",
                    "paid_credit",
                    "paid_coupon",
                    "refunded_amount",
                    "pay_by",
                    "paid_at",
                    "repaid_at",
                )
            },
        ),
        (
            gettext_lazy("Time"),
            {"fields": ("created_at", "effective_at", "ends_at", "completed_at")},
        ),
        (gettext_lazy("History"), {"fields": ("history",)}),
    )

    actions = ["refund"]
    has_refund_order_permission = has_perm("orders.refund_order")

    @admin.action(description=gettext_lazy("Refund…"), permissions=["refund_order"])
    def refund(self, request, queryset):
        """Refund part or all of one order (`order_refund_by_operator`, which checks the
        permission and the amount again); asks for the amount and the reason first."""
        orders = list(queryset[:2])
        if len(orders) != 1:
            self.message_user(request, _("Select one order to refund."), level=messages.ERROR)
            return None
        order = orders[0]
        form = RefundForm(
            request.POST if "confirm" in request.POST else None,
            initial={"key": uuid.uuid4().hex, "amount": refundable(order)},
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            run_each(
                self,
                request,
                queryset,
                lambda obj: order_refund_by_operator(
                    order_id=obj.pk,
                    amount=data["amount"],
                    reason=data["reason"],
                    actor=request.user,
                    idempotency_key=data["key"],
                ),
                lambda n: (
                    _("Order %(number)s: %(amount)s refunded.")
                    % {"number": order.number, "amount": data["amount"]}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund order %(number)s") % {"number": order.number},
            "intro": _(
                "Paid %(paid)s, already refunded %(refunded)s: at most %(left)s can be "
                "refunded. The money goes back where it came from (balance, credit line, "
                "cash coupons); refunding all that is left ends the service."
            )
            % {
                "paid": order.amount,
                "refunded": order.refunded_amount,
                "left": refundable(order),
            },
            "opts": self.model._meta,
            "queryset": orders,
            "form": form,
            "action": "refund",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/action_reason.html", context)

    @admin.display(description=gettext_lazy("vouchers"))
    def vouchers(self, obj):
        grants = obj.voucher_grants.select_related("voucher")
        if not grants:
            return "—"
        return format_html_join(
            ", ", "{} (¥{})", ((g.voucher.name, g.voucher.amount) for g in grants)
        )

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "product",
        "spec_name",
        "buyer",
        "seller",
        "status",
        "is_trial",
        "expires_at",
        "created_at",
    )
    list_filter = ("status", "delivery_type", "billing_mode", "is_trial")
    search_fields = ("=id", "buyer__username", "seller__store_name", "instance_id", "product__name")
    search_help_text = gettext_lazy(
        "Search by ID, buyer account name, store name, instance ID or product."
    )
    list_select_related = ("product", "buyer", "seller")
    date_hierarchy = "created_at"
    extra_readonly = ("history",)
    inlines = (CallInline,)

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(Unsubscription)
class UnsubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "buyer",
        "seller",
        "rule",
        "status",
        "proposed_amount",
        "agreed_amount",
        "created_at",
    )
    list_filter = ("status", "rule")
    search_fields = ("order__number", "buyer__username", "seller__store_name")
    search_help_text = gettext_lazy("Search by order number, buyer account name or store name.")
    list_select_related = ("order", "buyer", "seller")
    date_hierarchy = "created_at"
    extra_readonly = ("history",)

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "amount",
        "to_balance",
        "to_credit",
        "to_coupon",
        "reason",
        "actor",
        "created_at",
    )
    search_fields = ("order__number", "key", "order__buyer__username")
    search_help_text = gettext_lazy("Search by order number, key or buyer account name.")
    list_select_related = ("order", "actor")
    date_hierarchy = "created_at"


@admin.register(SignedAgreement)
class SignedAgreementAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "product_name",
        "version_number",
        "kind",
        "buyer",
        "seller",
        "signed_at",
    )
    list_filter = ("kind",)
    search_fields = ("order__number", "buyer__username", "seller__store_name", "product_name")
    search_help_text = gettext_lazy(
        "Search by order number, buyer account name, store name or product."
    )
    list_select_related = ("order", "buyer", "seller")
    date_hierarchy = "signed_at"


class CallAttemptInline(ReadOnlyTabular):
    """Every attempt of a call: what was sent and what came back (生产接口消息)."""

    model = CallAttempt
    show_change_link = False
    fields = (
        "number",
        "started_at",
        "ok",
        "http_status",
        "result_code",
        "latency_ms",
        "error_data",
        "url_data",
        "request_data",
        "response_data",
    )
    readonly_fields = fields
    ordering = ("-number",)

    def _data(self, value):
        """What was sent or came back, as recorded: in no one's language (data-user-content),
        and long URLs and bodies wrap inside their column."""
        if value in (None, "", {}):
            return "-"
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        return format_html(
            '<span data-user-content style="overflow-wrap: anywhere">{}</span>', value
        )

    @admin.display(description=CallAttempt._meta.get_field("error").verbose_name)
    def error_data(self, obj):
        return self._data(obj.error)

    @admin.display(description=CallAttempt._meta.get_field("url").verbose_name)
    def url_data(self, obj):
        return self._data(obj.url)

    @admin.display(description=CallAttempt._meta.get_field("request_body").verbose_name)
    def request_data(self, obj):
        return self._data(obj.request_body)

    @admin.display(description=CallAttempt._meta.get_field("response_body").verbose_name)
    def response_data(self, obj):
        return self._data(obj.response_body)

    def has_view_permission(self, request, obj=None):
        # Part of the call: whoever may see the call sees its attempts.
        return request.user.has_perm("orders.view_provisioningcall")


@admin.register(ProvisioningCall)
class ProvisioningCallAdmin(ReadOnlyAdmin):
    """Production interface messages for operators: the calls, each attempt inline, and
    Restart on failed calls (`orders.restart_provisioningcall`; support holds it)."""

    list_display = (
        "__str__",
        "product",
        "subscription",
        "order",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "activity")
    search_fields = (
        "order__number",
        "subscription__instance_id",
        "=subscription__id",
        "subscription__product__name",
    )
    search_help_text = gettext_lazy(
        "Search by order number, instance ID, subscription ID or product name."
    )
    list_select_related = ("subscription__product", "order")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    extra_readonly = ("product", "history")
    inlines = (CallAttemptInline,)
    actions = ["restart"]
    has_restart_provisioningcall_permission = has_perm("orders.restart_provisioningcall")

    @admin.display(description=gettext_lazy("product"))
    def product(self, obj):
        return obj.subscription.product

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(
        description=gettext_lazy("Restart failed calls"),
        permissions=["restart_provisioningcall"],
    )
    def restart(self, request, queryset):
        """Send the selected failed calls again with a new retry window (`call_restart`,
        which checks the permission and the state again)."""
        run_each(
            self,
            request,
            queryset,
            lambda call: call_restart(call_id=call.pk, actor=request.user),
            lambda n: (
                ngettext("%(count)d call restarted.", "%(count)d calls restarted.", n)
                % {"count": n}
            ),
        )


@admin.register(PrivateOffer)
class PrivateOfferAdmin(ReadOnlyAdmin):
    list_display = (
        "product",
        "seller",
        "buyer",
        "kind",
        "value",
        "valid_from",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("kind",)
    search_fields = ("product__name", "seller__store_name", "buyer__username")
    search_help_text = gettext_lazy("Search by product, store name or buyer account name.")
    list_select_related = ("product", "seller", "buyer")
    date_hierarchy = "created_at"


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "key", "amount", "created_at")
    search_fields = ("key", "=subscription__id")
    search_help_text = gettext_lazy("Search by key or subscription ID.")
    list_select_related = ("subscription",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")


@admin.register(ProductInterface)
class ProductInterfaceAdmin(ReadOnlyAdmin):
    """A product's production URL and the keys (ids only) that sign its calls; sellers set
    them in the seller center (issue 9)."""

    list_display = (
        "product",
        "seller",
        "production_url",
        "access_key",
        "kit_access_key",
        "updated_at",
    )
    search_fields = ("production_url", "product__name", "product__seller__store_name")
    search_help_text = gettext_lazy("Search by URL, product or store name.")
    list_select_related = ("product__seller", "access_key", "kit_access_key")
    fields = (
        "product",
        "seller",
        "production_url",
        "access_key",
        "kit_access_key",
        "updated_at",
        "history",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("seller"))
    def seller(self, obj: ProductInterface):
        return obj.product.seller

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj: ProductInterface) -> str:
        return history_table(obj)


@admin.register(ProbeRun)
class ProbeRunAdmin(ReadOnlyAdmin):
    """The daily probe's runs (orders/isv/probe.py): one row per product and Beijing day,
    each run of the day with what it sent and what came back. Read-only; support sees it
    (`orders.view_proberun`, orders.0008_proberun_view_support) to help a seller whose
    product the probe failed or delisted."""

    list_display = ("product", "day", "ok", "run_count", "created_at")
    list_filter = (("product", admin.RelatedOnlyFieldListFilter), "ok", "day")
    search_fields = ("product__name",)
    search_help_text = gettext_lazy("Search by product name.")
    list_select_related = ("product",)
    date_hierarchy = "day"
    ordering = ("-day", "-id")
    hidden_fields = ("detail",)  # shown as the `runs` tables instead of raw JSON
    extra_readonly = ("runs",)

    @admin.display(description=gettext_lazy("runs"))
    def run_count(self, obj: ProbeRun) -> int:
        return len((obj.detail or {}).get("runs", []))

    @staticmethod
    def _data(value) -> str:
        """Sent or received as recorded: in no one's language, wrapping in its cell."""
        if value in (None, "", {}):
            return "-"
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        return format_html(
            '<span data-user-content style="overflow-wrap: anywhere">{}</span>', value
        )

    @admin.display(description=gettext_lazy("runs"))
    def runs(self, obj: ProbeRun) -> str:
        """Each run (morning, afternoon) with each test case's request and response."""
        runs = (obj.detail or {}).get("runs", [])
        if not runs:
            return "-"
        headings = format_html_join(
            "",
            "<th>{}</th>",
            (
                (label,)
                for label in (
                    _("Test case"),
                    _("Activity"),
                    _("Verdict"),
                    _("HTTP status"),
                    _("Result code"),
                    _("Latency"),
                    _("Error"),
                    _("URL"),
                    _("Request"),
                    _("Response"),
                )
            ),
        )
        parts = []
        for run in runs:
            try:
                at = admin_time(datetime.fromisoformat(run.get("at", "")))
            except (TypeError, ValueError):
                at = "-"
            rows = format_html_join(
                "",
                "<tr>" + "<td>{}</td>" * 10 + "</tr>",
                (
                    (
                        self._data(case.get("name")),
                        case.get("activity") or "-",
                        _("Passed") if case.get("ok") else _("Failed"),
                        case.get("http_status") or "-",
                        case.get("result_code") or "-",
                        "-" if case.get("latency_ms") is None else f"{case['latency_ms']} ms",
                        self._data(case.get("error")),
                        self._data(case.get("url")),
                        self._data(case.get("request")),
                        self._data(case.get("response")),
                    )
                    for case in run.get("cases", [])
                ),
            )
            parts.append(
                format_html(
                    '<p data-testid="probe-run"><strong>{}</strong> {}: {}</p>'
                    "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
                    _("Run"),
                    at,
                    _("Passed") if run.get("ok") else _("Failed"),
                    headings,
                    rows,
                )
            )
        return format_html_join("", "{}", ((part,) for part in parts))

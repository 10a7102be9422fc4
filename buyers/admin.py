"""The operators' admin for the buyer's money (README › Operators).

Every figure is read-only: money moves only through the services, which write the
ledger. Finance tops up wallets and sets credit limits (actions on Wallets), and issues
and revokes cash coupons; support sees wallets and the ledger. Each action names its
permission (`permissions=[...]` + `has_<name>_permission`) and the service checks it again.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.admin_actions import has_perm, run_each

from .models import CashCoupon, CreditBill, LedgerEntry, TopUp, Voucher, VoucherGrant, Wallet
from .services.coupons import cash_coupon_issue, cash_coupon_revoke
from .services.wallet import MAX_OPERATOR_AMOUNT, wallet_operator_top_up, wallet_set_credit_limit


def _field_names(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if f.concrete and not f.many_to_many]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Figures are written by services only: no add, change or delete by hand."""

    def get_readonly_fields(self, request, obj=None):
        return _field_names(self.model)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def ask_form(modeladmin, request, queryset, *, form_class, action: str, title: str):
    """The cleaned data once the intermediate page was filled in, else that page."""
    form = form_class(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_reason.html", context)


def _money_field(label, *, min_value) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=min_value,
        max_value=MAX_OPERATOR_AMOUNT,
        max_digits=14,
        decimal_places=2,
    )


class TopUpActionForm(forms.Form):
    amount = _money_field(gettext_lazy("Amount (yuan)"), min_value=Decimal("0.01"))
    memo = forms.CharField(
        label=gettext_lazy("Memo"),
        max_length=200,
        help_text=gettext_lazy("Why, e.g. the bank transfer's reference. The buyer sees it."),
    )


class CreditLimitForm(forms.Form):
    limit = _money_field(gettext_lazy("Credit limit (yuan)"), min_value=Decimal("0"))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("buyer", "balance", "credit_limit", "credit_used", "updated_at")
    list_select_related = ("buyer",)
    search_fields = ("buyer__username", "buyer__email")
    actions = ["top_up", "set_credit_limit"]

    has_top_up_wallet_permission = has_perm("buyers.top_up_wallet")
    has_set_credit_limit_permission = has_perm("buyers.set_credit_limit")

    @admin.action(
        description=gettext_lazy("Top up the selected wallets…"), permissions=["top_up_wallet"]
    )
    def top_up(self, request, queryset):
        data = ask_form(
            self,
            request,
            queryset,
            form_class=TopUpActionForm,
            action="top_up",
            title=_("Top up wallets"),
        )
        if isinstance(data, TemplateResponse):
            return data
        run_each(
            self,
            request,
            queryset,
            lambda wallet: wallet_operator_top_up(
                buyer=wallet.buyer, amount=data["amount"], actor=request.user, memo=data["memo"]
            ),
            lambda n: _("%(count)d wallet(s) topped up.") % {"count": n},
        )
        return None

    @admin.action(
        description=gettext_lazy("Set the credit limit of the selected wallets…"),
        permissions=["set_credit_limit"],
    )
    def set_credit_limit(self, request, queryset):
        data = ask_form(
            self,
            request,
            queryset,
            form_class=CreditLimitForm,
            action="set_credit_limit",
            title=_("Set credit limits"),
        )
        if isinstance(data, TemplateResponse):
            return data
        run_each(
            self,
            request,
            queryset,
            lambda wallet: wallet_set_credit_limit(
                buyer=wallet.buyer, limit=data["limit"], actor=request.user
            ),
            lambda n: _("Credit limit set for %(count)d wallet(s).") % {"count": n},
        )
        return None


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "wallet",
        "account",
        "kind",
        "amount",
        "balance_after",
        "order_number",
        "memo",
    )
    list_filter = ("account", "kind")
    list_select_related = ("wallet__buyer",)
    search_fields = ("key", "order_number", "wallet__buyer__username")
    date_hierarchy = "created_at"


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "buyer",
        "amount",
        "provider",
        "status",
        "provider_txn_id",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "provider")
    list_select_related = ("buyer",)
    search_fields = ("reference", "provider_txn_id", "buyer__username")


@admin.register(CreditBill)
class CreditBillAdmin(ReadOnlyAdmin):
    list_display = ("period", "buyer", "amount", "status", "due_at", "repaid_at")
    list_filter = ("status", "period")
    list_select_related = ("buyer",)
    search_fields = ("buyer__username",)


class CashCouponIssueForm(forms.ModelForm):
    class Meta:
        model = CashCoupon
        fields = ["buyer", "amount", "valid_from", "valid_until", "note"]

    def clean(self):
        data = super().clean()
        start, until = data.get("valid_from"), data.get("valid_until")
        if start and until and (until <= start or until <= timezone.now()):
            raise forms.ValidationError(
                _("The coupon must be valid until a later time, in the future.")
            )
        amount = data.get("amount")
        if amount is not None and not 0 < amount <= MAX_OPERATOR_AMOUNT:
            self.add_error("amount", _("Enter an amount above 0."))
        return data


@admin.register(CashCoupon)
class CashCouponAdmin(admin.ModelAdmin):
    """Issued with "Add" (finance), revoked with an action; otherwise read-only."""

    form = CashCouponIssueForm
    list_display = (
        "pk",
        "buyer",
        "amount",
        "remaining",
        "status",
        "valid_until",
        "issued_by",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("buyer", "issued_by")
    search_fields = ("buyer__username", "note")
    raw_id_fields = ("buyer",)
    actions = ["revoke"]

    has_issue_cash_coupon_permission = has_perm("buyers.issue_cash_coupon")

    def has_add_permission(self, request):
        return self.has_issue_cash_coupon_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return _field_names(CashCoupon) if obj is not None else ()

    def get_fields(self, request, obj=None):
        return _field_names(CashCoupon) if obj is not None else CashCouponIssueForm.Meta.fields

    def save_model(self, request, obj, form, change):
        # Through the service: it checks the permission and writes the COUPON_ISSUE entry.
        coupon = cash_coupon_issue(
            buyer=form.cleaned_data["buyer"],
            amount=form.cleaned_data["amount"],
            valid_from=form.cleaned_data["valid_from"],
            valid_until=form.cleaned_data["valid_until"],
            actor=request.user,
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = coupon.pk
        obj.remaining = coupon.remaining
        obj._state.adding = False

    @admin.action(
        description=gettext_lazy("Revoke the selected cash coupons…"),
        permissions=["issue_cash_coupon"],
    )
    def revoke(self, request, queryset):
        data = ask_form(
            self,
            request,
            queryset,
            form_class=RevokeForm,
            action="revoke",
            title=_("Revoke cash coupons"),
        )
        if isinstance(data, TemplateResponse):
            return data
        run_each(
            self,
            request,
            queryset,
            lambda coupon: cash_coupon_revoke(
                coupon_id=coupon.pk, actor=request.user, reason=data["reason"]
            ),
            lambda n: _("%(count)d cash coupon(s) revoked.") % {"count": n},
        )
        return None


# --- seller vouchers (sellers create and issue them; operators only look) -------------------


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    """Support and finance see the vouchers sellers made and to whom they were issued
    (buyers.0003_operator_groups_vouchers); sellers manage them in the seller center."""

    list_display = (
        "name",
        "seller",
        "amount",
        "min_order_amount",
        "valid_from",
        "valid_until",
        "issued",
        "created_at",
    )
    list_select_related = ("seller",)
    search_fields = ("name", "seller__store_name", "seller__company_name")
    search_help_text = gettext_lazy("Search by voucher name, store name or company name.")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(issued_count=Count("grants"))

    def get_readonly_fields(self, request, obj=None):
        return [*_field_names(self.model), "applicable_products"]

    @admin.display(description=gettext_lazy("issued"), ordering="issued_count")
    def issued(self, obj):
        return obj.issued_count

    @admin.display(description=gettext_lazy("applicable products"))
    def applicable_products(self, obj):
        names = [product.name for product in obj.products.all()]
        return ", ".join(names) if names else _("All of the seller's products")


@admin.register(VoucherGrant)
class VoucherGrantAdmin(ReadOnlyAdmin):
    list_display = ("voucher", "seller", "buyer", "status", "issued_at", "used_at", "order_number")
    list_filter = ("status",)
    list_select_related = ("voucher__seller", "buyer")
    search_fields = (
        "voucher__name",
        "buyer__username",
        "order_number",
        "voucher__seller__store_name",
    )
    search_help_text = gettext_lazy(
        "Search by voucher name, customer account name, order number or store name."
    )
    raw_id_fields = ("voucher", "buyer")

    @admin.display(description=gettext_lazy("seller"), ordering="voucher__seller")
    def seller(self, obj):
        return obj.voucher.seller

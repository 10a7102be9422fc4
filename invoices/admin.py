"""Operators' view of invoicing: requests by state and overdue, the marketplace-issued
invoices for pre-cut-over orders with their actions, red-letter invoices, and the
read-only history. Nothing is changed by hand (`ReadOnlyAdmin`); every action calls the
service, which checks the permission again (`invoices.issue_marketplace_invoice`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.core.admin_actions import ask_reason, has_perm, history_table, run_each
from orders.admin import ReadOnlyAdmin, ReadOnlyTabular

from .models import InvoiceRequest, InvoiceRequestOrder, RedLetterInvoice
from .selectors import overdue_counts_by_seller, overdue_q
from .services import invoice_mark_mailed, invoice_reject
from .services.notify import ISSUE_PERMISSION


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q())
        if self.value() == "no":
            return queryset.exclude(overdue_q())
        return queryset


class MailedForm(forms.Form):
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=50)
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=50)


class LineInline(ReadOnlyTabular):
    model = InvoiceRequestOrder
    fields = ("order", "amount", "live")
    readonly_fields = fields
    show_change_link = False


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "seller",
        "buyer",
        "issuer",
        "kind",
        "status",
        "amount",
        "requested_at",
        "due_at",
        "overdue_flagged_at",
        "seller_overdue",
    )
    list_filter = ("status", OverdueFilter, "issuer", "kind")
    list_select_related = ("seller", "buyer")
    search_fields = ("=id", "title_name", "tax_number", "seller__company_name", "buyer__username")
    date_hierarchy = "requested_at"
    hidden_fields = ("file",)
    extra_readonly = ("history",)
    inlines = (LineInline,)
    actions = ("mark_mailed", "reject")

    has_issue_marketplace_invoice_permission = has_perm(ISSUE_PERMISSION)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("seller", "buyer")

    def changelist_view(self, request, extra_context=None):
        # One query for the whole page: the overdue count of every seller.
        self._overdue = overdue_counts_by_seller()
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("seller's overdue requests"))
    def seller_overdue(self, obj) -> int:
        return getattr(self, "_overdue", {}).get(obj.seller_id, 0)

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)

    @admin.action(
        description=gettext_lazy("Mark the marketplace's paper invoice mailed…"),
        permissions=["issue_marketplace_invoice"],
    )
    def mark_mailed(self, request, queryset):
        form = MailedForm(request.POST if "mailed_confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            run_each(
                self,
                request,
                queryset,
                lambda inv: invoice_mark_mailed(
                    request_id=inv.pk, actor=request.user, **form.cleaned_data
                ),
                lambda n: (
                    ngettext(
                        "%(count)d invoice marked mailed.", "%(count)d invoices marked mailed.", n
                    )
                    % {"count": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mark mailed"),
            "intro": _("The buyer is told the carrier and the tracking number."),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": "mark_mailed",
            "confirm_name": "mailed_confirm",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/invoices/action_form.html", context)

    @admin.action(
        description=gettext_lazy("Reject the marketplace's request…"),
        permissions=["issue_marketplace_invoice"],
    )
    def reject(self, request, queryset):
        reason = ask_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject the invoice request"),
            intro=_("The buyer sees the reason and may ask again."),
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda inv: invoice_reject(request_id=inv.pk, actor=request.user, reason=reason),
            lambda n: (
                ngettext("%(count)d request rejected.", "%(count)d requests rejected.", n)
                % {"count": n}
            ),
        )
        return None


@admin.register(RedLetterInvoice)
class RedLetterInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "request", "order", "amount", "status", "created_at", "issued_at")
    list_filter = ("status",)
    list_select_related = ("request", "order")
    hidden_fields = ("file",)
    extra_readonly = ("history",)

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)

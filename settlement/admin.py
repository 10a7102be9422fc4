"""Operators' side of settlement (issue 12 §9).

- **Fee policy versions**, **partners**, their **bindings** and **terms**: added through
  the services (`fee_policy_create`, `partner_create`, `partner_binding_create`,
  `partner_terms_create`), whose refusals show as form errors; a version in force is
  read-only, one not yet in force may be withdrawn (`fee_policy_withdraw`).
  Acceleration tiers are a plain table.
- **Billing runs** with their counts and duration, and a re-run (action and button,
  `settlement.run_settlement`) that calls the same idempotent `settlement_run`.
- **Bills**, **lines** (each line's page explains it, `explain.line_explain`) and
  **carry-overs**: read-only.
- **Payment requests** (the queue on the index): approve / reject with a reason
  (`settlement.decide_paymentrequest`); **sellers' invoices** to the marketplace: receive
  / reject (`settlement.receive_sellerinvoice`); **partner share bills**: receive the
  partner's invoice, mark paid (`settlement.settle_partnersharebill`).

Every action names its permission and calls a service, which checks it again; a refusal
is reported per row with nothing changed (`marketplace.core.admin_actions`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.core.admin_actions import (
    Decision,
    DecisionsAdminMixin,
    ask_reason,
    has_perm,
    history_table,
    review_queue,
    run_each,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.private_files import private_url
from orders.admin import ReadOnlyAdmin, ReadOnlyTabular

from .explain import line_explain
from .models import (
    AccelerationTier,
    Bill,
    BillLine,
    CarryOver,
    FeePolicy,
    Partner,
    PartnerBinding,
    PartnerShareBill,
    PartnerTerms,
    PaymentRequest,
    SellerInvoice,
    SettlementRun,
)
from .services import (
    fee_policy_create,
    fee_policy_withdraw,
    partner_binding_create,
    partner_create,
    partner_share_bill_mark_paid,
    partner_share_bill_receive_invoice,
    partner_terms_create,
    payment_request_approve,
    payment_request_reject,
    seller_invoice_receive,
    seller_invoice_reject,
    settlement_run,
)
from .services.payments import (
    DECIDE_PERMISSION,
    RECEIVE_INVOICE_PERMISSION,
    SHARE_BILL_PERMISSION,
)

RUN_PERMISSION = "settlement.run_settlement"


class _DryRun(Exception):
    pass


class ServiceCreateForm(forms.ModelForm):
    """An add form whose rules are the service's: `clean()` calls the service in a
    savepoint that is rolled back, so its refusal becomes a form error; the admin's
    `save_model` then calls it for real (`ServiceCreateAdmin`)."""

    actor = None
    create = None  # staticmethod(service call taking (cleaned_data, actor))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            with transaction.atomic():
                type(self).create(data, self.actor)
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        return data

    def _post_clean(self):
        pass  # the service validates; the model's full_clean would run on a blank row


class ServiceCreateAdmin(admin.ModelAdmin):
    """Rows are only added, through `create(cleaned_data, actor)`; never edited."""

    create_fields: tuple[str, ...] = ()

    @staticmethod
    def create(data: dict, actor):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        create = self.create
        kwargs["form"] = type(
            "CreateForm",
            (ServiceCreateForm,),
            {"actor": request.user, "create": staticmethod(create)},
        )
        kwargs["fields"] = self.create_fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.create_fields
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = self.create(form.cleaned_data, request.user)
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False


# --- fee policies, tiers, partners ---------------------------------------------------------


@admin.register(FeePolicy)
class FeePolicyAdmin(ServiceCreateAdmin):
    list_display = ("product_type", "ratio", "effective_from", "in_force", "note", "created_by")
    list_filter = ("product_type",)
    list_select_related = ("created_by",)
    create_fields = ("product_type", "ratio", "effective_from", "note")

    @staticmethod
    def create(data, actor):
        return fee_policy_create(
            product_type=data["product_type"],
            ratio=data["ratio"],
            effective_from=data["effective_from"],
            note=data.get("note", ""),
            actor=actor,
        )

    @admin.display(description=gettext_lazy("in force"), boolean=True)
    def in_force(self, obj: FeePolicy) -> bool:
        return obj.in_force

    def has_delete_permission(self, request, obj=None):
        # A version not yet in force may be withdrawn; one in force never changes.
        return (obj is None or not obj.in_force) and admin.ModelAdmin.has_delete_permission(
            self, request, obj
        )

    def delete_model(self, request, obj):
        fee_policy_withdraw(policy=obj, actor=request.user)


@admin.register(AccelerationTier)
class AccelerationTierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "gmv_threshold", "benefits")


class BindingInline(ReadOnlyTabular):
    model = PartnerBinding
    fields = ("buyer", "valid_from", "valid_to")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("buyer")


class TermsInline(ReadOnlyTabular):
    model = PartnerTerms
    fields = (
        "product_type",
        "mode",
        "ratio",
        "floor_price",
        "output_vat_rate",
        "service_fee_vat_rate",
        "effective_from",
    )
    readonly_fields = fields


@admin.register(Partner)
class PartnerAdmin(ServiceCreateAdmin):
    list_display = ("name", "credit_code", "contact_name", "contact_phone", "user", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("user",)
    search_fields = ("name", "credit_code", "contact_name")
    create_fields = ("name", "credit_code", "contact_name", "contact_phone", "contact_email")
    inlines = (BindingInline, TermsInline)

    @staticmethod
    def create(data, actor):
        return partner_create(
            name=data["name"],
            credit_code=data.get("credit_code", ""),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            contact_email=data.get("contact_email", ""),
            actor=actor,
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()


@admin.register(PartnerBinding)
class PartnerBindingAdmin(ServiceCreateAdmin):
    list_display = ("partner", "buyer", "valid_from", "valid_to")
    list_select_related = ("partner", "buyer")
    search_fields = ("partner__name", "buyer__username")
    create_fields = ("partner", "buyer", "valid_from", "valid_to")
    raw_id_fields = ("buyer",)

    @staticmethod
    def create(data, actor):
        return partner_binding_create(
            partner=data["partner"],
            buyer=data["buyer"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            actor=actor,
        )


@admin.register(PartnerTerms)
class PartnerTermsAdmin(ServiceCreateAdmin):
    list_display = (
        "partner",
        "product_type",
        "mode",
        "ratio",
        "floor_price",
        "output_vat_rate",
        "service_fee_vat_rate",
        "effective_from",
    )
    list_filter = ("product_type", "mode")
    list_select_related = ("partner",)
    create_fields = (
        "partner",
        "product_type",
        "mode",
        "ratio",
        "floor_price",
        "output_vat_rate",
        "service_fee_vat_rate",
        "effective_from",
    )

    @staticmethod
    def create(data, actor):
        return partner_terms_create(
            partner=data["partner"],
            product_type=data["product_type"],
            mode=data["mode"],
            ratio=data["ratio"],
            floor_price=data.get("floor_price"),
            output_vat_rate=data["output_vat_rate"],
            service_fee_vat_rate=data["service_fee_vat_rate"],
            effective_from=data["effective_from"],
            actor=actor,
        )


# --- runs, bills, lines, carry-overs -------------------------------------------------------


@admin.register(SettlementRun)
class SettlementRunAdmin(DecisionsAdminMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "period",
        "seller",
        "status",
        "source",
        "actor",
        "started_at",
        "duration",
        "sellers_done",
        "bills_created",
        "lines_created",
        "refund_lines_created",
        "carry_overs_created",
        "share_bills_created",
    )
    list_filter = ("status", "period", "source")
    list_select_related = ("seller", "actor")
    actions = ("rerun",)
    has_run_settlement_permission = has_perm(RUN_PERMISSION)

    def decisions(self, obj: SettlementRun) -> list[Decision]:
        return [Decision("rerun", _("Run this period again"))]

    @admin.action(
        description=gettext_lazy("Run these periods again (creates only what is missing)"),
        permissions=["run_settlement"],
    )
    def rerun(self, request, queryset):
        """`settlement_run` once per selected (period, seller): idempotent, so bills
        already made stay as they are and only a period left unfinished is completed."""
        targets = {(run.period, run.seller_id): run for run in queryset.select_related("seller")}
        run_each(
            self,
            request,
            list(targets.values()),
            lambda run: settlement_run(
                period=run.period, seller=run.seller, actor=request.user, source="admin"
            ),
            lambda n: (
                ngettext("%(count)d billing run finished.", "%(count)d billing runs finished.", n)
                % {"count": n}
            ),
        )


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "seller",
        "product_type",
        "period",
        "status",
        "invoice_required",
        "line_count",
        "gross_total",
        "fee_total",
        "partner_total",
        "net_total",
        "issued_at",
        "paid_at",
    )
    list_filter = ("status", "product_type", "invoice_required", "period")
    list_select_related = ("seller",)
    search_fields = ("=id", "seller__company_name", "seller__store_name")
    extra_readonly = ("lines_link", "history")

    @admin.display(description=gettext_lazy("lines"))
    def lines_link(self, obj: Bill) -> str:
        url = reverse("admin:settlement_billline_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>',
            url,
            urlencode({"bill__id__exact": obj.pk}),
            _("%(count)s lines") % {"count": obj.line_count},
        )

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)


@admin.register(BillLine)
class BillLineAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "bill",
        "order_number",
        "kind",
        "gross",
        "fee_ratio",
        "fee",
        "partner",
        "partner_amount",
        "seller_net",
    )
    list_filter = ("kind", "carried_over")
    list_select_related = ("bill", "order", "partner")
    search_fields = ("=bill__id", "order__number")
    extra_readonly = ("explain",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("bill", "order", "partner", "fee_policy", "refund_of")
        )

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_number(self, obj: BillLine) -> str:
        return obj.order.number

    @admin.display(description=gettext_lazy("explain"))
    def explain(self, obj: BillLine) -> str:
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
                ((s.label, s.formula, s.result) for s in line_explain(obj)),
            ),
        )


@admin.register(CarryOver)
class CarryOverAdmin(ReadOnlyAdmin):
    list_display = ("seller", "product_type", "period", "amount", "line_count", "run", "created_at")
    list_filter = ("product_type", "period")
    list_select_related = ("seller", "run")


# --- payment requests, invoices, share bills -----------------------------------------------


@admin.register(PaymentRequest)
class PaymentRequestAdmin(DecisionsAdminMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "bill",
        "seller",
        "period",
        "net_total",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status",)
    list_select_related = ("bill__seller", "requested_by", "decided_by")
    search_fields = ("=bill__id", "bill__seller__company_name")
    extra_readonly = ("history",)
    actions = ("approve", "reject")
    has_decide_paymentrequest_permission = has_perm(DECIDE_PERMISSION)

    def get_ordering(self, request):
        return ("requested_at", "id")  # the queue: oldest first

    @admin.display(description=gettext_lazy("seller"))
    def seller(self, obj: PaymentRequest) -> str:
        return str(obj.bill.seller)

    @admin.display(description=gettext_lazy("period"))
    def period(self, obj: PaymentRequest) -> str:
        return obj.bill.period

    @admin.display(description=gettext_lazy("seller net"))
    def net_total(self, obj: PaymentRequest):
        return obj.bill.net_total

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)

    def decisions(self, obj: PaymentRequest) -> list[Decision]:
        if obj.status != PaymentRequest.Status.REQUESTED:
            return []
        return [
            Decision("approve", _("Approve: pay the bill")),
            Decision("reject", _("Reject…"), needs_reason=True),
        ]

    @admin.action(
        description=gettext_lazy("Approve: pay the bills"), permissions=["decide_paymentrequest"]
    )
    def approve(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: payment_request_approve(request=obj, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d payment request approved.", "%(count)d payment requests approved.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(description=gettext_lazy("Reject…"), permissions=["decide_paymentrequest"])
    def reject(self, request, queryset):
        reason = ask_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject the payment requests"),
            intro=_("The seller sees the reason, fixes what is wrong and requests again."),
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda obj: payment_request_reject(request=obj, actor=request.user, reason=reason),
            lambda n: (
                ngettext(
                    "%(count)d payment request rejected.", "%(count)d payment requests rejected.", n
                )
                % {"count": n}
            ),
        )
        return None


review_queue(
    gettext_lazy("Payment requests"),
    PaymentRequest,
    filters={"status": PaymentRequest.Status.REQUESTED},
    query={"status__exact": PaymentRequest.Status.REQUESTED},
)


@admin.register(SellerInvoice)
class SellerInvoiceAdmin(DecisionsAdminMixin, ReadOnlyAdmin):
    list_display = (
        "invoice_number",
        "bill",
        "status",
        "amount",
        "invoice_date",
        "carrier",
        "tracking_number",
        "uploaded_at",
        "mailed_at",
        "received_at",
    )
    list_filter = ("status",)
    list_select_related = ("bill",)
    search_fields = ("invoice_number", "tracking_number", "=bill__id")
    hidden_fields = ("file",)
    extra_readonly = ("download", "history")
    actions = ("receive", "reject")
    has_receive_sellerinvoice_permission = has_perm(RECEIVE_INVOICE_PERMISSION)

    @admin.display(description=gettext_lazy("invoice file"))
    def download(self, obj: SellerInvoice) -> str:
        url = private_url(obj, "file")
        return format_html('<a href="{}">{}</a>', url, _("Download")) if url else "—"

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)

    def decisions(self, obj: SellerInvoice) -> list[Decision]:
        found = []
        if obj.status == SellerInvoice.Status.MAILED:
            found.append(Decision("receive", _("Received")))
        if obj.status in (SellerInvoice.Status.UPLOADED, SellerInvoice.Status.MAILED):
            found.append(Decision("reject", _("Reject…"), needs_reason=True))
        return found

    @admin.action(
        description=gettext_lazy("Mark the invoices received"),
        permissions=["receive_sellerinvoice"],
    )
    def receive(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: seller_invoice_receive(invoice=obj, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d invoice marked received.", "%(count)d invoices marked received.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(description=gettext_lazy("Reject…"), permissions=["receive_sellerinvoice"])
    def reject(self, request, queryset):
        reason = ask_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject the sellers' invoices"),
            intro=_("The seller sees the reason and uploads a new invoice."),
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda obj: seller_invoice_reject(invoice=obj, actor=request.user, reason=reason),
            lambda n: (
                ngettext("%(count)d invoice rejected.", "%(count)d invoices rejected.", n)
                % {"count": n}
            ),
        )
        return None


@admin.register(PartnerShareBill)
class PartnerShareBillAdmin(DecisionsAdminMixin, ReadOnlyAdmin):
    list_display = (
        "partner",
        "period",
        "status",
        "line_count",
        "share_total",
        "countersigned_at",
        "carrier",
        "tracking_number",
        "mailed_at",
        "received_at",
        "paid_at",
    )
    list_filter = ("status", "period")
    list_select_related = ("partner",)
    search_fields = ("partner__name", "tracking_number")
    hidden_fields = ("invoice_file",)
    extra_readonly = ("download", "history")
    actions = ("receive_invoice", "mark_paid")
    has_settle_partnersharebill_permission = has_perm(SHARE_BILL_PERMISSION)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner", "countersigned_by")

    @admin.display(description=gettext_lazy("invoice"))
    def download(self, obj: PartnerShareBill) -> str:
        url = private_url(obj, "invoice_file")
        return format_html('<a href="{}">{}</a>', url, _("Download")) if url else "—"

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj) -> str:
        return history_table(obj)

    def decisions(self, obj: PartnerShareBill) -> list[Decision]:
        if obj.status == PartnerShareBill.Status.INVOICED:
            return [Decision("receive_invoice", _("Invoice received"))]
        if obj.status == PartnerShareBill.Status.RECEIVED:
            return [Decision("mark_paid", _("Mark paid"))]
        return []

    @admin.action(
        description=gettext_lazy("Mark the partners' invoices received"),
        permissions=["settle_partnersharebill"],
    )
    def receive_invoice(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: partner_share_bill_receive_invoice(share_bill=obj, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d partner invoice marked received.",
                    "%(count)d partner invoices marked received.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(
        description=gettext_lazy("Mark the share bills paid"),
        permissions=["settle_partnersharebill"],
    )
    def mark_paid(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda obj: partner_share_bill_mark_paid(share_bill=obj, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d share bill marked paid.", "%(count)d share bills marked paid.", n
                )
                % {"count": n}
            ),
        )

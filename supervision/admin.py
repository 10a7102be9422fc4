"""Operations: service supervision (05, issue 11) — the operators' side.

- **Cases** (`supervision.view_case`: support, finance): list with filters and search, a
  read-only page with the order, the progress, the log (actor, role, action, from → to,
  comment, files, time, hash), the evidence files (signed links), the appeals and whether
  the hash chain verifies.
- **Operator node** of joint flows and hand-recorded signed-for of hardware
  (`supervision.confirm_operator_node`: support): actions and buttons on the case page
  that call `case_operator_confirm`, `case_operator_return` (with a reason) and
  `case_mark_signed_for`.
- **Dispute bundle** (`supervision.view_case`): a ZIP of the log (CSV and JSON), every
  evidence file and a manifest (`supervision/bundle.py`), from the case page or the
  changelist's action.
- **Appeals** (`supervision.view_appeal`): open appeals first, oldest first (the queue,
  `selectors.appeal_queue`); a decision page (`supervision.decide_appeal`: support,
  finance; a refund also needs `orders.refund_order`: finance) that calls `appeal_decide`.
- The log and the evidence files have their own read-only lists.

Nothing is added, changed or deleted by hand (`ReadOnlyAdmin`); every write is a service
that checks the permission again, and a refusal is shown as a message with nothing changed.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case as SqlCase
from django.db.models import Exists, F, OuterRef, Q, When
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.core.admin_actions import (
    Decision,
    DecisionsAdminMixin,
    admin_time,
    ask_reason,
    has_perm,
    run_each,
)
from marketplace.core.exceptions import DomainError
from marketplace.core.permissions import is_operator_with
from orders.admin import ReadOnlyAdmin

from .bundle import case_bundle
from .files import evidence_url
from .flows import ACTION_LABELS, Node
from .models import Appeal, Case, CaseLog, EvidenceFile, SupervisionStatus
from .selectors import case_evidence, case_log, case_progress
from .services import (
    appeal_decide,
    case_mark_signed_for,
    case_operator_confirm,
    case_operator_return,
    verify_chain,
)

OPERATOR_NODE_PERMISSION = "supervision.confirm_operator_node"
DECIDE_PERMISSION = "supervision.decide_appeal"
REFUND_PERMISSION = "orders.refund_order"


def _node_label(code: str) -> str:
    return str(Node(code).label) if code in Node.values else (code or "—")


def _short(value: str) -> str:
    return format_html('<code title="{}">{}…</code>', value, value[:12]) if value else "—"


# --- cases ---------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    """Open cases past their implementation deadline (as the centers' "overdue" filter)."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Overdue")), ("no", _("Not overdue")))

    def queryset(self, request, queryset):
        overdue = Q(status=SupervisionStatus.IN_PROGRESS, due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class AppealFilter(admin.SimpleListFilter):
    """In appeal now (frozen), appealed at some time, or never appealed."""

    title = gettext_lazy("appeal")
    parameter_name = "appeal"

    def lookups(self, request, model_admin):
        return (
            ("open", _("In appeal now")),
            ("any", _("Appealed at some time")),
            ("none", _("Never appealed")),
        )

    def queryset(self, request, queryset):
        appealed = Exists(Appeal.objects.filter(case=OuterRef("pk")))
        if self.value() == "open":
            return queryset.filter(status=SupervisionStatus.IN_APPEAL)
        if self.value() == "any":
            return queryset.filter(appealed)
        if self.value() == "none":
            return queryset.filter(~appealed)
        return queryset


class SignedForForm(forms.Form):
    signed_for_at = forms.DateTimeField(
        label=gettext_lazy("Signed for at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy(
            "As the carrier's tracking shows it (Beijing time); empty: now. Automatic "
            "acceptance counts from this time when the recipient's phone is the buyer's."
        ),
    )


@admin.register(Case)
class CaseAdmin(DecisionsAdminMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "order_number",
        "product",
        "buyer",
        "seller",
        "flow",
        "node",
        "status",
        "due_at",
        "is_overdue",
        "opened_at",
    )
    list_display_links = ("id", "order_number")
    list_filter = (
        "flow",
        "node",
        "status",
        OverdueFilter,
        AppealFilter,
        ("seller", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("order__number", "product__name", "order__product_name", "buyer__username")
    search_help_text = gettext_lazy("Search by order number, product or buyer account name.")
    list_select_related = ("order", "product", "buyer", "seller")
    date_hierarchy = "opened_at"
    ordering = ("-opened_at", "-id")
    change_form_template = "admin/supervision/case/change_form.html"
    extra_readonly = ("order_link",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "order_link",
                    "product",
                    "buyer",
                    "seller",
                    "flow",
                    "node",
                    "status",
                    "node_entered_at",
                    "opened_at",
                )
            },
        ),
        (
            gettext_lazy("Delivery"),
            {
                "fields": (
                    "delivery_days",
                    "due_at",
                    "overdue_at",
                    "requirements",
                    "result_description",
                    "rejection_count",
                    "license",
                    "accepted_at",
                    "completed_at",
                    "closed_at",
                    "order_synced_at",
                )
            },
        ),
        (
            gettext_lazy("Hardware"),
            {
                "classes": ("collapse",),
                "fields": (
                    "carrier",
                    "tracking_number",
                    "recipient_phone",
                    "buyer_phone",
                    "shipped_at",
                    "signed_for_at",
                    "auto_accept_at",
                ),
            },
        ),
        (gettext_lazy("Evidence log"), {"fields": ("log_count", "log_head")}),
    )
    actions = ["operator_confirm", "operator_return", "mark_signed_for", "export_bundle"]
    has_confirm_operator_node_permission = has_perm(OPERATOR_NODE_PERMISSION)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "product", "buyer", "seller")

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_number(self, obj: Case) -> str:
        return obj.order.number

    @admin.display(description=gettext_lazy("order"))
    def order_link(self, obj: Case) -> str:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html(
            '<a href="{}">{}</a> · {} · ¥{}',
            url,
            obj.order.number,
            obj.order.get_status_display(),
            obj.order.amount,
        )

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def is_overdue(self, obj: Case) -> bool:
        return bool(
            obj.status == SupervisionStatus.IN_PROGRESS
            and obj.due_at
            and obj.due_at < timezone.now()
        )

    # --- the change page: buttons, progress, log, evidence, appeals, chain ---------------

    def decisions(self, obj: Case) -> list[Decision]:
        if obj.status != SupervisionStatus.IN_PROGRESS:
            return []
        if obj.node == Node.OPERATOR_REVIEW:
            return [
                Decision("operator_confirm", _("Confirm the delivery")),
                Decision("operator_return", _("Return to the seller"), needs_reason=True),
            ]
        if obj.node == Node.IN_TRANSIT:
            return [Decision("mark_signed_for", _("Record signed for…"))]
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            evidence = case_evidence(obj, request.user)
            links = {(e["log_seq"], e["sha256"]): e["url"] for e in evidence}
            rows = [
                {
                    "row": row,
                    "action": ACTION_LABELS.get(row.action, row.action),
                    "from": _node_label(row.from_node),
                    "to": _node_label(row.to_node),
                    "time": admin_time(row.created_at),
                    "files": [
                        {**f, "url": links.get((row.seq, f.get("sha256")))} for f in row.files
                    ],
                }
                for row in case_log(obj)
            ]
            open_appeal = next(
                (a for a in obj.appeals.all() if a.status == Appeal.Status.OPEN), None
            )
            context.update(
                progress=case_progress(obj),
                log_rows=rows,
                evidence=evidence,
                appeals=obj.appeals.select_related("opened_by", "decided_by").order_by("id"),
                chain_broken=verify_chain(obj.pk),
                bundle_url=reverse("admin:supervision_case_bundle", args=[obj.pk]),
                decide_url=(
                    reverse("admin:supervision_appeal_decide", args=[open_appeal.pk])
                    if open_appeal and is_operator_with(request.user, DECIDE_PERMISSION)
                    else ""
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- the dispute bundle ------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/bundle/",
                self.admin_site.admin_view(self.bundle_view),
                name="supervision_case_bundle",
            ),
            *super().get_urls(),
        ]

    def _bundle_response(self, request, case: Case) -> FileResponse:
        bundle = case_bundle(case, exported_by=request.user)
        return FileResponse(
            bundle.file,
            as_attachment=True,
            filename=bundle.filename,
            content_type="application/zip",
        )

    def bundle_view(self, request, object_id):
        """The case's dispute bundle as a download (whoever may view the case)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404
        return self._bundle_response(request, case)

    @admin.action(description=gettext_lazy("Export dispute bundle"), permissions=["view"])
    def export_bundle(self, request, queryset):
        """The dispute bundle of one selected case (`supervision/bundle.py`)."""
        cases = list(queryset[:2])
        if len(cases) != 1:
            self.message_user(
                request, _("Select one case to export its bundle."), level=messages.ERROR
            )
            return None
        return self._bundle_response(request, cases[0])

    # --- the operator node and signed-for ----------------------------------------------------

    @admin.action(
        description=gettext_lazy("Confirm the delivery (marketplace node)"),
        permissions=["confirm_operator_node"],
    )
    def operator_confirm(self, request, queryset):
        """Pass joint cases waiting at the operator node on to the buyer's acceptance
        (`case_operator_confirm`, which checks the node and the permission again)."""
        run_each(
            self,
            request,
            queryset,
            lambda case: case_operator_confirm(case_id=case.pk, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d delivery confirmed: the buyer may accept it now.",
                    "%(count)d deliveries confirmed: the buyers may accept them now.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(
        description=gettext_lazy("Return to the seller…"),
        permissions=["confirm_operator_node"],
    )
    def operator_return(self, request, queryset):
        """Send joint deliveries back to the seller with a reason (`case_operator_return`)."""
        reason = ask_reason(
            self,
            request,
            queryset,
            action="operator_return",
            title=_("Return the delivery to the seller"),
            intro=_(
                "The seller implements again and delivers once more; the buyer and the "
                "seller see the reason in the case's log."
            ),
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda case: case_operator_return(case_id=case.pk, actor=request.user, reason=reason),
            lambda n: (
                ngettext(
                    "%(count)d delivery returned to the seller.",
                    "%(count)d deliveries returned to the sellers.",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    @admin.action(
        description=gettext_lazy("Record signed for…"),
        permissions=["confirm_operator_node"],
    )
    def mark_signed_for(self, request, queryset):
        """Record by hand that shipped hardware was signed for (`case_mark_signed_for`):
        asks for the time shown by the carrier first."""
        form = SignedForForm(request.POST if "signed_for_confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            when = form.cleaned_data["signed_for_at"]
            run_each(
                self,
                request,
                queryset,
                lambda case: case_mark_signed_for(
                    case_id=case.pk, actor=request.user, signed_for_at=when
                ),
                lambda n: (
                    ngettext(
                        "%(count)d shipment recorded as signed for.",
                        "%(count)d shipments recorded as signed for.",
                        n,
                    )
                    % {"count": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record signed for"),
            "intro": _(
                "Record that the buyer received the goods, as the carrier's tracking shows."
            ),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": "mark_signed_for",
            "confirm_name": "signed_for_confirm",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/supervision/case/signed_for.html", context)


# --- appeals -------------------------------------------------------------------------------


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), widget=forms.RadioSelect, choices=Appeal.Decision.choices
    )
    note = forms.CharField(
        label=gettext_lazy("Note to both parties"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=gettext_lazy("Required. The buyer and the seller receive it by e-mail."),
    )

    def __init__(self, *args, may_refund: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_refund:
            # Only what this operator may carry out (appeal_decide refuses a refund too).
            self.fields["decision"].choices = [
                c for c in Appeal.Decision.choices if c[0] != Appeal.Decision.REFUND
            ]


def _open_first():
    """Open appeals first, oldest first (the queue, as `selectors.appeal_queue`), then
    the decided ones, newest first."""
    is_open = Q(status=Appeal.Status.OPEN)
    return (
        SqlCase(When(is_open, then=0), default=1).asc(),
        SqlCase(When(is_open, then=F("created_at"))).asc(nulls_last=True),
        F("created_at").desc(),
    )


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "case_link",
        "order_number",
        "opened_by",
        "role",
        "node",
        "status",
        "decision",
        "created_at",
        "decided_at",
    )
    list_filter = ("status", "decision", "role", "node")
    search_fields = ("case__order__number", "case__product__name", "opened_by__username")
    search_help_text = gettext_lazy("Search by order number, product or account name.")
    list_select_related = ("case__order", "opened_by")
    date_hierarchy = "created_at"
    change_form_template = "admin/supervision/appeal/change_form.html"
    extra_readonly = ("files_list",)
    has_decide_appeal_permission = has_perm(DECIDE_PERMISSION)

    def get_ordering(self, request):
        return _open_first()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("case__order", "case__buyer", "case__seller", "opened_by")
        )

    def get_list_display(self, request):
        if self.has_decide_appeal_permission(request):
            return (*self.list_display, "decide_link")
        return self.list_display

    @admin.display(description=gettext_lazy("case"))
    def case_link(self, obj: Appeal) -> str:
        url = reverse("admin:supervision_case_change", args=[obj.case_id])
        return format_html('<a href="{}">#{}</a>', url, obj.case_id)

    @admin.display(description=gettext_lazy("order"), ordering="case__order__number")
    def order_number(self, obj: Appeal) -> str:
        return obj.case.order.number

    @admin.display(description=gettext_lazy("decide"))
    def decide_link(self, obj: Appeal) -> str:
        if obj.status != Appeal.Status.OPEN:
            return "—"
        url = reverse("admin:supervision_appeal_decide", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Decide…"))

    @admin.display(description=gettext_lazy("files"))
    def files_list(self, obj: Appeal) -> str:
        files = list(obj.files.order_by("id"))
        if not files:
            return "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            '<a href="{}" target="_blank" rel="noopener">{}</a> <code>{}</code>',
            ((evidence_url(f), f.original_name, f.sha256) for f in files),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if (
            obj is not None
            and obj.status == Appeal.Status.OPEN
            and self.has_decide_appeal_permission(request)
        ):
            context["decide_url"] = reverse("admin:supervision_appeal_decide", args=[obj.pk])
        if obj is not None:
            context["case_url"] = reverse("admin:supervision_case_change", args=[obj.case_id])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="supervision_appeal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        """Decide an open appeal (`appeal_decide`): force-complete, return to the seller or
        refund, with a note both parties receive. A refusal is a message; nothing changed."""
        if not self.has_decide_appeal_permission(request):
            raise PermissionDenied
        appeal = self.get_object(request, unquote(object_id))
        if appeal is None:
            raise Http404
        change_url = reverse("admin:supervision_appeal_change", args=[appeal.pk])
        if appeal.status != Appeal.Status.OPEN:
            self.message_user(request, _("This appeal has already been decided."), messages.INFO)
            return HttpResponseRedirect(change_url)
        may_refund = is_operator_with(request.user, REFUND_PERMISSION)
        form = AppealDecisionForm(
            request.POST if request.method == "POST" else None, may_refund=may_refund
        )
        if form.is_bound and form.is_valid():
            try:
                appeal_decide(
                    appeal_id=appeal.pk,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Appeal on order %(number)s decided: %(decision)s. Both parties are told.")
                    % {
                        "number": appeal.case.order.number,
                        "decision": Appeal.Decision(form.cleaned_data["decision"]).label,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        case = appeal.case
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide the appeal on order %(number)s") % {"number": case.order.number},
            "opts": self.model._meta,
            "original": appeal,
            "appeal": appeal,
            "case": case,
            "case_url": reverse("admin:supervision_case_change", args=[case.pk]),
            "frozen_at": _node_label(appeal.node),
            "files": [{"evidence": f, "url": evidence_url(f)} for f in appeal.files.order_by("id")],
            "may_refund": may_refund,
            "form": form,
        }
        return TemplateResponse(request, "admin/supervision/appeal/decide.html", context)


# --- the log and the evidence files, read-only -------------------------------------------------


@admin.register(CaseLog)
class CaseLogAdmin(ReadOnlyAdmin):
    """Append-only: rows are only listed and shown (the services write them)."""

    list_display = (
        "case",
        "seq",
        "created_at",
        "actor",
        "role",
        "action_label",
        "from_node",
        "to_node",
        "short_hash",
    )
    list_filter = ("role", "action")
    search_fields = ("case__order__number", "=hash", "actor__username")
    search_help_text = gettext_lazy("Search by order number, hash or account name.")
    list_select_related = ("case", "actor")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_label(self, obj: CaseLog) -> str:
        return ACTION_LABELS.get(obj.action, obj.action)

    @admin.display(description=gettext_lazy("hash"))
    def short_hash(self, obj: CaseLog) -> str:
        return _short(obj.hash)


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    """Evidence files with their signed links (the private file has no public URL)."""

    list_display = (
        "original_name",
        "case",
        "log_seq",
        "role",
        "uploaded_by",
        "size",
        "content_type",
        "created_at",
        "download",
    )
    list_filter = ("role", "content_type")
    search_fields = ("case__order__number", "original_name", "=sha256")
    search_help_text = gettext_lazy("Search by order number, file name or SHA-256.")
    list_select_related = ("case", "uploaded_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    hidden_fields = ("file",)
    extra_readonly = ("download",)

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj: EvidenceFile) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', evidence_url(obj), _("Open")
        )

"""Operations: the product review queue, products, categories and regions.

States are read-only here; approve / reject / delist are actions that call the services
(STYLE › state machines). The review page shows the version under review side by side
with the version on sale.
"""

from __future__ import annotations

import difflib

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.admin_actions import ask_reason, history_table, run_each

from . import services
from .models import Category, Product, ProductScreenshot, ProductVersion, Region

# --- side-by-side diff ---------------------------------------------------------------------

DIFF_FIELDS = (
    "name",
    "category",
    "summary",
    "description",
    "tags",
    "service_group",
    "service_forms",
    "service_scope",
    "after_sales_scope",
    "usage_guide",
    "agreement_text",
    "support_terms_text",
    "flow_template",
    "avg_delivery_days",
    "logo",
    "copyright_certificate",
    "open_source_declaration",
)


def version_as_lines(version: ProductVersion | None) -> list[str]:
    """A version as text lines (fields, screenshots, then specs with prices and
    attributes) to diff."""
    if version is None:
        return []
    lines: list[str] = []
    for name in DIFF_FIELDS:
        value = getattr(version, name)
        label = str(ProductVersion._meta.get_field(name).verbose_name)
        text = str(value) if value not in (None, "") else ""
        text_lines = text.splitlines() or [""]
        lines.append(f"[{label}] {text_lines[0]}")
        lines.extend(f"    {line}" for line in text_lines[1:])
    # Screenshots by file name: a copied version shares its files, so only a change shows.
    label = str(ProductScreenshot._meta.verbose_name)
    lines.extend(f"[{label}] {shot.image.name}" for shot in version.screenshots.all())
    for spec in version.specs.prefetch_related("prices", "attributes__attribute"):
        extra = f" {spec.trial_days}d" if spec.trial_days else ""
        lines.append(
            f"[{_('spec')} {spec.code}] {spec.name} · {spec.get_billing_mode_display()}{extra}"
        )
        for price in spec.prices.all():
            lines.append(
                f"    {price.get_period_display()}: {price.amount} {price.unit}"
                f" (≤{price.max_periods})"
            )
        for attr in spec.attributes.all():
            value = attr.options or f"{attr.min_value}..{attr.max_value} /{attr.step} {attr.unit}"
            lines.append(f"    {attr.attribute.name}: {value}")
    return lines


def version_diff_table(old: ProductVersion | None, new: ProductVersion) -> str:
    """HTML table: the listed version (left) against `new` (right); difflib escapes text."""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        version_as_lines(old),
        version_as_lines(new),
        fromdesc=_("On sale: v%(number)s") % {"number": old.number}
        if old
        else _("Nothing on sale"),
        todesc=_("Under review: v%(number)s") % {"number": new.number},
        context=False,
    )


DIFF_STYLE = (
    "<style>table.diff{font-family:monospace;font-size:12px;border:1px solid #ccc}"
    ".diff_add{background:#d4f7d4}.diff_chg{background:#fff3b0}.diff_sub{background:#f8d0d0}"
    "td.diff_header{color:#888;text-align:right}</style>"
)


# --- review queue -------------------------------------------------------------------------


class ReviewStatusFilter(admin.SimpleListFilter):
    """Defaults to the queue: versions pending review, oldest submission first."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", _("All")), *ProductVersion.Status.choices]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            selected = (self.value() or ProductVersion.Status.PENDING_REVIEW) == value
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or ProductVersion.Status.PENDING_REVIEW
        if value == "all":
            return queryset
        return queryset.filter(status=value)


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "seller", "delivery_type", "status", "submitted_at", "reviewed_at")
    list_filter = (ReviewStatusFilter, "product__delivery_type", "category")
    search_fields = ("name", "product__seller__store_name", "product__seller__company_name")
    search_help_text = gettext_lazy("Search by product name, store name or company name.")
    list_select_related = ("product__seller", "category")
    date_hierarchy = "submitted_at"
    ordering = ("submitted_at", "id")
    actions = ("approve", "reject")
    readonly_fields = ("diff_with_listed", "review_summary")
    fields = ("review_summary", "diff_with_listed")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the change page is read-only; review happens through the actions

    def get_queryset(self, request):
        # The review page shows the product, its seller, and the version's category and
        # service group: joined here rather than fetched one query each.
        return (
            super()
            .get_queryset(request)
            .select_related("product__seller", "category", "service_group")
        )

    @admin.display(description=gettext_lazy("seller"))
    def seller(self, obj):
        return obj.product.seller

    @admin.display(description=gettext_lazy("delivery type"))
    def delivery_type(self, obj):
        return obj.product.get_delivery_type_display()

    @admin.display(description=gettext_lazy("review"))
    def review_summary(self, obj):
        rows = [
            (_("Product"), f"#{obj.product_id} · {obj.product.get_delivery_type_display()}"),
            (_("Seller"), str(obj.product.seller)),
            (_("Status"), obj.get_status_display()),
            (_("Submitted at"), str(obj.submitted_at or "—")),
            (_("Rejection reason"), obj.rejection_reason or "—"),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("changes against the version on sale"))
    def diff_with_listed(self, obj):
        listed_id = obj.product.listed_version_id
        listed = None
        if listed_id is not None and listed_id != obj.pk:
            listed = ProductVersion.objects.select_related("category", "service_group").get(
                pk=listed_id
            )
        # HtmlDiff escapes every line of text it puts in the table.
        return mark_safe(DIFF_STYLE + version_diff_table(listed, obj))  # noqa: S308

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Review product version")}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Approve and list"))
    def approve(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("product"),
            lambda v: services.product_approve(version=v, actor=request.user),
            lambda n: _("%(count)d version(s) approved and listed.") % {"count": n},
        )

    @admin.action(description=gettext_lazy("Reject with a reason…"))
    def reject(self, request, queryset):
        reason = ask_reason(
            self, request, queryset, action="reject", title=_("Reject product versions")
        )
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset.select_related("product"),
            lambda v: services.product_reject(version=v, actor=request.user, reason=reason),
            lambda n: _("%(count)d version(s) rejected.") % {"count": n},
        )
        return None


# --- products ------------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "seller",
        "delivery_type",
        "category",
        "status",
        "min_price",
        "listed_at",
    )
    list_filter = ("status", "delivery_type", "category", "seller")
    search_fields = ("name", "search_text", "seller__store_name", "seller__company_name")
    search_help_text = gettext_lazy(
        "Search by product name, summary, tags, store name or company name."
    )
    list_select_related = ("seller", "category")
    date_hierarchy = "listed_at"
    actions = ("delist",)
    readonly_fields = (
        "seller",
        "delivery_type",
        "status",
        "listed_version",
        "listed_at",
        "delisted_at",
        "delist_reason",
        "name",
        "summary",
        "category",
        "min_price",
        "billing_modes",
        "allowlist_enabled",
        "trial_allowlist_enabled",
        "credit_line_allowed",
        "cash_coupon_allowed",
        "credit_specified_users_only",
        "history",
    )
    exclude = ("search_text", "regions")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(description=gettext_lazy("Delist with a reason…"))
    def delist(self, request, queryset):
        reason = ask_reason(self, request, queryset, action="delist", title=_("Delist products"))
        if not isinstance(reason, str):
            return reason
        run_each(
            self,
            request,
            queryset,
            lambda p: services.product_delist(
                product=p, actor=request.user, reason=reason, by_operator=True
            ),
            lambda n: _("%(count)d product(s) delisted.") % {"count": n},
        )
        return None


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_zh", "parent", "position")
    list_editable = ("position",)
    list_select_related = ("parent",)  # the parent column, without a query per row
    search_fields = ("slug", "name_en", "name_zh")
    search_help_text = gettext_lazy("Search by slug or name (English or Chinese).")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh")
    search_fields = ("code", "name_en", "name_zh")
    search_help_text = gettext_lazy("Search by code or name (English or Chinese).")

"""Operations: the product review queue, products, categories and regions.

States are read-only here; approve / reject / delist are actions that call the services
(STYLE › state machines), each with its own permission (README › Operators), also as
buttons on the review and product pages. The review page compares the version under
review with the version on sale, field by field, changed fields first, bounded in size
(marketplace.core.review_diff).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.core import review_diff
from marketplace.core.admin_actions import (
    Decision,
    DecisionsAdminMixin,
    admin_time,
    ask_reason,
    has_perm,
    history_table,
    review_queue,
    run_each,
)

from . import services
from .models import (
    Category,
    DelistRequest,
    Product,
    ProductScreenshot,
    ProductVersion,
    Region,
)

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
    "service_notes",
    "image_os",
    "image_architecture",
    "hardware_spec",
    "hardware_weight_kg",
    "hardware_size",
    "license_type",
    "license_term",
    "license_term_months",
    "deploy_contents",
    "api_quota_unit",
    "logo",
    "copyright_certificate",
    "open_source_declaration",
)
# List fields shown by their labels; rows of their own shown one a line.
DIFF_LISTS = {
    "service_forms": lambda v: "\n".join(v.service_form_labels()),
    "service_scope": lambda v: "\n".join(v.service_scope_labels()),
}
DIFF_ROWS = (
    (
        "image_regions",
        gettext_lazy("images per region"),
        lambda v: "\n".join(
            f"{r.region.code}: {r.image_id}" for r in v.image_regions.select_related("region")
        ),
    ),
    (
        "shipping_regions",
        gettext_lazy("shipping regions"),
        lambda v: "\n".join(r.code for r in v.shipping_regions.all()),
    ),
    (
        "api_endpoints",
        gettext_lazy("APIs"),
        lambda v: "\n".join(f"{a.method} {a.path} {a.description}" for a in v.api_endpoints.all()),
    ),
)


SPECS_KEY = "specs"
SCREENSHOTS_KEY = "screenshots"


def version_sections(version: ProductVersion | None) -> list[tuple[str, str, str]]:
    """A version as (key, label, text) sections to compare: its fields, screenshots, then
    specs with prices and attributes. No version (nothing on sale): every text empty."""
    sections: list[tuple[str, str, str]] = []
    for name in DIFF_FIELDS:
        field = ProductVersion._meta.get_field(name)
        text = ""
        if version is not None:
            value = DIFF_LISTS[name](version) if name in DIFF_LISTS else getattr(version, name)
            if field.choices and value:
                value = getattr(version, f"get_{name}_display")()
            text = str(value) if value not in (None, "") else ""
        sections.append((name, str(field.verbose_name), text))
    for key, label, text_of in DIFF_ROWS:
        sections.append((key, str(label), text_of(version) if version is not None else ""))
    # Screenshots by file name: a copied version shares its files, so only a change shows.
    shots = version.screenshots.all() if version is not None else []
    sections.append(
        (
            SCREENSHOTS_KEY,
            str(ProductScreenshot._meta.verbose_name_plural),
            "\n".join(shot.image.name for shot in shots),
        )
    )
    lines: list[str] = []
    specs = version.specs.prefetch_related("prices", "attributes__attribute") if version else []
    for spec in specs:
        extra = f" {spec.trial_days}d" if spec.trial_days else ""
        lines.append(f"{spec.code} {spec.name} · {spec.get_billing_mode_display()}{extra}")
        for price in spec.prices.all():
            lines.append(
                f"    {price.get_period_display()}: {price.amount} {price.unit}"
                f" (≤{price.max_periods})"
            )
        for attr in spec.attributes.all():
            value = attr.options or f"{attr.min_value}..{attr.max_value} /{attr.step} {attr.unit}"
            lines.append(f"    {attr.attribute.name}: {value}")
    sections.append((SPECS_KEY, _("specs and prices"), "\n".join(lines)))
    return sections


def version_diff(old: ProductVersion | None, new: ProductVersion) -> str:
    """The listed version (−) against `new` (+), bounded (marketplace.core.review_diff)."""
    old_sections = {key: text for key, _label, text in version_sections(old)}

    def text_url(version):
        if version is None:
            return None
        return lambda key: reverse("admin:catalog_productversion_text", args=[version.pk, key])

    return review_diff.render(
        [
            review_diff.Section(key, label, old_sections.get(key, ""), text)
            for key, label, text in version_sections(new)
        ],
        old_title=_("On sale: v%(number)s") % {"number": old.number}
        if old
        else _("Nothing on sale"),
        new_title=_("Under review: v%(number)s") % {"number": new.number},
        old_url=text_url(old),
        new_url=text_url(new),
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
class ProductVersionAdmin(DecisionsAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "seller", "delivery_type", "status", "submitted_at", "reviewed_at")
    list_filter = (ReviewStatusFilter, "product__delivery_type", "category")
    search_fields = ("name", "product__seller__store_name", "product__seller__company_name")
    search_help_text = gettext_lazy("Search by product name, store name or company name.")
    list_select_related = ("product__seller", "category")
    date_hierarchy = "submitted_at"
    ordering = ("submitted_at", "id")
    actions = ("approve", "reject")
    readonly_fields = ("review_summary",)
    fields = ("review_summary",)

    has_review_permission = has_perm("catalog.review_productversion")

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
            (_("Submitted at"), admin_time(obj.submitted_at)),
            (_("Rejection reason"), obj.rejection_reason or "—"),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    def decisions(self, obj) -> list[Decision]:
        if obj.status == ProductVersion.Status.PENDING_REVIEW:
            return [
                Decision("approve", _("Approve and list")),
                Decision("reject", _("Reject"), needs_reason=True),
            ]
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            listed_id = obj.product.listed_version_id
            listed = None
            if listed_id is not None and listed_id != obj.pk:
                listed = ProductVersion.objects.select_related("category", "service_group").get(
                    pk=listed_id
                )
            context.update(
                title=_("Review product version"),
                review_diff_title=_("Changes against the version on sale"),
                # Rendered by a template that escapes every text of the versions.
                review_diff=mark_safe(version_diff(listed, obj)),  # noqa: S308
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/text/<str:key>/",
                self.admin_site.admin_view(self.text_view),
                name="catalog_productversion_text",
            ),
            *super().get_urls(),
        ]

    def text_view(self, request, object_id, key):
        """One section of a version as a text file: "too long to compare, download both"."""
        version = self.get_object(request, object_id)
        if version is None or not self.has_view_permission(request, version):
            raise Http404
        texts = {k: text for k, _label, text in version_sections(version)}
        if key not in texts:
            raise Http404
        response = HttpResponse(texts[key], content_type="text/plain; charset=utf-8")
        name = f"product-{version.product_id}-v{version.number}-{key}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description=gettext_lazy("Approve and list"), permissions=["review"])
    def approve(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("product"),
            lambda v: services.product_approve(version=v, actor=request.user),
            lambda n: (
                ngettext(
                    "%(count)d version approved and listed.",
                    "%(count)d versions approved and listed.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=gettext_lazy("Reject with a reason…"), permissions=["review"])
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
            lambda n: (
                ngettext("%(count)d version rejected.", "%(count)d versions rejected.", n)
                % {"count": n}
            ),
        )
        return None


review_queue(
    gettext_lazy("Product versions"),
    ProductVersion,
    filters={"status": ProductVersion.Status.PENDING_REVIEW},
    query={"status": ProductVersion.Status.PENDING_REVIEW},
)


# --- products ------------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(DecisionsAdminMixin, admin.ModelAdmin):
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

    has_delist_permission = has_perm("catalog.delist_product")

    def get_queryset(self, request):
        # A draft has no denormalised name yet: Product.__str__ shows its latest version's,
        # annotated here so the list doesn't ask once per row.
        latest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .annotate(latest_version_name=Subquery(latest.values("name")[:1]))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: sellers edit, operators delist (an action)

    def has_delete_permission(self, request, obj=None):
        return False

    def decisions(self, obj) -> list[Decision]:
        if obj.status == Product.Status.LISTED:
            return [Decision("delist", _("Delist"), needs_reason=True)]
        return []

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(description=gettext_lazy("Delist with a reason…"), permissions=["delist"])
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
            lambda n: (
                ngettext("%(count)d product delisted.", "%(count)d products delisted.", n)
                % {"count": n}
            ),
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


@admin.register(DelistRequest)
class DelistRequestAdmin(admin.ModelAdmin):
    """The operators' queue of products to delist because their seller applies to exit
    (01 › Exit). Delisting the last one of a seller completes the exit."""

    list_display = ("product", "seller", "reason", "status", "created_at", "resolved_at")
    list_filter = ("status", "reason")
    search_fields = ("product__name", "seller__store_name", "seller__company_name")
    search_help_text = gettext_lazy("Search by product name, store name or company name.")
    list_select_related = ("product", "seller")
    date_hierarchy = "created_at"
    ordering = ("status", "created_at", "id")  # "open" sorts before "done": waiting first
    actions = ("fulfil",)
    readonly_fields = (
        "product",
        "seller",
        "reason",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
        "history",
    )
    fields = readonly_fields

    has_delist_permission = has_perm("catalog.delist_product")

    def has_view_permission(self, request, obj=None):
        # Whoever may delist works this queue (no separate view permission to grant).
        return super().has_view_permission(request, obj) or self.has_delist_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # states change only through the action

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(
        description=gettext_lazy("Delist the requested products (seller exit)"),
        permissions=["delist"],
    )
    def fulfil(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda r: services.delist_request_fulfil(delist_request=r, actor=request.user),
            lambda n: (
                ngettext("%(count)d product delisted.", "%(count)d products delisted.", n)
                % {"count": n}
            ),
        )


review_queue(
    gettext_lazy("Delisting requests"),
    DelistRequest,
    filters={"status": DelistRequest.Status.OPEN},
    query={"status__exact": DelistRequest.Status.OPEN},
)

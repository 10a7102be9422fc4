"""The operator's tools for sellers (Django admin).

States are read-only here: they change only through actions that call the services, and
a refusal (wrong status, missing reason …) is reported for that row without stopping the
others. Each decision needs its own permission (README › Operators), shown as buttons on
the application, exit and certification pages too; the licence and the authorization
letter show only to operators who may see private documents.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.accounts.models import can_view_private_documents
from marketplace.core.admin_actions import (
    Decision,
    DecisionsAdminMixin,
    ask_reason,
    has_perm,
    history_table,
    review_queue,
    run_each,
)
from marketplace.core.private_files import private_url

from . import services
from .models import (
    AccessKey,
    BusinessInfo,
    JointCertification,
    Seller,
    ServiceGroup,
    StoreImage,
    StorePage,
    TestAccount,
)
from .services import credentials


def _reject_each(modeladmin, request, queryset, *, action: str, title: str, reject: Callable):
    """Ask for the reason (the seller sees it), then `reject(obj, reason)` each row."""
    reason = ask_reason(modeladmin, request, queryset, action=action, title=title)
    if not isinstance(reason, str):
        return reason
    run_each(
        modeladmin,
        request,
        queryset,
        lambda obj: reject(obj, reason),
        lambda n: ngettext("%(count)d rejected.", "%(count)d rejected.", n) % {"count": n},
    )
    return None


class ReadOnlyInline(admin.StackedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BusinessInfoInline(ReadOnlyInline):
    model = BusinessInfo


def _without(fields, hidden: set[str]) -> list:
    return [name for name in fields if name not in hidden]


@admin.register(Seller)
class SellerAdmin(DecisionsAdminMixin, admin.ModelAdmin):
    list_display = [
        "store_name",
        "company_name",
        "credit_code",
        "user",
        "status",
        "submitted_at",
        "reviewed_at",
    ]
    list_filter = ["status"]
    search_fields = ["company_name", "store_name", "user__username", "credit_code"]
    search_help_text = gettext_lazy(
        "Search by company name, store name, username or unified social credit code."
    )
    list_select_related = ["user"]
    date_hierarchy = "submitted_at"
    actions = ["approve_applications", "reject_applications", "approve_exits"]
    inlines = [BusinessInfoInline]
    fieldsets = [
        (None, {"fields": ["user", "status", "store_name", "business_scope"]}),
        (
            gettext_lazy("Company (from the enterprise verification)"),
            {"fields": ["company_name", "credit_code", "licence"]},
        ),
        (
            gettext_lazy("Contact"),
            {"fields": ["contact_name", "contact_mobile", "contact_email"]},
        ),
        (
            gettext_lazy("Review and exit"),
            {
                "fields": [
                    "rejection_reason",
                    "exit_reason",
                    "submitted_at",
                    "reviewed_at",
                    "activated_at",
                    "exited_at",
                ]
            },
        ),
        (gettext_lazy("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [
        "user",
        "status",
        "store_name",
        "business_scope",
        "company_name",
        "credit_code",
        "licence",
        "contact_name",
        "contact_mobile",
        "contact_email",
        "rejection_reason",
        "exit_reason",
        "submitted_at",
        "reviewed_at",
        "activated_at",
        "exited_at",
        "history",
    ]

    has_review_permission = has_perm("sellers.review_seller")
    has_review_exit_permission = has_perm("sellers.review_exit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: decisions are the actions (and their buttons)

    def has_delete_permission(self, request, obj=None):
        # Exited sellers stay: orders, bills and logs keep pointing at them.
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_view_private_documents(request.user):
            return fieldsets
        return [
            (title, {**options, "fields": _without(options["fields"], {"licence"})})
            for title, options in fieldsets
        ]

    def decisions(self, obj) -> list[Decision]:
        if obj.status == Seller.Status.PENDING:
            return [
                Decision("approve_applications", _("Approve")),
                Decision("reject_applications", _("Reject"), needs_reason=True),
            ]
        if obj.status == Seller.Status.EXIT_PENDING:
            return [Decision("approve_exits", _("Approve the exit"))]
        return []

    @admin.display(description=gettext_lazy("business licence"))
    def licence(self, obj):
        verification = getattr(obj.user, "enterprise_verification", None)
        if verification is None or not verification.licence:
            return "—"
        return format_html(
            '<a href="{url}" target="_blank" rel="noopener">'
            '<img src="{url}" alt="{alt}" style="max-width: 320px; max-height: 240px"></a>',
            url=private_url(verification, "licence"),
            alt=_("business licence"),
        )

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(
        description=gettext_lazy("Approve the selected applications"), permissions=["review"]
    )
    def approve_applications(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda seller: services.seller_approve(seller=seller, actor=request.user),
            lambda n: (
                ngettext("%(count)d application approved.", "%(count)d applications approved.", n)
                % {"count": n}
            ),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected applications…"), permissions=["review"]
    )
    def reject_applications(self, request, queryset):
        return _reject_each(
            self,
            request,
            queryset,
            action="reject_applications",
            title=_("Reject onboarding applications"),
            reject=lambda seller, reason: services.seller_reject(
                seller=seller, actor=request.user, reason=reason
            ),
        )

    @admin.action(
        description=gettext_lazy("Approve the selected exit requests"),
        permissions=["review_exit"],
    )
    def approve_exits(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda seller: services.seller_approve_exit(seller=seller, actor=request.user),
            lambda n: (
                ngettext("%(count)d seller has exited.", "%(count)d sellers have exited.", n)
                % {"count": n}
            ),
        )


@admin.register(JointCertification)
class JointCertificationAdmin(DecisionsAdminMixin, admin.ModelAdmin):
    list_display = ["company_name", "credit_code", "seller", "status", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["company_name", "credit_code", "seller__store_name", "seller__user__username"]
    search_help_text = gettext_lazy(
        "Search by company name, unified social credit code, store name or username."
    )
    list_select_related = ["seller"]
    date_hierarchy = "submitted_at"
    actions = ["approve_certifications", "reject_certifications"]
    readonly_fields = [
        "seller",
        "status",
        "company_name",
        "credit_code",
        "seller_entity",
        "letter",
        "covered_products",
        "products_description",
        "rejection_reason",
        "submitted_at",
        "reviewed_at",
        "history",
    ]
    fields = readonly_fields

    has_review_permission = has_perm("sellers.review_jointcertification")

    @admin.display(description=gettext_lazy("products covered"))
    def covered_products(self, obj):
        # `products` is the catalog's relation (Product.joint_certifications).
        products = list(obj.products.prefetch_related("versions"))
        if not products:
            return "—"
        return ", ".join(
            product.name or next((v.name for v in product.versions.all()), str(product))
            for product in products
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: decisions are the actions (and their buttons)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if can_view_private_documents(request.user):
            return fields
        return _without(fields, {"letter"})

    def decisions(self, obj) -> list[Decision]:
        if obj.status == JointCertification.Status.PENDING:
            return [
                Decision("approve_certifications", _("Approve")),
                Decision("reject_certifications", _("Reject"), needs_reason=True),
            ]
        return []

    @admin.display(description=gettext_lazy("seller's company"))
    def seller_entity(self, obj):
        return f"{obj.seller.company_name} ({obj.seller.credit_code})"

    @admin.display(description=gettext_lazy("authorization letter"))
    def letter(self, obj):
        url = private_url(obj, "authorization_letter")
        if not url:
            return "—"
        return format_html(
            '<a href="{url}" target="_blank" rel="noopener">{label}</a>',
            url=url,
            label=_("View the authorization letter"),
        )

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(
        description=gettext_lazy("Approve the selected certifications"), permissions=["review"]
    )
    def approve_certifications(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda cert: services.joint_certification_approve(
                certification=cert, actor=request.user
            ),
            lambda n: (
                ngettext(
                    "%(count)d certification approved.", "%(count)d certifications approved.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected certifications…"), permissions=["review"]
    )
    def reject_certifications(self, request, queryset):
        return _reject_each(
            self,
            request,
            queryset,
            action="reject_certifications",
            title=_("Reject joint-operation certifications"),
            reject=lambda cert, reason: services.joint_certification_reject(
                certification=cert, actor=request.user, reason=reason
            ),
        )


review_queue(
    gettext_lazy("Onboarding applications"),
    Seller,
    filters={"status": Seller.Status.PENDING},
    query={"status__exact": Seller.Status.PENDING},
)
review_queue(
    gettext_lazy("Exit requests"),
    Seller,
    filters={"status": Seller.Status.EXIT_PENDING},
    query={"status__exact": Seller.Status.EXIT_PENDING},
)
review_queue(
    gettext_lazy("Joint-operation certifications"),
    JointCertification,
    filters={"status": JointCertification.Status.PENDING},
    query={"status__exact": JointCertification.Status.PENDING},
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators look; sellers change these in the seller center."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceGroup)
class ServiceGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "seller", "phone", "email", "hours"]
    search_fields = ["name", "seller__store_name", "seller__company_name"]
    search_help_text = gettext_lazy("Search by group name, store name or company name.")
    list_select_related = ["seller"]


@admin.register(BusinessInfo)
class BusinessInfoAdmin(ReadOnlyAdmin):
    list_display = ["seller", "province", "city", "district", "has_marketplace_contact"]
    list_filter = ["has_marketplace_contact", "province"]
    search_fields = ["seller__store_name", "seller__company_name", "address_detail"]
    search_help_text = gettext_lazy("Search by store name, company name or address.")
    list_select_related = ["seller"]


class StoreImageInline(admin.TabularInline):
    model = StoreImage
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StorePage)
class StorePageAdmin(ReadOnlyAdmin):
    list_display = ["seller", "updated_at"]
    search_fields = ["seller__store_name", "seller__company_name"]
    search_help_text = gettext_lazy("Search by store name or company name.")
    list_select_related = ["seller"]
    inlines = [StoreImageInline]


# --- application credentials (issue 9) --------------------------------------------------------


@admin.register(AccessKey)
class AccessKeyAdmin(ReadOnlyAdmin):
    """Metadata only: the secret is never shown (not even encrypted). Revoking a key (a
    leaked secret the seller can't reach) needs `sellers.change_accesskey`, which no
    operator group holds: superusers only."""

    list_display = [
        "key_id",
        "seller",
        "kind",
        "key_status",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["key_id", "seller__store_name", "seller__company_name"]
    search_help_text = gettext_lazy("Search by key ID, store name or company name.")
    list_select_related = ["seller"]
    fields = [
        "key_id",
        "seller",
        "kind",
        "key_status",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "history",
    ]
    readonly_fields = fields
    actions = ["revoke_keys"]

    has_revoke_permission = has_perm("sellers.change_accesskey")

    @admin.display(description=gettext_lazy("status"))
    def key_status(self, obj: AccessKey) -> str:
        if obj.revoked_at:
            return _("Revoked")
        if not credentials.access_key_usable(obj):
            return _("Expired")
        return _("Rotated: expiring") if obj.expires_at else _("Active")

    @admin.display(description=gettext_lazy("history"))
    def history(self, obj: AccessKey) -> str:
        return history_table(obj)

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["revoke"])
    def revoke_keys(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda key: credentials.access_key_revoke(key=key, actor=request.user),
            lambda n: (
                ngettext("%(count)d key revoked.", "%(count)d keys revoked.", n) % {"count": n}
            ),
        )


@admin.register(TestAccount)
class TestAccountAdmin(ReadOnlyAdmin):
    list_display = ["user", "seller", "created_at"]
    search_fields = ["user__username", "seller__store_name", "seller__company_name"]
    search_help_text = gettext_lazy("Search by account name, store name or company name.")
    list_select_related = ["user", "seller"]
    fields = ["user", "seller", "created_at"]
    readonly_fields = fields

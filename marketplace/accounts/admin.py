from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.private_files import private_url

from .models import EnterpriseVerification, IndividualVerification, User


class EnterpriseVerificationInline(admin.StackedInline):
    model = EnterpriseVerification
    extra = 0
    can_delete = False
    readonly_fields = [
        "company_name",
        "credit_code",
        "legal_representative",
        "licence_link",
        "verified_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("business licence"))
    def licence_link(self, obj):
        url = private_url(obj, "licence")
        if not url:
            return "—"
        return format_html(
            '<a href="{url}" target="_blank" rel="noopener">{label}</a>',
            url=url,
            label=gettext("View the business licence"),
        )


@admin.register(User)
class AccountAdmin(UserAdmin):
    list_display = ["username", "account_id", "email", "mobile", "real_name_status", "is_staff"]
    list_filter = ["real_name_status", "is_staff", "is_active"]
    search_fields = ["username", "account_id", "email", "mobile"]
    search_help_text = _("Search by username, account ID, e-mail or mobile number.")
    date_hierarchy = "date_joined"
    readonly_fields = ["account_id", "real_name_status", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "account_id", "password"]}),
        (
            _("Contact"),
            {"fields": ["email", "mobile", "first_name", "last_name", "language"]},
        ),
        (_("Real name"), {"fields": ["real_name_status"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [EnterpriseVerificationInline]


@admin.register(IndividualVerification)
class IndividualVerificationAdmin(admin.ModelAdmin):
    list_display = ["user", "real_name", "verified_at"]
    search_fields = ["user__username", "real_name"]
    search_help_text = _("Search by username or real name.")
    list_select_related = ["user"]
    date_hierarchy = "verified_at"
    readonly_fields = ["user", "real_name", "id_number", "verified_at"]

    def has_add_permission(self, request):
        return False

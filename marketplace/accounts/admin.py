from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.core.admin_actions import has_perm, history_table, run_each
from marketplace.core.exceptions import DomainError
from marketplace.core.private_files import private_url

from .models import (
    ApiToken,
    EnterpriseVerification,
    IndividualVerification,
    User,
    can_view_private_documents,
)
from .services import (
    api_token_revoke_any,
    check_account_name,
    check_email_free,
    user_mark_email_verified,
)


class _AccountKeysMixin:
    """The admin's forms refuse what sign-up refuses: a look-alike of another account's
    name, another account's e-mail address (the unique keys would fail on save)."""

    def clean_username(self):
        # Stricter than UserCreationForm's own check (iexact), which it replaces.
        return check_account_name(self.cleaned_data["username"], exclude_pk=self.instance.pk)

    def clean_email(self):
        return check_email_free(self.cleaned_data.get("email", ""), exclude_pk=self.instance.pk)


class AccountCreationForm(_AccountKeysMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]


class AccountChangeForm(_AccountKeysMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


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

    def get_fields(self, request, obj=None):
        # The licence is a private document (README › Operators).
        fields = super().get_fields(request, obj)
        if can_view_private_documents(request.user):
            return fields
        return [name for name in fields if name != "licence_link"]

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
    form = AccountChangeForm
    add_form = AccountCreationForm
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]
    list_display = [
        "username",
        "account_id",
        "email",
        "email_verified",
        "mobile",
        "real_name_status",
        "is_staff",
    ]
    list_filter = ["real_name_status", "is_staff", "is_active"]
    actions = ["mark_email_verified"]
    search_fields = ["username", "account_id", "email", "mobile"]
    search_help_text = _("Search by username, account ID, e-mail or mobile number.")
    date_hierarchy = "date_joined"
    readonly_fields = [
        "account_id",
        "real_name_status",
        "email_verified_at",
        "last_login",
        "date_joined",
    ]
    fieldsets = [
        (None, {"fields": ["username", "account_id", "password"]}),
        (
            _("Contact"),
            {
                "fields": [
                    "email",
                    "email_verified_at",
                    "mobile",
                    "first_name",
                    "last_name",
                    "language",
                ]
            },
        ),
        (_("Real name"), {"fields": ["real_name_status"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [EnterpriseVerificationInline]

    @admin.display(description=_("e-mail verified"), boolean=True)
    def email_verified(self, obj):
        return obj.email_verified

    def save_model(self, request, obj, form, change):
        # A new address is unverified until its own link is opened.
        if change and "email" in form.changed_data:
            obj.email_verified_at = None
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark the e-mail address verified"), permissions=["change"])
    def mark_email_verified(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                user_mark_email_verified(user=user, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.WARNING)
        self.message_user(
            request, _("%(count)d e-mail addresses marked verified.") % {"count": done}
        )


@admin.register(IndividualVerification)
class IndividualVerificationAdmin(admin.ModelAdmin):
    """ID numbers are masked in the list for everyone and in full only for operators who
    may see private documents (README › Operators)."""

    list_display = ["user", "real_name", "masked_id_number", "verified_at"]
    search_fields = ["user__username", "real_name"]
    search_help_text = _("Search by username or real name.")
    list_select_related = ["user"]
    date_hierarchy = "verified_at"
    readonly_fields = ["user", "real_name", "id_number", "masked_id_number", "verified_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # written by the verification service only

    def get_fields(self, request, obj=None):
        shown = "id_number" if can_view_private_documents(request.user) else "masked_id_number"
        return ["user", "real_name", shown, "verified_at"]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal API tokens, read-only: accounts make them on their "API tokens" page. The
    token itself is never stored, so it can't be shown; operators holding
    `accounts.revoke_apitoken` (support) revoke a leaked one with the action."""

    list_display = [
        "name",
        "user",
        "display_prefix",
        "status_label",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_select_related = ["user"]
    search_fields = ["user__username", "prefix"]
    search_help_text = _("Search by username or token prefix (mkt_…).")
    date_hierarchy = "created_at"
    fields = [
        "user",
        "name",
        "display_prefix",
        "status_label",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "history",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    has_revoke_apitoken_permission = has_perm("accounts.revoke_apitoken")

    def has_add_permission(self, request):
        return False  # the secret is shown to its account once; nobody makes one here

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the history stays

    def get_search_results(self, request, queryset, search_term):
        # A prefix as lists show it ("mkt_1a2b3c4d_…") finds its token too.
        term = search_term.strip().removeprefix("mkt_").split("_")[0]
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("prefix"))
    def display_prefix(self, obj):
        return obj.display_prefix

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["revoke_apitoken"])
    def revoke(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda token: api_token_revoke_any(actor=request.user, token_id=token.pk),
            lambda n: gettext("%(count)d API token(s) revoked.") % {"count": n},
        )

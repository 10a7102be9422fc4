from django.conf import settings
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat, Notification, TransitionLog


def _operations() -> str:
    # The marketplace's name in every admin page's title and header, in the page's language.
    return gettext("%(site_name)s operations") % {"site_name": settings.SITE_NAME}


admin.site.site_header = lazy(_operations, str)()
admin.site.site_title = lazy(_operations, str)()
admin.site.index_title = _("Review queues, sellers, products and logs")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """When beat and the worker last ran a periodic task: a quick liveness check."""

    list_display = ["name", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    """The history of every state machine: append-only, so read-only here."""

    # These tables only grow: skip counting every row of them on each page.
    show_full_result_count = False

    list_display = [
        "created_at",
        "content_type",
        "object_id",
        "action",
        "from_state",
        "to_state",
        "actor",
        "reason",
    ]
    list_filter = ["content_type", "action", "to_state", "created_at"]
    search_fields = ["object_id", "action", "actor__username", "reason"]
    search_help_text = _("Search by object ID, action, actor's username or reason.")
    list_select_related = ["content_type", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SentFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("yes", _("Sent")), ("no", _("Not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The notification outbox: what was sent to whom, and what is still waiting (and why).

    Read-only: rows are written by `notify` and sent by the worker.
    """

    # These tables only grow: skip counting every row of them on each page.
    show_full_result_count = False

    list_display = ["created_at", "user", "template", "sent_at", "recipient", "attempts"]
    list_filter = ["template", SentFilter, "created_at"]
    search_fields = ["user__username", "recipient"]
    search_help_text = _("Search by username or recipient address.")
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "user",
        "template",
        "context",
        "key",
        "created_at",
        "claimed_at",
        "sent_at",
        "recipient",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

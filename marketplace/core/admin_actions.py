"""What every operator action in the admin shares.

An action calls a service for each selected row; a refusal (wrong status, missing reason,
missing permission, a rule of the spec) is reported for that row, in the operator's
language, without stopping the others. Actions that need a reason (reject, delist …)
first show one intermediate page that asks for it, unless the reason came with the POST
(the decision buttons of a change page).

Each action names its permission (`allowed_permissions`, STYLE 16); `PermissionActions`
gives the matching `has_<name>_permission` methods. `DecisionsAdminMixin` puts the
actions that apply to an object on its change page, as buttons. `review_queue` registers
a queue whose pending count the admin index shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import history_for
from .exceptions import DomainError
from .permissions import is_operator_with


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("The other party sees this reason."),
    )


def run_each(
    modeladmin, request, queryset, call: Callable, done_message: Callable[[int], str]
) -> int:
    """Call `call(obj)` for every selected row; report each refusal, then the count done."""
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except (DomainError, ValidationError) as exc:
            text = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
            modeladmin.message_user(
                request,
                _("%(object)s: %(reason)s") % {"object": obj, "reason": text},
                level=messages.ERROR,
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), level=messages.SUCCESS)
    return done


def ask_reason(modeladmin, request, queryset, *, action: str, title: str, intro: str = ""):
    """The reason once the intermediate page was filled in (a str), else that page."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["reason"]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_reason.html", context)


def admin_time(value) -> str:
    """A moment as operators read it everywhere in the admin: Beijing time (TIME_ZONE),
    to the second, no microseconds, no UTC offset."""
    if value is None:
        return "—"
    return date_format(timezone.localtime(value), "Y-m-d H:i:s")


def history_table(obj) -> str:
    """The transition log of `obj` as a small read-only table."""
    rows = [
        (
            admin_time(row.created_at),
            row.action,
            row.from_state or "—",
            row.to_state or "—",
            row.actor or "—",
            row.reason,
        )
        for row in history_for(obj)
    ]
    if not rows:
        return "—"
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        _("Time"),
        _("Action"),
        _("Status"),
        _("Actor"),
        _("Reason"),
        format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>", rows
        ),
    )


# --- permissions -------------------------------------------------------------------------


def has_perm(perm: str) -> Callable:
    """A `has_<name>_permission(self, request)` method of a ModelAdmin for an action's
    `allowed_permissions=("<name>",)`: the same check the service makes."""

    def check(self, request, obj=None) -> bool:
        return is_operator_with(request.user, perm)

    return check


# --- decision buttons on a change page -----------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A button on an object's change page that runs the admin action `action` on it."""

    action: str
    label: str
    needs_reason: bool = False


class DecisionsAdminMixin:
    """Approve / reject (with a reason) on the change page itself.

    `decisions(obj)` names the actions that apply to the object in its state; only those
    the operator may run (the action's `allowed_permissions`) are shown. The buttons post
    to the changelist like the action menu does, so the action, its permission check and
    its messages are the same; `confirm` + `reason` skip the reason page.
    """

    change_form_template = "admin/decision_change_form.html"

    def decisions(self, obj) -> list[Decision]:
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            allowed = self.get_actions(request)
            decisions = [d for d in self.decisions(obj) if d.action in allowed]
            opts = self.model._meta
            context.update(
                decisions=decisions,
                decision_needs_reason=any(d.needs_reason for d in decisions),
                decision_url=reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                action_checkbox_name=ACTION_CHECKBOX_NAME,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- review queues on the admin index ------------------------------------------------------


@dataclass(frozen=True)
class ReviewQueue:
    """What waits for an operator's decision: `model` rows matching `filters`, listed by
    its changelist with `query`."""

    label: str
    model: type[models.Model]
    filters: dict
    query: dict

    def url(self) -> str:
        opts = self.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{changelist}?{urlencode(self.query)}"


REVIEW_QUEUES: list[ReviewQueue] = []


def review_queue(label, model: type[models.Model], *, filters: dict, query: dict) -> None:
    """Show the pending count of a queue on the admin index (templates/admin/index.html)."""
    REVIEW_QUEUES.append(ReviewQueue(label=label, model=model, filters=filters, query=query))


def review_queue_counts(user) -> list[tuple[ReviewQueue, int]]:
    """The queues `user` may view, with the number of rows waiting in each."""
    counts = []
    for queue in REVIEW_QUEUES:
        opts = queue.model._meta
        if user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            counts.append((queue, queue.model._default_manager.filter(**queue.filters).count()))
    return counts

"""What every operator action in the admin shares.

An action calls a service for each selected row; a refusal (wrong status, missing reason,
a rule of the spec) is reported for that row, in the operator's language, without
stopping the others. Actions that need a reason (reject, delist …) first show one
intermediate page that asks for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import history_for
from .exceptions import DomainError


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


def history_table(obj) -> str:
    """The transition log of `obj` as a small read-only table."""
    rows = [
        (
            row.created_at.strftime("%Y-%m-%d %H:%M"),
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

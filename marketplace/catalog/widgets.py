"""Widgets of the seller-center product form."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .agreements import LineProblem


class AgreementTextarea(forms.Textarea):
    """A textarea for an agreement text, with

    - a "Start from the template" button that fills it with the platform's template
      (`template` is called at render time; static/js/agreement_template.js does the
      filling, asking first when the field is not empty), and
    - under it, the offending lines (`problems`, set by the form after a check) with their
      numbers and what is wrong with each, highlighted (issue 7 item 8).

    The markup is built here rather than in a widget template, so that it renders with
    Django's default form renderer.
    """

    def __init__(self, *args, template: Callable[[], str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        self.problems: Sequence[LineProblem] = ()

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = dict(attrs or {})
        html = super().render(name, value, attrs, renderer)
        field_id = attrs.get("id") or f"id_{name}"
        parts = [html]
        if self.template is not None:
            template_id = f"{field_id}-template"
            parts.insert(
                0,
                format_html(
                    '<div class="mb-1"><button type="button" '
                    'class="btn btn-sm btn-outline-secondary" data-fill-template="{}" '
                    'data-template-source="{}" data-confirm="{}" '
                    'data-testid="fill-template">{}</button></div>'
                    '<textarea id="{}" hidden disabled aria-hidden="true">{}</textarea>',
                    field_id,
                    template_id,
                    _("Replace the current text with the template?"),
                    _("Start from the template"),
                    template_id,
                    self.template(),
                ),
            )
        if self.problems:
            parts.append(
                format_html(
                    '<ol class="list-unstyled small border border-danger rounded mt-2 mb-0 '
                    'agreement-problems" data-testid="agreement-problems" '
                    'aria-label="{}">{}</ol>',
                    _("Lines to fix"),
                    format_html_join(
                        "",
                        '<li class="px-2 py-1 bg-danger-subtle border-bottom" '
                        'data-line="{}"><span class="badge text-bg-danger me-2">{}</span>'
                        '<mark class="bg-transparent p-0">{}</mark>'
                        '<span class="text-danger-emphasis ms-2">({})</span></li>',
                        (
                            (
                                p.line_number,
                                _("line %(number)d") % {"number": p.line_number},
                                p.text,
                                p.kind_label,
                            )
                            for p in self.problems
                        ),
                    ),
                )
            )
        return SafeString("".join(parts))

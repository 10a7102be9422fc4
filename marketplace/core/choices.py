"""Choice labels, translated once per language instead of on every `get_FOO_display()`.

Django's `Model._get_FIELD_display` builds a dict of the field's choices on each call, and
hashing a lazy label translates it: a list page of 20 rows showing three choice fields
translated a few hundred labels per request. `ChoiceLabels` (a mixin for models shown in
long lists) keeps one `{value: label}` per field and language."""

from __future__ import annotations

from django.utils.translation import get_language

_LABELS: dict[tuple[int, str | None], dict] = {}


def choice_labels(field) -> dict:
    """`{value: translated label}` of a model or form field's flat choices, in the active
    language (built on first use in each language)."""
    key = (id(field), get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = {value: str(label) for value, label in field.flatchoices}
        _LABELS[key] = labels
    return labels


class ChoiceLabels:
    """Model mixin: `get_FOO_display()` from `choice_labels` (same result, a dict lookup)."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return choice_labels(field).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)

"""Template helpers of the public catalog pages.

Choice labels are lazy translations; a results page shows a few hundred of them, and
casting each one costs a catalogue lookup. They are resolved once per language here.
"""

from functools import cache

from django import template
from django.utils.translation import get_language

from marketplace.catalog.models import BillingMode, DeliveryType

register = template.Library()


@cache
def choice_labels(enum: type, language: str | None) -> tuple[tuple[str, str], ...]:
    """An enum's (value, translated label) pairs in `language` (the active one)."""
    return tuple((value, str(label)) for value, label in enum.choices)


def _label_map(enum: type) -> dict[str, str]:
    return dict(choice_labels(enum, get_language()))


@register.filter
def billing_mode_labels(billing_modes: str) -> list[str]:
    """ ",period,trial," → the modes' translated labels, in BillingMode order."""
    present = set(filter(None, (billing_modes or "").split(",")))
    return [label for mode, label in choice_labels(BillingMode, get_language()) if mode in present]


@register.filter
def delivery_type_label(value: str) -> str:
    return _label_map(DeliveryType).get(value, value)


@register.filter
def split_tags(tags: str) -> list[str]:
    """ "a, b,c" → ["a", "b", "c"]."""
    return [t.strip() for t in (tags or "").split(",") if t.strip()]

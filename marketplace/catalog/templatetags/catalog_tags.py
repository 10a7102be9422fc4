"""Template helpers of the public catalog pages.

Choice labels are lazy translations; a results page shows a few hundred of them, and
casting each one costs a catalogue lookup. They are resolved once per language here.

Money and quantities are written with thousands separators in every language
(¥58,000.00, 1,000,000): Django's zh_Hans number format groups by four digits without a
separator, which buyers do not read as money, so both languages use the same grouping
here instead of the locale's (`money`, `quantity`). `price_phrase` is the one wording of
a price per billing mode, used wherever a page shows a price.
"""

import re
from decimal import Decimal, InvalidOperation
from functools import cache

from django import template
from django.utils import numberformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from marketplace.catalog.models import BillingMode, DeliveryType, Price, ProductScreenshot, Spec

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


def _grouped(value, decimal_pos: int | None) -> str:
    return numberformat.format(
        value, ".", decimal_pos, grouping=3, thousand_sep=",", force_grouping=True
    )


@register.filter
def money(value) -> str:
    """58000 → "¥58,000.00" (empty for None or a non-number)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return "¥" + _grouped(amount, 2)


@register.filter
def quantity(value) -> str:
    """1000000 → "1,000,000" (a count or quota; empty for None)."""
    if value is None or value == "":
        return ""
    try:
        return _grouped(int(value), None)
    except (TypeError, ValueError):
        return str(value)


_LEADING_NUMBER = re.compile(r"^\d{4,}")


def _unit_text(unit: str) -> str:
    """A seller's unit with its leading number grouped: "1000 tokens" → "1,000 tokens"."""
    unit = (unit or "").strip()
    return _LEADING_NUMBER.sub(lambda m: quantity(m.group()), unit)


@register.filter
def price_phrase(price: Price, spec: Spec | None = None) -> str:
    """One natural phrase for a price, by its period, in the active language:
    "¥58,000.00 / year", "Free", "¥0.02 per 1,000 tokens (pay-as-you-go)",
    "¥99.00 per package of 10,000 calls"; Chinese "¥58,000.00/年", "免费",
    "按量付费：每千 tokens ¥0.02". `spec` defaults to the price's own (already loaded
    when the prices were prefetched through their spec)."""
    if price.amount == 0 or price.period == Price.Period.FREE:
        return _("Free")
    spec = spec or price.spec
    amount = money(price.amount)
    unit = _unit_text(price.unit)
    period = price.period
    if period == Price.Period.MONTH:
        return _("%(price)s / month") % {"price": amount}
    if period == Price.Period.YEAR:
        return _("%(price)s / year") % {"price": amount}
    if period == Price.Period.ONCE:
        return _("%(price)s one-off") % {"price": amount}
    if period == Price.Period.UNIT:
        if unit:
            return _("%(price)s per %(unit)s (pay-as-you-go)") % {"price": amount, "unit": unit}
        return _("%(price)s per unit (pay-as-you-go)") % {"price": amount}
    if period == Price.Period.PACKAGE:
        quota = quantity(spec.package_quota) if spec is not None else ""
        if quota and unit:
            return _("%(price)s per package of %(quota)s %(unit)s") % {
                "price": amount,
                "quota": quota,
                "unit": unit,
            }
        if quota and spec.package_kind == Spec.PackageKind.PER_CALL:
            return _("%(price)s per package of %(quota)s calls") % {
                "price": amount,
                "quota": quota,
            }
        if quota:
            return _("%(price)s per package of %(quota)s uses") % {
                "price": amount,
                "quota": quota,
            }
        return _("%(price)s per package") % {"price": amount}
    return amount


@register.filter
def screenshot_url(name: str) -> str:
    """The URL of a screenshot's stored file name (a card's `first_screenshot`)."""
    if not name:
        return ""
    return ProductScreenshot._meta.get_field("image").storage.url(name)

"""Template filters of the settlement pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from settlement.explain import percent_text

register = template.Library()


@register.filter
def percent(ratio) -> str:
    """A stored ratio as people read it: 0.125000 → "12.5%"; "—" for none."""
    return "—" if ratio is None or ratio == "" else percent_text(ratio)


# The partner modes' names without the model labels' Chinese gloss, which an English page
# would show as is (the Chinese page translates them to the same terms).
PARTNER_MODES = {
    "price_share": _("Price share"),
    "floor_price": _("Floor-price discount share"),
}


@register.filter
def partner_mode(value) -> str:
    return str(PARTNER_MODES.get(str(value or ""), "—"))

"""The parts of a list page that change with every new search, written, not rendered.

An uncached search (a new term, another filter) renders its list part: the filter
sidebar with its counts and the cards of products not seen before. Django's template
engine spent more on them than on everything else the request does (about 0.2 ms per
card, some 40 nodes each; 2.5 ms for the sidebar). Here:

- `write_cards`: catalog/_card.html's bytes from a card's values, with the template's
  escaping, labels and translations.
- `write_facets`: catalog/_facets.html's (the sidebar's counted filters, also sent
  out of band after an htmx results fragment, where the template renders them).
- `write_filters`: catalog/_filters.html (the sidebar) from a frame, as core/shell.py
  writes pages: the template is rendered once per language, catalog generation, page
  and selected category and region, with markers in place of the request's own values
  (the price bounds, the tag, the counted filters), and kept in the list cache
  (`filters_frame`); each request's sidebar is the frame's pieces joined with those
  values, escaped as the template escapes them.

The templates stay the reference (the home page renders its cards with them); the
tests hold each writer to its template's HTML for every branch, in both languages
(tests/catalog/test_fragments.py).
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import secrets

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import BillingMode, DeliveryType
from .templatetags.catalog_tags import choice_labels, money, quantity, screenshot_url

logger = logging.getLogger(__name__)


def _esc(value) -> str:
    """`conditional_escape(value)`, without its lazy-string wrapper (per value written)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_IMG = (
    '\n             alt=""'
    '\n             class="rounded flex-shrink-0 object-fit-cover"'
    '\n             width="48"'
    '\n             height="48"'
    '\n             loading="lazy"'
)
_URL_PROBE = 987654321  # stands for the id in the product page's URL (`write_cards`)


def write_cards(products) -> list[str]:
    """`write_card` of each product (a Product or a selectors.ProductCard), in order."""
    # The product page's URL around its id, reversed once for the batch: the id is the
    # only part that differs ({% url 'catalog:product' product.pk %}).
    url = _esc(reverse("catalog:product", args=[_URL_PROBE]))
    before, after = url.split(str(_URL_PROBE))
    language = get_language()
    delivery_labels = dict(choice_labels(DeliveryType, language))
    billing_labels = choice_labels(BillingMode, language)
    words = {"none": _("Price on request"), "free": _("Free"), "from": _("from")}
    return [_card(p, before, after, delivery_labels, billing_labels, words) for p in products]


def write_card(product) -> str:
    """catalog/_card.html rendered for `product`, byte for byte."""
    return write_cards([product])[0]


def _card(product, before, after, delivery_labels, billing_labels, words) -> str:
    esc = _esc
    logo = product.listed_version.logo
    if logo:
        picture = f'<img src="{esc(logo.url)}"{_IMG}>'
    elif product.first_screenshot:
        picture = (
            f'<img src="{esc(screenshot_url(product.first_screenshot))}"{_IMG}'
            '\n             data-testid="card-screenshot">'
        )
    else:
        picture = (
            '<div class="rounded bg-light border text-secondary d-flex align-items-center '
            'justify-content-center fw-semibold flex-shrink-0"'
            '\n             style="width: 48px;'
            '\n                    height: 48px"'
            '\n             aria-hidden="true"'
            f"\n             data-user-content>{esc(product.name[:1])}</div>"
        )
    present = set(filter(None, (product.billing_modes or "").split(",")))
    badges = "".join(
        '\n          <span class="badge text-bg-light border text-secondary">'
        f"{esc(label)}</span>\n        "
        for mode, label in billing_labels
        if mode in present
    )
    price = product.min_price
    if price is None:
        price_html = f'<span class="text-muted small">{esc(words["none"])}</span>'
    elif price == 0:
        price_html = f'<span class="fw-semibold text-success">{esc(words["free"])}</span>'
    else:
        price_html = (
            f'<span class="small text-muted">{esc(words["from"])}</span>'
            f'\n          <span class="fw-semibold">{esc(money(price))}</span>'
        )
    delivery = delivery_labels.get(product.delivery_type, product.delivery_type)
    return (
        '\n\n<div class="card h-100 shadow-sm product-card" data-testid="product-card">'
        '\n  <div class="card-body d-flex flex-column">'
        '\n    <div class="d-flex align-items-start gap-2 mb-2">'
        f"\n      \n        {picture}\n      "
        '\n      <div class="overflow-hidden">'
        '\n        <h3 class="h6 mb-1">'
        '\n          <a class="stretched-link text-decoration-none text-body"'
        f'\n             href="{before}{product.pk}{after}"'
        f"\n             data-user-content>{esc(product.name)}</a>"
        "\n        </h3>"
        '\n        <div class="small text-muted text-truncate" data-user-content>'
        f"{esc(product.seller.store_name)}</div>"
        "\n      </div>"
        "\n    </div>"
        '\n    <p class="small text-secondary mb-2 product-summary" data-user-content>'
        f"{esc(product.summary)}</p>"
        '\n    <div class="mt-auto">'
        '\n      <div class="mb-2">'
        f'\n        <span class="badge text-bg-light border">{esc(delivery)}</span>'
        f"\n        {badges}"
        "\n      </div>"
        '\n      <div class="product-price">'
        f"\n        \n          {price_html}\n        "
        "\n      </div>"
        "\n    </div>"
        "\n  </div>"
        "\n</div>\n"
    )


# --- the sidebar's counted filters (catalog/_facets.html) -------------------------------


def write_facets(facets: dict, *, oob: bool = False) -> SafeString:
    """catalog/_facets.html rendered with `facets` (views._facets_context) and `oob`."""
    esc = _esc
    oob_attr = 'hx-swap-oob="true"' if oob else ""
    empty = esc(_("No products to filter."))

    def checkboxes(key: str, name: str, prefix: str, legend: str, choices: list) -> str:
        rows = []
        for choice in choices:
            value = esc(choice["value"])
            count = choice["count"]
            count_html = ""
            if count is not None:
                count_html = (
                    '<span class="facet-count" data-testid="facet-count">'
                    f"{esc(quantity(count))}</span>"
                )
            rows.append(
                '\n    <div class="form-check small">'
                '\n      <input class="form-check-input"'
                '\n             type="checkbox"'
                f'\n             name="{name}"'
                f'\n             value="{value}"'
                f'\n             id="{prefix}-{value}"'
                f"\n             {'checked' if choice['checked'] else ''}>"
                f'\n      <label class="form-check-label facet-label" for="{prefix}-{value}">'
                f"\n        <span>{esc(choice['label'])}</span>"
                f"\n        {count_html}"
                "\n      </label>"
                "\n    </div>"
                "\n  "
            )
        body = "".join(rows) or f'\n    <p class="small text-muted mb-0">{empty}</p>\n  '
        return (
            '\n\n<fieldset class="mb-4"'
            f'\n          id="facet-{key}"'
            f'\n          data-testid="facet-{key}"'
            f"\n          {oob_attr}>"
            f'\n  <legend class="h6 text-uppercase text-muted">{esc(legend)}</legend>'
            f"\n  {body}"
            "\n</fieldset>\n"
        )

    picked = facets["seller"]
    sellers = ""
    if facets["sellers"] or picked:
        options = []
        for pk, name, count in facets["sellers"]:
            if count is None:
                text = esc(name)
            else:
                text = _("%(name)s (%(count)s)") % {
                    "name": esc(name),
                    "count": esc(quantity(count)),
                }
            options.append(
                "\n        <option data-user-content"
                f'\n                value="{esc(pk)}"'
                f"\n                {'selected' if picked == str(pk) else ''}>"
                f"\n          \n            {text}\n          "
                "\n        </option>"
                "\n      "
            )
        sellers = (
            '\n    <label class="h6 text-uppercase text-muted d-block" for="filter-seller">'
            f"{esc(_('Seller'))}</label>"
            '\n    <select class="form-select form-select-sm" id="filter-seller" name="seller">'
            f'\n      <option value="">{esc(_("All sellers"))}</option>'
            f"\n      {''.join(options)}"
            "\n    </select>"
            "\n  "
        )
    written = (
        "\n\n\n\n"
        + checkboxes(
            "delivery-type", "delivery_type", "dt", _("Delivery type"), facets["delivery_types"]
        )
        + "\n\n"
        + checkboxes(
            "billing-mode", "billing_mode", "bm", _("Billing mode"), facets["billing_modes"]
        )
        + "\n"
        + '<div class="mb-4"'
        + '\n     id="facet-seller"'
        + '\n     data-testid="facet-seller"'
        + f"\n     {oob_attr}>"
        + f"\n  {sellers}"
        + "\n</div>\n"
    )
    return mark_safe(written)  # noqa: S308 (every value above is escaped)


# --- the filter sidebar (catalog/_filters.html) ------------------------------------------

# The request's own values in the sidebar: the price bounds and the tag (`params`), the
# counted filters, the search term. Nothing else of the request may reach the template:
# a frame serves every request with the same `filters_frame_key`.
_SLOT_PARAMS = ("price_min", "price_max", "tag")
_MARK = "flt" + secrets.token_hex(6)  # per process: never in a real page
_SLOT = re.compile(f"{_MARK}(\\w+?){_MARK}")


def filters_frame_key(request, params, page_category) -> str:
    """The list cache's name (cache.get_or_build: per catalog generation, which every
    change to the category tree, the regions or the tags bumps) of the sidebar's frame:
    the language, the page (and its category) and the selected category and region, the
    values the template tests."""
    selection = (params.get("category", ""), params.get("region", ""))
    page = (request.path, page_category.pk if page_category else None)
    digest = hashlib.md5(repr((page, selection)).encode(), usedforsecurity=False).hexdigest()
    return f"{get_language()}:catalog/_filters.html:frame:{digest}"


def filters_frame(request, context: dict) -> list[str] | bool:
    """The sidebar's frame for `context` (views._listing: `params`, the category tree,
    the regions, the tag suggestions and, on a category page, `category`): the template
    rendered with markers in place of the request's own values, split at them into
    literal, slot, literal, ..., literal. False if the template does not use a value as
    it is (a filter, a test on it): that sidebar is rendered as usual."""
    params = context["params"]
    probe = {
        **context,
        "params": {
            "category": params.get("category", ""),
            "region": params.get("region", ""),
            **{name: f"{_MARK}{name}{_MARK}" for name in _SLOT_PARAMS},
        },
        "facets_html": f"{_MARK}facets_html{_MARK}",
        "query": f"{_MARK}query{_MARK}",
    }
    rendered = render_to_string("catalog/_filters.html", probe, request)
    frame = _SLOT.split(rendered)
    slots = set(frame[1::2])
    known = {*_SLOT_PARAMS, "facets_html", "query"}
    if "facets_html" not in slots or not slots <= known or any(_MARK in p for p in frame[::2]):
        logger.warning("No frame for catalog/_filters.html: its values are not used as they are")
        return False
    return frame


def write_filters(frame: list[str], *, params, facets_html: SafeString, query: str) -> SafeString:
    """The sidebar of a request from its frame (`filters_frame`): the slots filled with
    the request's values, escaped as the template escapes them."""
    values = {name: _esc(params.get(name, "")) for name in _SLOT_PARAMS}
    values["facets_html"] = facets_html
    values["query"] = _esc(query)
    parts = [piece if i % 2 == 0 else values[piece] for i, piece in enumerate(frame)]
    return mark_safe("".join(parts))  # noqa: S308 (the template escaped the frame, we the values)

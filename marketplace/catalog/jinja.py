"""Jinja2 for the one fragment whose Django template cost more than the rest of its
request: the product page's body (README › Performance: catalog pages). Settings name
this environment in TEMPLATES (the "jinja2" engine); its templates are
`templates/**/*.jinja`. In the catalog, whose template filters it uses.

It writes a value as a Django template does, so a fragment moved here keeps its HTML
byte for byte: `{{ value }}` is localized and escaped by Django's rules (`&#x27;`,
`&quot;`: markupsafe's own differ), a missing value writes nothing, `_()` is Django's
`{% translate %}` and, with placeholders, `{% blocktranslate with … %}` (the values
escaped unless safe), `ngettext()` its `count` form, `url()` is `{% url %}`, and the
filters are the site's template filters under their Django names.

makemessages reads Django templates and Python only: a string in a `.jinja` template is
a `_()`/`ngettext()` call whose msgid the catalogue has (append new ones to django.po by
hand); tests/catalog/test_jinja.py fails for one it lacks.
"""

from __future__ import annotations

import html
from functools import cache, lru_cache

from django.core.signals import setting_changed
from django.template import defaultfilters
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from jinja2 import ChainableUndefined, Environment

from marketplace.accounts.templatetags.display import phone_uri
from marketplace.core.templatetags.user_content import user_content

from .templatetags.catalog_tags import (
    billing_mode_labels,
    money,
    price_phrase,
    quantity,
    split_tags,
)


def environment(**options) -> Environment:
    """The "jinja2" template engine's environment (settings › TEMPLATES)."""
    options.pop("autoescape", None)
    # as in a Django template, even with DEBUG: a missing value (or its attribute) is ""
    options["undefined"] = ChainableUndefined
    options.setdefault("keep_trailing_newline", True)  # an include ends as Django's does
    env = Environment(autoescape=True, finalize=display_value, **options)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, url=url, label=label)
    env.filters.update(
        billing_mode_labels=billing_mode_labels,
        join=defaultfilters.join,  # escapes each item (and the joint) as Django does
        money=money,
        phone_uri=phone_uri,
        price_phrase=price_phrase,
        quantity=quantity,
        split_tags=split_tags,
        urlencode=defaultfilters.urlencode,
        user_content=user_content,
    )
    return env


def display_value(value):
    """`{{ value }}` as a Django template writes it (`render_value_in_context`): numbers
    and dates localized, escaped by Django's rules (`django.utils.html.escape` is
    `html.escape`) unless safe (a SafeString or Markup: Jinja leaves it as it is)."""
    if isinstance(value, str):
        return value if hasattr(value, "__html__") else SafeString(html.escape(value))
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def gettext(message: str, **variables) -> SafeString:
    """`{% translate message %}`; with `variables`, `{% blocktranslate with name=… %}`
    whose text is `message` with `%(name)s` placeholders."""
    text = _translated(translation.get_language(), message)
    if variables:
        text %= {name: display_value(value) for name, value in variables.items()}
    return SafeString(text)


def ngettext(singular: str, plural: str, count: int, **variables) -> SafeString:
    """`{% blocktranslate count name=count %}`: pass the counter among `variables` too."""
    text = translation.ngettext(singular, plural, count)
    return SafeString(text % {name: display_value(value) for name, value in variables.items()})


@lru_cache(maxsize=2048)
def _translated(language: str | None, message: str) -> str:
    """Django's `gettext` of a template's message in the active `language`, looked up
    once (each lookup walks the language's catalogue and its fallbacks: a body has
    thirty of them)."""
    return translation.gettext(message)


def url(viewname: str, *args) -> str:
    """`{% url viewname arg … %}`."""
    return _reversed(get_urlconf(), get_script_prefix(), viewname, args)


@lru_cache(maxsize=4096)
def _reversed(urlconf, prefix: str, viewname: str, args: tuple) -> str:
    """`reverse`, once per URL configuration, script prefix, name and arguments (a
    body's five URLs cost a tenth of its rendering)."""
    return reverse(viewname, urlconf=urlconf, args=args or None)


@cache
def _labels(model: type, field_name: str, language: str | None) -> dict:
    return {value: str(text) for value, text in model._meta.get_field(field_name).flatchoices}


def label(instance, field_name: str):
    """`instance.get_<field_name>_display()`, its labels translated once per language
    (Django's builds and translates the whole choice list on every call)."""
    value = getattr(instance, field_name)
    return _labels(type(instance), field_name, translation.get_language()).get(value, value)


def _forget(**kwargs) -> None:
    # a test's other URLs, languages or catalogues
    for cached in (_translated, _reversed, _labels):
        cached.cache_clear()


setting_changed.connect(_forget)

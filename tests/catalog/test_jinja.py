"""The product page's body in Jinja2 (catalog/jinja.py) writes what Django's templates
write: values, escaping, translations and URLs as Django's tags and filters do them; its
twins of shared Django includes give the same HTML as those includes; every string in a
`.jinja` template is in the Chinese catalogue (makemessages does not read them)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import Context, Template, engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from marketplace.catalog import selectors
from tests.catalog.test_catalog_api_output import TYPES, rich_product

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def jinja(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def django(source: str, **context) -> str:
    return Template(source).render(Context(context))


VALUES = [
    'Tom & Jerry\'s <b>"best"</b>',
    mark_safe("<i>safe</i>"),
    gettext_lazy("Home"),
    12345,
    Decimal("12.50"),
    Decimal("1E+1"),
    2.5,
    None,
    True,
    "",
    datetime.date(2026, 1, 31),
    datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.UTC),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_django_writes_it(value, language):
    with translation.override(language), timezone.override("Asia/Shanghai"):
        assert jinja("{{ v }}", v=value) == django("{{ v }}", v=value)
        assert jinja("{{ missing.attr }}") == django("{{ missing.attr }}") == ""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_translations_are_djangos(language):
    with translation.override(language):
        assert jinja('{{ _("Home") }}') == django('{% load i18n %}{% translate "Home" %}')
        # placeholders escaped unless safe, as blocktranslate's
        assert jinja(
            '{{ _("%(name)s: %(values)s", name=name, values=values|user_content) }}',
            name="<E>",
            values="a & b",
        ) == django(
            "{% load i18n user_content %}{% blocktranslate with values=values|user_content %}"
            "{{ name }}: {{ values }}{% endblocktranslate %}",
            name="<E>",
            values="a & b",
        )
        for days in (1, 3):
            assert jinja(
                '{{ ngettext("About %(days)s day", "About %(days)s days", n, days=n) }}', n=days
            ) == django(
                "{% load i18n %}{% blocktranslate count days=n %}About {{ days }} day"
                "{% plural %}About {{ days }} days{% endblocktranslate %}",
                n=days,
            )


def test_urls_and_labels_are_djangos():
    assert jinja('{{ url("catalog:store", 7) }}') == reverse("catalog:store", args=[7])
    assert jinja('{{ url("home") }}') == reverse("home")
    product = rich_product("hardware")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert jinja('{{ label(p, "delivery_type") }}', p=product) == (
                product.get_delivery_type_display()
            )


def twin_context(product) -> dict:
    product = selectors.product_get_listed(product_id=product.pk)
    return {"product": product, "version": product.listed_version}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("delivery_type", list(TYPES))
def test_the_delivery_details_twin_is_the_django_include(delivery_type, language):
    # catalog/_delivery_details.html is also the seller's product page's: the body has a twin
    product = rich_product(delivery_type)
    version = product.listed_version
    for field in (
        "image_os",
        "hardware_spec",
        "hardware_size",
        "deploy_contents",
        "api_quota_unit",
    ):
        if getattr(version, field):
            setattr(version, field, f"<{field}> & 'x'")
    version.save()
    context = twin_context(product)
    with translation.override(language):
        django_html = engines["django"].get_template("catalog/_delivery_details.html")
        jinja_html = engines["jinja2"].get_template("catalog/_delivery_details.jinja")
        assert jinja_html.render(context) == django_html.render(context)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("count", [1, 2])
def test_the_carousel_twin_is_the_django_include(count, language):
    product = selectors.product_get_listed(product_id=rich_product("saas").pk)
    context = {
        "carousel_id": "screenshots",
        "items": list(product.listed_version.screenshots.all())[:count],
        "testid": "screenshots",
        "img_class": "mx-auto img-fluid carousel-screenshot",
    }
    with translation.override(language):
        django_html = engines["django"].get_template("includes/carousel.html")
        jinja_html = engines["jinja2"].get_template("includes/carousel.jinja")
        assert jinja_html.render(context) == django_html.render(context)


def test_every_string_of_the_jinja_templates_is_translated():
    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="zh_Hans")
    found = [
        message
        for path in sorted(TEMPLATES.rglob("*.jinja"))
        for _, message, _, _ in extract_from_file(
            "jinja2.ext:babel_extract",
            path,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        )
    ]
    assert len(found) > 40
    missing = []
    for message in found:
        entry = catalogue.get(message)
        translated = entry is not None and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)
        )
        if not translated or (isinstance(message, tuple) and entry.id != message):
            missing.append(message)
    assert missing == []


def test_an_anonymous_visitors_log_in_link_has_the_pages_path(client):
    product = rich_product("saas")
    url = reverse("catalog:product", args=[product.pk])
    for _ in range(2):  # first visit, then the cached body
        html = client.get(url, {"region": "cn-north-1"}).content.decode()
        assert f'?next={url}%3Fregion%3Dcn-north-1">' in html
        assert html.count('data-testid="may-buy"') == 1

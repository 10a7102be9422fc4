"""The operators' admin speaks the page's language and names the marketplace (issue #7's
crawl): the title carries the site's name, every model and field the admin shows has a
translated name, and a product still in draft is listed by its name, not its number."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from marketplace.catalog.models import Product
from tests.factories.accounts import UserFactory
from tests.factories.catalog_publishing import draft_product

CJK = re.compile(r"[\u4e00-\u9fff]")
# Names that read the same in both languages.
SAME_IN_BOTH = {"logo", "api"}


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _in(language: str, client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_admin_title_names_the_marketplace(operator_client, language):
    _in(language, operator_client)
    with translation.override(language):
        site_name = str(settings.SITE_NAME)
    for url in [reverse("admin:index"), reverse("admin:catalog_product_changelist")]:
        html = operator_client.get(url).content.decode()
        assert site_name in _title(html), (url, _title(html))
        assert site_name in html.split('id="site-name"')[1][:300]  # the header too


def _untranslated(text) -> bool:
    with translation.override("zh-hans"):
        return str(text).lower() not in SAME_IN_BOTH and not CJK.search(str(text))


def _project_and_admin_models():
    registered = set(admin.site._registry)
    for model in apps.get_models():
        if model in registered or not model.__module__.startswith("django."):
            yield model


def test_every_model_the_admin_may_show_has_translated_names():
    """Meta names and field names (what the admin's headings, columns, filters and labels
    show) go through gettext and have a Chinese translation; django-axes's (it ships none)
    come from our catalogue."""
    missing = []
    for model in _project_and_admin_models():
        meta = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            name = meta.original_attrs.get(attr)
            if name is None or _untranslated(name):
                missing.append(f"{meta.label}.Meta.{attr}")
        for field in meta.get_fields():
            if (
                field.auto_created
                or field.name == "id"
                or not (field.concrete or field.many_to_many)
            ):
                continue
            if not isinstance(field.verbose_name, Promise) or _untranslated(field.verbose_name):
                missing.append(f"{meta.label}.{field.name}: {field.verbose_name!r}")
    assert missing == []


def test_every_admin_app_has_a_translated_name():
    missing = [
        config.label
        for config in apps.get_app_configs()
        if any(model in admin.site._registry for model in config.get_models())
        and _untranslated(config.verbose_name)
    ]
    assert missing == []


@pytest.mark.django_db
def test_a_draft_is_named_by_its_latest_version():
    product = draft_product(name="CloudBoard draft")
    assert product.name == ""  # never listed: nothing denormalised yet
    assert str(Product.objects.get(pk=product.pk)) == "CloudBoard draft"


def _product_list(client) -> tuple[str, int]:
    url = reverse("admin:catalog_product_changelist")
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return html, len(queries)


@pytest.mark.django_db
def test_the_product_list_names_drafts_without_a_query_per_row(operator_client):
    draft_product(name="First draft")
    _, one = _product_list(operator_client)
    draft_product(name="Second draft")
    draft_product(name="Third draft")
    html, three = _product_list(operator_client)
    assert "Second draft" in html and "Third draft" in html
    assert not re.search(r">#\d+<", html)
    assert three == one

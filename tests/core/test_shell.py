"""The hot public pages from their frame (core/shell.py) are the pages Django renders.

Each page is fetched twice, through the frame and with the frame turned off, and the
two answers must be the same HTML but for the CSRF token (masked anew each time)."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from marketplace.core import shell
from tests.factories.catalog_publishing import listed_product

pytestmark = pytest.mark.django_db

TOKENS = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(r'("X-CSRFToken": ")[^"]+'),
]


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    shell._FRAMES.clear()
    yield
    cache.clear()
    shell._FRAMES.clear()


def normalized(html: str) -> str:
    for token in TOKENS:
        html = token.sub(r"\1TOKEN", html)
    return html


def both_ways(client, monkeypatch, url: str, language: str) -> tuple[str, str]:
    client.cookies["django_language"] = language
    framed = client.get(url)
    assert framed.status_code == 200
    with monkeypatch.context() as patched:
        patched.setattr(shell, "_fast", lambda request, context: False)
        rendered = client.get(url)
    return framed.content.decode(), rendered.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "url",
    [
        "home",
        "product",
        'product?tab=<b>&next=/x?y="1"\'',
        "search?q=cloud",
        "search?q=<script>'\"&",
    ],
)
def test_a_framed_page_is_the_rendered_page(client, monkeypatch, url, language):
    product = listed_product(name="Cloud <Office> & 'Co'")
    path, _, query = url.partition("?")
    target = {
        "home": reverse("home"),
        "product": reverse("catalog:product", args=[product.pk]),
        "search": reverse("catalog:search"),
    }[path]
    target += f"?{query}" if query else ""
    framed, rendered = both_ways(client, monkeypatch, target, language)
    assert shell._FRAMES, "the frame was not used"
    assert all(frame is not None for frame in shell._FRAMES.values())
    assert normalized(framed) == normalized(rendered)
    # the CSRF token is a real one, the same in the htmx header and the language form
    tokens = [token.search(framed).group(0).rsplit('"', 1)[-1] for token in TOKENS]
    assert tokens[0] == tokens[1] and len(tokens[0]) == 64


def test_the_frame_is_per_language(client):
    product = listed_product(name="Cloud Office")
    url = reverse("catalog:product", args=[product.pk])
    client.cookies["django_language"] = "zh-hans"
    assert 'lang="zh-hans"' in client.get(url).content.decode()[:200]
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get(url).content.decode()


def test_signed_in_visitors_and_messages_get_the_whole_render(client, django_user_model, rf):
    product = listed_product(name="Cloud Office")
    url = reverse("catalog:product", args=[product.pk])
    user = django_user_model.objects.create_user("frame-buyer", password="x-pass-2026")
    client.force_login(user)
    html = client.get(url).content.decode()
    assert "frame-buyer" in html and not shell._FRAMES
    client.logout()
    # a message waiting for the next page is shown on it, and only once
    storage = CookieStorage(rf.get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Welcome back")])
    assert "Welcome back" in client.get(url).content.decode()
    assert not shell._FRAMES
    assert "Welcome back" not in client.get(url).content.decode()
    assert shell._FRAMES


def test_a_template_that_transforms_a_value_gets_no_frame(rf):
    request = rf.get("/")
    request.resolver_match = None
    with translation.override("en"):
        frame = shell._build_frame(request, "catalog/search.html", ["listing", "query"])
        assert frame is not None
        # `title` is not a value of search.html: a frame that would leave it out is refused
        assert shell._build_frame(request, "catalog/search.html", ["nothing_uses_this"]) is None

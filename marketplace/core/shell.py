"""The hot public pages for visitors without an account, from a frame rendered once.

A catalog page is mostly its frame (base.html: navigation, language switch, footer)
around a body that the catalog already caches as HTML. For a visitor without an
account the frame differs between requests in a handful of values only: the CSRF
token, the page's own path (the language switch's `next`, the log-in links'
`?next=`), the search box's `q`, and the view's own string values (the title, the
cached body). `render_page` renders the page's template once per process, language
and set of values with a marker in place of each of them, and from then on writes a
response by putting the request's values between the frame's pieces: no template
runs. Anything else (a signed-in visitor, a message to show, an htmx request, a
value that is not a non-empty string) is rendered as usual, and the tests hold both
ways to the same HTML (tests/core/test_shell.py).
"""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

_MARK = "shl" + secrets.token_hex(6)  # per process: never in a real page
_SLOT = re.compile(f"{_MARK}(\\w+?){_MARK}")
# The probe's path: get_full_path keeps the apostrophe, the template's autoescape
# turns it into &#x27; and the urlencode filter into %27, which tells the two uses apart.
_PATH = f"/{_MARK}path'{_MARK}"
_FRAMES: dict[tuple, list[str] | None] = {}


def render_page(request, template_name: str, context: dict[str, str]) -> HttpResponse:
    """`render(request, template_name, context)`, from the template's frame when the
    visitor has no account (see the module's docstring)."""
    frame = _frame(request, template_name, context) if _fast(request, context) else None
    if frame is None:
        return render(request, template_name, context)
    token = get_token(request)
    full_path = request.get_full_path()
    values = {
        "csrf": token,
        "path_html": escape(full_path),
        "path_url": quote(full_path),
        "q": escape(request.GET.get("q", "")),
    }
    for name, value in context.items():
        values[f"v_{name}"] = value if isinstance(value, SafeString) else escape(value)
    # frame: literal, slot, literal, slot, ..., literal
    parts = [piece if position % 2 == 0 else values[piece] for position, piece in enumerate(frame)]
    return HttpResponse("".join(parts))


def _fast(request, context: dict) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not getattr(request, "htmx", False)
        and all(isinstance(value, str) and value for value in context.values())
        and not len(get_messages(request))  # counting them leaves them for the page
    )


def _frame(request, template_name: str, context: dict) -> list[str] | None:
    key = (template_name, get_language(), tuple(sorted(context)))
    if key not in _FRAMES:
        _FRAMES[key] = _build_frame(request, template_name, sorted(context))
    return _FRAMES[key]


def _build_frame(request, template_name: str, names: list[str]) -> list[str] | None:
    probe = HttpRequest()
    probe.method = "GET"
    probe.path = probe.path_info = _PATH
    probe.GET = QueryDict(mutable=True)
    probe.GET["q"] = f"{_MARK}q{_MARK}"
    probe.META = {"SERVER_NAME": "shell.invalid", "SERVER_PORT": "80"}
    probe.user = AnonymousUser()
    probe.resolver_match = request.resolver_match
    probe.htmx = False
    context = {name: f"{_MARK}v_{name}{_MARK}" for name in names}
    context["csrf_token"] = f"{_MARK}csrf{_MARK}"
    html = render_to_string(template_name, context, probe)
    html = html.replace(escape(_PATH), f"{_MARK}path_html{_MARK}")
    html = html.replace(quote(_PATH), f"{_MARK}path_url{_MARK}")
    frame = _SLOT.split(html)
    slots = set(frame[1::2])
    expected = {"csrf", *(f"v_{name}" for name in names)}
    known = expected | {"path_html", "path_url", "q"}
    if not expected <= slots or not slots <= known or any(_MARK in part for part in frame[::2]):
        # a value the template transforms (a filter, a test on it): no frame for it
        logger.warning("No page frame for %s: its values are not used as they are", template_name)
        return None
    return frame


def _forget_frames(**kwargs) -> None:
    _FRAMES.clear()


setting_changed.connect(_forget_frames)

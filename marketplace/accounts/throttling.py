"""Limits on guessing: who the client is, django-axes' hooks, and a small cache limiter.

Log-in failures (site, admin, API basic auth) are counted by django-axes in the database
(settings, "Log-in throttling"). Password-reset and verification e-mails are counted
here, in the cache: Redis in production, shared by every worker; a counter lives for
its window from the first hit (a fixed window, enough to stop a flood of e-mails).
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .names import name_key


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the
    address the outermost trusted proxy saw. Anything further left in X-Forwarded-For was
    written by the client and can't be trusted. None if unknown (django-axes stores it in
    an address column, which takes no other text)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count and _is_address(hops[-count]):
            return hops[-count]
    address = request.META.get("REMOTE_ADDR", "")
    return address if _is_address(address) else None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """The account a log-in attempt is for, as its uniqueness key: "Bob", "ｂｏｂ" and
    "bob" share one failure counter."""
    username = (credentials or {}).get("username")
    if username is None:
        username = getattr(request, "POST", {}).get("username", "")
    return name_key(username or "")


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """What a locked-out client sees (429): JSON for the API, a page otherwise."""
    seconds = int(settings.AXES_COOLOFF_TIME * 3600)
    message = _("Too many failed log-ins. Try again in %(minutes)d minutes.") % {
        "minutes": max(1, seconds // 60)
    }
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def allow(scope: str, key: str, *, limit: int, period: int = 3600) -> bool:
    """Count one hit of `key` in `scope`; False once more than `limit` came in `period` s."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    cache_key = f"throttle:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count <= limit

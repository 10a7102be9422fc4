"""HTTP basic authentication for the API, throttled like the log-in pages.

DRF's own class passes its `Request` wrapper to authenticate(); django-axes marks a
lockout on the object it gets, which the lockout middleware never sees. This one passes
the Django request, so failures are counted per account and per address exactly as on
the log-in pages, and a locked-out client gets 429 with Retry-After. Wrong credentials
answer 401 with `WWW-Authenticate: Basic realm="api"` (it is the first authentication
class in settings, which is what makes DRF answer 401 rather than 403).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication


class ThrottledBasicAuthentication(BasicAuthentication):
    www_authenticate_realm = "api"

    def authenticate_credentials(self, userid, password, request=None):
        django_request = getattr(request, "_request", request)
        user = authenticate(request=django_request, username=userid, password=password)
        if getattr(django_request, "axes_locked_out", False):
            raise exceptions.Throttled(
                wait=settings.AXES_COOLOFF_TIME * 3600,
                detail=_("Too many failed log-ins for this account or address."),
            )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        return (user, None)


class ThrottledBasicScheme(OpenApiAuthenticationExtension):
    """The OpenAPI schema names it plain HTTP basic auth (registered on import)."""

    target_class = ThrottledBasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}

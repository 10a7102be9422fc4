"""API authentication: HTTP basic, throttled like the log-in pages; personal API tokens.

Basic: DRF's own class passes its `Request` wrapper to authenticate(); django-axes marks a
lockout on the object it gets, which the lockout middleware never sees. This one passes
the Django request, so failures are counted per account and per address exactly as on
the log-in pages, and a locked-out client gets 429 with Retry-After. Wrong credentials
answer 401 with `WWW-Authenticate: Basic realm="api"` (it is the first authentication
class in settings, which is what makes DRF answer 401 rather than 403).

Tokens (`Authorization: Bearer mkt_…`, ApiTokenAuthentication below) come second: clients
that call often don't send a password, and cost one query instead of a password hash and
django-axes' lookups.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    get_authorization_header,
)

from marketplace.core import rawload

from . import tokens
from .models import ApiToken, User
from .services import api_token_mark_used


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


# The token by its digest with its account, as `select_related("user")` would give them, in
# hand-written SQL run as a prepared statement (core/rawload.py): on every API request the
# ORM's query building cost several times the lookup itself.
_quote = connection.ops.quote_name
_TOKEN = rawload.Columns(ApiToken, "t")
_USER = rawload.Columns(User, "u")
_TOKEN_SQL = rawload.select(
    _TOKEN,
    _USER,
    tail=(
        f"FROM {_quote(ApiToken._meta.db_table)} t"
        f" INNER JOIN {_quote(User._meta.db_table)} u"
        f" ON u.{_quote(User._meta.pk.column)} = t.{_quote(ApiToken.user.field.column)}"
        f" WHERE t.{_quote(ApiToken._meta.get_field('digest').column)} = %s"
    ),
)


def _api_token_get(*, digest: str) -> ApiToken | None:
    """The token whose digest is `digest`, its `user` loaded; None if there is none."""
    rows = rawload.fetch(_TOKEN_SQL, [digest], prepare=True)
    if not rows:
        return None
    api_token = _TOKEN.build(rows[0])
    rawload.related(api_token, "user", _USER.build(rows[0], len(_TOKEN)))
    return api_token


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer mkt_<prefix>_<secret>`, a personal API token (README › API
    tokens), made on the account's "API tokens" page.

    One query (prepared, `_api_token_get`): the token by its digest, joined to its account.
    A malformed token is refused before any query; an unknown, revoked or expired token, or
    an inactive account, gets 401 with its reason. `last_used_at` is written only when it is
    older than API_TOKEN_LAST_USED_EVERY (one conditional UPDATE, prepared too), not on every
    request. No password hash and no django-axes: 256 random bits cannot be guessed, so there
    is nothing to throttle beyond DRF's rates. `request.auth` is the ApiToken.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # another scheme (basic) or none: the other classes decide
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the API token as “Authorization: Bearer <token>”.")
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            token = ""
        if not tokens.is_well_formed(token):
            raise exceptions.AuthenticationFailed(
                _("This is not a marketplace API token (mkt_<prefix>_<secret>).")
            )
        api_token = _api_token_get(digest=tokens.digest(token))
        if api_token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        now = timezone.now()
        status = api_token.status_at(now)
        if status == ApiToken.Status.REVOKED:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
        if status == ApiToken.Status.EXPIRED:
            raise exceptions.AuthenticationFailed(_("This API token has expired."))
        if not api_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this API token is inactive."))
        api_token_mark_used(token=api_token, now=now)
        return (api_token.user, api_token)

    def authenticate_header(self, request):
        # Not the challenge DRF sends (it takes the first class's: basic), but correct here.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI schema names it HTTP bearer auth (registered on import)."""

    target_class = ApiTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "mkt_<prefix>_<secret>",
            "description": "A personal API token, made on the account's API tokens page.",
        }

"""AK/SK authentication of the open API: Huawei API Gateway "SDK-HMAC-SHA256"
(isv-api-reference §2.5).

The server side of `sample_isv/aksk.py` (the client's signer, which documents the
canonical request); written separately on purpose, so that the tests check one
against the other and against a fixed worked example.

A request is accepted when
- `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2…>, Signature=<hex>`
  parses, and SignedHeaders includes `host` and `x-sdk-date`;
- `X-Sdk-Date` (`yyyyMMddTHHmmssZ`, UTC) is within `OPEN_API_CLOCK_SKEW_MINUTES` (15) of now;
- the AK is a usable OPEN_API key of an active seller (`open_api_key_lookup`);
- the signature computed with its SK matches (constant-time comparison).
Anything else is MKT.0154 "illegal token" (401), with a message saying which check failed
(the reference has one code for all of them). DRF then sees `request.user` = the seller's
account and `request.auth` = the AccessKey; views scope everything by `request.auth.seller`.

The AK tried and the seller found are also put on the Django request
(`open_api_key_id`, `open_api_seller`) so that the request log names them for refused
requests too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from sellers.services.credentials import access_key_mark_used, open_api_key_lookup

from . import errors

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
REQUIRED_SIGNED = ("host", "x-sdk-date")
_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]{64})\s*$"
)


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """Each segment of the decoded path encoded; always a trailing "/" (APIG signer)."""
    encoded = "/".join(_encode(segment) for segment in unquote(path or "/").split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(raw: str) -> str:
    """From the raw query string: decoded (no "+" → space, as the APIG signer), sorted by
    name then value, re-encoded."""
    params: dict[str, list[str]] = {}
    for pair in (raw or "").split("&"):
        name, _, value = pair.partition("=")
        if name:
            params.setdefault(unquote(name), []).append(unquote(value))
    return "&".join(
        f"{_encode(name)}={_encode(value)}"
        for name in sorted(params)
        for value in sorted(params[name])
    )


def canonical_request(*, method: str, path: str, query: str, headers, signed, body: bytes) -> str:
    header_block = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            header_block,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def expected_signature(*, secret: str, sdk_date: str, canonical: str) -> str:
    to_sign = f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def _refuse(message: str) -> errors.OpenApiError:
    return errors.OpenApiError(errors.ILLEGAL_TOKEN, message)


def _header_value(request, name: str) -> str | None:
    if name == "host":
        # The Host header as sent (request.get_host() would also validate ALLOWED_HOSTS,
        # which the signature does not need).
        return request.META.get("HTTP_HOST")
    return request.headers.get(name)


class SdkHmacAuthentication(BaseAuthentication):
    def authenticate_header(self, request) -> str:
        return ALGORITHM  # makes DRF answer 401 (not 403) when authentication fails

    def authenticate(self, request):
        django_request = request._request
        match = _AUTHORIZATION.match(request.headers.get("Authorization", "").strip())
        if match is None:
            raise _refuse("Missing or malformed Authorization header (SDK-HMAC-SHA256).")
        access = match["access"][:40]
        django_request.open_api_key_id = access
        signed = match["signed"].lower().split(";")
        if signed != sorted(set(signed)) or any(h not in signed for h in REQUIRED_SIGNED):
            raise _refuse("SignedHeaders must be sorted and include host and x-sdk-date.")
        sdk_date = request.headers.get("X-Sdk-Date", "")
        try:
            when = dt.datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            raise _refuse("X-Sdk-Date must be yyyyMMddTHHmmssZ (UTC).") from None
        skew = dt.timedelta(minutes=settings.OPEN_API_CLOCK_SKEW_MINUTES)
        if abs(timezone.now() - when) > skew:
            raise _refuse("X-Sdk-Date is outside the allowed clock window: request expired.")
        headers = {}
        for name in signed:
            value = _header_value(django_request, name)
            if value is None:
                raise _refuse(f"Signed header {name} is missing.")
            headers[name] = value
        found = open_api_key_lookup(access)
        if found is None:
            raise _refuse("Unknown, revoked or expired access key.")
        key, secret = found
        django_request.open_api_seller = key.seller
        try:
            body = django_request.body
        except RequestDataTooBig:
            raise errors.OpenApiError(
                errors.INVALID_PARAMETER, "The request body is too large."
            ) from None
        except RawPostDataException:  # pragma: no cover - nothing reads the body before us
            raise _refuse("The request body could not be read.") from None
        canonical = canonical_request(
            method=django_request.method,
            path=django_request.path,
            query=django_request.META.get("QUERY_STRING", ""),
            headers=headers,
            signed=signed,
            body=body,
        )
        wanted = expected_signature(secret=secret, sdk_date=sdk_date, canonical=canonical)
        if not hmac.compare_digest(wanted, match["signature"].lower()):
            raise _refuse("Signature mismatch.")
        access_key_mark_used(key=key)
        return (key.seller.user, key)


class SdkHmacScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for the open API (registered on import)."""

    target_class = SdkHmacAuthentication
    name = "sdkHmacSha256"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Huawei API Gateway AK/SK signing: `SDK-HMAC-SHA256 Access=<AK>, "
            "SignedHeaders=host;x-sdk-date, Signature=<hex>` with an `X-Sdk-Date` header "
            "(yyyyMMddTHHmmssZ, UTC, ±15 minutes). See README › Open API.",
        }

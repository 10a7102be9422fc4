"""One signed call to a seller's production interface, classified (isv-api-reference §1.0,
§1.13, §2.1, §2.2).

`post_activity` checks the URL with the outbound guard (again at send time: a host's
address can change after registration), signs the canonical body with the interface's
access key, POSTs it with a timeout (`settings.ISV_TIMEOUT_SECONDS`, 5 s) and classifies
the answer. A call is a success only with HTTP 200, a JSON content type, a body that
parses to an object and `resultCode` "000000" (§1.0); everything else (timeout, refused
connection, redirect, 5xx, garbage, text/html, another result code) is a failure whose
reason is in `Exchange.error`. Nothing here raises for a bad answer: the dispatcher
records every exchange as an attempt.

Redirects are not followed: a redirect could lead past the outbound guard.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError

from .signing import canonical_body, kit_headers, signed_url

SUCCESS = "000000"
IN_PROGRESS = "000004"
# The most of an answer that is read (and the most kept of it in the attempt log).
MAX_READ_BYTES = 1_000_000
KEEP_RESPONSE_CHARS = 10_000
HEADERS = {"Accept": "application/json", "Content-Type": "application/json;charset=utf8"}

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (workers send many calls to the same hosts)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False  # no proxies from the environment: the guard checked the host
    return session


@dataclass
class Exchange:
    """What was sent and what came back."""

    url: str
    request_body: dict
    http_status: int | None = None
    response_text: str = ""
    response_json: dict | None = None
    result_code: str = ""
    latency_ms: int | None = None
    error: str = ""
    ok: bool = False
    headers: dict = field(default_factory=dict)  # the request's signature headers (kit)


def _secret(key) -> str:
    from sellers.services.credentials import access_key_secret, access_key_usable

    if key is None or not access_key_usable(key):
        raise DomainError(_("The product's signing key is revoked or expired."))
    return access_key_secret(key)


def _timeout(timeout: float | None) -> float:
    return float(timeout if timeout is not None else settings.ISV_TIMEOUT_SECONDS)


def post_activity(*, interface, body: dict, timeout: float | None = None) -> Exchange:
    """POST `body` (with its `activity`) to the interface's production URL, URL-signed."""
    from marketplace.core.netguard import check_outbound_url

    url = interface.production_url
    exchange = Exchange(url=url, request_body=body)
    try:
        check_outbound_url(url)
        key = _secret(interface.access_key)
    except DomainError as exc:
        exchange.error = str(exc)
        return exchange
    exchange.url = signed_url(url, key=key, body=body)
    return _post(exchange, headers=HEADERS, timeout=_timeout(timeout))


def post_kit(*, interface, path: str, body: dict, timeout: float | None = None) -> Exchange:
    """POST a kit sync `body` to production URL + `path` (§1.9), header-signed (§2.2) with
    the kit key (the basic key when the product has no separate kit key)."""
    from marketplace.core.netguard import check_outbound_url

    url = interface.production_url.rstrip("/") + "/" + path.lstrip("/")
    exchange = Exchange(url=url, request_body=body)
    try:
        check_outbound_url(url)
        key = _secret(interface.kit_access_key or interface.access_key)
    except DomainError as exc:
        exchange.error = str(exc)
        return exchange
    exchange.headers = kit_headers(key=key, body=body)
    return _post(
        exchange,
        headers={"Content-Type": "application/json", **exchange.headers},
        timeout=_timeout(timeout),
    )


def _post(exchange: Exchange, *, headers: dict, timeout: float) -> Exchange:
    data = canonical_body(exchange.request_body).encode()
    started = time.monotonic()
    try:
        with _session().post(
            exchange.url,
            data=data,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(MAX_READ_BYTES, decode_content=True) or b""
            exchange.http_status = response.status_code
            content_type = response.headers.get("Content-Type", "")
            encoding = response.encoding or "utf-8"
    except requests.Timeout:
        exchange.latency_ms = _since(started)
        exchange.error = _("No answer within %(seconds)s s (timeout).") % {"seconds": timeout}
        return exchange
    except requests.RequestException as exc:
        exchange.latency_ms = _since(started)
        exchange.error = _("Connection failed: %(reason)s") % {"reason": _reason(exc)}
        return exchange
    exchange.latency_ms = _since(started)
    exchange.response_text = raw.decode(encoding, errors="replace")[:KEEP_RESPONSE_CHARS]
    return classify(exchange, content_type=content_type, raw=raw)


def classify(exchange: Exchange, *, content_type: str, raw: bytes) -> Exchange:
    """Fill `ok`, `result_code`, `response_json` and `error` from a received answer."""
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if isinstance(parsed, dict):
        exchange.response_json = parsed
        exchange.result_code = str(parsed.get("resultCode") or "")[:16]
    if exchange.http_status != 200:
        exchange.error = _("HTTP status %(status)s (200 expected).") % {
            "status": exchange.http_status
        }
    elif content_type.split(";")[0].strip().lower() != "application/json":
        exchange.error = _("Wrong content type “%(type)s” (application/json expected).") % {
            "type": content_type[:100]
        }
    elif parsed is None:
        exchange.error = _("The answer is not valid JSON.")
    elif not isinstance(parsed, dict):
        exchange.error = _("The answer is not a JSON object.")
    elif not exchange.result_code:
        exchange.error = _("The answer has no resultCode.")
    elif exchange.result_code != SUCCESS:
        exchange.error = _("Result code %(code)s: %(message)s") % {
            "code": exchange.result_code,
            "message": str(parsed.get("resultMsg") or "")[:255],
        }
    else:
        exchange.ok = True
    return exchange


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _reason(exc: Exception) -> str:
    # The innermost cause says most ("Connection refused"), without the long urllib3 chain.
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__
    return f"{type(cause).__name__}: {cause}"[:300]

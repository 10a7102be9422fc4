"""Signatures of the calls to sellers' servers (isv-api-reference.md §2.1, §2.2).

Canonical body ("RequestPayload"): the JSON object with null-valued entries dropped,
keys sorted ascending (Java `TreeMap`), written compactly (no spaces) as Jackson writes it
by default: non-ASCII characters kept as UTF-8 (Jackson does not escape them), integers as
JSON numbers. Only the top level is cleaned of nulls, as the official sample does (it
reads the body into a `TreeMap`). We send this very string as the request body, so a
seller that verifies the raw body or the re-serialised one sees the same bytes.

Basic interfaces (§2.1): `signature` = upper-case hex of
HMAC_SHA256(key, key + nonce + timestamp + lower_hex(HMAC_SHA256(key, payload))), with
`timestamp` in Unix milliseconds and a 64-hex-character `nonce`, appended to the URL.
Kit interfaces (§2.2): `x-sign` = upper-case hex of
HMAC_SHA256(key, key + nonce + timestamp + payload), in headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def canonical_body(body: dict) -> str:
    """The canonical payload of `body` (see the module docstring)."""
    cleaned = {key: value for key, value in body.items() if value is not None}
    return json.dumps(cleaned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def url_signature(*, key: str, nonce: str, timestamp: str, body: dict) -> str:
    """§2.1: the `signature` query parameter, upper-case hex."""
    digest = _hmac_hex(key, canonical_body(body))
    return _hmac_hex(key, f"{key}{nonce}{timestamp}{digest}").upper()


def kit_signature(*, key: str, nonce: str, timestamp: str, body: dict) -> str:
    """§2.2: the `x-sign` header, upper-case hex (no inner HMAC)."""
    return _hmac_hex(key, f"{key}{nonce}{timestamp}{canonical_body(body)}").upper()


def _stamp(now_ms: int | None, nonce: str | None) -> tuple[str, str]:
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    return timestamp, nonce or secrets.token_hex(32)


def signed_url(
    url: str, *, key: str, body: dict, now_ms: int | None = None, nonce: str | None = None
) -> str:
    """`url` with `signature`, `timestamp` and `nonce` appended to its query (any old
    values of these three replaced; the seller's own query parameters kept)."""
    timestamp, nonce = _stamp(now_ms, nonce)
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("signature", "timestamp", "nonce")
    ]
    query += [
        ("signature", url_signature(key=key, nonce=nonce, timestamp=timestamp, body=body)),
        ("timestamp", timestamp),
        ("nonce", nonce),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def kit_headers(
    *, key: str, body: dict, now_ms: int | None = None, nonce: str | None = None
) -> dict:
    """§2.2: the `x-sign`, `x-timestamp` and `x-nonce` headers of a kit sync call."""
    timestamp, nonce = _stamp(now_ms, nonce)
    return {
        "x-sign": kit_signature(key=key, nonce=nonce, timestamp=timestamp, body=body),
        "x-timestamp": timestamp,
        "x-nonce": nonce,
    }

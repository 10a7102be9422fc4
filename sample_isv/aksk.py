"""Client side of the marketplace's open API signatures (isv-api-reference §2.5, §4.3).

Standard library only and no imports from the rest of the project: a seller's server
(and the sample ISV) can copy this one file.

AK/SK "SDK-HMAC-SHA256" (Huawei API Gateway request signing, as its sample signer does it):

    CanonicalRequest = METHOD "\\n" CanonicalURI "\\n" CanonicalQueryString "\\n"
                       CanonicalHeaders "\\n" SignedHeaders "\\n" hex(SHA256(body))
    StringToSign     = "SDK-HMAC-SHA256\\n" X-Sdk-Date "\\n" hex(SHA256(CanonicalRequest))
    Signature        = hex(HMAC_SHA256(SK, StringToSign))

- CanonicalURI: the path, percent-decoded, then each "/"-separated segment encoded with
  only A-Z a-z 0-9 - _ . ~ left as they are, and always ending with "/" (the APIG signer
  appends it: `/v1/order/query` is signed as `/v1/order/query/`).
- CanonicalQueryString: parameters percent-decoded ("+" stays a plus), sorted by name,
  a repeated name's values sorted, each `name=value` encoded as above, joined with "&".
- CanonicalHeaders: each signed header as `name:value\\n` (lower-case name, value
  trimmed), in SignedHeaders order, which is sorted; `host` and `x-sdk-date` must be
  signed. As in the APIG signer the block ends with its own "\\n", so a blank line
  separates it from SignedHeaders.
- X-Sdk-Date: `yyyyMMddTHHmmssZ` (UTC); the marketplace accepts ±15 minutes.
- Authorization: `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=host;x-sdk-date, Signature=<hex>`.
- The body hash is always that of the bytes sent (`X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
  is not accepted).

Usage push body signature (§4.3), optional on top of AK/SK: headers `ts` (ms), `nonce`
and `signature = base64(HMAC_SHA256(interface key, "ts=<ts>&nonce=<nonce>&body=<body>"))`
where `<body>` is the JSON body with keys sorted (at every level), compact separators and
non-ASCII characters kept (`canonical_json`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
DATE_HEADER = "X-Sdk-Date"
DEFAULT_SIGNED_HEADERS = ("host", "x-sdk-date")


def encode(value: str) -> str:
    """RFC 3986 unreserved characters stay; everything else is %XX (UTF-8)."""
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    encoded = "/".join(encode(segment) for segment in unquote(path or "/").split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def parse_query(query: str) -> dict[str, list[str]]:
    """The raw query string as the APIG signer reads it (percent-decoding, no "+" rule)."""
    params: dict[str, list[str]] = {}
    for pair in (query or "").split("&"):
        name, _, value = pair.partition("=")
        if name:
            params.setdefault(unquote(name), []).append(unquote(value))
    return params


def canonical_query(query: str | dict) -> str:
    params = parse_query(query) if isinstance(query, str) else query
    parts = []
    for name in sorted(params):
        values = params[name]
        values = sorted(values) if isinstance(values, list | tuple) else [values]
        parts.extend(f"{encode(name)}={encode(str(value))}" for value in values)
    return "&".join(parts)


def canonical_headers(headers: dict[str, str], signed: list[str]) -> str:
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    return "".join(f"{name}:{lowered[name]}\n" for name in signed)


def canonical_request(
    *, method: str, path: str, query: str | dict, headers: dict, signed: list[str], body: bytes
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            hashlib.sha256(body or b"").hexdigest(),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def sdk_date(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime(DATE_FORMAT)


def sign(
    *,
    method: str,
    url: str,
    key: str,
    secret: str,
    body: bytes = b"",
    headers: dict | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """The headers to send with the request: the caller's `headers` plus Host (from the
    URL unless given), X-Sdk-Date and Authorization. Every header passed is signed."""
    parts = urlsplit(url)
    out = dict(headers or {})
    if not any(name.lower() == "host" for name in out):
        out["Host"] = parts.netloc
    out[DATE_HEADER] = sdk_date(now)
    signed = sorted({name.lower() for name in out})
    canonical = canonical_request(
        method=method, path=parts.path, query=parts.query, headers=out, signed=signed, body=body
    )
    value = signature(secret, string_to_sign(canonical, out[DATE_HEADER]))
    out["Authorization"] = (
        f"{ALGORITHM} Access={key}, SignedHeaders={';'.join(signed)}, Signature={value}"
    )
    return out


def canonical_json(body: object) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def body_signature(*, key: str, ts: str, nonce: str, body: object) -> str:
    """§4.3: base64(HMAC_SHA256(key, "ts=..&nonce=..&body=<canonical_json(body)>"))."""
    message = f"ts={ts}&nonce={nonce}&body={canonical_json(body)}"
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()

"""Signed requests to the open API from the tests, through the sample ISV's signer
(sample_isv/aksk.py), as a seller's server would send them."""

from __future__ import annotations

import datetime as dt
import json

from sample_isv import aksk

BASE = "/api/mkp-openapi-public/global/v1/"
HOST = "testserver"
SECRET = "open-api-test-secret-0123456789abcdefghij"  # noqa: S105
BOUNDARY = "XyZopenapiBoundary"


def signed_headers(
    *, method: str, path: str, key_id: str, secret: str, body: bytes, now=None, extra=None
) -> dict:
    headers = aksk.sign(
        method=method,
        url=f"http://{HOST}{path}",
        key=key_id,
        secret=secret,
        body=body,
        headers=dict(extra or {}),
        now=now,
    )
    # Django's test client sets Host from `headers` too.
    return headers


def get(client, path: str, *, key, secret: str = SECRET, now=None, **tamper):
    headers = signed_headers(
        method="GET", path=path, key_id=key.key_id, secret=secret, body=b"", now=now
    )
    headers.update(tamper.pop("headers", {}))
    return client.get(path, headers=headers, **tamper)


def post_json(client, path: str, data, *, key, secret: str = SECRET, now=None, extra=None):
    body = json.dumps(data).encode()
    headers = signed_headers(
        method="POST",
        path=path,
        key_id=key.key_id,
        secret=secret,
        body=body,
        now=now,
        extra={"Content-Type": "application/json", **(extra or {})},
    )
    return client.post(path, data=body, content_type="application/json", headers=headers)


def multipart(parts: dict[str, tuple[str | None, str, bytes]]) -> bytes:
    """name → (filename or None, content type, bytes) as one multipart body."""
    out = b""
    for name, (filename, content_type, payload) in parts.items():
        disposition = f'form-data; name="{name}"'
        if filename:
            disposition += f'; filename="{filename}"'
        out += (
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        out += payload + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def post_multipart(client, path: str, body: bytes, *, key, secret: str = SECRET):
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    headers = signed_headers(
        method="POST",
        path=path,
        key_id=key.key_id,
        secret=secret,
        body=body,
        extra={"Content-Type": content_type},
    )
    return client.post(path, data=body, content_type=content_type, headers=headers)


def usage_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

"""Secrets at rest (sellers' access keys): Fernet (AES-128-CBC + HMAC-SHA256) from the
`cryptography` package.

The key comes from `FIELD_ENCRYPTION_KEYS` (comma-separated Fernet keys, newest first, so
a key can be rotated: values written with an older key still decrypt), or, when unset,
is derived from SECRET_KEY (development and tests).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        digest = hashlib.sha256(("field-encryption:" + secret_key).encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    keys = tuple(k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip())
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext; raises `ValueError` when the value can't be decrypted."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt the value with the configured keys") from exc

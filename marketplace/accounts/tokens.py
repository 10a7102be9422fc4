"""The format of personal API tokens (README › API tokens): `mkt_<prefix>_<secret>`.

`prefix` is 8 lower-case hex characters, shown in lists; `secret` is 32 random bytes from
`secrets`, URL-safe base64 without padding (43 characters). Only `digest(token)`, the
SHA-256 hex of the whole token, is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TAG = "mkt"  # what every token starts with, so scanners can spot a leaked one
PREFIX_BYTES = 4
SECRET_BYTES = 32
TOKEN_RE = re.compile(r"mkt_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{43}")


def new_token() -> tuple[str, str]:
    """(prefix, token): a new token and its public prefix."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    return prefix, f"{TAG}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def is_well_formed(token: str) -> bool:
    return TOKEN_RE.fullmatch(token) is not None


def digest(token: str) -> str:
    """SHA-256 hex of the whole token, the only thing stored. The token carries 256 random
    bits: a fast unsalted hash cannot be reversed or guessed, and it can be looked up."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()

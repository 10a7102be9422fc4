"""Random strings from one read of the OS's generator.

Django's `get_random_string` asks `secrets.choice` once per character: a system call
each, 64 for the CSRF token every page carries (a new visitor's secret and the mask of
every token), about a tenth of a cached catalog page's time (README › Performance:
catalog pages). `random_string` gives the same thing, uniform over the alphabet and
from the same generator (`os.urandom`), with one read: each byte below the largest
multiple of the alphabet's size picks a character (rejection sampling: no bias), the
others are dropped.
"""

from __future__ import annotations

import secrets


def random_string(length: int, allowed_chars: str) -> str:
    size = len(allowed_chars)
    if not 0 < size <= 256:
        raise ValueError("an alphabet of 1 to 256 characters")
    limit = 256 - 256 % size  # bytes at or above it would favour the first characters
    picked: list[str] = []
    while len(picked) < length:
        for byte in secrets.token_bytes(length - len(picked) + length // 4 + 4):
            if byte < limit:
                picked.append(allowed_chars[byte % size])
                if len(picked) == length:
                    break
    return "".join(picked)


def use_for_csrf_tokens() -> None:
    """Django's CSRF secrets and token masks from `random_string` (same length and
    alphabet as Django's own); left as they are if Django's module changed shape."""
    from django.middleware import csrf

    if not callable(getattr(csrf, "_get_new_csrf_string", None)):
        return
    length, chars = csrf.CSRF_SECRET_LENGTH, csrf.CSRF_ALLOWED_CHARS

    def new_csrf_string() -> str:
        return random_string(length, chars)

    csrf._get_new_csrf_string = new_csrf_string

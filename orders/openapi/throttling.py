"""Rate limit of the open API: `OPEN_API_RATE` requests per access key (e.g. "600/min"),
counted in the cache (Redis in production, shared by the workers). Over it: MKT.0250 (406)
with Retry-After (errors.exception_handler)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class OpenApiKeyRateThrottle(SimpleRateThrottle):
    scope = "open_api"

    def get_rate(self) -> str:
        # Read at each request (not DRF's import-time THROTTLE_RATES): settings may change.
        return settings.OPEN_API_RATE

    def get_cache_key(self, request, view) -> str | None:
        key = getattr(request, "auth", None)
        key_id = getattr(key, "key_id", "")
        if not key_id:
            return None  # not authenticated: refused before, nothing to count
        return self.cache_format % {"scope": self.scope, "ident": key_id}

"""The API's default throttles with one cache read and one cache write per request.

DRF checks each throttle class on its own: `AnonRateThrottle` and `UserRateThrottle`
(settings › REST_FRAMEWORK) each read a client's history from the cache and write it
back, four round trips to Redis on every anonymous call, more than a cached answer costs.
`BatchedRateThrottles` checks the same throttle classes with the same keys, histories,
rates and `Retry-After`, but reads every history in one `get_many` and writes them in one
`set_many`. A client's count is the one the other API views keep (the same cache keys),
so nothing changes for clients: only the cost.

A history is DRF's list of request times, newest first, kept as an `array("d")`: the
same numbers with the same list operations (`insert`, `pop`, `len`, indexing), so DRF's
own throttles on other views read and extend it as they do their lists, but it is
pickled as one block of bytes. With a high rate (a load test allows 100 million a
minute) a history holds every request of the last minute, and pickling that many
floats one by one, twice a request, cost more than the request itself.

A view may have cache entries of its own read in the same round trip as the histories
(`throttle_cache_keys(request)`, a cached answer), and reads them with `cache_get`.
"""

from __future__ import annotations

from array import array

from django.core.cache import cache as default_cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def _batchable(throttle: BaseThrottle) -> bool:
    """A throttle that keeps DRF's own history logic (only its key and rate its own)."""
    cls = type(throttle)
    return (
        isinstance(throttle, SimpleRateThrottle)
        and cls.allow_request is SimpleRateThrottle.allow_request
        and cls.throttle_success is SimpleRateThrottle.throttle_success
        and cls.throttle_failure is SimpleRateThrottle.throttle_failure
    )


class BatchedRateThrottles(BaseThrottle):
    """`DEFAULT_THROTTLE_CLASSES`, checked as DRF's `APIView.check_throttles` does (every
    throttle counts the request it allows; the wait is the longest of those refusing)."""

    def __init__(self) -> None:
        self.throttles = [cls() for cls in api_settings.DEFAULT_THROTTLE_CLASSES]
        self.refused: list[BaseThrottle] = []

    def allow_request(self, request, view) -> bool:
        self.refused = []
        keyed: dict[int, list[SimpleRateThrottle]] = {}  # per cache
        for throttle in self.throttles:
            if not _batchable(throttle):
                if not throttle.allow_request(request, view):
                    self.refused.append(throttle)
                continue
            if throttle.rate is None:
                continue
            throttle.key = throttle.get_cache_key(request, view)
            if throttle.key is not None:
                keyed.setdefault(id(throttle.cache), []).append(throttle)
        for throttles in keyed.values():
            also = []
            if throttles[0].cache is default_cache and hasattr(view, "throttle_cache_keys"):
                also = list(view.throttle_cache_keys(request))
            found = self._check(throttles, also)
            if also:
                view.throttle_cache_read = (frozenset(also), found)
        return not self.refused

    def _check(self, throttles: list[SimpleRateThrottle], also: list[str]) -> dict:
        """SimpleRateThrottle.allow_request for throttles sharing one cache; returns what
        the cache holds under the keys `also` (read in the same `get_many`)."""
        cache = throttles[0].cache
        histories = cache.get_many([*(t.key for t in throttles), *also])
        writes: dict[int, dict[str, array]] = {}  # per duration (the entries' timeout)
        for throttle in throttles:
            history = histories.get(throttle.key)
            throttle.history = history if isinstance(history, array) else array("d", history or ())
            throttle.now = throttle.timer()
            while throttle.history and throttle.history[-1] <= throttle.now - throttle.duration:
                throttle.history.pop()
            if len(throttle.history) >= throttle.num_requests:
                self.refused.append(throttle)
                continue
            throttle.history.insert(0, throttle.now)
            writes.setdefault(throttle.duration, {})[throttle.key] = throttle.history
        for duration, entries in writes.items():
            cache.set_many(entries, duration)
        return {key: histories[key] for key in also if key in histories}

    def wait(self) -> float | None:
        waits = [w for w in (t.wait() for t in self.refused) if w is not None]
        return max(waits, default=None)


def cache_get(view, key: str):
    """`cache.get(key)` of the default cache, from the throttles' read when the view named
    the key in its `throttle_cache_keys` (a throttled view reads it there in passing)."""
    read = getattr(view, "throttle_cache_read", None)
    if read is not None and key in read[0]:
        return read[1].get(key)
    return default_cache.get(key)

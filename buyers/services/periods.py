"""Credit-bill months: Beijing calendar months named "YYYY-MM" (settings.TIME_ZONE)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def _beijing() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period_of(moment: dt.datetime) -> str:
    """The Beijing month a moment falls in."""
    return timezone.localtime(moment, _beijing()).strftime("%Y-%m")


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month, as aware datetimes at Beijing midnight."""
    year, month = (int(part) for part in period.split("-"))
    tz = _beijing()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_period(now: dt.datetime | None = None) -> str:
    """The month before the current Beijing month."""
    first = timezone.localtime(now or timezone.now(), _beijing()).replace(day=1)
    return period_of(first - dt.timedelta(days=1))


def valid_period(period: str) -> bool:
    try:
        year, month = (int(part) for part in period.split("-"))
    except ValueError:
        return False
    return len(period) == 7 and 2000 <= year <= 9999 and 1 <= month <= 12

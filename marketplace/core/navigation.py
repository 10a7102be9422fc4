"""Center navigation built from what exists.

Each app registers its own entries in `AppConfig.ready()`; the base layout shows those
whose `visible(user)` is true, so there are never links to pages that do not exist or
that the person may not open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import get_script_prefix, reverse

# url_name and script prefix -> path: every center page shows the whole menu (~60 links).
_URLS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class NavEntry:
    center: str  # "seller" or "buyer"
    label: str  # lazily translated
    url_name: str
    order: int = 100
    visible: Callable = field(default=lambda user: True)
    group: str = ""  # lazily translated section heading, "" for top level

    @property
    def url(self) -> str:
        key = (self.url_name, get_script_prefix())
        url = _URLS.get(key)
        if url is None:
            url = _URLS[key] = reverse(self.url_name)
        return url


_registry: dict[str, list[NavEntry]] = {"seller": [], "buyer": []}


def register(entry: NavEntry) -> None:
    entries = _registry.setdefault(entry.center, [])
    if all(e.url_name != entry.url_name for e in entries):
        entries.append(entry)
        entries.sort(key=lambda e: (e.order, e.url_name))


def entries_for(center: str, user) -> list[NavEntry]:
    return [e for e in _registry.get(center, []) if e.visible(user)]

"""Where "signed for" comes from (05 › Flows 7): a small provider interface.

The default `ManualProvider` learns nothing by itself: the seller or an operator records
the signed-for time (`case_mark_signed_for`). A carrier feed replaces it by naming a
class in `SUPERVISION_LOGISTICS_PROVIDER` whose `signed_for()` answers from the carrier;
the beat job `poll_logistics` then asks it about every shipment in transit (outside any
transaction: it is a network call) and records what it reports as the system.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class LogisticsProvider(Protocol):
    # False: nothing to poll (records are made by hand).
    polls: bool

    def signed_for(self, *, carrier: str, tracking_number: str) -> dt.datetime | None:
        """When the shipment was signed for, or None (not yet, unknown)."""


class ManualProvider:
    polls = False

    def signed_for(self, *, carrier: str, tracking_number: str) -> dt.datetime | None:
        return None


def get_provider() -> LogisticsProvider:
    return import_string(settings.SUPERVISION_LOGISTICS_PROVIDER)()

"""Pay-per-use usage pushed by sellers' servers (isv-api-reference §4.3).

`metering_records_push` takes one request's records and stores each as a
`MeteringRecord`, all or nothing:
- at most `MAX_USAGE_RECORDS` (1000) per request → MKT.9003;
- `instance_id` must be the instance of one of the seller's purchased services
  → MKT.9001 (`extra_info` lists the unknown ids);
- `usage_value` > 0 with at most 4 decimals, `begin_time` ≤ `end_time`, and one
  `metering_sn` once per request → MKT.9002 (invalid usage entities);
- `begin_time` older than `USAGE_MAX_AGE_DAYS` (21) days → MKT.9004.
Idempotency: `metering_sn` is unique per seller. A record whose serial number was stored
before is skipped (counted once, the first content wins) and the request still succeeds;
a concurrent duplicate is caught by the unique constraint the same way.

`relate_pkg_instance` names the instance of a package (one of the seller's package
subscriptions of the same buyer): the usage is deducted from its quota through
`package_usage_deduct` with key = `metering_sn`, so a replay never deducts twice. Package
quota counts whole units: a fractional usage against a package is MKT.9002, and so is a
usage larger than the quota left (the ISV stops the service: "stop when used up"); in both
cases nothing of the request is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.catalog.models import BillingMode
from marketplace.core.exceptions import DomainError

from ..models import MeteringRecord, Subscription
from .packages import package_usage_deduct

MAX_USAGE_RECORDS = 1000
USAGE_MAX_AGE_DAYS = 21
MAX_DECIMALS = 4

INSTANCE_NOT_FOUND = "MKT.9001"
INVALID_USAGE = "MKT.9002"
TOO_MANY_RECORDS = "MKT.9003"
BEGIN_TOO_OLD = "MKT.9004"


class UsageRefused(DomainError):
    """The whole push is refused with an open-API code (nothing stored)."""

    def __init__(self, code: str, message: str, *, extra_info=None) -> None:
        super().__init__(message)
        self.code = code
        self.extra_info = extra_info


@dataclass(frozen=True)
class UsageRecordIn:
    instance_id: str
    metering_sn: str
    usage_value: Decimal
    record_time: dt.datetime
    begin_time: dt.datetime
    end_time: dt.datetime
    relate_pkg_instance: str = ""


@dataclass
class PushResult:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else MAX_DECIMALS + 1


def _check_entities(records: list[UsageRecordIn], now: dt.datetime) -> None:
    invalid, too_old, seen = [], [], set()
    oldest = now - dt.timedelta(days=USAGE_MAX_AGE_DAYS)
    for record in records:
        value = record.usage_value
        if (
            not value.is_finite()
            or value <= 0
            or _decimals(value) > MAX_DECIMALS
            or record.begin_time > record.end_time
            or record.metering_sn in seen
            or (record.relate_pkg_instance and value != value.to_integral_value())
        ):
            invalid.append(record.metering_sn)
        seen.add(record.metering_sn)
        if record.begin_time < oldest:
            too_old.append(record.metering_sn)
    if invalid:
        raise UsageRefused(
            INVALID_USAGE,
            "Invalid usage records: usage_value must be above 0 with at most 4 decimals "
            "(whole units against a package), begin_time not after end_time, and each "
            "metering_sn once.",
            extra_info={"metering_sn": invalid},
        )
    if too_old:
        raise UsageRefused(
            BEGIN_TOO_OLD,
            f"begin_time is more than {USAGE_MAX_AGE_DAYS} days ago.",
            extra_info={"metering_sn": too_old},
        )


def _instances(*, seller, instance_ids: set[str]) -> dict[str, Subscription]:
    rows = Subscription.objects.filter(seller=seller, instance_id__in=instance_ids).exclude(
        instance_id=""
    )
    return {row.instance_id: row for row in rows}


@transaction.atomic
def metering_records_push(*, seller, records: list[UsageRecordIn]) -> PushResult:
    """Store one request's usage records of `seller` (all or nothing; see the module)."""
    if len(records) > MAX_USAGE_RECORDS:
        raise UsageRefused(
            TOO_MANY_RECORDS, f"At most {MAX_USAGE_RECORDS} usage records per request."
        )
    if not records:
        raise UsageRefused(INVALID_USAGE, "usage_records is empty.")
    _check_entities(records, timezone.now())
    wanted = {r.instance_id for r in records} | {
        r.relate_pkg_instance for r in records if r.relate_pkg_instance
    }
    instances = _instances(seller=seller, instance_ids=wanted)
    unknown = sorted(wanted - set(instances))
    if unknown:
        raise UsageRefused(
            INSTANCE_NOT_FOUND, "Instance ID not found.", extra_info={"instance_id": unknown}
        )
    wrong_packages = sorted(
        {
            r.relate_pkg_instance
            for r in records
            if r.relate_pkg_instance
            and (
                instances[r.relate_pkg_instance].billing_mode != BillingMode.PACKAGE
                or instances[r.relate_pkg_instance].buyer_id != instances[r.instance_id].buyer_id
            )
        }
    )
    if wrong_packages:
        raise UsageRefused(
            INSTANCE_NOT_FOUND,
            "relate_pkg_instance is not a package of the same customer.",
            extra_info={"instance_id": wrong_packages},
        )
    result = PushResult()
    known = set(
        MeteringRecord.objects.filter(
            seller=seller, metering_sn__in=[r.metering_sn for r in records]
        ).values_list("metering_sn", flat=True)
    )
    for record in records:
        if record.metering_sn in known:
            result.duplicates.append(record.metering_sn)
            continue
        package = instances[record.relate_pkg_instance] if record.relate_pkg_instance else None
        try:
            with transaction.atomic():
                MeteringRecord.objects.create(
                    seller=seller,
                    subscription=instances[record.instance_id],
                    metering_sn=record.metering_sn,
                    usage_value=record.usage_value,
                    record_time=record.record_time,
                    begin_time=record.begin_time,
                    end_time=record.end_time,
                    package_subscription=package,
                )
        except IntegrityError:
            # A concurrent push of the same serial number won: it counted.
            result.duplicates.append(record.metering_sn)
            continue
        if package is not None:
            try:
                package_usage_deduct(
                    subscription_id=package.pk,
                    amount=int(record.usage_value),
                    key=record.metering_sn,
                )
            except DomainError as exc:
                raise UsageRefused(
                    INVALID_USAGE,
                    f"The package can't take this usage: {exc.message}",
                    extra_info={"metering_sn": [record.metering_sn]},
                ) from exc
        result.stored.append(record.metering_sn)
    return result

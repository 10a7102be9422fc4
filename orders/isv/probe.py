"""The daily probe of listed products' production interfaces (isv-api-reference §1.0
"Product monitoring"; issue 9 › 6).

Beat runs `probe_product_interfaces` every morning and afternoon (09:00 and 15:00 Beijing,
settings.CELERY_BEAT_SCHEDULE): every listed product with a production interface and at
least one saved test case (`InterfaceTestCase`) has its test cases sent with testFlag "1".
A run passes when every test case's verdict passes.

Decisions:
- One `ProbeRun` per product and Beijing day (unique constraint). **A day passes if any
  run that day passed**: the afternoon run is a second chance after a morning blip, so a
  day fails only when the interface failed every probe of that day. Once a day passed it
  is not probed again. Runs are kept in `detail["runs"]` by beat slot (the Beijing hour),
  so a task the broker re-delivers replaces its run instead of counting twice.
- **Delisting**: when the last FAILING_DAYS calendar days (today included) all have a
  failing `ProbeRun`, the product is delisted through the catalog's `product_delist` with
  the system reason below and the seller gets the `product_delisted_interface` e-mail. A
  day without a ProbeRun (beat down, no test case yet) breaks the streak. Today counts as
  failed only once PROBES_PER_DAY runs of today failed, so a morning failure on the fifth
  day still leaves the afternoon run its chance.
- Products without test cases are not probed (nothing to send); the console warns the
  seller about them.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.catalog.models import Product
from marketplace.core.notifications import notify

from ..models import ProbeRun, ProductInterface
from .console import ConsoleRun, console_send, test_case_record

logger = logging.getLogger(__name__)

FAILING_DAYS = 5  # §1.0: 5 consecutive days of probe failures
PROBES_PER_DAY = 2  # the beat's morning and afternoon runs


def delist_reason() -> str:
    """The system reason, stored in the site's default language (as the other reasons a
    service writes by itself)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("The production interface failed the daily check 5 days running.")


def probe_candidates() -> list[int]:
    """Ids of the products the probe sends to: listed, with a production interface and at
    least one test case."""
    return list(
        Product.objects.filter(
            status=Product.Status.LISTED,
            interface__isnull=False,
            interface_tests__isnull=False,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def probe_product(*, product_id: int, now=None, slot: str | None = None) -> ProbeRun | None:
    """Probe one product now (unless its day passed already) and record the run; None
    when the product is not probed (not listed, no interface or no test case).

    The HTTP calls happen outside any transaction; only the recording is atomic."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    slot = slot or timezone.localtime(now).strftime("%H")
    done = ProbeRun.objects.filter(product_id=product_id, day=day, ok=True).first()
    if done is not None:
        return done
    interface = (
        ProductInterface.objects.select_related("access_key", "product")
        .filter(product_id=product_id, product__status=Product.Status.LISTED)
        .first()
    )
    if interface is None:
        return None
    test_cases = list(interface.product.interface_tests.order_by("pk"))
    if not test_cases:
        return None
    cases = []
    for test_case in test_cases:
        run: ConsoleRun = console_send(
            interface=interface,
            activity=test_case.activity,
            body=test_case.body,
            fresh_business_id=True,
            timeout=settings.ISV_TIMEOUT_SECONDS,  # production conditions, not the console's
        )
        test_case_record(test_case=test_case, run=run)
        cases.append(
            {
                "test_case": test_case.pk,
                "name": test_case.name,
                "activity": test_case.activity,
                "ok": run.ok,
                "checks": run.verdict.get("checks", []),
                "result_code": run.exchange.result_code,
                "error": run.exchange.error[:500],
                # What was sent and what came back, for the operators' admin (ProbeRun).
                "url": run.exchange.url,
                "request": run.exchange.request_body,
                "http_status": run.exchange.http_status,
                "latency_ms": run.exchange.latency_ms,
                "response": run.exchange.response_text[:2000],
            }
        )
    ok = all(case["ok"] for case in cases)
    return probe_record(
        product=interface.product,
        day=day,
        slot=slot,
        ok=ok,
        run={"slot": slot, "at": now.isoformat(), "ok": ok, "cases": cases},
    )


@transaction.atomic
def probe_record(*, product: Product, day: date, slot: str, ok: bool, run: dict) -> ProbeRun:
    """Record one run in the product's ProbeRun of `day` (created by the first run); a
    passing run makes the day pass; a failing one may complete a failing streak."""
    probe = ProbeRun.objects.select_for_update().filter(product=product, day=day).first()
    if probe is None:
        try:
            with transaction.atomic():
                probe = ProbeRun.objects.create(
                    product=product, day=day, ok=ok, detail={"runs": [run]}
                )
        except IntegrityError:  # another worker recorded the day first
            probe = ProbeRun.objects.select_for_update().get(product=product, day=day)
        else:
            return _after_failure(probe) if not ok else probe
    if probe.ok:
        return probe  # the day passed already
    runs = [r for r in probe.detail.get("runs", []) if r.get("slot") != slot] + [run]
    probe.detail = {**probe.detail, "runs": runs}
    probe.ok = ok
    probe.save(update_fields=["ok", "detail"])
    return _after_failure(probe) if not ok else probe


def _day_failed(probe: ProbeRun, *, today: date) -> bool:
    if probe.ok:
        return False
    if probe.day < today:
        return True
    return len(probe.detail.get("runs", [])) >= PROBES_PER_DAY


def _after_failure(probe: ProbeRun) -> ProbeRun:
    days = {probe.day - timedelta(days=n) for n in range(FAILING_DAYS)}
    streak = ProbeRun.objects.filter(product_id=probe.product_id, day__in=days, ok=False)
    if sum(_day_failed(p, today=probe.day) for p in streak) == FAILING_DAYS:
        product_delist_failing_interface(product_id=probe.product_id)
    return probe


@transaction.atomic
def product_delist_failing_interface(*, product_id: int) -> Product | None:
    """Delist a listed product whose interface failed the probe FAILING_DAYS days running,
    with the system reason; the seller is told by the catalog's delisting e-mail. None
    when the product is no longer listed."""
    from marketplace.catalog.services.products import product_delist

    product = (
        Product.objects.select_for_update()
        .select_related("seller__user")
        .filter(pk=product_id, status=Product.Status.LISTED)
        .first()
    )
    if product is None:
        return None
    reason = delist_reason()
    # No operator acts: `by_operator` would ask for an operator's permission, so the
    # service delists as the system (actor None) and sends no e-mail; the seller gets the
    # automatic-delisting e-mail the monthly failure check sends too (orders/isv/health.py).
    product = product_delist(product=product, actor=None, reason=reason)
    notify(
        user=product.seller.user,
        template="product_delisted_interface",
        context={"product_id": product.pk, "product_name": product.name, "reason": reason},
        key=f"probe-delist:{product.pk}:{product.delisted_at:%Y%m%d%H%M%S}",
    )
    logger.warning("product %s delisted: daily probe failed %s days", product.pk, FAILING_DAYS)
    return product


def probes_run(*, now=None) -> int:
    """Probe every candidate in this process (the beat task fans out instead)."""
    count = 0
    for product_id in probe_candidates():
        if probe_product(product_id=product_id, now=now) is not None:
            count += 1
    return count

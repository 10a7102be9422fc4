"""The outbox of calls to sellers' servers (03 › Buying 7, 04-isv-integration).

A business change that needs a call (a paid SaaS order needs `newInstance`, a renewal
`refreshInstance` ...) writes a `ProvisioningCall` row with `call_enqueue` in its own
transaction; the row commits or rolls back with the change. After commit the dispatch
task is kicked (`transaction.on_commit`); the beat entry `dispatch-provisioning-calls`
picks up whatever a lost kick or a retry leaves behind.

Sending (`calls_dispatch`): claim rows with a conditional UPDATE (pending → sending, with
a lease), then hand each to the configured dispatcher outside any transaction or lock,
then record its result. Claims respect per-subscription order: a call is not claimed
while an earlier sequence of the same subscription is still pending or sending.

The dispatcher is `settings.PROVISIONING_DISPATCHER` (a dotted path to a class with
`send(call) -> Result`). The provisioning issue (04) fills it with the signed HTTP
client and its retry windows; until then `NullDispatcher` marks every call succeeded
without any network, so the order lifecycle works end to end.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ProvisioningCall, Subscription

logger = logging.getLogger(__name__)

# How long a claimed call may stay "sending" before another worker may take it again
# (the worker that claimed it died between the claim and recording the result).
CLAIM_LEASE = timedelta(minutes=10)
DISPATCH_BATCH = 100

PENDING, SENDING = ProvisioningCall.Status.PENDING, ProvisioningCall.Status.SENDING


@dataclass(frozen=True)
class Result:
    """What a dispatcher reports for one attempt. `ok` False with `retry_at` set: try
    again then; with `retry_at` None: the call has finally failed (its window is over)."""

    ok: bool
    error: str = ""
    retry_at: datetime | None = None
    response: dict | None = None


class Dispatcher(Protocol):
    def send(self, call: ProvisioningCall) -> Result: ...


class NullDispatcher:
    """Sends nothing and reports success: the default until provisioning (04) exists."""

    def send(self, call: ProvisioningCall) -> Result:
        return Result(ok=True)


def dispatcher() -> Dispatcher:
    path = getattr(settings, "PROVISIONING_DISPATCHER", "orders.provisioning.NullDispatcher")
    return import_string(path)()


def call_enqueue(
    *, subscription: Subscription, activity: str, payload: dict, order=None
) -> ProvisioningCall:
    """Write the call for `subscription` in the caller's transaction, next in its sequence;
    the dispatcher is kicked after commit (nothing is sent if the transaction rolls back)."""
    with transaction.atomic():
        # Lock the subscription: two changes of one subscription get consecutive numbers.
        Subscription.objects.select_for_update().filter(pk=subscription.pk).exists()
        last = ProvisioningCall.objects.filter(subscription=subscription).aggregate(
            last=Max("sequence")
        )["last"]
        call = ProvisioningCall.objects.create(
            subscription=subscription,
            order=order,
            sequence=(last or 0) + 1,
            activity=activity,
            payload=payload,
        )
        transaction.on_commit(functools.partial(_kick, call.pk))
    return call


def _kick(call_id: int) -> None:
    from orders.tasks.checkout import dispatch_provisioning_calls

    try:
        dispatch_provisioning_calls.delay()
    except Exception:
        # The row is committed; the beat entry sends it. The business change succeeded.
        logger.exception("could not kick the dispatcher for call %s", call_id)


def _claimable(now: datetime) -> Q:
    # Pending and due, or claimed by a worker whose lease ran out.
    return Q(status=PENDING, next_attempt_at__lte=now) | Q(status=SENDING, next_attempt_at__lte=now)


def calls_claim(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> list[int]:
    """Claim up to `limit` due calls, each with a conditional UPDATE; the ids claimed.

    Claiming sets status "sending" and pushes `next_attempt_at` to the end of the lease,
    so that a second worker's UPDATE on the same row matches nothing.
    """
    now = now or timezone.now()
    earlier_open = ProvisioningCall.objects.filter(
        subscription=OuterRef("subscription"),
        sequence__lt=OuterRef("sequence"),
        status__in=[PENDING, SENDING],
    )
    candidates = list(
        ProvisioningCall.objects.filter(_claimable(now))
        .filter(~Exists(earlier_open))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    claimed = []
    for call_id in candidates:
        taken = (
            ProvisioningCall.objects.filter(pk=call_id)
            .filter(_claimable(now))
            .update(status=SENDING, next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1)
        )
        if taken:
            claimed.append(call_id)
    return claimed


def call_record(*, call_id: int, result: Result) -> ProvisioningCall:
    """Record one attempt's result on a claimed call (only while it is still "sending")."""
    now = timezone.now()
    fields: dict = {"last_error": result.error[:2000]}
    if result.ok:
        fields.update(status=ProvisioningCall.Status.SUCCEEDED, finished_at=now)
    elif result.retry_at is not None:
        fields.update(status=PENDING, next_attempt_at=result.retry_at)
    else:
        fields.update(status=ProvisioningCall.Status.FAILED, finished_at=now)
    with transaction.atomic():
        recorded = ProvisioningCall.objects.filter(pk=call_id, status=SENDING).update(**fields)
        call = ProvisioningCall.objects.select_related("subscription").get(pk=call_id)
        if recorded:
            # In the transaction of the record, so an outcome is applied exactly once.
            _apply_outcome(call, result)
    return call


def _apply_outcome(call: ProvisioningCall, result: Result) -> None:
    """What the seller's answer means for the purchased service (04 › newInstance): the
    instance is created → the service is in use; creating it finally failed → the order
    is refunded in full automatically (03 › Unsubscribe, first row)."""
    if call.activity != ProvisioningCall.Activity.NEW_INSTANCE:
        return
    # Imported here: the services enqueue calls through this module.
    from .services.subscriptions import subscription_activate
    from .services.unsubscribe import unsubscription_provisioning_failed

    if call.status == ProvisioningCall.Status.SUCCEEDED:
        answer = result.response if isinstance(result.response, dict) else {}
        info = answer.get("appInfo")
        subscription_activate(
            subscription=call.subscription,
            instance_id=str(answer.get("instanceId") or ""),
            access_info=info if isinstance(info, dict) else None,
        )
    elif call.status == ProvisioningCall.Status.FAILED and call.order_id:
        unsubscription_provisioning_failed(order_id=call.order_id)


def calls_dispatch(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Claim due calls and send each through the configured dispatcher; how many were sent.

    Sending happens outside any transaction: a slow seller server holds no lock.
    """
    sender = dispatcher()
    sent = 0
    for call_id in calls_claim(now=now, limit=limit):
        call = ProvisioningCall.objects.select_related("subscription", "order").get(pk=call_id)
        try:
            result = sender.send(call)
        except Exception as exc:  # a dispatcher bug must not leave the call "sending"
            logger.exception("dispatcher failed on call %s", call_id)
            result = Result(ok=False, error=str(exc), retry_at=timezone.now() + CLAIM_LEASE)
        call_record(call_id=call_id, result=result)
        sent += 1
    return sent

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
`send(call) -> Result`): `orders.isv.dispatcher.HttpDispatcher` sends the signed calls
with their retry windows (04); `NullDispatcher` marks every call succeeded without any
network (tests of the order lifecycle that don't care about the seller's server).

Claims: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` in a short transaction, then the
rows are marked "sending" with a lease; elsewhere (SQLite) one conditional UPDATE per row.
Either way a row is claimed by one worker only. The retry schedule is the row's
`next_attempt_at`, never a broker countdown; the beat sweeper (`calls_sweep`) enqueues
dispatch tasks while due rows exist, so a lost broker message loses nothing.

Final failure of any call: the seller is e-mailed (account e-mail, and the mailbox of the
product's customer-service group); of newInstance, also the automatic full refund (the
buyer is e-mailed by the unsubscription) and the product's health check
(`orders.isv.health`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import CallAttempt, ProvisioningCall, Subscription

logger = logging.getLogger(__name__)

# How long a claimed call may stay "sending" before another worker may take it again
# (the worker that claimed it died between the claim and recording the result): the
# default of `settings.ISV_CLAIM_LEASE_SECONDS` (see `claim_lease`).
CLAIM_LEASE = timedelta(minutes=10)
DISPATCH_BATCH = 100
# A dispatch task claims this many calls at a time and claims again when they are sent,
# so that the tasks running in parallel share a burst instead of one sending it all.
DISPATCH_CHUNK = 8
# The cache key of a kick whose task hasn't started yet, and how long it may suppress
# further kicks (`_kick`).
KICK_KEY = "orders:provisioning:kick-pending"
KICK_COALESCE = 5

PENDING, SENDING = ProvisioningCall.Status.PENDING, ProvisioningCall.Status.SENDING


@dataclass(frozen=True)
class Result:
    """What a dispatcher reports for one attempt. `ok` False with `retry_at` set: try
    again then; with `retry_at` None: the call has finally failed (its window is over)."""

    ok: bool
    error: str = ""
    retry_at: datetime | None = None
    response: dict | None = None
    # The attempt's log row, unsaved: `call_record` inserts it in the transaction that
    # records the result (one commit for both; None: the dispatcher logged nothing).
    attempt: CallAttempt | None = None


class Dispatcher(Protocol):
    def send(self, call: ProvisioningCall) -> Result: ...


class NullDispatcher:
    """Sends nothing and reports success: the default until provisioning (04) exists."""

    def send(self, call: ProvisioningCall) -> Result:
        return Result(ok=True)


def dispatcher() -> Dispatcher:
    path = getattr(settings, "PROVISIONING_DISPATCHER", "orders.provisioning.NullDispatcher")
    return import_string(path)()


def claim_lease() -> timedelta:
    """The claim lease in force (`settings.ISV_CLAIM_LEASE_SECONDS`, default CLAIM_LEASE)."""
    seconds = getattr(settings, "ISV_CLAIM_LEASE_SECONDS", None)
    return CLAIM_LEASE if seconds is None else timedelta(seconds=float(seconds))


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
        now = timezone.now()
        call = ProvisioningCall.objects.create(
            subscription=subscription,
            order=order,
            sequence=(last or 0) + 1,
            activity=activity,
            payload=payload,
            next_attempt_at=now,
            window_ends_at=now + call_window(activity),
        )
        transaction.on_commit(functools.partial(_kick, call.pk))
    return call


def call_window(activity: str) -> timedelta:
    """How long a call of `activity` is retried (04 › Retries; reference §1.13)."""
    Activity = ProvisioningCall.Activity
    hours = {
        Activity.NEW_INSTANCE: settings.ISV_WINDOW_NEW_INSTANCE_HOURS,
        Activity.UPGRADE_INSTANCE: settings.ISV_WINDOW_UPGRADE_HOURS,
    }.get(activity, settings.ISV_WINDOW_OTHER_HOURS)
    return timedelta(hours=float(hours))


def window_end(call: ProvisioningCall) -> datetime:
    """The end of `call`'s retry window (rows written before windows existed: from
    their creation)."""
    return call.window_ends_at or (call.created_at + call_window(call.activity))


def _kicks_coalesce() -> bool:
    """Kicks are coalesced when the cache is shared by every process (Redis)."""
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _kick(call_id: int) -> None:
    """Enqueue a dispatch task after the commit of `call_id`. With a shared cache, not
    while another kick's task is still waiting in the queue (`KICK_KEY`, cleared by the
    task when it starts, before it claims): that task will claim this call too. Under load
    this turns one task per call into one per batch; a task lost meanwhile (broker
    restart) only suppresses kicks for KICK_COALESCE, and the sweeper sends its calls."""
    from django.core.cache import cache

    from orders.tasks.checkout import dispatch_provisioning_calls

    try:
        if _kicks_coalesce() and not cache.add(KICK_KEY, call_id, timeout=KICK_COALESCE):
            return
        dispatch_provisioning_calls.delay()
    except Exception:
        # The row is committed; the beat entry sends it. The business change succeeded.
        logger.exception("could not kick the dispatcher for call %s", call_id)


def kick_taken() -> None:
    """A dispatch task started: the next commit kicks again (see `_kick`)."""
    from django.core.cache import cache

    if _kicks_coalesce():
        try:
            cache.delete(KICK_KEY)
        except Exception:  # the key expires by itself
            logger.exception("could not clear the dispatch kick flag")


def _claimable(now: datetime) -> Q:
    # Pending and due, or claimed by a worker whose lease ran out.
    return Q(status=PENDING, next_attempt_at__lte=now) | Q(status=SENDING, next_attempt_at__lte=now)


def _due(now: datetime):
    earlier_open = ProvisioningCall.objects.filter(
        subscription=OuterRef("subscription"),
        sequence__lt=OuterRef("sequence"),
        status__in=[PENDING, SENDING],
    )
    return ProvisioningCall.objects.filter(_claimable(now)).filter(~Exists(earlier_open))


def calls_claim(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> list[int]:
    """Claim up to `limit` due calls; the ids claimed.

    Claiming sets status "sending" and pushes `next_attempt_at` to the end of the lease.
    PostgreSQL: the due rows are locked with `FOR UPDATE SKIP LOCKED` (another worker's
    claim skips them instead of waiting) and marked in the same short transaction.
    Elsewhere: one conditional UPDATE per candidate, so that a second worker's UPDATE on
    the same row matches nothing.
    """
    now = now or timezone.now()
    lease = {
        "status": SENDING,
        "next_attempt_at": now + claim_lease(),
        "attempts": F("attempts") + 1,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            claimed = list(
                _due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[:limit]
            )
            if claimed:
                ProvisioningCall.objects.filter(pk__in=claimed).update(**lease)
        return claimed
    candidates = list(
        _due(now).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]
    )
    claimed = []
    for call_id in candidates:
        taken = ProvisioningCall.objects.filter(pk=call_id).filter(_claimable(now)).update(**lease)
        if taken:
            claimed.append(call_id)
    return claimed


def calls_due_count(*, now: datetime | None = None) -> int:
    """How many calls could be claimed now (pending and due, or with a lapsed lease)."""
    return _due(now or timezone.now()).count()


def calls_sweep(*, now: datetime | None = None, max_tasks: int = 10) -> int:
    """Beat: enqueue one dispatch task per batch of due calls (at most `max_tasks`); the
    number of tasks enqueued. Covers kicks lost with the broker and retries coming due."""
    from orders.tasks.checkout import dispatch_provisioning_calls

    due = calls_due_count(now=now)
    tasks = min(max_tasks, -(-due // DISPATCH_BATCH))
    for _n in range(tasks):
        dispatch_provisioning_calls.delay()
    return tasks


def call_record(
    *, call_id: int, result: Result, call: ProvisioningCall | None = None
) -> ProvisioningCall:
    """Record one attempt's result on a claimed call (only while it is still "sending"),
    with the attempt's log row, in one transaction. `call`: the claimed row as the
    dispatcher loaded it (saves reading it again; its subscription is not trusted: the
    outcome locks and reads that afresh)."""
    now = timezone.now()
    fields: dict = {"last_error": result.error[:2000]}
    if result.response is not None:
        fields["response"] = result.response
    if result.ok:
        fields.update(status=ProvisioningCall.Status.SUCCEEDED, finished_at=now)
    elif result.retry_at is not None:
        fields.update(status=PENDING, next_attempt_at=result.retry_at)
    else:
        fields.update(status=ProvisioningCall.Status.FAILED, finished_at=now)
    with transaction.atomic():
        recorded = ProvisioningCall.objects.filter(pk=call_id, status=SENDING).update(**fields)
        if result.attempt is not None:
            _save_attempt(result.attempt)
        if call is None or not recorded:
            call = ProvisioningCall.objects.select_related("subscription").get(pk=call_id)
        else:
            for name, value in fields.items():
                setattr(call, name, value)
        if recorded:
            # In the transaction of the record, so an outcome is applied exactly once.
            _apply_outcome(call, result)
    return call


def _save_attempt(attempt: CallAttempt) -> None:
    """Insert the attempt row under its number, the call's attempt count as its claim set
    it: every claim adds one, so no two claims share a number. Should one be taken
    anyway, the IntegrityError rolls this whole record back: the call stays "sending",
    its lease lapses and the next claim (a new number) sends it again."""
    attempt.save(force_insert=True)


def _apply_outcome(call: ProvisioningCall, result: Result) -> None:
    """What the seller's answer means for the purchased service (04 › newInstance): the
    instance is created → the service is in use; creating it finally failed → the order
    is refunded in full automatically (03 › Unsubscribe, first row). Any call finally
    failed → the seller is e-mailed."""
    if call.status == ProvisioningCall.Status.FAILED:
        _notify_final_failure(call)
    if call.activity != ProvisioningCall.Activity.NEW_INSTANCE:
        return
    # Imported here: the services enqueue calls through this module.
    from .services.subscriptions import subscription_activate
    from .services.unsubscribe import unsubscription_provisioning_failed

    if call.status == ProvisioningCall.Status.SUCCEEDED:
        answer = result.response if isinstance(result.response, dict) else {}
        info = answer.get("appInfo")
        if isinstance(info, dict) and answer.get("encryptType"):
            info = {**info, "encryptType": str(answer["encryptType"])}
        # Locked and read afresh there: the claim's copy of the subscription may be old.
        subscription_activate(
            subscription=Subscription(pk=call.subscription_id),
            instance_id=str(answer.get("instanceId") or ""),
            access_info=info if isinstance(info, dict) else None,
            only_from=(Subscription.Status.PENDING, Subscription.Status.ACTIVE),
        )
    elif call.status == ProvisioningCall.Status.FAILED:
        subscription = Subscription.objects.get(pk=call.subscription_id)
        answer = result.response if isinstance(result.response, dict) else {}
        if answer.get("instanceId") and not subscription.instance_id:
            # Created asynchronously but never finished: the refund's releaseInstance
            # names it, so that the seller can clean it up.
            Subscription.objects.filter(pk=subscription.pk).update(
                instance_id=str(answer["instanceId"])[:64]
            )
        if call.order_id:
            unsubscription_provisioning_failed(order_id=call.order_id)
        transaction.on_commit(functools.partial(_kick_health, subscription.product_id))


def _notify_final_failure(call: ProvisioningCall) -> None:
    from .isv.messages import notify_call_failed

    notify_call_failed(call)


def _kick_health(product_id: int) -> None:
    from orders.tasks.checkout import check_interface_health

    try:
        check_interface_health.delay(product_id)
    except Exception:
        # The beat job checks every product with failures this month.
        logger.exception("could not enqueue the health check of product %s", product_id)


@transaction.atomic
def call_restart(*, call_id: int, actor, seller=None) -> ProvisioningCall:
    """Restart 重新启动 a finally failed call by hand (04 › production interface messages):
    a new retry window from now, back to "pending", `restarted_by` set, a history row.

    `seller` given: the seller center (the call must be of the seller's product, else
    "doesn't exist"); otherwise an operator holding `orders.restart_provisioningcall`.
    A create-instance call whose order was refunded meanwhile can't be restarted (the
    purchased service is gone; the buyer buys again).
    """
    from marketplace.core.audit import move_to
    from marketplace.core.exceptions import DomainError
    from marketplace.core.permissions import check_operator_permission

    rows = ProvisioningCall.objects.select_for_update().select_related("subscription")
    if seller is not None:
        rows = rows.filter(subscription__seller=seller)
    else:
        check_operator_permission(
            actor,
            "orders.restart_provisioningcall",
            _("You don't have the permission to restart provisioning calls."),
        )
    call = rows.filter(pk=call_id).first()
    if call is None:
        raise DomainError(_("This call doesn't exist."))
    if call.status != ProvisioningCall.Status.FAILED:
        raise DomainError(_("Only a failed call can be restarted."))
    if (
        call.activity == ProvisioningCall.Activity.NEW_INSTANCE
        and call.subscription.status != Subscription.Status.PENDING
    ):
        raise DomainError(
            _("The order of this call was refunded: its instance can no longer be created.")
        )
    now = timezone.now()
    call.next_attempt_at = now
    call.window_ends_at = now + call_window(call.activity)
    call.restarted_by = actor if getattr(actor, "is_authenticated", False) else None
    call.finished_at = None
    move_to(
        call,
        PENDING,
        action="restart",
        actor=actor,
        also_save=["next_attempt_at", "window_ends_at", "restarted_by", "finished_at"],
    )
    transaction.on_commit(functools.partial(_kick, call.pk))
    return call


def calls_purge_succeeded(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Beat (daily): delete succeeded calls finished more than ISV_CALL_RETENTION_DAYS ago,
    with their attempts, in set-based batches; how many calls were deleted."""
    from .models import CallAttempt

    cutoff = (now or timezone.now()) - timedelta(days=settings.ISV_CALL_RETENTION_DAYS)
    old = ProvisioningCall.objects.filter(
        status=ProvisioningCall.Status.SUCCEEDED, finished_at__lt=cutoff
    )
    deleted = 0
    while True:
        ids = list(old.values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            CallAttempt.objects.filter(call_id__in=ids).delete()
            deleted += ProvisioningCall.objects.filter(pk__in=ids)._raw_delete(
                ProvisioningCall.objects.db
            )


def _send_all(sender: Dispatcher, calls: list[ProvisioningCall]) -> list[Result]:
    """Each call's Result: through the dispatcher's `send_many` when it has one (parallel
    exchanges), else one `send` after another. A dispatcher bug must not leave a call
    "sending": it becomes a retry at the end of a lease (for the whole batch when
    `send_many` itself fails)."""
    send_many = getattr(sender, "send_many", None)
    if send_many is not None:
        try:
            return send_many(calls)
        except Exception as exc:
            logger.exception("dispatcher failed on calls %s", [call.pk for call in calls])
            return [_crashed(exc)] * len(calls)
    results = []
    for call in calls:
        try:
            results.append(sender.send(call))
        except Exception as exc:
            logger.exception("dispatcher failed on call %s", call.pk)
            results.append(_crashed(exc))
    return results


def _crashed(exc: Exception) -> Result:
    return Result(ok=False, error=str(exc), retry_at=timezone.now() + claim_lease())


def calls_dispatch(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Claim due calls and send each through the configured dispatcher; how many were sent
    (at most `limit`). Claims DISPATCH_CHUNK at a time, and again while each claim came
    back full: a burst is shared by the tasks running in parallel.

    Sending happens outside any transaction: a slow seller server holds no lock.
    """
    sender = dispatcher()
    sent = 0
    while sent < limit:
        # A given `now` (tests, a catch-up at a set time): one claim, as a later one would
        # find again the calls this one retried before `now`.
        chunk = limit - sent if now is not None else min(DISPATCH_CHUNK, limit - sent)
        claimed = calls_claim(now=now, limit=chunk)
        if not claimed:
            break
        calls = ProvisioningCall.objects.select_related("subscription", "order").in_bulk(claimed)
        results = _send_all(sender, [calls[i] for i in claimed])
        # The chunk's records in one transaction, each in its own savepoint: one commit
        # (one WAL flush) per chunk instead of per call; a record that fails is rolled
        # back alone and its call, still "sending", is claimed again after its lease.
        with transaction.atomic():
            for call_id, result in zip(claimed, results, strict=True):
                try:
                    call_record(call_id=call_id, result=result, call=calls[call_id])
                except DatabaseError:
                    logger.exception("recording call %s failed; resent after its lease", call_id)
                sent += 1
        if now is not None or len(claimed) < chunk:
            break  # nothing more was due (later calls are kicked by their own commits)
    return sent

"""`HttpDispatcher`: sends a provisioning call to the product's production interface and
decides what happens next (isv-api-reference §1, §1.13; 04-isv-integration › Retries).

One `send(call)` is one attempt: build the body, POST it signed (`client.post_activity`),
write a `CallAttempt` (URL with its signature parameters, body, HTTP status, the first
10,000 characters of the answer, result code, latency, error), and answer a `Result`:

- success → `Result(ok=True, response=<the seller's JSON>)`;
- failure inside the call's window → `Result(ok=False, retry_at=...)`: exponential backoff
  with full jitter (`ISV_BACKOFF_BASE_SECONDS` × 2^(n−1), capped at
  `ISV_BACKOFF_CAP_SECONDS`, a uniformly random part of it), never later than the end of
  the window — so the last attempt is made at the window's end;
- failure after the window → `Result(ok=False, retry_at=None)`: finally failed.

Windows (set by `call_enqueue`, renewed by a restart): newInstance and upgradeInstance
`ISV_WINDOW_NEW_INSTANCE_HOURS` / `ISV_WINDOW_UPGRADE_HOURS` (3 h), the others
`ISV_WINDOW_OTHER_HOURS` (1 h).

Body: `activity` + the call's payload; `instanceId` filled from the subscription when the
payload left it empty (the instance was still being created when the call was written);
newInstance gets a fresh `businessId` (UUID) on every attempt (§1.1: "different on every
call"; the seller keys idempotency on orderId + orderLineId) and no `instanceId`.
`testFlag` is "1" only for the calls of a test account's subscription (`Order.is_test`):
a test purchase is not a sale, and §1.0 says such calls get a stub and do no real work;
real calls omit the field (the newer pages' rule).

Asynchronous provisioning (§1.1 "do not block"). Rule: a newInstance answer is *final* when
it is a success (000000) carrying `instanceId` and `appInfo.frontEndUrl`. An answer that
is a success without `appInfo.frontEndUrl`, or result code 000004 ("request in progress")
with an `instanceId`, means "being created": the call stays open (pending), the instanceId
is kept in `call.response`, and its next attempts are `queryInstance` for that id, every
`ISV_POLL_INTERVAL_SECONDS`, until an entry of `info` carries `appInfo.frontEndUrl` (then
the call succeeds with that info and the subscription is activated with it) or the window
ends (finally failed: the order is refunded). 000004 without an instanceId is an ordinary
failure (newInstance is sent again).

An instance call (refresh, status, release, upgrade, change check) for a subscription
that never got an instance (its newInstance finally failed) is not sent: it succeeds at
once with a note, because the seller has nothing to act on.
"""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import CallAttempt, Order, ProductInterface, ProvisioningCall
from ..provisioning import Result
from .client import IN_PROGRESS, SUCCESS, Exchange, post_activity

Activity = ProvisioningCall.Activity
INSTANCE_CALLS = {
    Activity.REFRESH_INSTANCE,
    Activity.UPDATE_INSTANCE_STATUS,
    Activity.RELEASE_INSTANCE,
    Activity.UPGRADE_INSTANCE,
    Activity.CHANGE_INSTANCE_CHECK,
    Activity.QUERY_INSTANCE,
}


def backoff(attempt: int) -> timedelta:
    """Full jitter: a random delay between 1 s and min(cap, base × 2^(attempt−1))."""
    base = float(settings.ISV_BACKOFF_BASE_SECONDS)
    cap = float(settings.ISV_BACKOFF_CAP_SECONDS)
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))  # noqa: S311 - not secret


def next_attempt(call: ProvisioningCall, *, now: datetime, delay: timedelta) -> datetime | None:
    """When to try `call` again: after `delay` but not past its window; None when the
    window is over."""
    from ..provisioning import window_end

    ends = window_end(call)
    if now >= ends:
        return None
    return min(now + delay, ends)


def has_final_info(answer: dict | None) -> bool:
    """The answer carries the instance's final info (see the module's async rule)."""
    if not isinstance(answer, dict) or not answer.get("instanceId"):
        return False
    info = answer.get("appInfo")
    return isinstance(info, dict) and bool(info.get("frontEndUrl"))


def is_test_subscription(call: ProvisioningCall) -> bool:
    if call.order_id is not None and call.order is not None:
        return call.order.is_test
    return Order.objects.filter(subscription_id=call.subscription_id, is_test=True).exists()


def build_body(call: ProvisioningCall) -> dict:
    """The request body of the next attempt of `call` (module docstring › Body)."""
    payload = dict(call.payload or {})
    polling = _polled_instance(call)
    if polling:
        body = {"activity": Activity.QUERY_INSTANCE.value, "instanceId": polling}
    elif call.activity == Activity.NEW_INSTANCE:
        payload.pop("instanceId", None)
        body = {"activity": call.activity, **payload, "businessId": uuid.uuid4().hex}
    else:
        if not payload.get("instanceId"):
            payload["instanceId"] = call.subscription.instance_id
        _wire_defaults(call, payload)
        body = {"activity": call.activity, **payload}
    if is_test_subscription(call):
        body["testFlag"] = "1"
    return body


def _wire_defaults(call: ProvisioningCall, payload: dict) -> None:
    """Mandatory fields of the reference the payload may lack: `orderLineId` (§1.3, §1.6:
    our orders have one line, `<orderId>-000001`) and refreshInstance's `scene` (§1.3:
    RENEWAL, or UNSUBSCRIBE_RENEWAL_PERIOD when it answers a refunded renewal order)."""
    if payload.get("orderId") and not payload.get("orderLineId"):
        payload["orderLineId"] = f"{payload['orderId']}-000001"
    if call.activity == Activity.REFRESH_INSTANCE and not payload.get("scene"):
        order = call.order if call.order_id else None
        refunded = order is not None and order.payment_status == Order.PaymentStatus.REFUNDED
        payload["scene"] = "UNSUBSCRIBE_RENEWAL_PERIOD" if refunded else "RENEWAL"


def _polled_instance(call: ProvisioningCall) -> str:
    """The instanceId a newInstance call is polling for ("" when it isn't polling)."""
    if call.activity != Activity.NEW_INSTANCE or not isinstance(call.response, dict):
        return ""
    if not call.response.get("pending"):
        return ""
    return str(call.response.get("instanceId") or "")


def attempt_row(call: ProvisioningCall, exchange: Exchange, *, started_at) -> CallAttempt:
    """The attempt's log row, unsaved (`call_record` inserts it with the result). Its
    number is the call's attempt count as the claim set it (unique per claim)."""
    return CallAttempt(
        call=call,
        number=max(call.attempts, 1),
        started_at=started_at,
        url=exchange.url[:1000],
        request_body=exchange.request_body,
        http_status=exchange.http_status,
        response_body=exchange.response_text[:10_000],
        result_code=exchange.result_code,
        latency_ms=exchange.latency_ms,
        ok=exchange.ok,
        error=exchange.error,
    )


@dataclass
class _Ready:
    """A call about to be posted: everything read from the database beforehand."""

    call: ProvisioningCall
    started: datetime
    interface: ProductInterface
    body: dict


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _exchange_pool() -> ThreadPoolExecutor:
    """The process's threads for parallel exchanges (created on first use, so each Celery
    child after the fork has its own; each thread keeps its keep-alive session)."""
    global _pool  # noqa: PLW0603 - one pool per process
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, settings.ISV_PARALLEL_SENDS), thread_name_prefix="isv-send"
            )
        return _pool


class HttpDispatcher:
    """The production dispatcher (`settings.PROVISIONING_DISPATCHER`)."""

    timeout: float | None = None  # None: settings.ISV_TIMEOUT_SECONDS

    def __init__(self) -> None:
        # Product id → its interface, read once per dispatcher: `calls_dispatch` makes one
        # per run, so a batch of calls for one product reads its settings once, and a
        # changed URL or key is seen by the next run (seconds later).
        self._interfaces: dict[int, ProductInterface | None] = {}

    def interface_for(self, product_id: int) -> ProductInterface | None:
        if product_id not in self._interfaces:
            self._interfaces[product_id] = (
                ProductInterface.objects.select_related("access_key", "kit_access_key")
                .filter(product_id=product_id)
                .first()
            )
        return self._interfaces[product_id]

    def send(self, call: ProvisioningCall) -> Result:
        """One attempt; the Result carries its unsaved log row (`Result.attempt`)."""
        ready = self._prepare(call)
        if isinstance(ready, Result):
            return ready
        return self._finish(ready, self._post(ready))

    def send_many(self, calls: list[ProvisioningCall]) -> list[Result]:
        """`send` of each call, in order, with the HTTP exchanges made in parallel (up to
        `ISV_PARALLEL_SENDS` at once): a claimed batch waits for its slowest seller server,
        not for the sum of them. Only the exchanges run in the pool's threads; every
        database read happens here, before (`_prepare`) and after (`_finish`)."""
        prepared = [self._prepare(call) for call in calls]
        ready = [item for item in prepared if isinstance(item, _Ready)]
        if len(ready) > 1 and settings.ISV_PARALLEL_SENDS > 1:
            exchanges = dict(
                zip(map(id, ready), _exchange_pool().map(self._post, ready), strict=True)
            )
        else:
            exchanges = {id(item): self._post(item) for item in ready}
        return [
            item if isinstance(item, Result) else self._finish(item, exchanges[id(item)])
            for item in prepared
        ]

    def _prepare(self, call: ProvisioningCall) -> Result | _Ready:
        """The body and interface of the call's next attempt, or its Result when it isn't
        sent (no instance to act on, no production interface)."""
        started = timezone.now()
        if call.activity in INSTANCE_CALLS and not (
            (call.payload or {}).get("instanceId") or call.subscription.instance_id
        ):
            return Result(
                ok=True,
                error=_("Not sent: this purchased service never got an instance."),
            )
        interface = self.interface_for(call.subscription.product_id)
        body = build_body(call)
        if interface is None:
            exchange = Exchange(
                url="",
                request_body=body,
                error=_("The product has no production interface (production URL and key)."),
            )
            return Result(
                ok=False,
                error=exchange.error,
                retry_at=None,
                attempt=attempt_row(call, exchange, started_at=started),
            )
        return _Ready(call=call, started=started, interface=interface, body=body)

    def _post(self, ready: _Ready) -> Exchange:
        return post_activity(interface=ready.interface, body=ready.body, timeout=self.timeout)

    def _finish(self, ready: _Ready, exchange: Exchange) -> Result:
        polling = ready.body["activity"] == Activity.QUERY_INSTANCE
        result = self.judge(ready.call, exchange, polling=polling)
        return replace(result, attempt=attempt_row(ready.call, exchange, started_at=ready.started))

    def judge(self, call: ProvisioningCall, exchange: Exchange, *, polling: bool) -> Result:
        now = timezone.now()
        answer = exchange.response_json
        if call.activity == Activity.NEW_INSTANCE:
            if polling:
                return self._judge_poll(call, exchange, now=now)
            if exchange.ok and has_final_info(answer):
                return Result(ok=True, response=answer)
            in_progress = exchange.result_code == IN_PROGRESS or (
                exchange.result_code == SUCCESS and exchange.ok
            )
            instance_id = str((answer or {}).get("instanceId") or "")
            if in_progress and instance_id:
                return self._keep_polling(
                    call,
                    instance_id=instance_id,
                    now=now,
                    error=_("Instance %(id)s is being created; polling queryInstance.")
                    % {"id": instance_id},
                )
            if exchange.ok:  # success without an instanceId
                exchange.error = _("The answer has no instanceId.")
        elif exchange.ok:
            return Result(ok=True, response=answer)
        retry_at = next_attempt(call, now=now, delay=backoff(call.attempts))
        return Result(ok=False, error=exchange.error, retry_at=retry_at)

    def _judge_poll(self, call: ProvisioningCall, exchange: Exchange, *, now) -> Result:
        instance_id = _polled_instance(call)
        if exchange.ok:
            for entry in (exchange.response_json or {}).get("info") or []:
                if (
                    isinstance(entry, dict)
                    and str(entry.get("instanceId")) == instance_id
                    and has_final_info(entry)
                ):
                    response = {"instanceId": instance_id, "appInfo": entry["appInfo"]}
                    encrypt_type = (exchange.response_json or {}).get("encryptType")
                    if encrypt_type:
                        response["encryptType"] = encrypt_type
                    return Result(ok=True, response=response)
            error = _("Instance %(id)s has no appInfo.frontEndUrl yet.") % {"id": instance_id}
        else:
            error = exchange.error
        return self._keep_polling(call, instance_id=instance_id, now=now, error=error)

    def _keep_polling(self, call, *, instance_id: str, now, error: str) -> Result:
        delay = timedelta(seconds=settings.ISV_POLL_INTERVAL_SECONDS)
        retry_at = next_attempt(call, now=now, delay=delay)
        return Result(
            ok=False,
            error=error,
            retry_at=retry_at,
            response={"instanceId": instance_id, "pending": True},
        )

"""The sandbox payment provider: a stand-in with the shape of a real one.

1. `start()` signs (reference, amount, return URL) and sends the buyer to our own
   "provider page" (`payments:sandbox_pay`), marked SANDBOX, with Pay and Fail buttons.
2. A button press answers the browser at once (back to the return URL) and, after
   commit, enqueues `buyers.tasks.deliver_sandbox_notification`: the worker POSTs the
   signed notification to `payments:notify` like a provider's server would, retrying
   while the site can't be reached.
3. The notify endpoint verifies the HMAC-SHA256 signature (settings
   `PAYMENT_SANDBOX_SECRET`) over the canonical fields `amount`, `reference`, `status`,
   `txn_id` (sorted, `k=v` joined by `&`) and completes the top-up.

The transaction id is derived from the reference, so pressing a button twice sends the
same notification twice: the second changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from . import InvalidNotification

logger = logging.getLogger(__name__)

FIELDS = ("amount", "reference", "status", "txn_id")
START_FIELDS = ("amount", "reference", "return_url")
SUCCESS, FAIL = "success", "fail"


def _sign(data: dict, fields: tuple[str, ...]) -> str:
    canonical = "&".join(f"{name}={data[name]}" for name in sorted(fields))
    key = settings.PAYMENT_SANDBOX_SECRET.encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _signed(data: dict, fields: tuple[str, ...]) -> bool:
    given = str(data.get("sign", ""))
    if any(name not in data for name in fields):
        return False
    return hmac.compare_digest(given, _sign(data, fields))


def txn_id_for(reference: str) -> str:
    digest = hmac.new(
        settings.PAYMENT_SANDBOX_SECRET.encode(), reference.encode(), hashlib.sha256
    ).hexdigest()
    return f"SBX{digest[:29].upper()}"


class SandboxProvider:
    name = "sandbox"

    def start(self, top_up, return_url: str) -> str:
        data = {"amount": f"{top_up.amount:.2f}", "reference": top_up.reference}
        data["return_url"] = return_url
        data["sign"] = _sign(data, START_FIELDS)
        query = urllib.parse.urlencode({k: data[k] for k in ("amount", "return_url", "sign")})
        return f"{reverse('payments:sandbox_pay', args=[top_up.reference])}?{query}"

    def verify_notification(self, data) -> tuple[str, str, Decimal, bool]:
        data = {name: str(data.get(name, "")) for name in (*FIELDS, "sign")}
        if not _signed(data, FIELDS):
            raise InvalidNotification(_("The notification's signature is wrong."))
        try:
            amount = Decimal(data["amount"])
        except InvalidOperation as exc:
            raise InvalidNotification(_("The notification's amount is not a number.")) from exc
        if data["status"] not in (SUCCESS, FAIL) or not data["txn_id"]:
            raise InvalidNotification(_("The notification is incomplete."))
        return data["txn_id"], data["reference"], amount, data["status"] == SUCCESS


def page_request_valid(*, reference: str, data) -> bool:
    """Whether the provider page was opened with parameters the merchant signed."""
    values = {
        "reference": reference,
        **{k: str(data.get(k, "")) for k in ("amount", "return_url", "sign")},
    }
    return _signed(values, START_FIELDS)


def notification(*, reference: str, amount: str, ok: bool) -> dict:
    data = {
        "amount": amount,
        "reference": reference,
        "status": SUCCESS if ok else FAIL,
        "txn_id": txn_id_for(reference),
    }
    data["sign"] = _sign(data, FIELDS)
    return data


def send_after_commit(data: dict) -> None:
    """Enqueue the notification once the current transaction commits (asynchronous)."""
    from buyers.tasks import deliver_sandbox_notification

    transaction.on_commit(functools.partial(deliver_sandbox_notification.delay, data))


def http_post(url: str, data: dict) -> tuple[int, str]:
    """POST a form; (status, body). Network errors raise OSError (the task retries)."""
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (our URL)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def deliver(data: dict) -> bool:
    """Send one notification to our notify endpoint; True if it answered success."""
    url = settings.SITE_URL.rstrip("/") + reverse("payments:notify", args=[SandboxProvider.name])
    status, body = http_post(url, data)
    if status >= 500:
        raise OSError(f"notify endpoint answered {status}")
    if status != 200:
        logger.warning("sandbox notification %s refused: %s", data.get("reference"), body)
    return status == 200

"""The interface debugging console 接口调试 (issue 9 › 7; isv-api-reference §1, §2.1, §3.1).

- `console_default_body`: a valid request body per activity, with the reference's mock
  order ids (§4.1: MOCKPERIODYEARNEW …, order line `<id>-000001`), a fresh `businessId`
  and `testFlag` "1";
- `console_preview`: the body as it is signed and the full URL with signature, timestamp
  and nonce (the timestamp and nonce of the real send are fresh, so its signature differs);
- `console_send`: one signed POST, always with `testFlag` "1", and its `verdict`;
- `test_case_*`: saved requests (`InterfaceTestCase`), re-run by hand or by the daily probe
  (orders/isv/probe.py);
- `conformance_run`: idempotency, a tampered signature, a stale timestamp, queryInstance.

Verdicts are stored and shown as data (`{"check", "ok", "params"}`) and explained in the
reader's language at display time (`describe`), so a saved verdict reads in Chinese too.

The console sends itself rather than through `client.post_activity`: it needs the
response's content type for the verdict, and the conformance run needs URLs that are
deliberately wrong (tampered signature, stale timestamp). It uses the same outbound guard,
signing, key checks and answer classification as the dispatcher.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.exceptions import DomainError

from ..models import InterfaceTestCase, ProductInterface, ProvisioningCall
from . import client
from .client import Exchange, classify
from .signing import canonical_body, signed_url

Activity = ProvisioningCall.Activity
# The order the console offers them in: the life of an instance.
ACTIVITIES = [
    Activity.NEW_INSTANCE,
    Activity.QUERY_INSTANCE,
    Activity.REFRESH_INSTANCE,
    Activity.UPDATE_INSTANCE_STATUS,
    Activity.RELEASE_INSTANCE,
    Activity.UPGRADE_INSTANCE,
    Activity.CHANGE_INSTANCE_CHECK,
]
# §4.1 mock orders: the open API answers Query Order for them, so a seller server that
# looks the order up while debugging finds one.
MOCK_ORDERS = {
    Activity.NEW_INSTANCE: "MOCKPERIODYEARNEW",
    Activity.REFRESH_INSTANCE: "MOCKMONTYRENEW",
    Activity.RELEASE_INSTANCE: "MOCKMONTYUNSUBSCRIBE",
    Activity.UPGRADE_INSTANCE: "MOCKMONTYCHANGE",
}
MOCK_INSTANCE_ID = "MOCKINSTANCE000001"
REFRESH_SCENES = ["RENEWAL", "TRIAL_TO_FORMAL", "UNSUBSCRIBE_RENEWAL_PERIOD", "RENEWAL_CHANGE"]
# §1.0: the real marketplace's debugging console waits 20 s; production calls wait
# settings.ISV_TIMEOUT_SECONDS (5 s), which is what the latency check holds answers to.
CONSOLE_TIMEOUT_SECONDS = 20
MAX_BODY_CHARS = 10_000
MAX_TEST_CASES_PER_PRODUCT = 20
# The conformance run's stale request: well outside the ±60 s of §2.1 step 2.
STALE_BY = timedelta(minutes=10)

# §3.1: what an ISV's result code means.
RESULT_CODES = {
    "000000": gettext_lazy("success"),
    "000001": gettext_lazy("authentication failed (bad or missing signature)"),
    "000002": gettext_lazy("invalid request parameter"),
    "000003": gettext_lazy("the instance ID does not exist"),
    "000004": gettext_lazy("request in progress"),
    "000005": gettext_lazy("other internal error"),
    "000100": gettext_lazy("no instance resource available"),
    "000101": gettext_lazy("mobile number missing or already exists"),
    "000102": gettext_lazy("e-mail missing or already exists"),
    "000103": gettext_lazy("the product cannot be purchased again"),
    "000104": gettext_lazy("internal service error of the product"),
    "000105": gettext_lazy("the account already subscribed to the benefit"),
    "000106": gettext_lazy("product resources sold out"),
    "000107": gettext_lazy("the SaaS e-mail domain already exists"),
}
SUCCESS = "000000"
AUTH_FAILED = "000001"
BAD_PARAMETER = "000002"


# --- Request bodies ----------------------------------------------------------------------


def _mock_order(activity: str) -> dict:
    order_id = MOCK_ORDERS[activity]
    return {"orderId": order_id, "orderLineId": f"{order_id}-000001"}


def console_default_body(*, activity: str, product=None, instance_id: str = "") -> dict:
    """A valid body for `activity` (§1.1–1.7), ready to send with testFlag "1"."""
    instance = {"instanceId": instance_id or MOCK_INSTANCE_ID}
    if activity == Activity.NEW_INSTANCE:
        fields = _mock_order(activity) | {"businessId": uuid.uuid4().hex}
    elif activity == Activity.QUERY_INSTANCE:
        fields = instance
    elif activity == Activity.REFRESH_INSTANCE:
        # §1.3: yyyyMMddHHmmss in UTC; a year from now, as a yearly renewal would set.
        expire = datetime.now(tz=UTC) + timedelta(days=365)
        fields = (
            {"scene": "RENEWAL"}
            | _mock_order(activity)
            | instance
            | {"expireTime": expire.strftime("%Y%m%d%H%M%S")}
        )
    elif activity == Activity.UPDATE_INSTANCE_STATUS:
        fields = instance | {"status": "FREEZE"}
    elif activity in (Activity.RELEASE_INSTANCE, Activity.UPGRADE_INSTANCE):
        fields = instance | _mock_order(activity)
    elif activity == Activity.CHANGE_INSTANCE_CHECK:
        # §1.7: the target spec; only productInfo.productId is known to be read.
        product_id = str(product.pk) if product is not None else "MOCKPRODUCT"
        fields = instance | {"productInfo": {"productId": product_id}}
    else:
        raise DomainError(_("Unknown activity “%(activity)s”.") % {"activity": activity})
    return {"activity": str(activity), **fields, "testFlag": "1"}


def console_body(*, activity: str, body: dict, fresh_business_id: bool = False) -> dict:
    """`body` as the console sends it: its `activity` set, `testFlag` "1" whatever it said
    (the console and the probe never make a real call), and for a re-run of a saved
    newInstance a new `businessId` (§1.1: different on every call)."""
    if activity not in ACTIVITIES:
        raise DomainError(_("Unknown activity “%(activity)s”.") % {"activity": activity})
    if not isinstance(body, dict):
        raise DomainError(_("The request body must be a JSON object."))
    sent = {**body, "activity": str(activity), "testFlag": "1"}
    if fresh_business_id and activity == Activity.NEW_INSTANCE:
        sent["businessId"] = uuid.uuid4().hex
    return sent


def console_parse_body(text: str) -> dict:
    """The body a seller typed: a JSON object of at most MAX_BODY_CHARS characters."""
    if len(text) > MAX_BODY_CHARS:
        raise DomainError(
            _("The request body is longer than %(limit)d characters.") % {"limit": MAX_BODY_CHARS}
        )
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise DomainError(
            _("The request body is not valid JSON: %(error)s") % {"error": exc}
        ) from None
    if not isinstance(body, dict):
        raise DomainError(_("The request body must be a JSON object."))
    return body


# --- Sending -------------------------------------------------------------------------------


@dataclass
class ConsoleRun:
    """One request sent from the console: the exchange, the answer's content type, the
    verdict (`{"ok", "checks": [{"check", "ok", "params"}]}`)."""

    exchange: Exchange
    content_type: str = ""
    verdict: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.verdict.get("ok"))

    def summary(self) -> dict:
        """What is kept of the run (a test case's `last_verdict`, a probe's detail)."""
        e = self.exchange
        return {
            **self.verdict,
            "url": e.url,
            "request": e.request_body,
            "http_status": e.http_status,
            "content_type": self.content_type,
            "result_code": e.result_code,
            "latency_ms": e.latency_ms,
            "response": e.response_text[:2000],
            "error": e.error,
        }


def _tampered(url: str) -> str:
    """`url` with the last character of its signature changed (still valid hex)."""
    parts = urlsplit(url)
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "signature" and value:
            value = value[:-1] + ("0" if value[-1] != "0" else "1")
        query.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _signing_key(interface: ProductInterface) -> str:
    return client._secret(interface.access_key)


def send(
    *,
    interface: ProductInterface,
    body: dict,
    timeout: float | None = None,
    now_ms: int | None = None,
    tamper: bool = False,
) -> tuple[Exchange, str]:
    """POST `body` signed with the interface's key (with `now_ms` as the timestamp, or
    with a broken signature when `tamper`); return the classified exchange and the
    answer's content type. Never raises for a bad answer or a refused URL."""
    from marketplace.core.netguard import check_outbound_url

    url = interface.production_url
    exchange = Exchange(url=url, request_body=body)
    try:
        check_outbound_url(url)
        key = _signing_key(interface)
    except DomainError as exc:
        exchange.error = str(exc)
        return exchange, ""
    exchange.url = signed_url(url, key=key, body=body, now_ms=now_ms)
    if tamper:
        exchange.url = _tampered(exchange.url)
    timeout = float(timeout if timeout is not None else CONSOLE_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxies from the environment: the guard checked it
            with session.post(
                exchange.url,
                data=canonical_body(body).encode(),
                headers=client.HEADERS,
                timeout=timeout,
                allow_redirects=False,  # a redirect could lead past the outbound guard
                stream=True,
            ) as response:
                raw = response.raw.read(client.MAX_READ_BYTES, decode_content=True) or b""
                exchange.http_status = response.status_code
                content_type = response.headers.get("Content-Type", "")
                encoding = response.encoding or "utf-8"
    except requests.Timeout:
        exchange.latency_ms = _since(started)
        exchange.error = _("No answer within %(seconds)s s (timeout).") % {"seconds": timeout}
        return exchange, ""
    except requests.RequestException as exc:
        exchange.latency_ms = _since(started)
        exchange.error = _("Connection failed: %(reason)s") % {"reason": client._reason(exc)}
        return exchange, ""
    exchange.latency_ms = _since(started)
    exchange.response_text = raw.decode(encoding, errors="replace")[: client.KEEP_RESPONSE_CHARS]
    return classify(exchange, content_type=content_type, raw=raw), content_type


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- Verdict -------------------------------------------------------------------------------


def _present(value) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def required_fields_missing(activity: str, answer: dict | None) -> list[str] | None:
    """§1.0 debug-console checks: the required fields the answer lacks, or None when the
    activity has none beyond resultCode. newInstance: instanceId and appInfo.frontEndUrl.
    queryInstance: instanceId (in each `info` entry, §1.2; a stub answering a top-level
    instanceId is accepted), and when usageInfo is returned, usageValue and
    statisticalTime in each entry."""
    answer = answer if isinstance(answer, dict) else {}
    missing: list[str] = []
    if activity == Activity.NEW_INSTANCE:
        if not _present(answer.get("instanceId")):
            missing.append("instanceId")
        app_info = answer.get("appInfo")
        if not isinstance(app_info, dict) or not _present(app_info.get("frontEndUrl")):
            missing.append("appInfo.frontEndUrl")
        return missing
    if activity == Activity.QUERY_INSTANCE:
        info = answer.get("info")
        if isinstance(info, list) and info:
            for entry in info:
                entry = entry if isinstance(entry, dict) else {}
                if not _present(entry.get("instanceId")) and "info[].instanceId" not in missing:
                    missing.append("info[].instanceId")
                usage = entry.get("usageInfo")
                for item in usage if isinstance(usage, list) else []:
                    item = item if isinstance(item, dict) else {}
                    for name in ("usageValue", "statisticalTime"):
                        label = f"info[].usageInfo[].{name}"
                        if not _present(item.get(name)) and label not in missing:
                            missing.append(label)
        elif not _present(answer.get("instanceId")):
            missing.append("info[].instanceId")
        return missing
    return None


def _mime(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def verdict(*, activity: str, exchange: Exchange, content_type: str) -> dict:
    """The checks of one answer (§1.0), each `{"check", "ok", "params"}`; `ok` when all pass."""
    checks: list[dict] = []
    if exchange.http_status is None:
        checks.append({"check": "connection", "ok": False, "params": {"error": exchange.error}})
        return {"ok": False, "checks": checks}
    checks.append(
        {
            "check": "http_status",
            "ok": exchange.http_status == 200,
            "params": {"status": exchange.http_status},
        }
    )
    checks.append(
        {
            "check": "content_type",
            "ok": _mime(content_type) == "application/json",
            "params": {"type": content_type[:100]},
        }
    )
    checks.append(
        {
            "check": "result_code",
            "ok": exchange.result_code == SUCCESS and exchange.response_json is not None,
            "params": {"code": exchange.result_code},
        }
    )
    missing = required_fields_missing(activity, exchange.response_json)
    if missing is not None:
        checks.append(
            {"check": "required_fields", "ok": not missing, "params": {"missing": missing}}
        )
    limit = int(settings.ISV_TIMEOUT_SECONDS * 1000)
    latency = exchange.latency_ms or 0
    checks.append(
        {"check": "latency", "ok": latency <= limit, "params": {"ms": latency, "limit": limit}}
    )
    return {"ok": all(c["ok"] for c in checks), "checks": checks}


def result_code_meaning(code: str) -> str:
    if not code:
        return _("no resultCode in the answer")
    meaning = RESULT_CODES.get(code)
    return str(meaning) if meaning else _("not a code of the result-code table")


_LABELS = {
    "connection": gettext_lazy("Connection"),
    "http_status": gettext_lazy("HTTP status"),
    "content_type": gettext_lazy("Content type"),
    "result_code": gettext_lazy("Result code"),
    "required_fields": gettext_lazy("Required fields"),
    "latency": gettext_lazy("Latency"),
    "idempotency": gettext_lazy("Same order twice → same instance"),
    "tampered_signature": gettext_lazy("Tampered signature refused"),
    "stale_timestamp": gettext_lazy("Stale timestamp refused"),
    "query_instance": gettext_lazy("queryInstance of the new instance"),
}


def describe(check: dict) -> tuple[str, str]:
    """(label, explanation) of one stored check, in the current language."""
    name, ok, p = check.get("check", ""), bool(check.get("ok")), check.get("params") or {}
    label = str(_LABELS.get(name, name))
    if name == "connection":
        text = _("No answer: %(error)s") % {"error": p.get("error", "")}
    elif name == "http_status":
        text = (
            _("HTTP 200, as required.")
            if ok
            else _("HTTP %(status)s: the marketplace counts anything but 200 as a failure.")
            % {"status": p.get("status")}
        )
    elif name == "content_type":
        text = (
            _("application/json, as required.")
            if ok
            else _("“%(type)s”: the marketplace counts anything but application/json as a failure.")
            % {"type": p.get("type") or "—"}
        )
    elif name == "result_code":
        code = p.get("code", "")
        meaning = result_code_meaning(code)
        text = (
            _("%(code)s: %(meaning)s.") % {"code": code, "meaning": meaning}
            if ok
            else _("%(code)s: %(meaning)s. Only 000000 counts as success.")
            % {"code": code or "—", "meaning": meaning}
        )
    elif name == "required_fields":
        text = (
            _("All required fields are present.")
            if ok
            else _("Missing: %(fields)s.") % {"fields": ", ".join(p.get("missing", []))}
        )
    elif name == "latency":
        text = (
            _("%(ms)s ms, within the %(limit)s ms the marketplace waits.")
            if ok
            else _(
                "%(ms)s ms: slower than the %(limit)s ms the marketplace waits in "
                "production, where the call would time out."
            )
        ) % {"ms": p.get("ms"), "limit": p.get("limit")}
    elif name == "idempotency":
        if ok:
            text = _("Both calls answered the instance %(id)s.") % {"id": p.get("first")}
        elif p.get("error"):
            text = _("A call failed: %(error)s") % {"error": p["error"]}
        else:
            text = _(
                "The first call answered %(first)s, the second %(second)s: repeated calls "
                "for the same orderId and orderLineId must return the same instanceId."
            ) % {"first": p.get("first") or "—", "second": p.get("second") or "—"}
    elif name == "tampered_signature":
        text = (
            _("Refused with 000001, as required.")
            if ok
            else _(
                "Answered %(code)s (HTTP %(status)s): a request with a wrong signature must be "
                "refused with 000001."
            )
            % {"code": p.get("code") or "—", "status": p.get("status") or "—"}
        )
    elif name == "stale_timestamp":
        text = (
            _("Refused with %(code)s, as required.") % {"code": p.get("code")}
            if ok
            else _(
                "Answered %(code)s (HTTP %(status)s) to a request signed %(minutes)s minutes "
                "ago: timestamps more than 60 s from now must be refused (000001; 000002 is "
                "accepted too)."
            )
            % {
                "code": p.get("code") or "—",
                "status": p.get("status") or "—",
                "minutes": p.get("minutes"),
            }
        )
    elif name == "query_instance":
        if ok:
            text = _("The instance %(id)s was found.") % {"id": p.get("id")}
        elif not p.get("id"):
            text = _("Not tried: newInstance returned no instanceId.")
        elif p.get("failed"):
            failed = [str(_LABELS.get(c, c)) for c in p["failed"]]
            text = _("Failed checks: %(checks)s.") % {"checks": ", ".join(failed)}
        else:
            text = _("The answer does not list the instance %(id)s.") % {"id": p.get("id")}
    else:
        text = ""
    return label, text


def describe_all(checks: list[dict]) -> list[dict]:
    """Rows for a template: check, ok, label, explanation."""
    rows = []
    for check in checks or []:
        label, text = describe(check)
        rows.append(
            {"check": check.get("check"), "ok": bool(check.get("ok")), "label": label, "text": text}
        )
    return rows


# --- Console services ------------------------------------------------------------------------


def console_preview(*, interface: ProductInterface, body: dict) -> dict:
    """The canonical body and the signed URL as they would be sent now."""
    key = _signing_key(interface)
    return {
        "body": canonical_body(body),
        "url": signed_url(interface.production_url, key=key, body=body),
    }


def console_send(
    *,
    interface: ProductInterface,
    activity: str,
    body: dict,
    fresh_business_id: bool = False,
    timeout: float | None = None,
) -> ConsoleRun:
    """Send one debugging request (testFlag "1") and judge the answer. Outside any
    transaction: the call may take up to CONSOLE_TIMEOUT_SECONDS."""
    sent = console_body(activity=activity, body=body, fresh_business_id=fresh_business_id)
    exchange, content_type = send(interface=interface, body=sent, timeout=timeout)
    run = ConsoleRun(exchange=exchange, content_type=content_type)
    run.verdict = verdict(activity=activity, exchange=exchange, content_type=content_type)
    return run


@transaction.atomic
def test_case_create(*, product, name: str, activity: str, body: dict) -> InterfaceTestCase:
    """Save a console request as a test case of `product` (run by the daily probe)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the test case a name."))
    if len(name) > 100:
        raise DomainError(_("The name is longer than %(limit)d characters.") % {"limit": 100})
    body = console_body(activity=activity, body=body)
    if len(canonical_body(body)) > MAX_BODY_CHARS:
        raise DomainError(
            _("The request body is longer than %(limit)d characters.") % {"limit": MAX_BODY_CHARS}
        )
    if InterfaceTestCase.objects.filter(product=product).count() >= MAX_TEST_CASES_PER_PRODUCT:
        raise DomainError(
            _("A product has at most %(limit)d test cases: delete one first.")
            % {"limit": MAX_TEST_CASES_PER_PRODUCT}
        )
    return InterfaceTestCase.objects.create(
        product=product, name=name, activity=activity, body=body
    )


@transaction.atomic
def test_case_delete(*, test_case: InterfaceTestCase) -> None:
    test_case.delete()


def test_case_record(*, test_case: InterfaceTestCase, run: ConsoleRun) -> InterfaceTestCase:
    """Keep the verdict of a run as the test case's last one."""
    test_case.last_run_at = timezone.now()
    test_case.last_ok = run.ok
    test_case.last_verdict = run.summary()
    test_case.save(update_fields=["last_run_at", "last_ok", "last_verdict"])
    return test_case


def test_case_run(*, test_case: InterfaceTestCase, timeout: float | None = None) -> ConsoleRun:
    """Send a saved test case again (a new businessId for newInstance) and record it."""
    interface = ProductInterface.objects.select_related("access_key").get(
        product_id=test_case.product_id
    )
    run = console_send(
        interface=interface,
        activity=test_case.activity,
        body=test_case.body,
        fresh_business_id=True,
        timeout=timeout,
    )
    test_case_record(test_case=test_case, run=run)
    return run


# --- Conformance run -------------------------------------------------------------------------


def _brief(exchange: Exchange) -> dict:
    return {
        "url": exchange.url,
        "request": exchange.request_body,
        "http_status": exchange.http_status,
        "response": exchange.response_text[:2000],
        "error": exchange.error,
    }


def _new_instance_body() -> dict:
    return console_default_body(activity=Activity.NEW_INSTANCE)


def conformance_run(*, interface: ProductInterface, timeout: float | None = None) -> list[dict]:
    """The four conformance checks, all with testFlag "1"; each
    `{"check", "ok", "params", "exchanges": [...]}`.

    (a) newInstance twice for the same orderId/orderLineId (new businessIds) → the same
    instanceId (§1.1 idempotency); (b) a newInstance whose signature was altered → 000001
    (§2.1); (c) a newInstance correctly signed 10 minutes ago → refused: the reference
    lists the ±60 s window among the signature checks and gives no code of its own, which
    implies 000001 (the official sample's choice); 000002 is accepted too; (d) queryInstance
    of the id from (a) → a passing verdict that lists it (when `info` is returned).
    """
    results = []
    order = _new_instance_body()
    first, _type1 = send(interface=interface, body=order, timeout=timeout)
    again = {**order, "businessId": uuid.uuid4().hex}
    second, _type2 = send(interface=interface, body=again, timeout=timeout)
    ids = [
        str((e.response_json or {}).get("instanceId") or "") if e.ok else ""
        for e in (first, second)
    ]
    error = next((e.error for e in (first, second) if not e.ok), "")
    results.append(
        {
            "check": "idempotency",
            "ok": bool(ids[0]) and ids[0] == ids[1],
            "params": {"first": ids[0], "second": ids[1], "error": error},
            "exchanges": [_brief(first), _brief(second)],
        }
    )

    tampered, _type = send(
        interface=interface, body=_new_instance_body(), tamper=True, timeout=timeout
    )
    results.append(
        {
            "check": "tampered_signature",
            "ok": tampered.result_code == AUTH_FAILED,
            "params": {"code": tampered.result_code, "status": tampered.http_status},
            "exchanges": [_brief(tampered)],
        }
    )

    stale_ms = int((time.time() - STALE_BY.total_seconds()) * 1000)
    stale, _type = send(
        interface=interface, body=_new_instance_body(), now_ms=stale_ms, timeout=timeout
    )
    results.append(
        {
            "check": "stale_timestamp",
            "ok": stale.result_code in (AUTH_FAILED, BAD_PARAMETER),
            "params": {
                "code": stale.result_code,
                "status": stale.http_status,
                "minutes": int(STALE_BY.total_seconds() // 60),
            },
            "exchanges": [_brief(stale)],
        }
    )

    instance_id = ids[0]
    if not instance_id:
        results.append(
            {"check": "query_instance", "ok": False, "params": {"id": ""}, "exchanges": []}
        )
        return results
    query = console_default_body(activity=Activity.QUERY_INSTANCE, instance_id=instance_id)
    exchange, content_type = send(interface=interface, body=query, timeout=timeout)
    judged = verdict(activity=Activity.QUERY_INSTANCE, exchange=exchange, content_type=content_type)
    failed = [c["check"] for c in judged["checks"] if not c["ok"]]
    info = (exchange.response_json or {}).get("info")
    listed = True
    if isinstance(info, list) and info:
        listed = any(isinstance(i, dict) and i.get("instanceId") == instance_id for i in info)
    results.append(
        {
            "check": "query_instance",
            "ok": judged["ok"] and listed,
            "params": {"id": instance_id, "failed": failed},
            "exchanges": [_brief(exchange)],
        }
    )
    return results

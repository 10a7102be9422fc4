"""The sample ISV server: signature checks, the instance store, the activities, the kit
sync paths and the behaviour switches the tests and demos use.

URL layout. The seller registers one production URL, any path, e.g.
`http://127.0.0.1:8001/produce`; the marketplace appends the kit paths to it (§1.9):

    POST <production path>                           basic activities, URL signature (§2.1)
    POST <production path>/produceAPI/v2/<kit name>  kit sync (§1.9-§1.12), x-sign (§2.2)
    GET  /healthz                                    liveness
    GET  /app/<instanceId>                           an instance's front-end URL (a tiny page)
    GET  /_state, POST /_control                     loopback only: counters, switches

Section numbers (§) refer to isv-api-reference.md, which the README's ISV
integration guide summarises.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import logging
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("sample_isv")

# Only for the demo: the seed data registers the same key for the demo seller.
DEFAULT_ACCESS_KEY = "sample-isv-demo-access-key"  # noqa: S105
# §2.1 step 2 and §2.2: requests older or newer than this are refused, and nonces are
# remembered long enough that a replay is always caught while its timestamp is valid.
MAX_CLOCK_SKEW_MS = 60_000

SUCCESS, AUTH_FAILED, BAD_PARAMETER, NO_INSTANCE = "000000", "000001", "000002", "000003"
INTERNAL_ERROR = "000005"

KIT_PREFIX = "/produceAPI/v2/"
KIT_PATHS = ("tenantSync", "applicationSync", "authSync", "singleOrgSync", "allOrgSync")


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# --- signatures (§2.1, §2.2) -----------------------------------------------------------------


def canonical_payload(body: dict) -> str:
    """§2.1 step 3: top-level nulls dropped, keys sorted, compact JSON (as Jackson writes
    it: no spaces, non-ASCII characters as they are)."""
    cleaned = {key: value for key, value in body.items() if value is not None}
    return json.dumps(cleaned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature(access_key: str, body: dict, *, timestamp: str, nonce: str) -> str:
    """§2.1 steps 4-6 (basic interfaces): HMAC of the body digest, both HMACs keyed with
    the access key. Lower-case hex; compare case-insensitively."""
    digest = _hmac_hex(access_key, canonical_payload(body))
    return _hmac_hex(access_key, f"{access_key}{nonce}{timestamp}{digest}")


def kit_signature(access_key: str, body: dict, *, timestamp: str, nonce: str) -> str:
    """§2.2 (kit interfaces): one HMAC over key + nonce + timestamp + the payload itself."""
    return _hmac_hex(access_key, f"{access_key}{nonce}{timestamp}{canonical_payload(body)}")


class NonceCache:
    """Nonces seen within the clock-skew window; a second use is a replay."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, nonce: str) -> bool:
        now = time.monotonic()
        with self._lock:
            horizon = now - 2 * MAX_CLOCK_SKEW_MS / 1000
            self._seen = {n: t for n, t in self._seen.items() if t > horizon}
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def _verify(
    sent: str | None,
    timestamp: str | None,
    nonce: str | None,
    expected: Callable[[str], str],
    *,
    access_keys: list[str],
    nonces: NonceCache,
) -> None:
    if not timestamp or not nonce:
        raise Refused(BAD_PARAMETER, "timestamp and nonce are required")
    if not sent:
        raise Refused(AUTH_FAILED, "signature is missing")
    try:
        skew = abs(time.time() * 1000 - int(timestamp))
    except ValueError:
        raise Refused(BAD_PARAMETER, "timestamp must be Unix time in milliseconds") from None
    if skew > MAX_CLOCK_SKEW_MS:
        raise Refused(AUTH_FAILED, "timestamp is too far from now")
    # Every configured key is tried, so a key can be rotated with an overlap window.
    if not any(hmac.compare_digest(sent.lower(), expected(key)) for key in access_keys):
        raise Refused(AUTH_FAILED, "signature does not match")
    if not nonces.claim(nonce):
        raise Refused(AUTH_FAILED, "nonce was already used")


def verify(query: dict[str, str], body: dict, *, access_keys: list[str], nonces: NonceCache):
    """Raise `Refused` unless the URL parameters sign `body` with one of `access_keys` (§2.1)."""
    timestamp, nonce = query.get("timestamp"), query.get("nonce")
    _verify(
        query.get("signature"),
        timestamp,
        nonce,
        lambda key: signature(key, body, timestamp=timestamp, nonce=nonce),
        access_keys=access_keys,
        nonces=nonces,
    )


def verify_kit(headers, body: dict, *, access_keys: list[str], nonces: NonceCache) -> None:
    """Raise `Refused` unless `x-sign`/`x-timestamp`/`x-nonce` sign `body` (§2.2)."""
    timestamp, nonce = headers.get("x-timestamp"), headers.get("x-nonce")
    _verify(
        headers.get("x-sign"),
        timestamp,
        nonce,
        lambda key: kit_signature(key, body, timestamp=timestamp, nonce=nonce),
        access_keys=access_keys,
        nonces=nonces,
    )


# --- behaviour switches ----------------------------------------------------------------------

FAIL_MODES = ("http500", "garbage", "wrong-content-type", "slow")  # and "code:NNNNNN"


@dataclass
class Behaviour:
    """How badly the server behaves. Set from the command line, changed at runtime through
    POST /_control. Faults are rolled per request (basic and kit alike) before any work is
    done, except `slow`, which answers normally after `slow_ms` (the work is done, but too
    late for the marketplace's timeout: its retry must not make a second instance)."""

    fail_rate: float = 0.0  # 0..1: the share of requests that get `fail_mode`
    fail_mode: str = "http500"
    delay_ms: int = 0  # added to every answer
    slow_ms: int = 10_000  # how long `slow` takes
    async_seconds: float = 0.0  # >0: instances get their appInfo this long after creation

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        if not (self.fail_mode in FAIL_MODES or re.fullmatch(r"code:\d{6}", self.fail_mode)):
            raise ValueError(f"fail_mode must be one of {FAIL_MODES} or code:NNNNNN")
        if not 0 <= self.fail_rate <= 1:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.delay_ms < 0 or self.slow_ms < 0 or self.async_seconds < 0:
            raise ValueError("times must not be negative")

    def update(self, changes: dict) -> None:
        """Apply a /_control message: any of the fields; `"reset": true` first restores a
        healthy server; a `fail_mode` without a `fail_rate` fails every request, and
        `"fail_mode": "none"` stops failing."""
        if changes.get("reset"):
            for field in fields(self):
                setattr(self, field.name, field.default)
        changes = {k: v for k, v in changes.items() if k != "reset"}
        if changes.get("fail_mode") == "none":
            changes |= {"fail_mode": "http500", "fail_rate": changes.get("fail_rate", 0)}
        elif "fail_mode" in changes and "fail_rate" not in changes:
            changes["fail_rate"] = 1
        known = {field.name: field.type for field in fields(self)}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        previous = asdict(self)
        try:
            for name, value in changes.items():
                cast = {"float": float, "int": int}.get(known[name], str)
                setattr(self, name, cast(value))
            self.check()
        except (TypeError, ValueError):
            for name, value in previous.items():
                setattr(self, name, value)
            raise

    def roll_fault(self) -> str | None:
        """The fault this request gets, if any."""
        if self.fail_rate and random.random() < self.fail_rate:  # noqa: S311 (not crypto)
            return self.fail_mode
        return None


# --- the store -------------------------------------------------------------------------------


class Store:
    """Instances, the orders already applied to them and the kit records, in one SQLite
    file.

    One lock serialises the writes; every activity is a read-check-write that must not
    interleave with a retry of itself arriving on another thread.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        # Write-ahead log, synced at checkpoints: a write costs no fsync of its own (each
        # was a journal transaction with two, and the marketplace's parallel sends queued
        # behind them). A crash of this process loses nothing; a power cut may lose the
        # last writes, which the marketplace's retries (idempotent per order) put back.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS instance (
                instance_id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL,
                order_line_id TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'NORMAL',
                expire_time TEXT NOT NULL DEFAULT '',
                UNIQUE (order_id, order_line_id)
            );
            CREATE TABLE IF NOT EXISTS applied_order (
                order_id TEXT NOT NULL,
                activity TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                PRIMARY KEY (order_id, activity)
            );
            -- Kit records (§1.9-§1.12) under their idempotency keys: kind is tenant,
            -- application, user or org; record_key joins the key fields with '/'.
            CREATE TABLE IF NOT EXISTS kit_record (
                kind TEXT NOT NULL,
                record_key TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                tenant_id TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (kind, record_key)
            );
            """
        )
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(instance)")}
        if "ready_at" not in columns:  # a file from before asynchronous provisioning
            self.db.execute("ALTER TABLE instance ADD COLUMN ready_at REAL NOT NULL DEFAULT 0")

    def instance(self, instance_id: str) -> sqlite3.Row:
        row = self.db.execute(
            "SELECT * FROM instance WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        if row is None:
            raise Refused(NO_INSTANCE, f"instance {instance_id} does not exist")
        return row

    def create_instance(
        self, business_id: str, order_id: str, line_id: str, *, ready_at: float
    ) -> tuple[sqlite3.Row, bool]:
        """§1.1: the first call's businessId becomes the instance id; a retry for the same
        order line gets the same instance. Returns (row, created now)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO instance (instance_id, order_id, order_line_id, ready_at)"
            " VALUES (?, ?, ?, ?)",
            (business_id, order_id, line_id, ready_at),
        )
        row = self.db.execute(
            "SELECT * FROM instance WHERE order_id = ? AND order_line_id = ?",
            (order_id, line_id),
        ).fetchone()
        return row, cursor.rowcount == 1

    def apply_once(self, order_id: str, activity: str, instance_id: str) -> bool:
        """Record that `order_id` was applied; False if it had been already."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO applied_order VALUES (?, ?, ?)",
            (order_id, activity, instance_id),
        )
        return cursor.rowcount == 1

    def kit_put(self, kind: str, key: list[str], instance_id: str, tenant_id: str, data: dict):
        """Add or modify: an upsert, so a repeated add is a success, not a duplicate."""
        self.db.execute(
            "INSERT OR REPLACE INTO kit_record VALUES (?, ?, ?, ?, ?)",
            (kind, "/".join(key), instance_id, tenant_id, json.dumps(data, ensure_ascii=False)),
        )

    def kit_delete(self, kind: str, key: list[str]) -> None:
        """Delete: deleting what is not there is a success too (§1.9)."""
        self.db.execute(
            "DELETE FROM kit_record WHERE kind = ? AND record_key = ?", (kind, "/".join(key))
        )

    def state(self) -> dict:
        instances = dict(
            self.db.execute("SELECT order_id, COUNT(*) FROM instance GROUP BY order_id")
        )
        kit: dict[str, list] = {"tenant": [], "application": [], "user": [], "org": []}
        for row in self.db.execute("SELECT kind, data FROM kit_record ORDER BY kind, record_key"):
            kit.setdefault(row["kind"], []).append(json.loads(row["data"]))
        return {"instances": instances, "kit": kit}


# --- the basic activities (§1.1-§1.7) -------------------------------------------------------


def required(body: dict, *names: str) -> list[str]:
    values = [body.get(name) for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if value in (None, "")]
    if missing:
        raise Refused(BAD_PARAMETER, f"missing: {', '.join(missing)}")
    return [str(value) for value in values]


def app_info(instance_id: str, base_url: str) -> dict:
    return {"frontEndUrl": f"{base_url}/app/{instance_id}", "adminUrl": f"{base_url}/admin"}


def _instance_fields(row: sqlite3.Row, base_url: str) -> dict:
    """instanceId, plus appInfo once the instance is ready (asynchronous provisioning)."""
    result = {"instanceId": row["instance_id"]}
    if row["ready_at"] <= time.time():
        result["appInfo"] = app_info(row["instance_id"], base_url)
    return result


@dataclass
class Outcome:
    fields: dict
    created: tuple[str, str] | None = None  # (orderId, orderLineId) of a new instance


def handle(store: Store, body: dict, base_url: str, behaviour: Behaviour) -> Outcome:
    """Run one activity; the response fields besides resultCode/resultMsg."""
    activity = body.get("activity")
    if str(body.get("testFlag")) == "1":
        # §1.0: a debugging call gets a success stub and changes nothing. Its instanceId
        # is derived from the order line, so a debugging console can still see that the
        # same order twice gives the same instance (the conformance run's idempotency check).
        order_line = f"{body.get('orderId')}/{body.get('orderLineId')}"
        stub = {"instanceId": "test-" + hashlib.sha256(order_line.encode()).hexdigest()[:24]}
        if activity == "newInstance":
            stub["appInfo"] = app_info(stub["instanceId"], base_url)
        elif activity == "queryInstance":
            ids = str(body.get("instanceId") or "test").split(",")
            stub = {"info": [{"instanceId": i, "appInfo": app_info(i, base_url)} for i in ids]}
        return Outcome(stub)
    if activity == "newInstance":
        order_id, line_id, business_id = required(body, "orderId", "orderLineId", "businessId")
        ready_at = time.time() + behaviour.async_seconds
        row, created = store.create_instance(business_id, order_id, line_id, ready_at=ready_at)
        return Outcome(_instance_fields(row, base_url), (order_id, line_id) if created else None)
    if activity == "queryInstance":
        # §1.2: comma-separated ids, at most 100; unknown ids are left out of `info`.
        (ids,) = required(body, "instanceId")
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if len(wanted) > 100:
            raise Refused(BAD_PARAMETER, "at most 100 instance ids")
        marks = ",".join("?" * len(wanted))
        rows = store.db.execute(
            f"SELECT * FROM instance WHERE instance_id IN ({marks})",  # noqa: S608
            wanted,
        ).fetchall()
        return Outcome({"info": [_instance_fields(row, base_url) for row in rows]})
    if activity == "refreshInstance":
        order_id, instance_id, expire = required(body, "orderId", "instanceId", "expireTime")
        store.instance(instance_id)
        # §1.3: the same renewal order twice must not extend twice.
        if store.apply_once(order_id, activity, instance_id):
            store.db.execute(
                "UPDATE instance SET expire_time = ? WHERE instance_id = ?", (expire, instance_id)
            )
        return Outcome({})
    if activity == "updateInstanceStatus":
        instance_id, status = required(body, "instanceId", "status")
        if status not in ("FREEZE", "UNFREEZE"):
            raise Refused(BAD_PARAMETER, "status must be FREEZE or UNFREEZE")
        store.instance(instance_id)
        new_status = "FROZEN" if status == "FREEZE" else "NORMAL"
        store.db.execute(
            "UPDATE instance SET status = ? WHERE instance_id = ? AND status != 'RELEASED'",
            (new_status, instance_id),
        )
        return Outcome({})
    if activity == "releaseInstance":
        (instance_id,) = required(body, "instanceId")
        store.instance(instance_id)
        # §1.5: releasing again is a success; the row stays so that it can say so.
        store.db.execute(
            "UPDATE instance SET status = 'RELEASED' WHERE instance_id = ?", (instance_id,)
        )
        return Outcome({})
    if activity == "upgradeInstance":
        instance_id, order_id, _line = required(body, "instanceId", "orderId", "orderLineId")
        store.instance(instance_id)
        store.apply_once(order_id, activity, instance_id)  # §1.6: never apply an order twice
        return Outcome({})
    if activity == "changeInstanceCheck":
        # §1.7: this sample allows every renewal change.
        required(body, "instanceId")
        store.instance(body["instanceId"])
        return Outcome({})
    raise Refused(BAD_PARAMETER, f"unknown activity {activity!r}")


# --- the kit sync paths (§1.9-§1.12) ---------------------------------------------------------


def _flag(body: dict, allowed: str) -> str:
    flag = str(body.get("flag", ""))
    if flag not in allowed:
        raise Refused(BAD_PARAMETER, f"flag must be one of {', '.join(allowed)}")
    return flag


def _list_field(body: dict, name: str) -> list[dict]:
    """userList / orgInfoList: a JSON array, or a string holding one (§1.12 doc example)."""
    value = body.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Refused(BAD_PARAMETER, f"{name} must be a list of objects")
    return value


def handle_kit(store: Store, name: str, body: dict) -> None:
    """One kit sync. Adds and modifies are upserts, deletes succeed when there is nothing
    to delete, and no check that the instance exists (§1.9)."""
    if str(body.get("testFlag")) == "1":
        return  # a debugging call: success, nothing stored
    instance_id = str(body.get("instanceId") or "")  # empty when the seller applies for an app
    (tenant_id,) = required(body, "tenantId")
    if name == "tenantSync":
        flag = _flag(body, "012")
        key = [instance_id, tenant_id]
        if flag == "0":
            store.kit_delete("tenant", key)
            return
        required(body, "orderId", "tenantCode", "name", "domainName")
        data = {k: body[k] for k in ("orderId", "tenantCode", "name", "domainName")}
        store.kit_put("tenant", key, instance_id, tenant_id, {"tenantId": tenant_id, **data})
    elif name == "applicationSync":
        flag = _flag(body, "012")
        (app_id,) = required(body, "appId")
        key = [instance_id, tenant_id, app_id]
        if flag == "0":
            store.kit_delete("application", key)
            return
        client_id, secret = required(body, "clientId", "clientSecret")
        # A real ISV decrypts clientSecret with its RSA private key (OAEP); this stdlib
        # sample keeps only a fingerprint of what it got.
        fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:16]
        data = {"tenantId": tenant_id, "appId": app_id, "clientId": client_id}
        store.kit_put("application", key, instance_id, tenant_id, data | {"secret": fingerprint})
    elif name == "authSync":
        flag = _flag(body, "0123")
        app_id, _sync_time = required(body, "appId", "currentSyncTime")
        for user in _list_field(body, "userList"):
            (user_name,) = required(user, "userName")
            key = [instance_id, tenant_id, app_id, user_name]
            if flag in ("0", "3"):  # delete, revoke
                store.kit_delete("user", key)
                continue
            required(user, "name", "orgCode", "role", "enable")
            if user["role"] not in ("user", "admin"):
                raise Refused(BAD_PARAMETER, "role must be user or admin")
            store.kit_put("user", key, instance_id, tenant_id, user | {"appId": app_id})
    elif name == "singleOrgSync":
        flag = _flag(body, "012")
        (org_code,) = required(body, "orgCode")
        key = [instance_id, tenant_id, org_code]
        if flag == "0":
            store.kit_delete("org", key)
            return
        (org_name,) = required(body, "orgName")
        data = {"orgCode": org_code, "orgName": org_name, "parentCode": body.get("parentCode")}
        store.kit_put("org", key, instance_id, tenant_id, data | {"tenantId": tenant_id})
    elif name == "allOrgSync":
        orgs = _list_field(body, "orgInfoList")
        for org in orgs:
            required(org, "orgCode", "orgName")
        # A full sync replaces the tenant's departments: what is not in the list goes.
        store.db.execute(
            "DELETE FROM kit_record WHERE kind = 'org' AND instance_id = ? AND tenant_id = ?",
            (instance_id, tenant_id),
        )
        for org in orgs:
            key = [instance_id, tenant_id, str(org["orgCode"])]
            store.kit_put("org", key, instance_id, tenant_id, org | {"tenantId": tenant_id})


# --- HTTP ------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: SampleISVServer
    # The headers and the body go out in two writes: with Nagle's algorithm on, the
    # second waits for the client's delayed ACK of the first (about 40 ms on Linux).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            self._reply(200, {"status": "ok"})
        elif path == "/_state" and self._from_loopback():
            self._reply(200, self.server.state())
        elif path.startswith("/app/"):
            name = html.escape(path.removeprefix("/app/"))
            page = f"<!doctype html><title>Sample ISV</title><h1>Instance {name}</h1>"
            self._send(200, "text/html; charset=utf-8", page.encode())
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/_control":
            self._control()
            return
        # Any other path is the production interface: the seller registers whatever URL
        # it likes; the kit paths are that URL plus /produceAPI/v2/<name>.
        prefix, _, kit_name = path.rpartition(KIT_PREFIX)
        kit = kit_name if prefix != path and kit_name in KIT_PATHS else None
        behaviour = self.server.behaviour
        self.server.count("requests")
        if behaviour.delay_ms:
            time.sleep(behaviour.delay_ms / 1000)
        fault = behaviour.roll_fault()
        if fault == "slow":
            time.sleep(behaviour.slow_ms / 1000)
        elif fault:
            self.server.count("faults")
            logger.info("POST %s -> injected fault %s", path, fault)
            self._fault(fault)
            return
        created = None
        try:
            body = self._json_body()
            if kit:
                keys = self.server.kit_access_keys
                verify_kit(self.headers, body, access_keys=keys, nonces=self.server.nonces)
                with self.server.store.lock:
                    handle_kit(self.server.store, kit, body)
                fields_ = {}
            else:
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                verify(query, body, access_keys=self.server.access_keys, nonces=self.server.nonces)
                base_url = f"http://{self.headers.get('Host') or 'localhost'}"
                with self.server.store.lock:
                    outcome = handle(self.server.store, body, base_url, behaviour)
                fields_, created = outcome.fields, outcome.created
                if body.get("activity") == "newInstance" and body.get("orderId"):
                    self.server.count_call(str(body["orderId"]))
            result = {"resultCode": SUCCESS, "resultMsg": "success", **fields_}
        except Refused as refusal:
            result = {"resultCode": refusal.code, "resultMsg": refusal.message}
        except Exception:
            logger.exception("internal error")
            result = {"resultCode": INTERNAL_ERROR, "resultMsg": "internal error"}
        logger.info("POST %s -> %s %s", path, result["resultCode"], result["resultMsg"])
        self._reply(200, result)
        if created and self.server.on_instance_created:
            # After answering: the marketplace must not wait for our own follow-up calls.
            self.server.on_instance_created(*created)

    def _json_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise Refused(BAD_PARAMETER, "the body must be a JSON object")
        return body

    def _control(self) -> None:
        """POST /_control {"fail_rate": 0.3, "fail_mode": "garbage", ...}: change the
        behaviour of the running server; answers with the behaviour now in force."""
        if not self._from_loopback():
            return
        try:
            self.server.behaviour.update(self._json_body())
        except Refused as refusal:
            self._reply(400, {"error": refusal.message})
            return
        except (TypeError, ValueError) as error:
            self._reply(400, {"error": str(error)})
            return
        logger.info("behaviour now %s", asdict(self.server.behaviour))
        self._reply(200, asdict(self.server.behaviour))

    def _from_loopback(self) -> bool:
        """The switches and counters are for whoever runs the server, not the network."""
        if ipaddress.ip_address(self.client_address[0]).is_loopback:
            return True
        self._reply(404, {"error": "not found"})
        return False

    def _fault(self, fault: str) -> None:
        if fault == "http500":
            self._send(500, "text/plain", b"Internal Server Error")
        elif fault == "garbage":
            self._send(200, "application/json;charset=UTF-8", b"<html>oops{")
        elif fault == "wrong-content-type":
            success = json.dumps({"resultCode": SUCCESS, "resultMsg": "success"}).encode()
            self._send(200, "text/html", success)
        else:  # code:NNNNNN
            code = fault.removeprefix("code:")
            self._reply(200, {"resultCode": code, "resultMsg": "injected failure"})

    def _reply(self, status: int, payload: dict) -> None:
        self._send(status, "application/json;charset=UTF-8", json.dumps(payload).encode())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        logger.debug(format, *args)  # the access line above says more


class SampleISVServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address,
        *,
        access_keys: list[str],
        db_path: Path,
        kit_access_keys: list[str] | None = None,
        behaviour: Behaviour | None = None,
        on_instance_created: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(address, Handler)
        self.access_keys = list(access_keys)
        self.kit_access_keys = list(kit_access_keys or access_keys)
        self.behaviour = behaviour or Behaviour()
        self.on_instance_created = on_instance_created
        self.nonces = NonceCache()
        self.store = Store(db_path)
        self._counters_lock = threading.Lock()
        self.counters = {"requests": 0, "faults": 0}
        self.new_instance_calls: dict[str, int] = {}
        self.callbacks: list[dict] = []  # results of the open-API calls back (client.py)

    def count(self, name: str) -> None:
        with self._counters_lock:
            self.counters[name] += 1

    def count_call(self, order_id: str) -> None:
        with self._counters_lock:
            self.new_instance_calls[order_id] = self.new_instance_calls.get(order_id, 0) + 1

    def record_callback(self, result: dict) -> None:
        with self._counters_lock:
            self.callbacks = [*self.callbacks[-99:], result]

    def state(self) -> dict:
        """GET /_state: instances per orderId (the tests' "exactly one instance"), the
        newInstance calls answered per orderId, the kit records, counters, behaviour."""
        with self.store.lock:
            stored = self.store.state()
        with self._counters_lock:
            return stored | {
                "new_instance_calls": dict(self.new_instance_calls),
                "counters": dict(self.counters),
                "callbacks": list(self.callbacks),
                "behaviour": asdict(self.behaviour),
            }


def make_server(
    host: str,
    port: int,
    *,
    access_keys: list[str],
    db_path: Path,
    kit_access_keys: list[str] | None = None,
    behaviour: Behaviour | None = None,
    on_instance_created: Callable[[str, str], None] | None = None,
) -> SampleISVServer:
    """A server bound to (host, port); port 0 picks a free one (see `server_port`).
    `kit_access_keys` default to `access_keys`; `on_instance_created(orderId, orderLineId)`
    runs after the answer to a newInstance that created an instance."""
    return SampleISVServer(
        (host, port),
        access_keys=access_keys,
        db_path=db_path,
        kit_access_keys=kit_access_keys,
        behaviour=behaviour,
        on_instance_created=on_instance_created,
    )

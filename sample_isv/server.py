"""HTTP handler, signature check and the instance store of the sample ISV server."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("sample_isv")

# Only for the demo: the seed data registers the same key for the demo seller.
DEFAULT_ACCESS_KEY = "sample-isv-demo-access-key"  # noqa: S105
# §2.1 step 2: requests older or newer than this are refused, and nonces are kept this long.
MAX_CLOCK_SKEW_MS = 60_000

SUCCESS, AUTH_FAILED, BAD_PARAMETER, NO_INSTANCE = "000000", "000001", "000002", "000003"


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def canonical_payload(body: dict) -> str:
    """§2.1 step 3: nulls dropped, keys sorted, compact JSON (as Jackson writes it)."""
    cleaned = {key: value for key, value in body.items() if value is not None}
    return json.dumps(cleaned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature(access_key: str, body: dict, *, timestamp: str, nonce: str) -> str:
    """§2.1 steps 4-6: HMAC of the body digest, both HMACs keyed with the access key."""
    key = access_key.encode()
    digest = hmac.new(key, canonical_payload(body).encode(), hashlib.sha256).hexdigest()
    canonical = f"{access_key}{nonce}{timestamp}{digest}"
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


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


def verify(query: dict[str, str], body: dict, *, access_keys: list[str], nonces: NonceCache):
    """Raise `Refused` unless the request is signed with one of `access_keys` (§2.1)."""
    timestamp, nonce, sent = query.get("timestamp"), query.get("nonce"), query.get("signature")
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
    if not any(
        hmac.compare_digest(sent.lower(), signature(key, body, timestamp=timestamp, nonce=nonce))
        for key in access_keys
    ):
        raise Refused(AUTH_FAILED, "signature does not match")
    if not nonces.claim(nonce):
        raise Refused(AUTH_FAILED, "nonce was already used")


class Store:
    """Instances and the orders already applied to them, in one SQLite file.

    One lock serialises the writes; every activity is a read-check-write that must not
    interleave with a retry of itself arriving on another thread.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
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
            """
        )

    def instance(self, instance_id: str) -> sqlite3.Row:
        row = self.db.execute(
            "SELECT * FROM instance WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        if row is None:
            raise Refused(NO_INSTANCE, f"instance {instance_id} does not exist")
        return row

    def apply_once(self, order_id: str, activity: str, instance_id: str) -> bool:
        """Record that `order_id` was applied; False if it had been already."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO applied_order VALUES (?, ?, ?)",
            (order_id, activity, instance_id),
        )
        return cursor.rowcount == 1


def required(body: dict, *names: str) -> list[str]:
    values = [body.get(name) for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise Refused(BAD_PARAMETER, f"missing: {', '.join(missing)}")
    return [str(value) for value in values]


def app_info(instance_id: str, base_url: str) -> dict:
    return {"frontEndUrl": f"{base_url}/app/{instance_id}", "adminUrl": f"{base_url}/admin"}


def handle(store: Store, body: dict, base_url: str) -> dict:
    """Run one activity; return the response fields besides resultCode/resultMsg."""
    activity = body.get("activity")
    if body.get("testFlag") == "1":
        # §1.0: a debugging call gets a success stub and changes nothing.
        return {"instanceId": body.get("businessId") or uuid.uuid4().hex} | (
            {"appInfo": app_info("test", base_url)} if activity == "newInstance" else {}
        )
    if activity == "newInstance":
        order_id, line_id, business_id = required(body, "orderId", "orderLineId", "businessId")
        # §1.1: the first call's businessId becomes the instance id; retries get the same one.
        store.db.execute(
            "INSERT OR IGNORE INTO instance (instance_id, order_id, order_line_id)"
            " VALUES (?, ?, ?)",
            (business_id, order_id, line_id),
        )
        row = store.db.execute(
            "SELECT instance_id FROM instance WHERE order_id = ? AND order_line_id = ?",
            (order_id, line_id),
        ).fetchone()
        instance_id = row["instance_id"]
        return {"instanceId": instance_id, "appInfo": app_info(instance_id, base_url)}
    if activity == "queryInstance":
        (ids,) = required(body, "instanceId")
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if len(wanted) > 100:
            raise Refused(BAD_PARAMETER, "at most 100 instance ids")
        marks = ",".join("?" * len(wanted))
        rows = store.db.execute(
            f"SELECT * FROM instance WHERE instance_id IN ({marks})",  # noqa: S608
            wanted,
        ).fetchall()
        info = [
            {"instanceId": r["instance_id"], "appInfo": app_info(r["instance_id"], base_url)}
            for r in rows
        ]
        return {"info": info}
    if activity == "refreshInstance":
        order_id, instance_id, expire = required(body, "orderId", "instanceId", "expireTime")
        store.instance(instance_id)
        # §1.3: the same renewal order twice must not extend twice.
        if store.apply_once(order_id, activity, instance_id):
            store.db.execute(
                "UPDATE instance SET expire_time = ? WHERE instance_id = ?", (expire, instance_id)
            )
        return {}
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
        return {}
    if activity == "releaseInstance":
        (instance_id,) = required(body, "instanceId")
        store.instance(instance_id)
        # §1.5: releasing again is a success; the row stays so that it can say so.
        store.db.execute(
            "UPDATE instance SET status = 'RELEASED' WHERE instance_id = ?", (instance_id,)
        )
        return {}
    if activity == "upgradeInstance":
        instance_id, order_id, _line = required(body, "instanceId", "orderId", "orderLineId")
        store.instance(instance_id)
        store.apply_once(order_id, activity, instance_id)  # §1.6: never apply an order twice
        return {}
    raise Refused(BAD_PARAMETER, f"unknown activity {activity!r}")


class Handler(BaseHTTPRequestHandler):
    server: SampleISVServer

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/healthz":
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        # Any path is the production interface: the seller registers whatever URL it likes.
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        try:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
            if not isinstance(body, dict):
                raise Refused(BAD_PARAMETER, "the body must be a JSON object")
            verify(query, body, access_keys=self.server.access_keys, nonces=self.server.nonces)
            base_url = f"http://{self.headers.get('Host') or 'localhost'}"
            with self.server.store.lock:
                fields = handle(self.server.store, body, base_url)
            result = {"resultCode": SUCCESS, "resultMsg": "success", **fields}
        except Refused as refusal:
            result = {"resultCode": refusal.code, "resultMsg": refusal.message}
        except Exception:
            logger.exception("internal error")
            result = {"resultCode": "000005", "resultMsg": "internal error"}
        path = self.path.split("?")[0]
        logger.info("POST %s -> %s %s", path, result["resultCode"], result["resultMsg"])
        self._reply(200, result)

    def _reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        logger.debug(format, *args)  # the access line above says more


class SampleISVServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, *, access_keys: list[str], db_path: Path) -> None:
        super().__init__(address, Handler)
        self.access_keys = list(access_keys)
        self.nonces = NonceCache()
        self.store = Store(db_path)


def make_server(host: str, port: int, *, access_keys: list[str], db_path: Path):
    """A server bound to (host, port); port 0 picks a free one (see `server_port`)."""
    return SampleISVServer((host, port), access_keys=access_keys, db_path=db_path)

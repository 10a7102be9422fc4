"""The sample ISV's call back to the marketplace's open API (isv-api-reference §4.1, §2.5).

newInstance carries no customer or product details (§1.1): a real ISV asks the
marketplace what was bought with the Query Order open API, signed with its AK/SK
(`aksk.py`). The sample does it in a background thread after it answered, and logs
what it learnt; the result is also kept for GET /_state.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from . import aksk

logger = logging.getLogger("sample_isv")


@dataclass(frozen=True)
class OpenApi:
    """Where the marketplace's open API is and the seller's AK/SK for it. `url` is the
    base up to the version, e.g. http://127.0.0.1:8000/api/mkp-openapi-public/global/v1."""

    url: str
    ak: str
    sk: str
    timeout: float = 10.0


def query_order(api: OpenApi, *, order_id: str, order_line_id: str | None = None) -> dict:
    """GET <url>/order/query?orderId=…[&orderLineId=…], AK/SK-signed; the answer as a
    dict with the HTTP status under "httpStatus" (errors included, never raises for them)."""
    params = {"orderId": order_id} | ({"orderLineId": order_line_id} if order_line_id else {})
    url = f"{api.url.rstrip('/')}/order/query?{urlencode(params)}"
    headers = aksk.sign(method="GET", url=url, key=api.ak, secret=api.sk)
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=api.timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return {"httpStatus": None, "error": str(error)}
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"error": raw[:200].decode(errors="replace")}
    return (answer if isinstance(answer, dict) else {"answer": answer}) | {"httpStatus": status}


def query_order_later(
    api: OpenApi, record: Callable[[dict], None]
) -> Callable[[str, str], threading.Thread]:
    """A `make_server(on_instance_created=...)` hook: query the order in a thread, log the
    outcome and hand it to `record`."""

    def run(order_id: str, order_line_id: str) -> None:
        answer = query_order(api, order_id=order_id, order_line_id=order_line_id)
        code = answer.get("resultCode") or answer.get("error_code") or answer.get("error")
        logger.info("open API order/query %s -> HTTP %s %s", order_id, answer["httpStatus"], code)
        record({"orderId": order_id, "httpStatus": answer["httpStatus"], "resultCode": code})

    def start(order_id: str, order_line_id: str) -> threading.Thread:
        thread = threading.Thread(target=run, args=(order_id, order_line_id), daemon=True)
        thread.start()
        return thread

    return start

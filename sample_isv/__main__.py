"""`python -m sample_isv [--port 8001] [--access-key KEY ...] [--kit-access-key KEY ...]
[--fail-rate 0.3] [--fail-mode http500|garbage|wrong-content-type|slow|code:NNNNNN]
[--delay-ms N] [--slow-ms N] [--async SECONDS] [--open-api-url URL --ak AK --sk SK] [--db PATH]`.
See sample_isv/README.md."""

import argparse
import logging
import os
from pathlib import Path

from .server import DEFAULT_ACCESS_KEY, FAIL_MODES, Behaviour, make_server


def parse_args(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="sample_isv", description=__doc__)
    parser.add_argument("--host", default=env("SAMPLE_ISV_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("SAMPLE_ISV_PORT", 8001)))
    parser.add_argument(
        "--access-key",
        action="append",
        dest="access_keys",
        help="key the marketplace signs the basic interfaces with; repeat it to accept old and "
        "new during a rotation (default: $SAMPLE_ISV_ACCESS_KEY or the demo key)",
    )
    parser.add_argument(
        "--kit-access-key",
        action="append",
        dest="kit_access_keys",
        help="key of the kit sync interfaces (x-sign); repeatable (default: the --access-key ones)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(env("SAMPLE_ISV_DB", "var/sample_isv.sqlite3")),
        help="SQLite file with the instances and kit records",
    )
    faults = parser.add_argument_group("behaviour (also switchable at runtime: POST /_control)")
    faults.add_argument("--fail-rate", type=float, help="share of requests that fail (0..1)")
    faults.add_argument(
        "--fail-mode",
        help=f"how they fail: {', '.join(FAIL_MODES)} or code:NNNNNN (default http500; "
        "without --fail-rate every request fails)",
    )
    faults.add_argument("--delay-ms", type=int, default=0, help="added to every answer")
    faults.add_argument("--slow-ms", type=int, default=10_000, help="how long 'slow' takes")
    faults.add_argument(
        "--async",
        dest="async_seconds",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="newInstance answers without appInfo; queryInstance has it SECONDS later",
    )
    callback = parser.add_argument_group("calling the marketplace's open API back")
    callback.add_argument(
        "--open-api-url",
        default=env("SAMPLE_ISV_OPEN_API_URL"),
        help="e.g. http://127.0.0.1:8000/api/mkp-openapi-public/global/v1",
    )
    callback.add_argument("--ak", default=env("SAMPLE_ISV_AK"), help="open API access key ID")
    callback.add_argument("--sk", default=env("SAMPLE_ISV_SK"), help="open API secret key")
    args = parser.parse_args(argv)
    if args.fail_mode and args.fail_rate is None:
        args.fail_rate = 1.0
    if args.open_api_url and not (args.ak and args.sk):
        parser.error("--open-api-url needs --ak and --sk")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    keys = args.access_keys or [os.environ.get("SAMPLE_ISV_ACCESS_KEY", DEFAULT_ACCESS_KEY)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sample_isv %(message)s")
    behaviour = Behaviour(
        fail_rate=args.fail_rate or 0.0,
        fail_mode=args.fail_mode or "http500",
        delay_ms=args.delay_ms,
        slow_ms=args.slow_ms,
        async_seconds=args.async_seconds,
    )
    server = make_server(
        args.host,
        args.port,
        access_keys=keys,
        kit_access_keys=args.kit_access_keys,
        db_path=args.db,
        behaviour=behaviour,
    )
    if args.open_api_url:
        from .client import OpenApi, query_order_later

        api = OpenApi(url=args.open_api_url, ak=args.ak, sk=args.sk)
        server.on_instance_created = query_order_later(api, server.record_callback)
    logging.info("listening on http://%s:%s/", args.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

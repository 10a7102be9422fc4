"""`python -m sample_isv [--host 127.0.0.1] [--port 8001] [--access-key KEY ...] [--db PATH]`."""

import argparse
import logging
import os
from pathlib import Path

from .server import DEFAULT_ACCESS_KEY, make_server


def main() -> None:
    parser = argparse.ArgumentParser(prog="sample_isv", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("SAMPLE_ISV_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAMPLE_ISV_PORT", 8001)))
    parser.add_argument(
        "--access-key",
        action="append",
        dest="access_keys",
        help="key the marketplace signs with; repeat it to accept old and new during a rotation "
        "(default: $SAMPLE_ISV_ACCESS_KEY or the demo key)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("SAMPLE_ISV_DB", "var/sample_isv.sqlite3")),
        help="SQLite file with the instances",
    )
    args = parser.parse_args()
    keys = args.access_keys or [os.environ.get("SAMPLE_ISV_ACCESS_KEY", DEFAULT_ACCESS_KEY)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sample_isv %(message)s")
    server = make_server(args.host, args.port, access_keys=keys, db_path=args.db)
    logging.info("listening on http://%s:%s/", args.host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

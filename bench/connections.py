"""Connections benchmark: a new database connection per request against kept ones.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_conn \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/connections.py [--seconds 8] [--clients 16]

For each setting of DB_CONN_MAX_AGE (0: Django's default, a connection opened and closed
for every request; 60: the default on PostgreSQL and in production, README "Performance:
connections") it starts gunicorn with 2 sync workers on a free loopback port and
measures with `wrk` (Debian's package; loopback only, bounded by --seconds):
/healthz (one `SELECT 1`, so the connection is most of its cost) and the home page.

The last line is machine-readable:
    connections: healthz_rps_new=<a> healthz_rps_kept=<b> home_rps_new=<c> home_rps_kept=<d>
"""

from __future__ import annotations

import argparse
import os

import _load  # bench/, the script's directory

PATHS = {"healthz": "/healthz", "home": "/"}
SETTINGS = {"new": "0", "kept": "60"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--clients", type=int, default=16, help="wrk connections")
    args = parser.parse_args()
    _load.ensure_wrk()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (a migrated database)")

    figures: dict[str, float] = {}
    for setting, conn_max_age in SETTINGS.items():
        port = _load.free_port()
        server = _load.start_server(port, env={"DB_CONN_MAX_AGE": conn_max_age})
        try:
            for name, path in PATHS.items():
                url = f"http://127.0.0.1:{port}{path}"
                _load.wrk(url, seconds=2, clients=args.clients)  # warm up
                result = _load.wrk(url, seconds=args.seconds, clients=args.clients)
                rps, p99 = result.rps, result.p99
                figures[f"{name}_rps_{setting}"] = rps
                print(
                    f"DB_CONN_MAX_AGE={conn_max_age:<3} {path:<9} {rps:8.0f} req/s  p99 {p99}",
                    flush=True,
                )
        finally:
            _load.stop_server(server)
    print("connections: " + " ".join(f"{key}={value:.0f}" for key, value in figures.items()))


if __name__ == "__main__":
    main()

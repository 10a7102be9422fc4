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
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = {"healthz": "/healthz", "home": "/"}
SETTINGS = {"new": "0", "kept": "60"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, conn_max_age: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": conn_max_age,
    }
    env.pop("CONN_MAX_AGE", None)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "marketplace.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def wrk(url: str, *, seconds: int, clients: int) -> tuple[float, str]:
    """Requests per second and the latency line of one bounded wrk run."""
    result = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", result.stdout, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{result.stdout}")
    return rps, p99.group(1) if p99 else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--clients", type=int, default=16, help="wrk connections")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install wrk")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (a migrated database)")

    figures: dict[str, float] = {}
    for setting, conn_max_age in SETTINGS.items():
        port = free_port()
        server = start_server(port, conn_max_age)
        try:
            for name, path in PATHS.items():
                url = f"http://127.0.0.1:{port}{path}"
                wrk(url, seconds=2, clients=args.clients)  # warm up
                rps, p99 = wrk(url, seconds=args.seconds, clients=args.clients)
                figures[f"{name}_rps_{setting}"] = rps
                print(
                    f"DB_CONN_MAX_AGE={conn_max_age:<3} {path:<9} {rps:8.0f} req/s  p99 {p99}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("connections: " + " ".join(f"{key}={value:.0f}" for key, value in figures.items()))


if __name__ == "__main__":
    main()

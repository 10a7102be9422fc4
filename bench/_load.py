"""Load-generation helpers shared by the benchmarks: gunicorn on a free loopback port
and bounded `wrk` runs (Debian's package, C and LuaJIT: it takes little of the cores the
server needs, unlike a Python client)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"


def ensure_wrk() -> None:
    """Install wrk from Debian when it is missing (needs root, as in CI's container)."""
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install wrk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int,
    *,
    env: dict[str, str] | None = None,
    app: str = "marketplace.wsgi:application",
    workers: int = 2,
    pythonpath: str | None = None,
    log_file: Path | None = None,
) -> subprocess.Popen:
    """gunicorn with `workers` sync workers, once it answers /healthz; its output goes to
    `log_file` when given (else to the bench's own)."""
    full_env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING", **(env or {})}
    if "DB_CONN_MAX_AGE" in full_env:
        full_env.pop("CONN_MAX_AGE", None)  # an older name, which would win
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
    ]
    if pythonpath:
        command.append(f"--pythonpath={pythonpath}")
    # The server keeps its own copy of the file's descriptor.
    with open(log_file, "ab") if log_file else contextlib.nullcontext() as output:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=output, stderr=output)
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


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    p99: str  # as wrk prints it
    p95_ms: float | None = None  # from bench/lua's scripts only


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(
    url: str,
    *,
    seconds: int,
    clients: int,
    script: Path | None = None,
    env: dict[str, str] | None = None,
) -> WrkResult:
    """One bounded wrk run (2 threads, `clients` connections); `script` a Lua file of
    bench/lua, which reads its input from `env`. Error responses end the benchmark."""
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    result = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
        env={**os.environ, **(env or {})},
    )
    out = result.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
    p95 = re.search(r"^p95_us=(\d+)", out, re.MULTILINE)
    return WrkResult(
        rps=rps,
        p50_ms=_ms(p50),
        p99_ms=_ms(p99),
        p99=p99,
        p95_ms=int(p95.group(1)) / 1000 if p95 else None,
    )


# --- the site with settings of the benchmark's own ---------------------------------------

SETTINGS_ENV = "BENCH_SETTINGS"  # JSON object: setting name -> value
_django_app = None


def settings_env(overrides: dict) -> dict[str, str]:
    """The environment that makes `django_application` serve with `overrides`."""
    import json

    return {SETTINGS_ENV: json.dumps(overrides)}


def apply_settings(overrides: dict) -> None:
    """Override settings after django.setup(), through override_settings so that the
    caches that depend on them (password hashers, DRF's api_settings) are reset."""
    if overrides:
        from django.test.utils import override_settings

        override_settings(**overrides).enable()


def django_application(environ, start_response):
    """The site's WSGI app with the settings of $BENCH_SETTINGS applied, for a bench
    that needs a setting the environment can't set (e.g. a fast password hasher):
    `start_server(port, app="_load:django_application", pythonpath="bench", env=...)`."""
    global _django_app
    if _django_app is None:
        import json

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        from django.core.wsgi import get_wsgi_application

        app = get_wsgi_application()  # django.setup()
        apply_settings(json.loads(os.environ.get(SETTINGS_ENV) or "{}"))
        _django_app = app
    return _django_app(environ, start_response)

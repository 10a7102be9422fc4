"""Processes for the fault tests (tests/orders/test_faults.py): a private redis-server on a
port of its own (restartable, nothing persisted), the sample ISV as a separate process
(`python -m sample_isv`), and real Celery workers (`celery -A marketplace worker`) that
read the test database. Every process is started in a session of its own and killed by
its process-group id; nothing here touches the shared Redis or another test's database.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, every: float = 0.1, what=""):
    """Poll `condition` until it returns something truthy (returned); AssertionError after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what or condition}")
        time.sleep(every)


class Process:
    """A child process in its own session, its output in `log`; `env` is its whole
    environment (default: this process's)."""

    def __init__(self, command: list[str], *, log: Path, env: dict[str, str] | None = None):
        self.log = log
        with open(log, "ab") as output:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=os.environ.copy() if env is None else env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its children
            )
        self.pid = self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """`sig` to the whole process group (a Celery worker's pool children too)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


class RedisServer:
    """`redis-server` on a free loopback port, nothing saved: a restart loses every
    message, as a broker crash without persistence does."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: Process | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.directory)]
        self.process = Process(command, log=self.directory / "redis.log")
        wait_for(self._ping, timeout=10, what="redis-server")

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class SampleIsv:
    """`python -m sample_isv` on `port` (a free one unless given); `url` is the production
    URL to register; `control()` and `state()` are its loopback switches and counters."""

    def __init__(self, directory: Path, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/produce"
        command = [sys.executable, "-m", "sample_isv", "--port", str(self.port)]
        command += ["--db", str(directory / "isv.sqlite3"), *args]
        self.process = Process(command, log=directory / "isv.log")
        wait_for(self._healthy, timeout=15, what="the sample ISV")

    def _healthy(self) -> bool:
        if not self.process.alive():
            raise AssertionError(f"the sample ISV exited:\n{self.process.output()}")
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):
                return True
        except OSError:
            return False

    def control(self, **changes) -> dict:
        request = urllib.request.Request(
            f"{self.base}/_control",
            data=json.dumps(changes).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.base}/_state", timeout=5) as response:
            return json.load(response)

    def stop(self) -> None:
        self.process.kill()


def database_url(settings_dict: dict) -> str:
    """The URL of the database `settings_dict` names (the test database: pytest-django's
    `test_` prefix included), for a worker process."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


class Workers:
    """Starts `celery -A marketplace worker` processes with the environment given (database,
    broker, ISV_* settings) and kills whatever is still running at the end."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[Process] = []

    def start(self, *, concurrency: int = 1) -> Process:
        number = len(self.started) + 1
        command = [CELERY, "-A", "marketplace", "worker", "--loglevel=INFO"]
        command += [f"--concurrency={concurrency}", "--pool=prefork", f"-n=faults{number}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        process = Process(
            command, log=self.directory / f"worker{number}.log", env={**env, **self.env}
        )
        self.started.append(process)

        def ready() -> bool:
            if not process.alive():
                raise AssertionError(f"the worker exited:\n{process.output()}")
            return " ready." in process.output()

        wait_for(ready, timeout=40, every=0.2, what="the Celery worker")
        return process

    def stop_all(self) -> None:
        for process in self.started:
            process.kill()

"""Shared fixtures and the markers' skip rules.

- `postgres`: skipped, with a reason, unless the test database is PostgreSQL.
- `browser`: skipped, with a reason, unless Chromium is found: `CHROMIUM_PATH`, else
  `chromium` on the PATH (Debian's /usr/bin/chromium, where .ci/run installs it).

With `REQUIRE_ALL_MARKERS=1` (set by .ci/run) a skipped `postgres` or `browser` test fails
the run: CI must not pass by skipping them.
"""

import io
import os
import shutil

import pytest
from django.conf import settings
from django.db import connections
from PIL import Image

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED_MARKERS = ("postgres", "browser")
_skipped_required: list[str] = []


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_chromium = os.path.exists(CHROMIUM)
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_browser = pytest.mark.skip(
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(skip_browser)


def _require_all_markers() -> bool:
    return os.environ.get("REQUIRE_ALL_MARKERS", "").lower() in ("1", "true", "yes")


def pytest_runtest_logreport(report):
    """Remember the skipped tests marked `postgres` or `browser`, however they were skipped
    (by the rules above, a `pytest.skip` in the test or in a fixture)."""
    if report.skipped and any(marker in report.keywords for marker in REQUIRED_MARKERS):
        _skipped_required.append(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _skipped_required and _require_all_markers():
        terminalreporter.section("REQUIRE_ALL_MARKERS", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"{len(_skipped_required)} test(s) marked {' or '.join(REQUIRED_MARKERS)} were "
            "skipped; with REQUIRE_ALL_MARKERS=1 that fails the run (PostgreSQL and "
            f"Chromium must be there; Chromium looked for at {CHROMIUM}):",
            red=True,
        )
        for nodeid in _skipped_required:
            terminalreporter.line(f"  {nodeid}")


def pytest_sessionfinish(session, exitstatus):
    if _skipped_required and _require_all_markers() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Uploaded files of a test go to its own temporary folders (public and private)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_FILES_ROOT = str(tmp_path / "private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT, "base_url": settings.MEDIA_URL},
        },
        "private": {
            "BACKEND": "marketplace.core.private_files.PrivateFileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_FILES_ROOT},
        },
    }
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.PRIVATE_FILES_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached catalog lists are keyed by a catalog
    generation that restarts with every test database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks enqueued by a test run in-process, never in the dev broker's folder; tests that
    exercise the real worker path say so themselves."""
    from marketplace.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests hash many passwords; a slow hasher only costs time here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_image_bytes(size=(100, 100), fmt="PNG", color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def image_file():
    """Factory for an in-memory uploaded image: image_file(name, size=(w, h), fmt="PNG")."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="image.png", size=(100, 100), fmt=None):
        fmt = fmt or ("JPEG" if name.lower().endswith((".jpg", ".jpeg")) else "PNG")
        content_type = "image/jpeg" if fmt == "JPEG" else "image/png"
        return SimpleUploadedFile(name, make_image_bytes(size, fmt), content_type=content_type)

    return make


@pytest.fixture
def fake_image_file():
    """A text file renamed to .png: must be refused by every image upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("fake.png", b"this is not an image at all", content_type="image/png")


# How the browser tests launch Chromium (the crawl, tests/browser/test_crawl.py, too).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(live_server):
    """A fresh headless Chromium page (Debian's /usr/bin/chromium driven by Playwright).

    Playwright's sync API runs an event loop in this thread, so Django's async-safety check
    is relaxed for the browser tests only; the ORM calls in them are plain and synchronous.
    """
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US")
        context.set_default_timeout(15_000)
        yield context.new_page()
        # While Playwright runs, the test's ORM calls get connections of their own
        # (asgiref keys them by context): close them here, in that same context, or
        # PostgreSQL keeps them open and the test database can't be dropped.
        connections.close_all()
        context.close()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout: float = 5.0) -> None:
    """Let the live server's request threads finish once the browser has gone.

    Each keeps its database connection until its (keep-alive) socket closes; on
    PostgreSQL a connection still open at the end would stop the test database from
    being dropped.
    """
    import threading
    import time

    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


def browser_log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

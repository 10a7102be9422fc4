"""Shared fixtures and the markers' skip rules.

- `postgres`: skipped, with a reason, unless the test database is PostgreSQL.
- `browser`: skipped, with a reason, unless Chromium is found: `CHROMIUM_PATH`, else
  `chromium` on the PATH (Debian's /usr/bin/chromium, where .ci/run installs it).

With `REQUIRE_ALL_MARKERS=1` (set by .ci/run) a skipped `postgres` or `browser` test fails
the run: CI must not pass by skipping them.

`make test` runs the suite in two processes (pytest-xdist `-n 2`): pytest-django gives
each its own test database (`test_<name>_gw0`, `_gw1`), and `pytest_configure` below its
own Redis database, since tests empty the cache (a FLUSHDB) and share flags through it.
"""

import copy
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from PIL import Image

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED_MARKERS = ("postgres", "browser")
_skipped_required: list[str] = []


def pytest_configure(config):
    """Under pytest-xdist, worker gwN uses Redis database N + 1 of REDIS_URL's server (the
    cache here, and the processes the tests start, which read REDIS_URL)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and redis_url):
        return
    scheme, _, rest = redis_url.partition("://")
    server = rest.split("/", 1)[0]
    own = f"{scheme}://{server}/{int(worker[2:]) % 15 + 1}"
    os.environ["REDIS_URL"] = own
    settings.REDIS_URL = own
    for alias in settings.CACHES.values():
        if alias.get("LOCATION") == redis_url:
            alias["LOCATION"] = own
    if getattr(settings, "CELERY_BROKER_URL", "") == redis_url:
        settings.CELERY_BROKER_URL = own


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(names)
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by emptying every table, the operator groups made by
    data migrations too; make them again (committed) for the tests that follow it in this
    process (the page crawl runs first under pytest-xdist, see below)."""
    yield
    if not _transactional(item) or nextitem is None or item.get_closest_marker("skip"):
        return  # (a skipped test had no database set up)
    from pytest_django.plugin import blocking_manager_key

    from marketplace.accounts.groups import ensure_operator_groups

    with item.config.stash[blocking_manager_key].unblock():
        ensure_operator_groups()


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_chromium = os.path.exists(CHROMIUM)
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_browser = pytest.mark.skip(
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    # The longest test first: under pytest-xdist it then runs beside the others instead of
    # alone at the end.
    items.sort(key=lambda item: item.name != "test_crawl_every_page_as_every_role")
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


def testing_settings(folder: Path) -> dict:
    """The settings every test runs with (the autouse fixtures below apply them per test;
    `module_data` while it builds): uploaded files in `folder` (public and private), English,
    a fast password hasher."""
    media_root, private_root = str(folder / "media"), str(folder / "private")
    return {
        "MEDIA_ROOT": media_root,
        "PRIVATE_FILES_ROOT": private_root,
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": media_root, "base_url": settings.MEDIA_URL},
            },
            "private": {
                "BACKEND": "marketplace.core.private_files.PrivateFileSystemStorage",
                "OPTIONS": {"location": private_root},
            },
        },
        "LANGUAGE_CODE": "en",
        # Tests hash many passwords; a slow hasher only costs time here.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    """Uploaded files of a test go to its own temporary folders (public and private)."""
    values = testing_settings(tmp_path)
    for name in ("MEDIA_ROOT", "PRIVATE_FILES_ROOT", "STORAGES"):
        setattr(settings, name, values[name])
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
    settings.PASSWORD_HASHERS = testing_settings(Path())["PASSWORD_HASHERS"]


def make_image_bytes(size=(100, 100), fmt="PNG", color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def make_image_file(name="image.png", size=(100, 100), fmt=None):
    """An in-memory uploaded image (PNG, or JPEG for a .jpg/.jpeg name)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    fmt = fmt or ("JPEG" if name.lower().endswith((".jpg", ".jpeg")) else "PNG")
    content_type = "image/jpeg" if fmt == "JPEG" else "image/png"
    return SimpleUploadedFile(name, make_image_bytes(size, fmt), content_type=content_type)


@pytest.fixture
def image_file():
    """Factory for an in-memory uploaded image: image_file(name, size=(w, h), fmt="PNG")."""
    return make_image_file


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


# --- data built once for a module, shared by its tests --------------------------------------


class ModuleData:
    """Data a module's tests share, built once (see the `module_data` fixture)."""

    def __init__(self, blocker, folder: Path):
        self._blocker = blocker
        self.folder = folder

    def build(self, make: Callable):
        """Run `make()` under the tests' settings and commit what it writes; returns its
        result. As in a test's own transaction, the `on_commit` callbacks it registers are
        dropped, never run (no tasks, no mail)."""
        from django.test import override_settings

        from marketplace.celery import app

        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            with (
                self._blocker.unblock(),
                override_settings(**testing_settings(self.folder)),
                transaction.atomic(),
            ):
                result = make()
                connections[DEFAULT_DB_ALIAS].run_on_commit.clear()
        finally:
            app.conf.task_always_eager = eager
        return result

    def copy(self, result, settings):
        """A test's own copy of what `build` returned (Python objects the test may change),
        and of the files it stored, in the test's media folders."""
        for name in ("MEDIA_ROOT", "PRIVATE_FILES_ROOT"):
            built = Path(testing_settings(self.folder)[name])
            if built.exists():
                shutil.copytree(built, getattr(settings, name), dirs_exist_ok=True)
        return copy.deepcopy(result)


def _database_rows() -> dict:
    """Every row of every table of the project's models: model → {pk: field values}."""
    from django.apps import apps

    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        pk = model._meta.pk.attname
        rows[model] = {
            values[names.index(pk)]: values
            for values in model._base_manager.values_list(*names).iterator()
        }
    return rows


LOG_TRIGGER = "supervision_caselog_append_only"


def _restore_database_rows(before: dict) -> None:
    """Put the tables back as `before` found them: rows added since are deleted, rows
    changed or deleted since are written back (no cascades, no signals; foreign keys are
    checked at the commit, once all is back)."""
    postgres = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                # The evidence log refuses DELETE (supervision.0002's trigger); putting
                # the tables back may, in this transaction only (enabled again below).
                cursor.execute(f"ALTER TABLE supervision_caselog DISABLE TRIGGER {LOG_TRIGGER}")
        for model, rows in _database_rows().items():
            old = before.get(model, {})
            gone = [pk for pk, values in rows.items() if old.get(pk) != values]
            back = [pk for pk, values in old.items() if rows.get(pk) != values]
            for start in range(0, len(gone), 500):
                chunk = gone[start : start + 500]
                model._base_manager.filter(pk__in=chunk)._raw_delete(DEFAULT_DB_ALIAS)
            if back:
                names = [f.attname for f in model._meta.concrete_fields]
                model._base_manager.bulk_create(
                    [model(**dict(zip(names, old[pk], strict=True))) for pk in back]
                )
        if postgres:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE supervision_caselog ENABLE TRIGGER {LOG_TRIGGER}")


@pytest.fixture(scope="module")
def module_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build data once for all the tests of a module (like `setUpTestData`):

        @pytest.fixture(scope="module")
        def _world(module_data):
            return module_data.build(make_world)

        @pytest.fixture
        def world(_world, module_data, db, settings):
            return module_data.copy(_world, settings)

    What `build` writes is committed; each test runs in its own transaction on top of it,
    rolled back at its end, so every test starts from the data as built and its own copy
    of the Python objects and files. After the module's last test the database is put back
    as it was before the build, for the next modules. Not for modules with
    `django_db(transaction=True)` tests: their flush would take the shared data away.
    """
    folder = tmp_path_factory.mktemp("module-data")
    with django_db_blocker.unblock():
        before = _database_rows()
    yield ModuleData(django_db_blocker, folder)
    with django_db_blocker.unblock():
        _restore_database_rows(before)
    shutil.rmtree(folder, ignore_errors=True)

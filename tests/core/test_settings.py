"""Settings in production mode, each run in a fresh interpreter with a clean environment."""

import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, DJANGO_ENV="production", ALLOWED_HOSTS="x.example")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = manage(
        "check", tmp_path=tmp_path, DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50)
    )

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_checks(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="market.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_starts_without_any_environment(tmp_path):
    result = manage("check", tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr


def test_production_redirects_to_https_except_the_health_check(tmp_path):
    """Load balancers probe /healthz over plain HTTP; everything else goes to HTTPS."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/healthz').status_code, Client().get('/').status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def database_settings(tmp_path: Path, **env: str) -> tuple[str, str]:
    """CONN_MAX_AGE and CONN_HEALTH_CHECKS of the default database under `env`."""
    code = (
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    max_age, health_checks = result.stdout.split()
    return max_age, health_checks


POSTGRES_URL = "postgres://u@127.0.0.1:5432/db"


def test_postgresql_keeps_connections_with_health_checks(tmp_path):
    assert database_settings(tmp_path, DATABASE_URL=POSTGRES_URL) == ("60", "True")


def test_production_keeps_connections(tmp_path):
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "market.example.com",
    }
    assert database_settings(tmp_path, DATABASE_URL=POSTGRES_URL, **production) == ("60", "True")


def test_sqlite_opens_a_connection_per_request(tmp_path):
    assert database_settings(tmp_path) == ("0", "False")


def test_the_environment_sets_how_long_connections_are_kept(tmp_path):
    env = {"DATABASE_URL": POSTGRES_URL}
    assert database_settings(tmp_path, **env, DB_CONN_MAX_AGE="0") == ("0", "False")
    assert database_settings(
        tmp_path, **env, DB_CONN_MAX_AGE="300", DB_CONN_HEALTH_CHECKS="false"
    ) == ("300", "False")

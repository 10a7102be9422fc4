"""The Celery app takes its configuration from Django settings; the heartbeat task works."""

import datetime as dt
import io
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from marketplace.celery import app
from marketplace.core.models import Heartbeat
from marketplace.core.tasks import heartbeat

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_heartbeat_writes_one_row_and_updates_it():
    with time_machine.travel(NOW, tick=False):
        heartbeat()
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        result = heartbeat.apply()  # through Celery's task machinery, in this process

    assert result.successful()
    row = Heartbeat.objects.get()
    assert row.name == "worker"
    assert row.at == NOW + dt.timedelta(minutes=1)


def test_celery_is_configured_from_django_settings():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.timezone == "Asia/Shanghai"
    assert app.conf.beat_schedule["heartbeat"]["task"] == "marketplace.core.tasks.heartbeat"
    assert "marketplace.core.tasks.heartbeat" in app.tasks


def celery_conf_in_fresh_process(tmp_path, **env: str) -> list[str]:
    """Broker URL, broker options and cache backend as a new process with `env` sees them."""
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from marketplace.celery import app\n"
        "print(app.conf.broker_url)\n"
        "print(app.conf.broker_transport_options.get('data_folder_in', '-'))\n"
        "print(settings.CACHES['default']['BACKEND'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "VAR_DIR": str(tmp_path),
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_broker_is_a_folder_by_default(tmp_path):
    """Without REDIS_URL no server is needed: the broker is a folder under VAR_DIR."""
    broker_url, folder, cache = celery_conf_in_fresh_process(tmp_path)

    assert broker_url == "filesystem://"
    assert folder == str(tmp_path / "celery-broker" / "out")
    assert (tmp_path / "celery-broker" / "processed").is_dir()
    assert cache == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_switches_broker_and_cache(tmp_path):
    broker_url, _, cache = celery_conf_in_fresh_process(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/5"
    )

    assert broker_url == "redis://127.0.0.1:6379/5"
    assert cache == "marketplace.core.cache_redis.RedisCache"  # Django's, a client kept


@pytest.mark.django_db
def test_check_heartbeat_command():
    with pytest.raises(CommandError, match="no heartbeat yet"):
        call_command("check_heartbeat")
    with time_machine.travel(NOW, tick=False):
        heartbeat()
    with time_machine.travel(NOW + dt.timedelta(seconds=179), tick=False):
        call_command("check_heartbeat", stdout=io.StringIO())
    with (
        time_machine.travel(NOW + dt.timedelta(seconds=181), tick=False),
        pytest.raises(CommandError, match="181 s ago"),
    ):
        call_command("check_heartbeat")

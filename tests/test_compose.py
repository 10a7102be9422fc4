"""The production shape in docker-compose.yml (no Docker engine here: its structure is
checked as YAML) and the nginx configuration its `media` service uses."""

from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_the_services_of_the_production_shape_exist():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "media", "migrate"} <= set(services)


def test_there_is_no_fallback_secret_key():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        secret = services[name]["environment"]["SECRET_KEY"]
        # Compose stops with this message when SECRET_KEY is unset or empty.
        assert secret.startswith("${SECRET_KEY:?"), (name, secret)
    assert "SECRET_KEY" not in (BASE_DIR / "Dockerfile").read_text().split("RUN ")[0]


def test_media_serves_the_public_volume_read_only_and_never_the_private_one():
    services = compose()["services"]
    app_volumes = services["web"]["volumes"]
    assert "media:/app/var/media" in app_volumes
    assert "private:/app/var/private" in app_volumes
    media = services["media"]
    assert "media:/srv/media:ro" in media["volumes"]
    assert not any(volume.startswith("private:") for volume in media["volumes"])
    assert media["ports"] == ["127.0.0.1:8000:8000"]
    assert "ports" not in services["web"]  # the way in is nginx

    config_mount = next(v for v in media["volumes"] if v.endswith("default.conf:ro"))
    config = (BASE_DIR / config_mount.split(":")[0]).read_text()
    assert "location /media/ {\n        alias /srv/media/;" in config
    assert "proxy_pass http://web:8000;" in config
    assert config.count("alias ") == 1 and config.count("root ") == 0  # nothing else on disk


def test_the_app_containers_keep_database_connections():
    environment = compose()["services"]["web"]["environment"]
    assert environment["DJANGO_ENV"] == "production"
    assert environment["DB_CONN_MAX_AGE"].startswith("${DB_CONN_MAX_AGE:-")

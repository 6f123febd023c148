"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so their
shape is checked: every service the README promises, wired to the settings that exist."""

import re

import yaml
from django.conf import settings

ROOT = settings.BASE_DIR


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_production_stack():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["web"]["command"][0] == "gunicorn"
    assert "annotation_platform.wsgi:application" in services["web"]["command"]
    worker = services["worker"]["command"]
    assert worker[:4] == ["celery", "-A", "annotation_platform", "worker"]
    assert worker[worker.index("-Q") + 1] == "default,qa"
    assert services["beat"]["command"][3] == "beat"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_compose_gives_the_app_its_database_broker_secret_and_media_volume():
    compose = _compose()
    for name in ("web", "worker", "beat", "migrate"):
        service = compose["services"][name]
        env = service["environment"]
        assert env["DEBUG"] == "false"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["DATABASE_URL"].split("@")[1].startswith("postgres:5432/")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # refuses to start without one
        assert "media:/app/media" in service["volumes"]
    assert "media" in compose["volumes"]


def test_every_variable_compose_sets_is_read_by_the_settings():
    source = (ROOT / "annotation_platform" / "settings.py").read_text()
    env = _compose()["services"]["web"]["environment"]
    for name in env:
        assert re.search(rf'"{name}"', source), f"{name} is set in compose but never read"


def test_the_image_contains_every_local_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    local_apps = [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]
    assert local_apps == [
        "accounts",
        "rubrics",
        "tasks",
        "quality",
        "reviews",
        "metrics",
        "imports",
        "exports",
        "integrations",
    ]
    for app in ["annotation_platform", *local_apps, "templates", "static"]:
        assert f"COPY {app} ./{app}" in dockerfile
    assert "collectstatic" in dockerfile


def test_gunicorn_settings_come_from_the_config_file():
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 (our own config)
    assert settings["worker_class"] == "sync"
    assert settings["workers"] >= 2
    assert "gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
    web = _compose()["services"]["web"]["command"]
    assert "--workers" not in web and "-k" not in web  # the config file decides

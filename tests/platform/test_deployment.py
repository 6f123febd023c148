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


def test_every_variable_compose_sets_is_read_by_the_settings_or_gunicorn():
    source = (ROOT / "annotation_platform" / "settings.py").read_text()
    source += (ROOT / "gunicorn.conf.py").read_text()
    for service in ("web", "worker", "beat"):
        env = _compose()["services"][service]["environment"]
        for name in env:
            assert re.search(rf'"{name}"', source), f"{name} is set in compose but never read"


def test_every_long_running_service_has_a_healthcheck():
    services = _compose()["services"]
    # migrate is a one-shot job: the others wait for it to complete, not to be healthy
    assert services["migrate"]["restart"] == "no"
    for name, service in services.items():
        if name == "migrate":
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL")
        assert {"interval", "timeout", "retries"} <= set(check)


def test_worker_and_beat_healthchecks_test_the_process_itself():
    services = _compose()["services"]
    worker = services["worker"]["healthcheck"]["test"]
    # $$ is compose's escape: the container's own $HOSTNAME names the worker node
    assert "inspect ping -d celery@$$HOSTNAME" in worker[1]
    beat = services["beat"]
    assert "--scheduler=annotation_platform.beat:HeartbeatScheduler" in beat["command"]
    assert beat["healthcheck"]["test"][1:4] == ["python", "-m", "annotation_platform.beat"]
    web = services["web"]
    assert "/healthz" in web["healthcheck"]["test"][-1]
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"]  # multiprocess metrics


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
        "mediafiles",
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

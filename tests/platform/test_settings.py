"""Settings come from the environment; production refuses to start without a secret."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'cookie_secure': getattr(settings, "
    "'SESSION_COOKIE_SECURE', False), 'csrf_secure': getattr(settings, 'CSRF_COOKIE_SECURE', "
    "False), 'hsts': getattr(settings, 'SECURE_HSTS_SECONDS', 0), "
    "'hosts': settings.ALLOWED_HOSTS, 'media': settings.STORAGES['default']['BACKEND'], "
    "'db': settings.DATABASES['default']['ENGINE'], "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER}))"
)


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_with({"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_settings_are_secure():
    result = _settings_with(
        {"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "annotate.example.org"}
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["cookie_secure"] and values["csrf_secure"]
    assert values["hsts"] >= 31536000
    assert values["hosts"] == ["annotate.example.org"]


def test_development_defaults_need_nothing_configured():
    result = _settings_with({"DEBUG": ""})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is True
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["eager"] is True  # no REDIS_URL: jobs run in-process
    assert values["media"] == "django.core.files.storage.FileSystemStorage"


def test_s3_media_needs_a_bucket_and_uses_django_storages():
    missing = _settings_with({"MEDIA_STORAGE": "s3"})
    assert missing.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in missing.stderr
    configured = _settings_with(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        }
    )
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout)["media"] == "storages.backends.s3.S3Storage"


def test_database_and_broker_follow_the_environment():
    result = _settings_with(
        {
            "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "annotation_platform.db.postgresql"  # Django's, cheaper health check
    assert values["eager"] is False


def test_a_malformed_boolean_is_refused_with_its_name():
    result = _settings_with({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_the_dev_secret_key_is_generated_once_and_ignored_by_git():
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECRET_KEY)"
    )
    env = {**os.environ, "SECRET_KEY": "", "DEBUG": "true"}
    first, second = (
        subprocess.run(
            [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR,
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
        for _ in range(2)
    )  # fmt: skip
    assert first == second and len(first.strip()) >= 50
    assert (settings.BASE_DIR / ".dev-secret-key").read_text().strip() == first.strip()
    gitignore = (settings.BASE_DIR / ".gitignore").read_text().splitlines()
    assert "/.dev-secret-key" in gitignore


# --- Operations ---------------------------------------------------------------------------

RENDERERS_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
)


def _renderers(env: dict) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    result = subprocess.run(
        [sys.executable, "-c", RENDERERS_PROBE], env=clean, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_browsable_api_is_off_in_production_and_on_in_development():
    production = _renderers({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert production == ["rest_framework.renderers.JSONRenderer"]
    development = _renderers({"DEBUG": "true"})
    assert "rest_framework.renderers.BrowsableAPIRenderer" in development


# DRF fixes each view's renderers when the view class is defined, so the answer a browser
# gets is checked in a process started with the setting, as gunicorn starts one.
BROWSER_PROBE = (
    "import json, django; django.setup(); from django.test import Client; "
    "accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'; "
    "page = Client().get('/api/v1/projects/', HTTP_ACCEPT=accept); "
    "forced = Client().get('/api/v1/projects/?format=api'); "
    "print(json.dumps([page.status_code, page['Content-Type'], forced.status_code]))"
)


def _browser_visit(env: dict) -> list:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(
        env,
        DJANGO_SETTINGS_MODULE="annotation_platform.settings",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
    )
    result = subprocess.run(
        [sys.executable, "-c", BROWSER_PROBE], env=clean, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_browser_gets_json_from_the_api_in_production():
    status, content_type, forced = _browser_visit({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert (status, content_type) == (401, "application/json")
    assert forced == 404  # ?format=api names a renderer that is not there


def test_a_browser_gets_the_browsable_api_in_development():
    status, content_type, forced = _browser_visit({"DEBUG": "true"})
    assert status in (401, 403)
    assert content_type.startswith("text/html")
    assert forced in (401, 403)


def test_operations_settings_are_checked_at_start():
    bad_ip = _settings_with({"METRICS_ALLOWED_IPS": "10.0.0.0/8,not-an-ip"})
    assert bad_ip.returncode != 0
    assert "METRICS_ALLOWED_IPS: 'not-an-ip' is not an address" in bad_ip.stderr
    bad_prefix = _settings_with({"EXPORT_ACCEL_REDIRECT_PREFIX": "protected"})
    assert bad_prefix.returncode != 0
    assert "EXPORT_ACCEL_REDIRECT_PREFIX must start and end with '/'" in bad_prefix.stderr

"""/healthz names each component ok or failed, and nothing else; 503 when any failed."""

import json

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_healthz_is_ok_with_the_database_and_no_broker(client, settings):
    # given no broker configured, jobs run in-process: there is no broker to check
    settings.REDIS_URL = ""
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://user:secret@127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "checks": {"database": "ok", "broker": "failed"},
    }
    assert "secret" not in response.content.decode()  # credentials never leak


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"
    assert "refused" not in response.content.decode()  # no error text reaches the caller


def test_healthz_fails_when_the_process_has_no_staticfiles_manifest(client, settings, tmp_path):
    # given hashed static names (DEBUG off) and no collectstatic yet: every page would 500
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGE
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["static_manifest"] == "failed"


def test_healthz_is_ok_once_a_manifest_was_loaded(client, settings, tmp_path):
    # given a manifest on disk when the storage is first used (i.e. the process starts)
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "abc", "paths": {"css/app.css": "css/app.1.css"}})
    )
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGE
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["static_manifest"] == "ok"
    # when the file disappears under the running process, the health check says so
    (tmp_path / "staticfiles.json").unlink()
    assert client.get("/healthz").json()["checks"]["static_manifest"] == "failed"


@pytest.mark.redis
def test_healthz_with_a_live_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}

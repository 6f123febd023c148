"""The start path's static files check: missing, outdated and current manifests, and
`--ensure` collecting them (what gunicorn.conf.py runs before any worker starts)."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings

from annotation_platform.static_manifest import (
    ManifestState,
    _source_files,
    ensure_collected,
    manifest_state,
)

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


@pytest.fixture
def small_static(settings, tmp_path):
    """One source folder with one file and no app static files, hashed names on."""
    source = tmp_path / "src"
    (source / "css").mkdir(parents=True)
    (source / "css" / "app.css").write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "root"
    settings.STORAGES = MANIFEST_STORAGE
    return source


def _write_manifest(root, paths) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "h", "paths": dict.fromkeys(paths, "x")})
    )


def test_without_hashed_names_there_is_nothing_to_check(settings):
    settings.STORAGES = {
        **MANIFEST_STORAGE,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert manifest_state() == ManifestState.NOT_USED


def test_missing_then_current_then_outdated(small_static, settings):
    root = settings.STATIC_ROOT
    assert manifest_state() == ManifestState.MISSING
    _write_manifest(root, ["css/app.css"])
    assert manifest_state() == ManifestState.CURRENT
    # a source file changed after the manifest was written (e.g. after git pull)
    later = time.time() + 60
    os.utime(small_static / "css" / "app.css", (later, later))
    assert manifest_state() == ManifestState.OUTDATED


def test_a_new_source_file_makes_the_manifest_outdated(small_static, settings):
    _write_manifest(settings.STATIC_ROOT, ["css/app.css"])
    (small_static / "css" / "new.css").write_text("")
    os.utime(settings.STATIC_ROOT / "staticfiles.json", (time.time() + 60, time.time() + 60))
    assert manifest_state() == ManifestState.OUTDATED


def test_a_corrupt_manifest_counts_as_missing(small_static, settings):
    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / "staticfiles.json").write_text("{not json")
    assert manifest_state() == ManifestState.MISSING


def test_ensure_collects_when_missing_and_does_nothing_when_current(small_static, settings, caplog):
    caplog.set_level("INFO", logger="annotation_platform.static_manifest")
    assert ensure_collected() == ManifestState.CURRENT
    assert "manifest missing, running collectstatic" in caplog.text
    paths = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())["paths"]
    assert set(paths) == {"css/app.css"}
    caplog.clear()
    assert ensure_collected() == ManifestState.CURRENT
    assert "running collectstatic" not in caplog.text


def test_the_real_source_files_include_the_apps_static_files():
    names = _source_files()
    assert "rest_framework/css/bootstrap.min.css" in names or "admin/css/base.css" in names
    assert any(name.startswith("css/") for name in names)  # the project's own static folder


def test_ensure_as_gunicorn_runs_it_collects_into_a_fresh_static_root(tmp_path):
    # given production settings and an empty STATIC_ROOT (a fresh clone)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="false", SECRET_KEY="x" * 50, STATIC_ROOT=str(tmp_path / "static"))
    command = [sys.executable, "-m", "annotation_platform.static_manifest"]
    run = {"env": env, "cwd": django_settings.BASE_DIR, "capture_output": True, "text": True}
    # when
    check = subprocess.run([*command, "--check"], timeout=120, **run)
    ensure = subprocess.run([*command, "--ensure"], timeout=600, **run)
    again = subprocess.run([*command, "--check"], timeout=120, **run)
    # then
    assert (check.returncode, check.stdout.strip()) == (1, "static files: manifest missing")
    assert ensure.returncode == 0, ensure.stderr
    assert (again.returncode, again.stdout.strip()) == (0, "static files: manifest current")
    assert (tmp_path / "static" / "staticfiles.json").is_file()

"""LOG_FORMAT=json: one JSON object per line, with the request's id and path when there is
one, and a traceback that stays on its line."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from annotation_platform.logs import JsonFormatter, RequestContext, current_request


def _line(emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_plain_line_has_the_fixed_fields():
    entry = json.loads(_line(lambda log: log.warning("disk %s%% full\nreally", 93)))
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tests.json"
    assert entry["message"] == "disk 93% full\nreally"
    assert entry["exception"] is None
    assert entry["time"].endswith("+00:00")
    assert "request_id" not in entry  # no request: no request fields


def test_an_exception_is_kept_on_one_line():
    def emit(log):
        try:
            raise ValueError("bad row")
        except ValueError:
            log.exception("import failed")

    entry = json.loads(_line(emit))
    assert entry["message"] == "import failed"
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: bad row" in entry["exception"]


def test_inside_a_request_the_line_carries_its_id_and_path():
    token = current_request.set(RequestContext("req-42", "/api/v1/tasks/next/"))
    try:
        entry = json.loads(_line(lambda log: log.info("leased")))
    finally:
        current_request.reset(token)
    assert (entry["request_id"], entry["path"]) == ("req-42", "/api/v1/tasks/next/")


@pytest.mark.django_db
def test_a_request_sets_the_context_its_log_lines_use(client, monkeypatch):
    seen = []
    from accounts import views

    original = views.LoginView.get

    def get(self, request, *args, **kwargs):
        seen.append(current_request.get())
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(views.LoginView, "get", get)
    response = client.get("/account/login/", HTTP_X_REQUEST_ID="edge-1")
    assert seen == [RequestContext("edge-1", "/account/login/")]
    assert response["X-Request-ID"] == "edge-1"
    assert current_request.get() is None  # reset once the response is made


def _django_log_line(log_format: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(LOG_FORMAT=log_format, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, logging; django.setup(); logging.getLogger('ops').error('boom')",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_switches_the_console_handler():
    result = _django_log_line("json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"level": "ERROR", "logger": "ops", "message": "boom"}.items() <= lines[-1].items()
    # every line on the console is JSON, also those of other loggers
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


def test_an_unknown_log_format_is_refused_at_start():
    result = _django_log_line("xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml'" in result.stderr

"""A 503 (JSON under /api/, a friendly page elsewhere) while the database or the broker is
unreachable, and recovery without a restart once it is back."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.services import api_token_create
from annotation_platform.outages import is_service_unavailable
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def _database_down() -> OperationalError:
    """What Django raises when PostgreSQL refuses the connection (driver error as cause)."""
    error = OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    error.__cause__ = psycopg2.OperationalError("Connection refused")
    return error


class _PgError(Exception):
    """A driver error carrying a SQLSTATE, as psycopg2's do when the server answered."""

    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def _wrapped(pgcode: str, kind=OperationalError) -> Exception:
    error = kind(f"server said {pgcode}")
    error.__cause__ = _PgError(pgcode)
    return error


# --- which errors mean "unavailable" -----------------------------------------------------


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_database_down(), True),
        (_wrapped("57P01"), True),  # admin_shutdown: the server is restarting
        (_wrapped("57P03"), True),  # cannot_connect_now: still starting up
        (_wrapped("08006"), True),  # connection_failure
        (_wrapped("53300"), True),  # too_many_connections
        (_wrapped("40P01"), True),  # deadlock: retrying is the cure
        (_wrapped("42P01", ProgrammingError), False),  # a missing table is a bug: 500
        (_wrapped("22P02"), False),  # bad input is not an outage
        (KombuOperationalError("Error 111 connecting to localhost:6379"), True),
        (RedisConnectionError("Connection refused"), True),
        (ValueError("a bug"), False),
    ],
)
def test_only_connection_errors_count_as_unavailable(error, unavailable):
    assert is_service_unavailable(error) is unavailable


def test_sqlite_busy_is_unavailable_but_a_missing_table_is_not():
    import sqlite3

    busy = OperationalError("database is locked")
    busy.__cause__ = sqlite3.OperationalError("database is locked")
    missing = OperationalError("no such table: tasks_task")
    missing.__cause__ = sqlite3.OperationalError("no such table: tasks_task")
    assert is_service_unavailable(busy)
    assert not is_service_unavailable(missing)


# --- the responses, with the error injected --------------------------------------------


@pytest.fixture
def api_with_database_down(client_as, monkeypatch):
    """A token client whose next request finds the database gone (at the token check)."""
    api = client_as(UserFactory())

    def down(raw):
        raise _database_down()

    monkeypatch.setattr("accounts.authentication._authenticate", down)
    return api


@pytest.mark.django_db
def test_an_api_call_gets_a_json_503_with_retry_after(api_with_database_down, settings):
    settings.OUTAGE_RETRY_AFTER_SECONDS = 7
    response = api_with_database_down.get("/api/v1/projects/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "7"
    body = response.json()
    assert body["error"] == "service_unavailable"
    assert "try again" in body["detail"]


@pytest.mark.django_db
def test_a_page_gets_the_friendly_503_without_touching_the_database(client, monkeypatch):
    client.force_login(UserFactory())

    def down(self, *args, **kwargs):
        raise _database_down()

    # Reading the session is a page's first query: it fails, and the 503 page must not
    # need another (it would fail the same way).
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", down)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Briefly unavailable" in page
    assert "Traceback" not in page


@pytest.mark.django_db
def test_the_503_page_survives_a_template_that_cannot_render(client, monkeypatch):
    client.force_login(UserFactory())

    def down(self, *args, **kwargs):
        raise _database_down()

    def no_manifest(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", down)
    monkeypatch.setattr("annotation_platform.outages.loader.render_to_string", no_manifest)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


@pytest.mark.django_db
def test_a_broker_error_reaching_a_view_is_a_503(client_as, monkeypatch):
    api = client_as(UserFactory())

    def down(*args, **kwargs):
        raise KombuOperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr("tasks.api.views.ProjectViewSet.list", down)
    response = api.get("/api/v1/projects/")
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"


@pytest.mark.django_db
def test_other_database_errors_stay_server_errors(monkeypatch):
    _, raw = api_token_create(user=UserFactory(), name="tests")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")

    def broken(*args, **kwargs):
        raise _wrapped("42P01", ProgrammingError)

    monkeypatch.setattr("tasks.api.views.ProjectViewSet.list", broken)
    assert api.get("/api/v1/projects/").status_code == 500


# --- for real: a PostgreSQL cluster of the test's own, stopped and started ------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]  # the newest installed version
    path = shutil.which(name)
    assert path, f"{name} not found (apt-get install postgresql)"
    return path


class PrivateCluster:
    """initdb, pg_ctl start/stop on a free port in a temporary folder, trust auth. initdb
    refuses to run as root, so as root the cluster belongs to the ``postgres`` user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="outage-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, cwd=self.folder)

    def init(self) -> None:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
from accounts.services import api_token_create
user = User.objects.create_user("outage", password="not-used-here-2026")
_, raw = api_token_create(user=user, name="outage test")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(raw, session.session_key)
"""


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.postgres
def test_a_database_restart_gives_503s_then_recovers_without_restarting_the_app():
    cluster = PrivateCluster()
    server = None
    try:
        # given: the app on gunicorn (one sync worker, persistent connections) over a
        # private PostgreSQL cluster, with no Redis
        cluster.init()
        cluster.start()
        admin = psycopg2.connect(cluster.url("postgres"))
        admin.autocommit = True  # CREATE DATABASE runs outside a transaction
        admin.cursor().execute("CREATE DATABASE app")
        admin.close()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "CACHE_URL"}
        }
        env.update(
            DATABASE_URL=cluster.url("app"),
            DB_CONN_MAX_AGE="600",
            DEBUG="true",  # a stray 500 would then show Django's traceback page
            OUTAGE_RETRY_AFTER_SECONDS="5",
            LOG_LEVEL="WARNING",
        )
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        made = subprocess.run(
            [*manage, "shell", "-c", SETUP],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        raw, session_key = made.stdout.split()[-2:]
        port = _free_port()
        empty_config = cluster.folder / "gunicorn.conf.py"
        empty_config.write_text("")  # not the repository's: its worker count is not ours
        server_log = (cluster.folder / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "annotation_platform.wsgi:application",
                "-c", str(empty_config), "-b", f"127.0.0.1:{port}", "-w", "1",
                "--timeout", "30",
            ],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=server_log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        api = (f"{base}/api/v1/projects/", {"Authorization": f"Bearer {raw}"})
        page = (f"{base}/account/tokens/", {"Cookie": f"sessionid={session_key}"})
        deadline = time.monotonic() + 20
        while True:
            try:
                if _get(*api)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (cluster.folder / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 20 s"
            time.sleep(0.2)
        assert _get(*page)[0] == 200

        # when: the database stops
        cluster.stop()

        # then: the API answers a JSON 503 with Retry-After, a page the friendly 503
        status, headers, body = _get(*api)
        assert status == 503, body[:500]
        assert headers["Retry-After"] == "5"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body)["error"] == "service_unavailable"
        status, headers, body = _get(*page)
        assert status == 503, body[:500]
        assert headers["Retry-After"] == "5"
        assert "Briefly unavailable" in body
        assert "Traceback" not in body

        # and when it is back, the same process serves again at once
        cluster.start()
        assert _get(*api)[0] == 200
        assert _get(*page)[0] == 200

        # a restart between two requests: the kept connection is dead, and found so
        cluster.stop()
        cluster.start()
        assert _get(*api)[0] == 200
        assert _get(*page)[0] == 200
        assert server.poll() is None
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        cluster.destroy()

"""Shared fixtures: users by role in one project, API clients, a live Celery worker.

Markers decide what needs what: ``postgres`` tests run only on PostgreSQL, ``worker`` tests
only with REDIS_URL (they start a real Celery worker), ``e2e`` tests only with Chromium.
Elsewhere they are skipped with that reason; under CI=true a skipped test fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tasks.models import Project, Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    reasons = {
        "postgres": None if on_postgres else "needs PostgreSQL: set DATABASE_URL=postgres://…",
        "redis": None if settings.REDIS_URL else "needs Redis: set REDIS_URL",
        "worker": None if settings.REDIS_URL else "needs Redis and a live worker: set REDIS_URL",
        "e2e": None
        if chromium_available()
        else f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    """Under CI nothing may be skipped: a skip there hides a missing service or browser."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; under CI none may be.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _english_afterwards():
    # A request in Chinese leaves Chinese active in the thread (LocaleMiddleware activates a
    # language per request and never deactivates it): a later test would read Chinese text.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's million rounds cost ~0.3 s per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _throttles_off(settings):
    # Tests log in and call the API far more often than a person: the log-in throttle and
    # the API rate limit stay off unless a test turns them on (tests/accounts/
    # test_throttling.py), so no test is locked out by another's failures or requests.
    settings.AXES_ENABLED = False
    settings.API_THROTTLE_RATE = "off"


EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")


@pytest.fixture(autouse=True)
def _example_domains_resolve(monkeypatch):
    """A webhook's host must resolve when it is saved. The names reserved for examples
    (RFC 2606: example.com/.org/.net and their subdomains) resolve here to 93.184.216.34,
    a public address, without asking real DNS: a test saving such a webhook works offline
    and alike everywhere. ``fake_dns`` (tests/integrations/receiver.py) overrides this."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = (host.decode() if isinstance(host, bytes) else str(host or "")).rstrip(".")
        if any(name == d or name.endswith("." + d) for d in EXAMPLE_DOMAINS):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def _fresh_near_duplicate_indexes():
    # Each worker caches indexes per project; a test's rolled-back rows must not leak.
    from quality.near_duplicates import forget_cached_indexes

    forget_cached_indexes()
    yield
    forget_cached_indexes()


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    """Tests run jobs in-process unless they ask for the live worker (``celery_worker``)."""
    from annotation_platform.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# --- people and projects ---------------------------------------------------------------


@dataclass
class Cast:
    """One project with a member in every role, plus an outsider and site staff."""

    project: Project
    trainer: object
    setter: object
    qa_lead: object
    admin: object
    outsider: object
    staff: object

    def by_role(self, name: str):
        return getattr(self, name)

    def new_trainer(self):
        """Another trainer of the project."""
        return MembershipFactory(project=self.project, role=Role.TRAINER).user


@pytest.fixture
def cast(db) -> Cast:
    project = ProjectFactory(name="Cantonese TTS listening test")
    members = {
        role: MembershipFactory(project=project, role=role, user__username=f"{role}-user").user
        for role in Role.values
    }
    outsider = UserFactory(username="outsider")
    # The outsider is a member elsewhere, so a leak between projects would show.
    MembershipFactory(user=outsider, role=Role.ADMIN, project__name="Someone else's project")
    staff = UserFactory(username="staff-user", is_staff=True)
    return Cast(
        project=project,
        trainer=members[Role.TRAINER],
        setter=members[Role.SETTER],
        qa_lead=members[Role.QA_LEAD],
        admin=members[Role.ADMIN],
        outsider=outsider,
        staff=staff,
    )


ALL_PEOPLE = ("trainer", "setter", "qa_lead", "admin", "outsider", "staff")


@pytest.fixture
def mcq(cast):
    """The cast's project with the multiple-choice gallery template and three tasks."""
    from tasks.gallery import gallery_template
    from tasks.services import tasks_create, template_save

    starter = gallery_template("multiple_choice")
    template, _ = template_save(
        project=cast.project, name=starter.name, definition=starter.definition, by=cast.setter
    )
    tasks = tasks_create(
        project=cast.project,
        items=[{"question": f"Question {n}?\n\n- A\n- B\n- C"} for n in range(3)],
        by=cast.setter,
    )
    return {"template": template, "tasks": tasks}


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_as(db):
    """``client_as(user)``: an API client authenticated with a real bearer token."""

    def make(user) -> APIClient:
        _, raw = api_token_create(user=user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


# --- a live Celery worker ---------------------------------------------------------------


def _database_url_for_test_db() -> str:
    """The URL of the database this test run created (``test_…``), for a worker process."""
    base = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(base._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start a real ``celery worker`` process on the test database and Redis."""
    from annotation_platform.celery import app

    app.conf.task_always_eager = False
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_test_db(),
        "DB_CONN_MAX_AGE": "0",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "annotation_platform", "worker",
            "-Q", "default,qa", "-n", name, "--pool=prefork", "--concurrency=1",
            "--without-mingle", "--without-gossip", "--loglevel=WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early with {process.returncode}")
        if app.control.ping(destination=[name], timeout=0.5):
            return process, name
    process.kill()
    raise RuntimeError("celery worker did not answer a ping within 30 s")


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def purge_queues() -> None:
    from annotation_platform.celery import app

    with app.connection_for_write() as conn:  # forget jobs left by an earlier run
        for queue in ("default", "qa"):
            conn.default_channel.queue_purge(queue)


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker: jobs travel through the broker exactly as in production, and the
    test's own process stops running them in-process. Tests using it carry the ``worker``
    marker, which already skips them (with the reason) when REDIS_URL is unset."""
    if not settings.REDIS_URL:
        pytest.fail("celery_worker needs REDIS_URL: mark the test @pytest.mark.worker")
    from annotation_platform.celery import app

    purge_queues()
    process, _ = start_worker()
    try:
        yield process
    finally:
        stop_worker(process)
        app.conf.task_always_eager = True

"""Heartbeats of long jobs: why a job must stop, and ending a dead worker's database
session (only that one: a pid alone may since belong to someone else)."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.db import DatabaseError, connection, connections

from annotation_platform.heartbeat import backend_identity, backend_terminate, stop_reason
from imports.models import ImportJob


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, cancel, reason",
    [
        ("running", False, None),
        ("running", True, "cancelled"),
        ("failed", False, "ended"),
        ("cancelled", True, "ended"),
    ],
)
def test_stop_reason_reads_the_row(cast, status, cancel, reason):
    job = ImportJob.objects.create(
        project=cast.project, format="jsonl", source_key="k", source_name="k",
        status=status, cancel_requested=cancel,
    )  # fmt: skip

    assert stop_reason(ImportJob, job.pk) == reason


@pytest.mark.django_db
def test_stop_reason_of_a_deleted_job_is_ended():
    assert stop_reason(ImportJob, 987_654) == "ended"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_the_session_named_by_pid_and_start_is_ended():
    # given another session left open in a transaction (as a vanished host leaves it)
    wrapper = connections["default"]
    other = wrapper.__class__(dict(wrapper.settings_dict), "default")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start::text FROM pg_stat_activity "
                       "WHERE pid = pg_backend_pid()")  # fmt: skip
        pid, started = cursor.fetchone()
    try:
        # when the sweep names its pid with another start time (the pid was reused)
        assert backend_terminate(f"{pid}@1999-01-01 00:00:00+00") is False
        assert _alive(pid)
        # and then names it exactly
        assert backend_terminate(f"{pid}@{started}") is True
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)
        # never its own session
        assert backend_terminate(backend_identity()) is False
        assert connection.is_usable()
    finally:
        with contextlib.suppress(DatabaseError):  # closed by the server already
            other.close()


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None

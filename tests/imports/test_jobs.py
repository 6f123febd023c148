"""Import jobs that cannot get stuck: the heartbeat, the sweep that ends an import whose
worker died, a redelivered message, and cancel in every state (service level; the API and
the pages are in test_api.py and test_views.py, a real SIGKILL in test_postgres.py)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annotation_platform.errors import ConflictError
from annotation_platform.heartbeat import stale_after
from imports import services
from imports.jobs import imports_sweep_stale_job
from imports.models import ImportJob, ImportStatus
from imports.services import import_cancel, import_create, import_run, imports_sweep_stale
from imports.signals import import_finished
from tasks.models import Task
from tests.imports.conftest import data, jsonl, put

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=1)


def running_import(cast, *, heard: timedelta = LONG_AGO, **fields) -> ImportJob:
    """An import a worker claimed and last beat for ``heard`` ago, showing the progress it
    had published (62,000 rows written, none of them committed)."""
    now = timezone.now()
    values = {
        "project": cast.project,
        "created_by": cast.setter,
        "format": "jsonl",
        "source_key": put("imports/uploads/x/jsonl", jsonl([{"data": data(1)}])),
        "source_name": "big.jsonl",
        "source_size": 1_000_000,
        "delete_source": True,
        "status": ImportStatus.RUNNING,
        "started_at": now - heard - timedelta(minutes=5),
        "heartbeat_at": now - heard,
        "worker": "worker-1 pid 4242",
        "rows_read": 62_000,
        "bytes_read": 300_000,
        "created": 62_000,
        **fields,
    }
    return ImportJob.objects.create(**values)


@pytest.fixture
def finished_signals():
    received: list[tuple[int, str]] = []

    def receiver(sender, job, **kwargs):
        received.append((job.pk, job.status))

    import_finished.connect(receiver)
    yield received
    import_finished.disconnect(receiver)


# --- the heartbeat --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_running_import_beats_while_it_works(cast, pairwise, settings, monkeypatch):
    # given a slow import (a batch every 50 ms) and a heartbeat every 10 ms
    settings.IMPORT_BATCH_ROWS = 5
    settings.JOB_HEARTBEAT_SECONDS = 0.01
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="jsonl",
        source_key=put("imports/uploads/hb/jsonl", jsonl([{"data": data(n)} for n in range(20)])),
        source_name="t.jsonl", source_size=1,
    )  # fmt: skip
    seen = []
    original = services._Pipeline.flush

    def slow_flush(self):
        original(self)
        time.sleep(0.05)
        # What another process reads (PostgreSQL: committed by the heartbeat's connection;
        # SQLite has one writer: the job's own connection beats).
        seen.append(ImportJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk))

    monkeypatch.setattr(services._Pipeline, "flush", slow_flush)

    # when it runs
    job = import_run(import_id=job.pk)

    # then the heartbeat moved on while it ran, after the claim's
    assert job.status == "done" and job.created == 20
    assert job.worker  # host and pid, for the message if it dies
    assert len(seen) >= 4
    assert seen[-1] > job.started_at
    assert seen == sorted(seen)


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_fails_a_silent_import_and_shows_nothing_as_kept(
    cast, pairwise, django_capture_on_commit_callbacks, finished_signals
):
    # given an import whose worker died an hour ago, one alive, and one queued
    dead = running_import(cast)
    alive = running_import(cast, heard=timedelta(seconds=5))
    queued = import_create(
        project=cast.project, by=cast.setter, upload=SimpleUploadedFile("q.jsonl", b"{}\n")
    )  # its job would run on commit, which this test never reaches

    # when the beat job runs
    with django_capture_on_commit_callbacks(execute=True):
        assert imports_sweep_stale_job.delay().get() == 1

    # then the dead one failed, saying why, and claims nothing it did not keep
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert "The worker running this import (worker-1 pid 4242) stopped" in dead.detail_text
    assert "Nothing was imported" in dead.detail_text
    assert (dead.created, dead.updated, dead.skipped, dead.rows_written) == (0, 0, 0, 0)
    assert not default_storage.exists(dead.source_key)  # the uploaded copy is gone
    assert finished_signals == [(dead.pk, "failed")]
    assert not Task.objects.exists()
    # and the others are untouched
    alive.refresh_from_db()
    queued.refresh_from_db()
    assert (alive.status, alive.created, queued.status) == ("running", 62_000, "queued")


def test_the_sweep_waits_for_the_stale_limit(cast, settings):
    settings.JOB_STALE_SECONDS = 600
    job = running_import(cast, heard=timedelta(minutes=5))

    assert imports_sweep_stale() == []
    assert imports_sweep_stale(now=timezone.now() + timedelta(minutes=6)) == [job.pk]


def test_a_silent_import_someone_had_cancelled_ends_cancelled(cast):
    job = running_import(cast, cancel_requested=True)

    assert imports_sweep_stale() == [job.pk]

    job.refresh_from_db()
    assert job.status == "cancelled" and "had stopped" in job.detail_text and job.created == 0


def test_an_import_from_before_heartbeats_is_judged_by_its_last_update(cast):
    job = running_import(cast, heartbeat_at=None)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - LONG_AGO)

    assert imports_sweep_stale() == [job.pk]


def test_a_redelivered_message_does_not_run_an_import_again(cast, pairwise):
    # given one import the sweep ended and one still running on its worker
    dead = running_import(cast)
    alive = running_import(cast, heard=timedelta(seconds=1))
    imports_sweep_stale()

    # when the broker hands both messages to another worker
    again = import_run(import_id=dead.pk)
    other = import_run(import_id=alive.pk)

    # then neither runs: no task written, the endings and the live run stand
    assert (again.status, other.status) == ("failed", "running")
    assert not Task.objects.exists()


# --- cancel in every state ------------------------------------------------------------------


def test_cancel_of_an_import_whose_worker_died_ends_it_at_once(cast, finished_signals):
    job = running_import(cast)

    job = import_cancel(job=job)

    assert job.status == "cancelled"
    assert "The worker running it (worker-1 pid 4242) had stopped" in job.detail_text
    assert (job.created, job.cancel_requested) == (0, True)
    with pytest.raises(ConflictError, match=r"already ended \(cancelled\)"):
        import_cancel(job=job)


def test_cancel_of_a_live_import_leaves_it_to_stop_itself(cast):
    job = running_import(cast, heard=timedelta(seconds=2))

    job = import_cancel(job=job)

    assert (job.status, job.cancel_requested) == ("running", True)
    assert imports_sweep_stale() == []  # alive: the worker notices at its next batch


def test_a_cancel_after_the_last_batch_still_wins(cast, pairwise, monkeypatch):
    # given an import whose last batch is written and checked for a cancel
    job = import_create(
        project=cast.project,
        by=cast.setter,
        upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(n)} for n in range(3)])),
    )
    real = services.counters_write

    def counters_then_cancel(tally):
        real(tally)
        import_cancel(job=ImportJob.objects.get(pk=job.pk))  # pressed just before commit

    monkeypatch.setattr(services, "counters_write", counters_then_cancel)

    # when it runs to its end
    job = import_run(import_id=job.pk)

    # then its final commit saw the cancel and rolled everything back
    assert job.status == "cancelled" and job.created == 0
    assert not Task.objects.exists()


def test_a_finished_import_cannot_be_cancelled_and_says_how_it_ended(cast, pairwise):
    job = import_create(
        project=cast.project,
        by=cast.setter,
        upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(1)}])),
    )
    job = import_run(import_id=job.pk)

    with pytest.raises(ConflictError) as caught:
        import_cancel(job=job)

    assert caught.value.status_code == 409
    assert "already ended (done)" in caught.value.detail
    job.refresh_from_db()
    assert (job.status, job.cancel_requested, Task.objects.count()) == ("done", False, 1)


def test_the_stale_limit_is_the_setting(settings):
    settings.JOB_STALE_SECONDS = 90
    assert stale_after() == timedelta(seconds=90)

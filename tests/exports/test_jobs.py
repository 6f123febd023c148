"""Export jobs that cannot get stuck: the heartbeat, the sweep that ends an export whose
worker died (and removes what it wrote), a redelivered message, and cancel in every state
(service level; the API and the pages are in test_api.py and test_views.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone

from annotation_platform.errors import ConflictError
from exports import services
from exports.jobs import exports_sweep_stale_job
from exports.models import ExportJob, ExportStatus
from exports.services import export_cancel, export_create, export_run, exports_sweep_stale
from exports.signals import export_finished

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=1)


def running_export(cast, *, heard: timedelta = LONG_AGO, **fields) -> ExportJob:
    """An export a worker claimed and last beat for ``heard`` ago, in the middle of
    uploading its archive (its key is on the row, the file half there)."""
    now = timezone.now()
    key = default_storage.save(
        f"exports/{cast.project.pk}/x/partial.zip", ContentFile(b"PK\x03\x04 half an archive")
    )
    values = {
        "project": cast.project,
        "created_by": cast.setter,
        "format": "jsonl",
        "status": ExportStatus.RUNNING,
        "started_at": now - heard - timedelta(minutes=5),
        "heartbeat_at": now - heard,
        "worker": "worker-2 pid 777",
        "submissions_total": 100,
        "submissions_done": 40,
        "file_key": key,
        **fields,
    }
    return ExportJob.objects.create(**values)


def temp_folder_of(export: ExportJob, *, idle: float = 3600) -> Path:
    """The folder a worker on this machine was writing the export's archive in, last
    written ``idle`` seconds ago."""
    folder = Path(tempfile.mkdtemp(prefix=f"export-{export.pk}-"))
    archive = folder / "export.zip"
    archive.write_bytes(b"PK partial")
    then = time.time() - idle
    for path in (archive, folder):
        os.utime(path, (then, then))
    return folder


@pytest.fixture
def finished_signals():
    received: list[tuple[int, str]] = []

    def receiver(sender, job, **kwargs):
        received.append((job.pk, job.status))

    export_finished.connect(receiver)
    yield received
    export_finished.disconnect(receiver)


def slow_rows(monkeypatch, *, pause: float = 0.0, then=None):
    """Wrap the row reader: pause after each chunk, and call ``then(export_id)`` after the
    first one (a person pressing Cancel while the export runs)."""
    real = services.export_rows
    calls = []

    def rows(context, queryset, **kwargs):
        for chunk in real(context, queryset, **kwargs):
            yield chunk
            time.sleep(pause)
            calls.append(1)
            if then is not None and len(calls) == 1:
                then()

    monkeypatch.setattr(services, "export_rows", rows)


# --- the heartbeat --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_running_export_beats_while_it_works(cast, pairwise, settings, monkeypatch):
    settings.JOB_HEARTBEAT_SECONDS = 0.01
    seen = []
    real = services._progress

    def progress(job, **fields):
        time.sleep(0.05)  # a slow chunk
        seen.append(ExportJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk))
        return real(job, **fields)

    monkeypatch.setattr(services, "_progress", progress)
    job = ExportJob.objects.create(project=cast.project, created_by=cast.setter, format="jsonl")

    job = export_run(export_id=job.pk)

    assert job.status == "done" and job.worker
    assert len(seen) >= 2 and seen[-1] > job.started_at


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_fails_a_silent_export_and_removes_its_partial_file(
    cast, django_capture_on_commit_callbacks, finished_signals
):
    # given an export whose worker died an hour ago mid-upload, one alive, one queued
    dead = running_export(cast)
    folder = temp_folder_of(dead)
    alive = running_export(cast, heard=timedelta(seconds=3))
    queued = ExportJob.objects.create(project=cast.project, format="jsonl")
    partial = dead.file_key

    # when the beat job runs
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_sweep_stale_job.delay().get() == 1

    # then the dead one failed, saying why, and nothing of its archive is left
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert "The worker running this export (worker-2 pid 777) stopped" in dead.error_text
    assert (dead.file_key, dead.file_size) == ("", None)
    assert not default_storage.exists(partial)
    assert not folder.exists()
    assert finished_signals == [(dead.pk, "failed")]
    # and the others are untouched
    alive.refresh_from_db()
    queued.refresh_from_db()
    assert (alive.status, queued.status) == ("running", "queued")
    assert default_storage.exists(alive.file_key)


def test_a_redelivered_message_does_not_run_an_export_again(cast, pairwise):
    dead = running_export(cast)
    alive = running_export(cast, heard=timedelta(seconds=1))
    exports_sweep_stale()

    assert export_run(export_id=dead.pk).status == "failed"
    assert export_run(export_id=alive.pk).status == "running"
    assert ExportJob.objects.get(pk=dead.pk).file_key == ""


def test_the_next_export_on_a_machine_removes_the_leftovers_of_ended_ones(
    cast, pairwise, django_capture_on_commit_callbacks
):
    # given a folder left by a killed export the sweep ended on another machine
    dead = running_export(cast)
    exports_sweep_stale()
    leftover = temp_folder_of(dead)

    # when the next export runs here
    with django_capture_on_commit_callbacks(execute=True):
        export_create(project=cast.project, by=cast.setter, fmt="jsonl")

    # then the folder is gone
    assert not leftover.exists()


def test_a_folder_still_being_written_is_left_alone(
    cast, pairwise, django_capture_on_commit_callbacks
):
    # given a folder of an export not running here, written a minute ago: another
    # deployment on this machine (its own export numbered the same) may still be writing it
    dead = running_export(cast)
    exports_sweep_stale()
    busy = temp_folder_of(dead, idle=60)

    # when an export runs here
    with django_capture_on_commit_callbacks(execute=True):
        export_create(project=cast.project, by=cast.setter, fmt="jsonl")

    # then the folder stays
    try:
        assert (busy / "export.zip").exists()
    finally:
        shutil.rmtree(busy, ignore_errors=True)


# --- cancel in every state ------------------------------------------------------------------


def test_cancel_of_a_queued_export_ends_it_and_its_message_does_nothing(
    cast, pairwise, finished_signals, django_capture_on_commit_callbacks
):
    job = export_create(project=cast.project, by=cast.setter, fmt="jsonl")  # not run: no commit

    with django_capture_on_commit_callbacks(execute=True):
        job = export_cancel(export=job)

    assert (job.status, job.error) == ("cancelled", "Cancelled before it started.")
    assert finished_signals == [(job.pk, "cancelled")]
    assert export_run(export_id=job.pk).status == "cancelled"
    assert job.file_key == ""


def test_cancel_of_a_running_export_stops_it_at_its_next_chunk(cast, pairwise, monkeypatch):
    job = ExportJob.objects.create(project=cast.project, created_by=cast.setter, format="jsonl")
    slow_rows(monkeypatch, then=lambda: export_cancel(export=ExportJob.objects.get(pk=job.pk)))

    job = export_run(export_id=job.pk)

    assert (job.status, job.error) == ("cancelled", "Cancelled; no file was kept.")
    assert job.file_key == ""
    assert not list(Path(default_storage.location).rglob("*.zip"))


def test_a_cancel_during_the_upload_removes_the_uploaded_file(cast, pairwise, monkeypatch):
    job = ExportJob.objects.create(project=cast.project, created_by=cast.setter, format="jsonl")
    real_save = FileSystemStorage.save

    def save_then_cancel(self, name, content, **kwargs):
        key = real_save(self, name, content, **kwargs)
        export_cancel(export=ExportJob.objects.get(pk=job.pk))
        return key

    monkeypatch.setattr(FileSystemStorage, "save", save_then_cancel)

    job = export_run(export_id=job.pk)

    assert job.status == "cancelled" and job.file_key == ""
    assert not list(Path(default_storage.location).rglob("*.zip"))


def test_cancel_of_an_export_whose_worker_died_ends_it_at_once(cast):
    job = running_export(cast)
    partial = job.file_key

    job = export_cancel(export=job)

    assert job.status == "cancelled" and "(worker-2 pid 777) had stopped" in job.error_text
    assert not default_storage.exists(partial)


def test_cancel_of_a_live_export_leaves_it_to_stop_itself(cast):
    job = running_export(cast, heard=timedelta(seconds=2))

    job = export_cancel(export=job)

    assert (job.status, job.cancel_requested) == ("running", True)
    assert exports_sweep_stale() == []


@pytest.mark.parametrize("ended", ["done", "failed", "cancelled"])
def test_an_ended_export_cannot_be_cancelled_and_says_how_it_ended(cast, ended):
    job = ExportJob.objects.create(project=cast.project, format="jsonl", status=ended)

    with pytest.raises(ConflictError) as caught:
        export_cancel(export=job)

    assert caught.value.status_code == 409
    assert f"already ended ({ended})" in caught.value.detail
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (ended, False)

"""The PostgreSQL write path: COPY with every escape that matters, progress published from
a second connection while the import's own transaction is still open, and ``next`` served
meanwhile."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from imports import services
from imports.models import ImportJob
from imports.services import import_create, import_run, tasks_bulk_import
from tasks.models import Task, TaskState
from tasks.services import task_counts
from tests.imports.conftest import data, jsonl, stream

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_copy_path_stores_tricky_text_exactly(cast, pairwise):
    assert connection.vendor == "postgresql"
    tricky = {
        "prompt": 'Back\\slash, "quotes", tab\tand\nnewline, \\N, 漢字 and emoji 🎧',
        "response_a": "\\\\server\\share",
        "response_b": "\u2028line separator",
        "nested": {"list": [1, 2.5, None, True], "empty": ""},
    }
    rows = [
        {"data": tricky, "external_id": "back\\slash id", "priority": -3, "overlap": 2},
        {"data": data(2), "is_gold": True, "gold_answer": {"preference": {"choice": "tie"}}},
    ]
    outcome = tasks_bulk_import(project=cast.project, stream=stream(jsonl(rows)), by=cast.setter)
    assert outcome.created == 2
    stored = Task.objects.get(external_id="back\\slash id")
    assert stored.data == tricky
    assert (stored.priority, stored.overlap, stored.needed, stored.state) == (-3, 2, 2, "new")
    assert stored.available and stored.created_by == cast.setter and not stored.is_gold
    gold = Task.objects.get(is_gold=True)
    assert gold.gold_answer == {"preference": {"choice": "tie"}} and gold.external_id == ""
    assert task_counts(cast.project)["new"] == 1


@pytest.mark.django_db
def test_copy_refuses_nul_characters_as_a_row_error(cast, pairwise):
    rows = [{"data": data(1, prompt="nul \u0000 here")}]
    with pytest.raises(services.DomainError) as caught:
        tasks_bulk_import(project=cast.project, stream=stream(jsonl(rows)), by=cast.setter)
    # the input guard names the field inside the row, before COPY ever sees the NUL
    assert "line 1: data.prompt" in caught.value.fields
    assert not Task.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_published_while_the_write_is_uncommitted(
    cast, pairwise, settings, monkeypatch
):
    settings.IMPORT_BATCH_ROWS = 10
    job = import_create(
        project=cast.project,
        by=cast.setter,
        upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(n)} for n in range(35)])),
    )  # transactional test: on_commit ran the job already; run a second, queued one by hand
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="json", source_key=_put_json(),
        source_name="t.json", source_size=1, delete_source=True,
    )  # fmt: skip
    seen = []
    original = services._Pipeline.flush

    def flush_and_look(self):
        original(self)
        # The main connection (inside the open write transaction) reads committed rows:
        # the counts the side connection published, not its own uncommitted tasks.
        seen.append(ImportJob.objects.filter(pk=job.pk).values_list("rows_read", "created")[0])

    monkeypatch.setattr(services._Pipeline, "flush", flush_and_look)
    job = import_run(import_id=job.pk)
    assert job.status == "done" and job.created == 25
    assert seen[:2] == [(10, 10), (20, 20)]
    assert Task.objects.filter(project=cast.project).count() == 35 + 25
    counts = task_counts(cast.project)
    assert counts[TaskState.NEW] == 60


def _put_json() -> str:
    from tests.imports.conftest import put

    return put(
        "imports/uploads/pg/t.json", json.dumps([{"data": data(n)} for n in range(25)]).encode()
    )


@pytest.mark.django_db(transaction=True)
def test_next_does_not_wait_for_an_import_in_progress(cast, pairwise, monkeypatch):
    from tasks.services import distribution, task_next

    # given a task to serve, and every counter shard drawn the same: a counter row an import
    # wrote early would be the very row ``next`` has to update
    tasks_bulk_import(project=cast.project, stream=stream(jsonl([{"data": data(1)}])), by=None)
    monkeypatch.setattr(distribution.random, "randrange", lambda n: 3)
    first_batch_in, next_done = threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    real = services.tasks_insert_bulk

    def paused(**kwargs):
        counted = real(**kwargs)
        first_batch_in.set()
        seen["next finished while the import was open"] = next_done.wait(5)
        return counted

    monkeypatch.setattr(services, "tasks_insert_bulk", paused)

    def importing() -> None:
        try:
            rows = [{"data": data(n)} for n in range(2, 5)]
            tasks_bulk_import(project=cast.project, stream=stream(jsonl(rows)), by=None)
        finally:
            connection.close()

    def asking() -> None:
        first_batch_in.wait(5)
        try:
            seen["served"] = task_next(project=cast.project, trainer=cast.trainer).task.pk
        finally:
            next_done.set()
            connection.close()

    # when a trainer asks for work while the import has written rows but not committed
    threads = [threading.Thread(target=importing), threading.Thread(target=asking)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    # then they were served at once, not after the import
    assert seen["next finished while the import was open"] is True
    assert seen["served"] == Task.objects.get(data=data(1)).pk
    counts = task_counts(cast.project)
    assert (counts["new"], counts["in_progress"]) == (3, 1)


# --- a worker that dies mid-import ---------------------------------------------------------

_SLOW_WORKER = """
import sys, time
import django
django.setup()
from django.conf import settings
settings.IMPORT_BATCH_ROWS = 50
settings.JOB_HEARTBEAT_SECONDS = 0.2
from imports import services
flush = services._Pipeline.flush
def slow_flush(self):
    flush(self)
    time.sleep(0.2)  # a slow worker, so the test can kill it in the middle of the file
services._Pipeline.flush = slow_flush
services.import_run(import_id=int(sys.argv[1]))
"""


def _wait_for(predicate, timeout: float = 20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _import_locks(project_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s",
            [services._LOCK_NAMESPACE, project_id],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_is_failed_by_the_sweep_and_keeps_nothing(
    cast, pairwise, media_storage
):
    import os
    import signal
    import subprocess
    import sys

    from django.conf import settings
    from django.utils import timezone

    from annotation_platform.heartbeat import stale_after
    from imports.services import imports_sweep_stale
    from tests.conftest import _database_url_for_test_db

    # given an import of 2,000 rows running on a worker process
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="jsonl",
        source_key=_put_jsonl(2_000), source_name="big.jsonl", source_size=1, delete_source=True,
    )  # fmt: skip
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "annotation_platform.settings",
        "DATABASE_URL": _database_url_for_test_db(),
        "DB_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(media_storage),
    }
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WORKER, str(job.pk)], env=env, cwd=settings.BASE_DIR
    )
    try:
        # it claims the import, writes batches and beats
        claimed = _wait_for(
            lambda: (
                ImportJob.objects.filter(pk=job.pk, status="running")
                .values_list("heartbeat_at", flat=True)
                .first()
            )
        )
        _wait_for(lambda: ImportJob.objects.get(pk=job.pk).created >= 200)
        _wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at > claimed)
        assert _import_locks(cast.project.pk) == 1
    finally:
        # when the worker is killed mid-file (as the OOM killer does)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    # then, before the sweep, the row still claims progress nobody will finish (the bug)
    job.refresh_from_db()
    assert job.status == "running" and job.created >= 200
    assert f"pid {worker.pid}" in job.worker and job.db_backend
    assert not Task.objects.exists()  # none was committed
    # and once the heartbeat is older than the limit, the sweep fails it
    later = timezone.now() + stale_after() + timedelta(seconds=1)
    assert imports_sweep_stale(now=later) == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed"
    assert f"The worker running this import ({job.worker}) stopped" in job.detail_text
    assert (job.created, job.updated, job.rows_written) == (0, 0, 0)
    # its partial work is rolled back for good: no task, no session, no lock left
    assert not Task.objects.exists()
    pid = int(job.db_backend.split("@")[0])
    _wait_for(lambda: not _backend_alive(pid))
    _wait_for(lambda: _import_locks(cast.project.pk) == 0)
    # a redelivered message does not run it again
    assert import_run(import_id=job.pk).status == "failed"
    assert not Task.objects.exists()
    # and the project imports again at once
    outcome = tasks_bulk_import(
        project=cast.project, stream=stream(jsonl([{"data": data(1)}])), by=None
    )
    assert outcome.created == 1 and Task.objects.count() == 1


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def _put_jsonl(rows: int) -> str:
    from tests.imports.conftest import put

    return put("imports/uploads/pg/big.jsonl", jsonl([{"data": data(n)} for n in range(rows)]))


@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_for_the_project_lock_beats_and_can_be_cancelled(
    cast, pairwise, settings
):
    from imports.services import import_cancel

    # given another session holding the project's import lock (an import in progress)
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    wrapper = connections["default"]
    holder = wrapper.__class__(dict(wrapper.settings_dict), "default")
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s, %s)", [services._LOCK_NAMESPACE, cast.project.pk]
        )
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="jsonl",
        source_key=_put_jsonl(3), source_name="t.jsonl", source_size=1,
    )  # fmt: skip
    ended = {}

    def run() -> None:
        try:
            ended["job"] = import_run(import_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        # when it has waited a while: no batch written, yet its heartbeat moves
        claimed = _wait_for(
            lambda: (
                ImportJob.objects.filter(pk=job.pk, status="running")
                .values_list("heartbeat_at", flat=True)
                .first()
            )
        )
        _wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at > claimed)
        assert ImportJob.objects.get(pk=job.pk).rows_read == 0
        # and someone cancels it
        assert import_cancel(job=job).status == "running"
        thread.join(10)
    finally:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        holder.close()
        thread.join(10)

    # then it noticed while waiting, and ended cancelled without writing
    assert ended["job"].status == "cancelled"
    assert not Task.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_the_sweep_ended_while_alive_commits_nothing(cast, pairwise, monkeypatch):
    from imports.services import imports_sweep_stale

    # given an import whose heartbeat was late: the sweep (another process) ends it after
    # its last batch, before it commits
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="jsonl",
        source_key=_put_jsonl(3), source_name="t.jsonl", source_size=1,
    )  # fmt: skip
    real = services.counters_write

    def swept_meanwhile(tally):
        real(tally)

        def sweep() -> None:
            try:
                later = timezone.now() + timedelta(hours=1)
                assert imports_sweep_stale(now=later) == [job.pk]
            finally:
                connection.close()

        other = threading.Thread(target=sweep)
        other.start()
        other.join(10)

    monkeypatch.setattr(services, "counters_write", swept_meanwhile)

    # when it reaches its commit
    job = import_run(import_id=job.pk)

    # then its rows roll back: its status says failed, and no task says otherwise
    assert job.status == "failed" and "stopped" in job.detail_text
    assert not Task.objects.exists()

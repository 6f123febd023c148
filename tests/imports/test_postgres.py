"""The PostgreSQL write path: COPY with every escape that matters, progress published from
a second connection while the import's own transaction is still open, and ``next`` served
meanwhile."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

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
    assert "line 1: data" in caught.value.fields
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

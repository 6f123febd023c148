"""The import service: formats, bad input with its place, all or nothing, the partial
option, idempotency, gold and AI references, and the exact task counters."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation_platform.errors import DomainError
from imports.models import ImportJob, ImportStatus
from imports.services import import_cancel, import_create, import_run, tasks_bulk_import
from imports.signals import import_finished
from tasks.models import Task, TaskState
from tasks.services import project_distribution_update, task_counts, task_lease, template_save
from tests.factories import submit
from tests.imports.conftest import IMAGE_TEMPLATE, data, jsonl, put, stream

pytestmark = pytest.mark.django_db


def errors_of(job: ImportJob) -> list[tuple]:
    # The reasons as a reader sees them (stored as message ids: annotation_platform.stored_text).
    return [(e.line, e.field, e.reason_text) for e in job.row_errors.all()]


def assert_counters_exact(project) -> None:
    counts = task_counts(project)
    for state in TaskState.values:
        assert (
            counts[state]
            == Task.objects.filter(project=project, is_gold=False, state=state).count()
        )


# --- formats ----------------------------------------------------------------------------------


def test_jsonl_import_creates_tasks_with_overlap_priority_and_external_ids(cast, run):
    project_distribution_update(project=cast.project, default_overlap=3)
    rows = [
        {"data": data(1), "external_id": "q-1", "priority": 5},
        {"data": data(2), "external_id": "q-2", "overlap": 2},
        {"data": data(3)},
    ]
    job = run(jsonl(rows))
    assert (job.status, job.rows_read, job.created, job.error_count) == ("done", 3, 3, 0)
    tasks = {t.external_id: t for t in Task.objects.filter(project=cast.project)}
    assert tasks["q-1"].priority == 5 and tasks["q-1"].needed == 3
    assert tasks["q-2"].overlap == 2 and tasks["q-2"].needed == 2
    assert tasks[""].data == data(3) and tasks[""].created_by == cast.setter
    assert task_counts(cast.project)["new"] == 3
    assert_counters_exact(cast.project)


def test_json_array_import(cast, run):
    content = json.dumps([{"data": data(n), "external_id": f"j{n}"} for n in range(5)]).encode()
    job = run(content, "tasks.json")
    assert (job.status, job.format, job.created) == ("done", "json", 5)
    assert Task.objects.filter(project=cast.project).count() == 5


def test_csv_import_maps_columns_to_data_and_reserved_columns(cast, run):
    content = (
        b"prompt,response_a,response_b,external_id,priority,overlap,ai_references.gpt-4o,meta.lang\n"
        b"Hello,A1,B1,c-1,7,,The reference,en\n"
        b"Bye,A2,B2,c-2,,2,,fr\n"
    )
    job = run(content, "tasks.csv")
    assert (job.status, job.created) == ("done", 2), errors_of(job)
    first = Task.objects.get(external_id="c-1")
    assert first.data == {
        "prompt": "Hello",
        "response_a": "A1",
        "response_b": "B1",
        "ai_references": {"gpt-4o": "The reference"},
        "meta": {"lang": "en"},
    }
    assert first.priority == 7 and first.overlap is None
    second = Task.objects.get(external_id="c-2")
    assert second.overlap == 2 and "ai_references" not in second.data


def test_csv_with_semicolons_imports_when_the_delimiter_is_chosen(cast, run):
    content = b"prompt;response_a;response_b\nHi;a;b\n"
    job = run(content, "tasks.csv", delimiter=";")
    assert (job.status, job.created) == ("done", 1)


# --- bad input: each with its place, nothing written -----------------------------------------


def test_template_mismatch_refuses_the_whole_file_and_lists_every_bad_row(cast, run):
    rows = [
        {"data": data(1)},
        {"data": {"prompt": "only a prompt", "response_a": "a"}},
        {"data": data(3, response_a=7)},
        {"data": data(4), "priorty": 1},
    ]
    job = run(jsonl(rows))
    assert job.status == ImportStatus.FAILED
    assert "nothing was imported" in job.detail
    assert errors_of(job) == [
        (2, "data.response_b", "This field is missing."),
        (3, "data.response_a", "Must be text (a string)."),
        (4, "priorty", 'Unknown key "priorty". Did you mean "priority"?'),
    ]
    assert (job.rejected, job.created) == (3, 0)
    assert not Task.objects.filter(project=cast.project).exists()
    assert task_counts(cast.project)["total"] == 0


def test_bad_row_late_in_a_large_file_rolls_back_earlier_batches(cast, run, settings):
    settings.IMPORT_BATCH_ROWS = 10
    rows = [{"data": data(n)} for n in range(95)] + [{"data": {"prompt": 1}}]
    job = run(jsonl(rows))
    assert job.status == "failed"
    assert errors_of(job)[0][0] == 96
    assert not Task.objects.filter(project=cast.project).exists()
    assert task_counts(cast.project)["total"] == 0


def test_malformed_json_array_names_the_line(cast, run):
    job = run(
        b'[\n{"data": {"prompt": "a", "response_a": "b", "response_b": "c"}},\n{"data": }\n]',
        "t.json",
    )
    assert job.status == "failed"
    assert errors_of(job) == [(3, "", "Not valid JSON: a value was expected.")]
    assert not Task.objects.exists()


def test_bad_encoding_names_the_byte_offset(cast, run):
    content = jsonl([{"data": data(1)}]) + b'{"data": {"prompt": "caf\xe9"}}\n'
    job = run(content)
    assert job.status == "failed"
    [(line, _, reason)] = errors_of(job)
    offset = len(jsonl([{"data": data(1)}])) + len(b'{"data": {"prompt": "caf')
    assert line == 2 and f"byte {offset}" in reason and "UTF-8" in reason
    assert not Task.objects.exists()


def test_malformed_jsonl_line_is_a_row_error(cast, run):
    job = run(jsonl([{"data": data(1)}]) + b"{not json}\n")
    assert job.status == "failed"
    assert errors_of(job) == [
        (2, "", "Not valid JSON: a key in double quotes was expected (column 2).")
    ]


def test_csv_wrong_delimiter_is_detected(cast, run):
    job = run(b"prompt;response_a;response_b\nHi;a;b\n", "tasks.csv")
    assert job.status == "failed"
    [(line, _, reason)] = errors_of(job)
    assert line == 1 and "semicolons" in reason


def test_csv_missing_columns_are_named(cast, run):
    job = run(b"prompt,response_a\nHi,a\n", "tasks.csv")
    assert job.status == "failed"
    assert errors_of(job) == [(1, "response_b", "Column missing: the template shows this field.")]


def test_huge_row_is_refused_with_its_line(cast, run, settings):
    settings.IMPORT_MAX_ROW_BYTES = 2_000
    rows = [{"data": data(1)}, {"data": data(2, response_a="x" * 5_000)}]
    job = run(jsonl(rows))
    assert job.status == "failed"
    [(line, _, reason)] = errors_of(job)
    assert line == 2 and "per-row limit" in reason


def test_file_over_the_size_limit_is_refused_before_it_is_stored(cast, pairwise, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError) as caught:
        import_create(
            project=cast.project,
            by=cast.setter,
            upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(n)} for n in range(5)])),
        )
    assert caught.value.status_code == 413 and "at most 100 bytes" in caught.value.detail
    assert not ImportJob.objects.exists()


def test_stored_file_grown_past_the_limit_is_refused_while_streaming(cast, pairwise, settings):
    key = put("import-sources/big.jsonl", jsonl([{"data": data(n)} for n in range(50)]))
    job = ImportJob.objects.create(
        project=cast.project, created_by=cast.setter, format="jsonl", source_key=key,
        source_name=key, source_size=10,
    )  # fmt: skip
    settings.IMPORT_MAX_BYTES = 500
    job = import_run(import_id=job.pk)
    assert job.status == "failed" and "larger than the import limit" in job.detail
    assert not Task.objects.exists()


def test_no_template_is_refused_up_front(cast):
    with pytest.raises(DomainError) as caught:
        import_create(
            project=cast.project, by=cast.setter, upload=SimpleUploadedFile("t.jsonl", b"{}")
        )
    assert caught.value.code == "no_template"


# --- partial -------------------------------------------------------------------------------


def test_partial_imports_valid_rows_and_returns_rejected_rows_as_a_file(cast, run):
    rows = [{"data": data(1)}, {"data": {"prompt": "x"}}, {"data": data(3)}, "not an object"]
    job = run(jsonl(rows), partial=True)
    assert (job.status, job.created, job.rejected) == ("done", 2, 2)
    assert [e[0] for e in errors_of(job)] == [2, 2, 4]
    with default_storage.open(job.rejected_key, "rb") as handle:
        rejected = handle.read().decode().splitlines()
    assert [json.loads(line) for line in rejected] == [{"data": {"prompt": "x"}}, "not an object"]
    assert Task.objects.filter(project=cast.project).count() == 2
    assert_counters_exact(cast.project)


def test_partial_csv_rejected_file_keeps_the_header(cast, run):
    content = b"prompt,response_a,response_b,priority\nok,a,b,1\nbad,a,b,high\n"
    job = run(content, "t.csv", partial=True)
    assert (job.created, job.rejected) == (1, 1)
    assert errors_of(job) == [(3, "priority", "Must be a whole number.")]
    with default_storage.open(job.rejected_key, "rb") as handle:
        assert handle.read().decode().splitlines() == [
            "prompt,response_a,response_b,priority",
            "bad,a,b,high",
        ]


# --- idempotency ---------------------------------------------------------------------------


def test_reimporting_the_same_file_skips_instead_of_duplicating(cast, run):
    content = jsonl([{"data": data(n), "external_id": f"e{n}"} for n in range(4)])
    run(content)
    again = run(content)
    assert (again.status, again.created, again.skipped) == ("done", 0, 4)
    assert Task.objects.filter(project=cast.project).count() == 4
    assert_counters_exact(cast.project)


def test_update_mode_updates_existing_tasks_and_creates_new_ones(cast, run):
    run(jsonl([{"data": data(1), "external_id": "e1"}, {"data": data(2), "external_id": "e2"}]))
    job = run(
        jsonl(
            [
                {"data": data(1, prompt="Changed"), "external_id": "e1", "overlap": 4},
                {"data": data(2), "external_id": "e2"},
                {"data": data(3), "external_id": "e3"},
            ]
        ),
        mode="create_or_update",
    )
    assert (job.created, job.updated, job.skipped) == (1, 1, 1)
    changed = Task.objects.get(external_id="e1")
    assert changed.data["prompt"] == "Changed" and changed.needed == 4
    assert Task.objects.filter(project=cast.project).count() == 3


def test_update_only_refuses_an_unknown_external_id(cast, run):
    run(jsonl([{"data": data(1), "external_id": "e1"}]))
    job = run(
        jsonl(
            [
                {"data": data(1, prompt="New"), "external_id": "e1"},
                {"data": data(2), "external_id": "nope"},
            ]
        ),
        mode="update_only",
    )
    assert job.status == "failed"
    assert errors_of(job) == [
        (2, "external_id", 'No task with external id "nope" in this project.')
    ]
    assert Task.objects.get(external_id="e1").data["prompt"] == "Prompt 1"  # rolled back


def test_update_keeps_data_of_an_answered_task_but_moves_its_overlap(cast, run, mcq_like_answer):
    run(jsonl([{"data": data(1), "external_id": "e1"}]))
    task = Task.objects.get(external_id="e1")
    submit(task=task, author=cast.trainer, answer=mcq_like_answer)
    job = run(
        jsonl([{"data": data(1, prompt="Other"), "external_id": "e1"}]), mode="create_or_update"
    )
    assert job.status == "failed" and "has answers" in errors_of(job)[0][2]
    job = run(
        jsonl([{"data": data(1), "external_id": "e1", "overlap": 1}]), mode="create_or_update"
    )
    assert (job.status, job.updated) == ("done", 1)
    task.refresh_from_db()
    assert (task.needed, task.state) == (1, TaskState.COMPLETE)
    assert_counters_exact(cast.project)


def test_an_import_writes_its_counter_changes_once_its_rows_are_in(
    cast, run, mcq_like_answer, settings, monkeypatch
):
    """Counter rows written by an import's first batch would stay locked until the job
    commits, holding up every ``next`` that draws the same shard, and a second upsert in
    the same transaction could deadlock with one: the job tallies its batches' changes and
    writes them once, at the end."""
    from imports import services
    from tasks.services import distribution

    # given an answered (complete) task, and a file that raises its overlap (complete -> in
    # progress) and adds five tasks, read in batches of two rows
    run(jsonl([{"data": data(1), "external_id": "e1"}]))
    answered = Task.objects.get(external_id="e1")
    submit(task=answered, author=cast.trainer, answer=mcq_like_answer)
    settings.IMPORT_BATCH_ROWS = 2
    rows = [{"data": data(1), "external_id": "e1", "overlap": 2}]
    rows += [{"data": data(n), "external_id": f"n{n}"} for n in range(2, 7)]
    events: list[str] = []
    real_insert, real_execute = services.tasks_insert_bulk, distribution.sql_execute

    def batch(**kwargs):
        events.append("batch")
        return real_insert(**kwargs)

    def execute(cursor, sql, params):
        if "tasks_taskcounter" in sql:
            events.append(f"counters: {len(params) // 4} rows")
        real_execute(cursor, sql, params)

    monkeypatch.setattr(services, "tasks_insert_bulk", batch)
    monkeypatch.setattr(distribution, "sql_execute", execute)
    # when the file is imported
    job = run(jsonl(rows), mode="create_or_update")
    # then the counters moved once, after the last batch: new +5, complete -1, in progress +1
    assert (job.status, job.created, job.updated) == ("done", 5, 1)
    assert events == ["batch", "batch", "batch", "counters: 3 rows"]
    assert Task.objects.get(pk=answered.pk).state == TaskState.IN_PROGRESS
    assert_counters_exact(cast.project)


def test_a_pipeline_writes_each_runs_counter_changes_once(cast, pairwise):
    from django.db import transaction

    from imports.formats import read_jsonl
    from imports.services import _checker, _Pipeline

    pipeline = _Pipeline(
        project=cast.project,
        template=pairwise,
        checker=_checker(pairwise, "jsonl", media=False),
        by=None,
        mode="create_or_skip",
        partial=False,
    )
    with transaction.atomic():
        for n in (1, 2):
            pipeline.run(read_jsonl(stream(jsonl([{"data": data(n)}])), max_row_bytes=10**6))
    assert task_counts(cast.project)["new"] == 2
    assert_counters_exact(cast.project)


@pytest.fixture
def mcq_like_answer():
    return {"preference": {"choice": "A"}}


def test_same_external_id_twice_in_a_file_does_not_duplicate(cast, run):
    rows = [{"data": data(1), "external_id": "d"}, {"data": data(2), "external_id": "d"}]
    job = run(jsonl(rows))
    assert (job.created, job.skipped) == (1, 1)
    job = run(jsonl(rows), mode="create_or_update")
    assert Task.objects.get(external_id="d").data == data(2)


# --- gold and AI references ------------------------------------------------------------------


def test_gold_rows_and_ai_references_import_like_the_task_services_store_them(cast, run):
    rows = [
        {"data": data(1), "is_gold": True, "gold_answer": {"preference": {"choice": "B"}}},
        {"data": data(2), "ai_references": {"model-x": "A reference answer."}},
        {"data": data(3)},
    ]
    job = run(jsonl(rows))
    assert (job.status, job.created) == ("done", 3), errors_of(job)
    gold = Task.objects.get(is_gold=True)
    assert gold.gold_answer["preference"]["choice"] == "B"
    assert Task.objects.get(data__prompt="Prompt 2").data["ai_references"] == {
        "model-x": "A reference answer."
    }
    counts = task_counts(cast.project)
    assert (counts["new"], counts["total"]) == (2, 2)  # gold tasks are not counted
    assert_counters_exact(cast.project)


def test_invalid_gold_answer_and_references_are_row_errors(cast, run):
    rows = [
        {"data": data(1), "is_gold": True, "gold_answer": {"preference": {"choice": "C"}}},
        {"data": data(2), "is_gold": True},
        {"data": data(3), "ai_references": {"m": 3}},
        {"data": data(4), "is_gold": False, "gold_answer": {"preference": {"choice": "A"}}},
        {
            "data": data(5),
            "is_gold": True,
            "gold_answer": {"preference": {"choice": "A"}, "reason": "A is kinder."},
        },
    ]
    job = run(jsonl(rows))
    errors = errors_of(job)
    assert [(line, field) for line, field, _ in errors] == [
        (1, "gold_answer.preference"),
        (2, "gold_answer"),
        (3, "ai_references.m"),
        (4, "gold_answer"),
        (5, "gold_answer.reason"),  # free text is never scored, so never part of gold
    ]
    assert "not scored" in errors[-1][2]
    assert not Task.objects.exists()


# --- storage ---------------------------------------------------------------------------------


def test_import_from_a_storage_key_checks_media_keys_exist(
    cast, django_capture_on_commit_callbacks
):
    template_save(project=cast.project, name="Images", definition=IMAGE_TEMPLATE, by=cast.setter)
    put("media/cat.png")
    rows = [
        {"data": {"picture": "media/cat.png", "caption": "A cat"}},
        {"data": {"picture": "media/dog.png", "caption": "A dog"}},
        {"data": {"picture": "https://example.org/x.png", "caption": "Remote"}},
    ]
    key = put("import-sources/images.jsonl", jsonl(rows))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_create(project=cast.project, by=cast.setter, storage_key=key, partial=True)
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 2)
    assert errors_of(job) == [
        (2, "data.picture", 'No file "media/dog.png" in the project\'s storage.')
    ]
    assert default_storage.exists(key)  # a source in storage is the user's: it stays


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "elsewhere/file.jsonl", "import-sources/missing.jsonl"]
)
def test_storage_keys_outside_the_prefix_or_missing_are_refused(cast, pairwise, key):
    with pytest.raises(DomainError) as caught:
        import_create(project=cast.project, by=cast.setter, storage_key=key)
    assert "storage_key" in caught.value.fields


def test_uploaded_copy_is_deleted_when_the_import_ends(cast, run):
    job = run(jsonl([{"data": data(1)}]))
    assert job.delete_source and not default_storage.exists(job.source_key)


# --- job, cancel, signal ---------------------------------------------------------------------


def test_import_finished_signal_is_sent_after_commit(cast, run):
    received = []

    def receiver(sender, job, **kwargs):
        received.append((sender, job.pk, job.status))

    import_finished.connect(receiver)
    try:
        done = run(jsonl([{"data": data(1)}]))
        failed = run(b"not json\n")
    finally:
        import_finished.disconnect(receiver)
    assert received == [(ImportJob, done.pk, "done"), (ImportJob, failed.pk, "failed")]


def test_cancel_before_start_ends_the_import(cast, pairwise):
    job = import_create(
        project=cast.project,
        by=cast.setter,
        upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(1)}])),
    )  # the job would run on commit, which this test never reaches
    job = import_cancel(job=job)
    assert job.status == "cancelled"
    assert import_run(import_id=job.pk).status == "cancelled"
    assert not Task.objects.exists()
    with pytest.raises(DomainError) as caught:
        import_cancel(job=job)
    assert caught.value.status_code == 409


def test_cancel_while_running_rolls_back_everything_written(cast, pairwise, settings, monkeypatch):
    settings.IMPORT_BATCH_ROWS = 5
    job = import_create(
        project=cast.project,
        by=cast.setter,
        upload=SimpleUploadedFile("t.jsonl", jsonl([{"data": data(n)} for n in range(30)])),
    )
    from imports import services

    original = services._Pipeline.flush
    calls = []

    def flush_then_cancel(self):
        original_cancelled = self.cancelled
        calls.append(Task.objects.count())
        if len(calls) == 2:  # two batches written: now someone presses Cancel
            import_cancel(job=ImportJob.objects.get(pk=job.pk))
        self.cancelled = original_cancelled
        original(self)

    monkeypatch.setattr(services._Pipeline, "flush", flush_then_cancel)
    job = import_run(import_id=job.pk)
    assert job.status == "cancelled"
    assert calls[1] == 5  # a batch had really been written inside the transaction
    assert not Task.objects.exists()
    assert task_counts(cast.project)["total"] == 0


def test_a_finished_import_is_not_run_twice(cast, run):
    job = run(jsonl([{"data": data(1)}]))
    assert import_run(import_id=job.pk).status == "done"
    assert Task.objects.count() == 1


def test_a_held_task_keeps_its_data_on_update(cast, run):
    run(jsonl([{"data": data(1), "external_id": "h"}]))
    task_lease(task=Task.objects.get(external_id="h"), trainer=cast.trainer)
    job = run(jsonl([{"data": data(9), "external_id": "h"}]), mode="create_or_update")
    assert job.status == "failed" and errors_of(job)[0][1] == "data"


# --- the synchronous batch -------------------------------------------------------------------


def test_bulk_import_writes_all_or_nothing(cast, pairwise):
    good = jsonl([{"data": data(n), "external_id": f"b{n}"} for n in range(3)])
    outcome = tasks_bulk_import(project=cast.project, stream=stream(good), by=cast.setter)
    assert (outcome.created, outcome.skipped) == (3, 0)
    bad = json.dumps([{"data": data(7)}, {"data": {"prompt": 1}}]).encode()
    with pytest.raises(DomainError) as caught:
        tasks_bulk_import(project=cast.project, stream=stream(bad), by=cast.setter)
    assert caught.value.fields["line 1: data.prompt"] == ["Must be text (a string)."]
    assert Task.objects.filter(project=cast.project).count() == 3
    assert_counters_exact(cast.project)


def test_bulk_import_refuses_more_rows_than_the_cap(cast, pairwise, settings):
    settings.IMPORT_BULK_MAX_ROWS = 3
    content = jsonl([{"data": data(n)} for n in range(4)])
    with pytest.raises(DomainError) as caught:
        tasks_bulk_import(project=cast.project, stream=stream(content), by=cast.setter)
    assert caught.value.code == "too_many_rows"
    assert not Task.objects.exists()

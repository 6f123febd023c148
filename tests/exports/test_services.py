"""Filters, the remaining shapes, the row iterator's chunks, media sanitising, the card and
the finished signal."""

import datetime as dt
import json
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.filters import export_filters_parse, submissions_matching
from exports.media import media_key_clean
from exports.models import ExportJob
from exports.rows import export_context, export_rows, submission_chunks
from exports.signals import export_finished
from quality.models import CheckResult
from tasks.models import Submission, Task
from tasks.services import (
    guideline_rule_add,
    guidelines_publish,
    project_update,
    tasks_create,
    template_save,
)
from tests.exports.conftest import accept, pairwise_answer
from tests.factories import submit

pytestmark = pytest.mark.django_db


# --- filters ------------------------------------------------------------------------------


def _ids(archive):
    return [row["submission_id"] for row in archive.jsonl()]


def test_default_status_is_accepted_only(cast, pairwise, run_export):
    archive = run_export(cast.project, cast.setter, "jsonl")
    assert _ids(archive) == [s.pk for s in pairwise["submissions"][:3]]
    assert archive.job.filters == {"status": ["accepted"]}


def test_status_filter_takes_several(cast, pairwise, run_export):
    archive = run_export(cast.project, cast.setter, "jsonl", filters={"status": ["submitted"]})
    assert _ids(archive) == [pairwise["submissions"][3].pk]
    archive = run_export(
        cast.project, cast.setter, "jsonl", filters={"status": "accepted,submitted"}
    )
    assert len(_ids(archive)) == 4


def test_trainer_filter(cast, pairwise, second_trainer, run_export):
    [task] = tasks_create(
        project=cast.project,
        items=[pairwise["tasks"][0].data | {"response_a": "X"}],
        by=cast.setter,
    )
    theirs, _ = submit(task=task, author=second_trainer, answer=pairwise_answer("B", 2))
    accept(theirs)
    archive = run_export(cast.project, cast.setter, "jsonl", filters={"trainer": "trainer-two"})
    assert _ids(archive) == [theirs.pk]
    assert '- trainer: ["trainer-two"]' in archive.text("README.md")
    assert len(_ids(run_export(cast.project, cast.setter, "jsonl"))) == 4


def test_date_filters_include_both_days(cast, pairwise, run_export):
    first, second, third = pairwise["submissions"][:3]
    for submission, day in ((first, 1), (second, 2), (third, 3)):
        moment = dt.datetime(2025, 3, day, 23, 30, tzinfo=dt.UTC)
        Submission.objects.filter(pk=submission.pk).update(created_at=moment)
    archive = run_export(
        cast.project,
        cast.setter,
        "jsonl",
        filters={"date_from": "2025-03-02", "date_to": "2025-03-03"},
    )
    assert _ids(archive) == [second.pk, third.pk]
    archive = run_export(cast.project, cast.setter, "jsonl", filters={"date_to": "2025-03-01"})
    assert _ids(archive) == [first.pk]


def test_template_version_filter_and_versions_in_rows(cast, pairwise, run_export):
    definition = json.loads(json.dumps(pairwise["template"].definition))
    definition["title"] = "Which reply is better? (v2)"
    template_save(project=cast.project, name="Pairwise v2", definition=definition, by=cast.setter)
    [task] = tasks_create(project=cast.project, items=[pairwise["tasks"][1].data], by=cast.setter)
    newer, _ = submit(task=task, author=cast.trainer, answer=pairwise_answer("B", 3))
    accept(newer)
    archive = run_export(cast.project, cast.setter, "jsonl", filters={"template_version": [2]})
    rows = archive.jsonl()
    assert [r["submission_id"] for r in rows] == [newer.pk]
    assert rows[0]["versions"]["template"] == {"version": 2, "name": "Pairwise v2"}
    assert "- v2: Pairwise v2" in archive.text("README.md")
    assert (
        len(_ids(run_export(cast.project, cast.setter, "jsonl", filters={"template_version": "1"})))
        == 3
    )


def test_filters_parse_reports_every_problem_at_once(cast, pairwise):
    from annotation_platform.errors import DomainError

    with pytest.raises(DomainError) as caught:
        export_filters_parse(
            project=cast.project,
            data={"status": "nope", "trainer": "ghost", "template_version": 9, "x": 1},
        )
    assert set(caught.value.fields) == {
        "filters.status",
        "filters.trainer",
        "filters.template_version",
        "filters.x",
    }


# --- the row iterator --------------------------------------------------------------------


def test_rows_are_read_in_keyset_chunks_with_a_fixed_number_of_queries(cast, pairwise):
    Submission.objects.update(status="accepted")  # all four
    queryset = submissions_matching(
        project=cast.project, filters=export_filters_parse(project=cast.project, data={})
    )
    chunks = submission_chunks(queryset, chunk_size=3)
    assert iter(chunks) is chunks  # a generator: nothing is read before it is asked for
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert [values[0] for values in first] == [s.pk for s in pairwise["submissions"][:3]]
    assert len(queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "LIMIT 3" in sql and '"id" > 0' in sql.replace("tasks_submission.", "")
    with CaptureQueriesContext(connection) as queries:
        rest = list(chunks)
    assert [[values[0] for values in chunk] for chunk in rest] == [[pairwise["submissions"][3].pk]]
    assert f"> {pairwise['submissions'][2].pk}" in queries.captured_queries[0]["sql"]
    # a full row per chunk costs the chunk query plus checks, recorded reviews, decided
    # statuses and revision dates
    context = export_context(cast.project)
    with CaptureQueriesContext(connection) as queries:
        chunks_of_rows = list(export_rows(context, queryset, chunk_size=2))
    assert [read for read, _ in chunks_of_rows] == [2, 2]
    assert len(queries) == 2 * 5 + 1  # + the empty read that ends the last full chunk


def test_check_results_of_the_current_revision_are_in_the_row(
    cast, pairwise, run_export, django_capture_on_commit_callbacks
):
    [task] = tasks_create(project=cast.project, items=[pairwise["tasks"][0].data], by=cast.setter)
    with django_capture_on_commit_callbacks(execute=True):
        checked, _ = submit(task=task, author=cast.trainer, answer=pairwise_answer("A", -3))
    accept(checked)
    expected = sorted(
        CheckResult.objects.filter(submission=checked).values_list("check_name", flat=True)
    )
    assert expected  # the quality pipeline ran
    rows = {r["submission_id"]: r for r in run_export(cast.project, cast.setter, "jsonl").jsonl()}
    assert [c["check"] for c in rows[checked.pk]["checks"]] == expected
    assert rows[pairwise["submissions"][0].pk]["checks"] == []


def test_guideline_version_in_force_when_the_revision_was_saved(cast, pairwise, run_export):
    guideline_rule_add(
        project=cast.project, title="Tools first", text="Trust the tools.", by=cast.setter
    )
    guidelines_publish(project=cast.project, note="first", by=cast.setter)
    [task] = tasks_create(project=cast.project, items=[pairwise["tasks"][0].data], by=cast.setter)
    later, _ = submit(task=task, author=cast.trainer, answer=pairwise_answer("A", -1))
    accept(later)
    archive = run_export(cast.project, cast.setter, "jsonl")
    versions = {r["submission_id"]: r["versions"]["guidelines"] for r in archive.jsonl()}
    assert versions[pairwise["submissions"][0].pk] is None
    assert versions[later.pk] == 1
    assert "Guidelines:\n- v1" in archive.text("README.md")


# --- written answers, rubric datasets, MOS -------------------------------------------------

WRITTEN = {
    "schema_version": 1,
    "display": [{"type": "markdown", "field": "prompt", "label": "Question"}],
    "questions": [
        {"id": "answer", "type": "text", "prompt": "Your answer"},
        {"id": "sources", "type": "citations", "prompt": "Sources", "min": 1},
        {
            "id": "rubric",
            "type": "rubric_items",
            "prompt": "Rubric",
            "min": 1,
            "citations_question": "sources",
        },
    ],
}
SOURCE = {
    "identifier": "10.1000/xyz123",
    "title": "A paper",
    "why": "It measured it.",
    "support": "Directly.",
}
ITEM = {
    "criterion": "Names the paper",
    "points": 5,
    "citation": "10.1000/xyz123",
    "rationale": "Grounding.",
}


@pytest.fixture
def written(cast):
    project_update(project=cast.project, status="active")
    template_save(project=cast.project, name="Written", definition=WRITTEN, by=cast.setter)
    [task] = tasks_create(
        project=cast.project, items=[{"prompt": "Why is the sky blue?"}], by=cast.setter
    )
    submission, _ = submit(
        task=task,
        author=cast.trainer,
        answer={"answer": "Rayleigh scattering.", "sources": [SOURCE], "rubric": [ITEM]},
    )
    accept(submission)
    return {"task": task, "submission": submission}


def test_sft_messages_end_with_the_written_answer(cast, written, run_export):
    rows = run_export(cast.project, cast.setter, "sft").jsonl()
    assert rows == [
        {
            "messages": [
                {"role": "user", "content": "Why is the sky blue?"},
                {"role": "assistant", "content": "Rayleigh scattering."},
            ]
        }
    ]


def test_openai_chat_rows(cast, written, run_export):
    rows = run_export(cast.project, cast.setter, "openai_chat").jsonl()
    assert rows == [
        {
            "messages": [
                {"role": "user", "content": "Why is the sky blue?"},
                {"role": "assistant", "content": "Rayleigh scattering."},
            ]
        }
    ]


def test_openai_messages_carry_tool_calls_in_openai_shape(cast, pairwise, run_export):
    rows = run_export(
        cast.project, cast.setter, "openai_chat", options={"prompt_field": "conversation"}
    ).jsonl()
    call = rows[0]["messages"][2]["tool_calls"][0]
    assert call == {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_current_location", "arguments": "{}"},
    }
    assert rows[0]["messages"][3] == {
        "role": "tool",
        "content": pairwise["tasks"][0].data["conversation"][3]["content"],
        "tool_call_id": "call_1",
    }
    assert rows[0]["messages"][-1]["content"].startswith("A follows the search results")


def test_rubric_dataset_rows_are_healthbench_shaped(cast, written, run_export):
    rows = run_export(cast.project, cast.setter, "rubric_dataset").jsonl()
    assert rows == [
        {
            "prompt_id": f"task-{written['task'].pk}-submission-{written['submission'].pk}",
            "prompt": [{"role": "user", "content": "Why is the sky blue?"}],
            "ideal_completion": "Rayleigh scattering.",
            "rubrics": [
                {"criterion": "Names the paper", "points": 5, "tags": ["source:10.1000/xyz123"]}
            ],
            "example_tags": ["template:v1"],
        }
    ]


RATING = {
    "schema_version": 1,
    "display": [
        {"type": "text", "field": "script"},
        {"type": "audio", "field": "audio", "id": "clip"},
    ],
    "questions": [
        {
            "id": "naturalness",
            "type": "rating",
            "prompt": "How natural does this clip sound?",
            "scale": {"min": 1, "max": 5, "labels": {"1": "Bad", "3": "Fair", "5": "Excellent"}},
        }
    ],
}


@pytest.fixture
def listening(cast, second_trainer):
    project_update(project=cast.project, status="active")
    cast.project.default_overlap = 2
    cast.project.save()
    template_save(project=cast.project, name="Listening", definition=RATING, by=cast.setter)
    tasks = tasks_create(
        project=cast.project,
        items=[
            {"script": "one", "audio": "clips/a1.wav", "meta": {"system": "alpha"}},
            {"script": "two", "audio": "clips/a2.wav", "meta": {"system": "alpha"}},
            {"script": "one", "audio": "clips/b1.wav", "meta": {"system": "beta"}},
        ],
        by=cast.setter,
    )
    scores = {(0, "t"): 4, (0, "u"): 5, (1, "t"): 3, (1, "u"): 4, (2, "t"): 2, (2, "u"): 2}
    submissions = []
    for (index, who), score in scores.items():
        author = cast.trainer if who == "t" else second_trainer
        submissions.append(
            submit(task=tasks[index], author=author, answer={"naturalness": score})[0]
        )
    accept(*submissions)
    return tasks


def test_mos_table_per_system_with_intervals_and_p800_information(cast, listening, run_export):
    from metrics.stats import mean_opinion_score

    archive = run_export(cast.project, cast.setter, "mos", options={"system_field": "meta.system"})
    mos = json.loads(archive.text("mos.json"))
    alpha = mean_opinion_score([4, 5, 3, 4])
    assert mos["systems"][0] == {
        "system": "alpha",
        "n_ratings": 4,
        "n_listeners": 2,
        "n_items": 2,
        "mos": 4.0,
        "std": round(alpha.std, 4),
        "ci_low": round(alpha.ci_low, 4),
        "ci_high": round(alpha.ci_high, 4),
        "ci_half_width": round(alpha.half_width, 4),
    }
    assert mos["systems"][1]["system"] == "beta"
    assert (mos["systems"][1]["mos"], mos["systems"][1]["std"]) == (2.0, 0.0)
    test = mos["test"]
    assert test["test_type"].startswith("ACR")
    assert test["scale"] == {
        "min": 1,
        "max": 5,
        "labels": {"1": "Bad", "3": "Fair", "5": "Excellent"},
    }
    assert (test["listeners"], test["ratings"], test["systems"]) == (2, 6, 2)
    assert test["rated"] == "How natural does this clip sound?"
    assert "Student-t" in test["confidence_interval"]
    card = archive.text("README.md")
    assert "Listening test (ITU-T P.800.2)" in card and "listeners: 2" in card
    csv_lines = archive.text("mos.csv").splitlines()
    assert (
        csv_lines[0] == "system,n_ratings,n_listeners,n_items,mos,std,ci_low,ci_high,ci_half_width"
    )
    assert csv_lines[1].startswith("alpha,4,2,2,4.0,")
    assert archive.job.rows_written == 2


# --- media -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "key", "url"),
    [
        ("clips/a1.wav", "clips/a1.wav", None),
        ("https://cdn.example.com/a.wav", None, "https://cdn.example.com/a.wav"),
        ("../../etc/passwd", None, None),
        ("clips/../../secret.wav", None, None),
        ("/etc/passwd", None, None),
        ("file:///etc/passwd", None, None),
        ("C:\\Windows\\win.ini", None, None),
        ("clips//a.wav", None, None),
        ("./clips/a.wav", None, None),
        ("clips/a\x00.wav", None, None),
        (42, None, None),
    ],
)
def test_media_key_clean(value, key, url):
    ref = media_key_clean(value)
    assert (ref.key, ref.url) == (key, url)


def test_malicious_media_paths_are_neither_written_nor_bundled(
    cast, listening, run_export, _media_root, tmp_path
):
    # given media in storage, a secret outside it, and a symlink in storage pointing out
    (_media_root / "clips").mkdir()
    (_media_root / "clips" / "a1.wav").write_bytes(b"RIFF-one")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not ship")
    os.symlink(secret, _media_root / "clips" / "a2.wav")
    # and task data that never went through validation (an old import, the admin)
    evil = Task.objects.get(pk=listening[2].pk)
    evil.data = evil.data | {"audio": "../secret.txt"}
    evil.save()
    archive = run_export(cast.project, cast.setter, "jsonl", options={"include_media": True})
    media = {r["task_id"]: r["media"] for r in archive.jsonl()}
    data = {r["task_id"]: r["task"]["data"]["audio"] for r in archive.jsonl()}
    assert media[listening[0].pk] == [{"field": "audio", "key": "clips/a1.wav", "url": None}]
    assert media[evil.pk] == [{"field": "audio", "key": None, "url": None}]
    assert data[evil.pk] is None
    assert set(archive.files) == {"data.jsonl", "README.md", "media/clips/a1.wav"}
    assert archive.files["media/clips/a1.wav"] == b"RIFF-one"
    assert all(b"do not ship" not in content for content in archive.files.values())
    card = archive.text("README.md")
    assert "Media files bundled under media/: 1" in card
    # two rows name the evil key (refused when written), two the symlink (refused when bundled)
    assert "Media references refused (not a key inside the media storage): 4" in card


# --- the finished signal and failures ----------------------------------------------------


def test_export_finished_is_sent_once_after_commit(cast, pairwise, run_export):
    received = []

    def listener(sender, job, **kwargs):
        received.append((sender, job.pk, job.status))

    export_finished.connect(listener)
    try:
        archive = run_export(cast.project, cast.setter, "jsonl")
    finally:
        export_finished.disconnect(listener)
    assert received == [(ExportJob, archive.job.pk, "done")]


def test_a_failing_export_is_recorded_and_signalled(
    cast, pairwise, monkeypatch, django_capture_on_commit_callbacks
):
    from exports import services

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "export_rows", broken)
    received = []

    def listener(sender, job, **kwargs):
        received.append(job.status)

    export_finished.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.export_create(project=cast.project, by=cast.setter, fmt="jsonl")
    finally:
        export_finished.disconnect(listener)
    job.refresh_from_db()
    assert (job.status, job.file_key) == ("failed", "")
    assert "OSError" in job.error and "disk full" not in job.error
    assert received == ["failed"]


def test_a_job_delivered_twice_runs_once(cast, pairwise, run_export):
    from exports.services import export_run

    archive = run_export(cast.project, cast.setter, "jsonl")
    again = export_run(export_id=archive.job.pk)
    assert again.file_key == archive.job.file_key


def test_the_card_carries_agreement_per_question(cast, listening, run_export):
    from metrics.stats import krippendorff_alpha

    archive = run_export(cast.project, cast.admin, "jsonl")
    card = archive.text("README.md")
    line = next(x for x in card.splitlines() if x.startswith("- naturalness: "))
    figures = json.loads(line.removeprefix("- naturalness: "))
    # Two listeners rated three clips: (4, 5), (3, 4), (2, 2), ordinal by default.
    expected = krippendorff_alpha([[4, 5], [3, 4], [2, 2]], level="ordinal")
    assert (figures["level"], figures["units"], figures["raters"]) == ("ordinal", 3, 2)
    assert figures["krippendorff_alpha"] == pytest.approx(expected, abs=1e-4)
    assert figures["cohens_kappa"] is not None


def test_the_card_says_when_agreement_is_not_available(cast, pairwise, run_export):
    # One trainer per task: no unit has two answers to compare.
    card = run_export(cast.project, cast.admin, "jsonl").text("README.md")
    assert "## Agreement\n\nNot available for this export." in card

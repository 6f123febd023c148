"""Each format and shape on a small project, parsed back and compared exactly."""

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.exports.conftest import REASON

pytestmark = pytest.mark.django_db

CONVERSATION_KEYS = {"role", "content"}


def test_full_jsonl_has_accepted_submissions_with_task_versions_and_reviews(
    cast, pairwise, run_export
):
    archive = run_export(cast.project, cast.qa_lead, "jsonl")
    rows = archive.jsonl()
    accepted = pairwise["submissions"][:3]
    assert [row["submission_id"] for row in rows] == [s.pk for s in accepted]
    first = rows[0]
    assert first["trainer"] == cast.trainer.username
    assert first["status"] == "accepted"
    assert first["answer"] == {
        "preference": {"choice": "A", "strength": -2},
        "tool_grounding": 4,
        "reason": REASON,
    }
    assert first["task"]["id"] == pairwise["tasks"][0].pk
    assert first["task"]["data"]["response_a"] == "Reply A0"
    assert first["versions"] == {
        "template": {"version": 1, "name": "Pairwise answer comparison"},
        "guidelines": None,
        "rubric": None,
    }
    assert first["reviews"] == [
        {
            "kind": "automated",
            "reviewer": None,
            "decision": "accepted",
            "reasons": [],
            "comment": "",
            "revision": None,
            "rubric_version": None,
            "judgments": {},
            "rubric_score": None,
            "created_at": first["reviews"][0]["created_at"],
        }
    ]
    assert archive.job.submissions_total == 3
    assert archive.job.rows_written == 3
    assert set(archive.files) == {"data.jsonl", "README.md"}


def test_dpo_pairs_are_the_right_way_round_and_ties_make_none(cast, pairwise, run_export):
    archive = run_export(cast.project, cast.qa_lead, "dpo")
    rows = archive.jsonl()
    assert len(rows) == 2  # A better, B better; the tie makes no pair
    prompt = rows[0]["prompt"]
    assert [m["role"] for m in prompt] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
    ]
    assert prompt[2]["tool_calls"] == [
        {
            "type": "function",
            "function": {"name": "get_current_location", "arguments": {}},
            "id": "call_1",
        }
    ]
    assert rows[0]["chosen"] == [{"role": "assistant", "content": "Reply A0"}]
    assert rows[0]["rejected"] == [{"role": "assistant", "content": "Reply B0"}]
    assert rows[1]["chosen"] == [{"role": "assistant", "content": "Reply B1"}]
    assert rows[1]["rejected"] == [{"role": "assistant", "content": "Reply A1"}]
    assert set(rows[0]) == {"prompt", "chosen", "rejected"}
    assert "Skipped (tie): 1" in archive.text("README.md")
    assert archive.job.options["response_fields"] == {"A": "response_a", "B": "response_b"}
    assert archive.job.options["prompt"] == {"field": "conversation", "kind": "conversation"}


def test_kto_labels_the_preferred_response_desirable(cast, pairwise, run_export):
    rows = run_export(cast.project, cast.setter, "kto").jsonl()
    assert [(r["completion"][0]["content"], r["label"]) for r in rows] == [
        ("Reply A0", True),
        ("Reply B0", False),
        ("Reply B1", True),
        ("Reply A1", False),
    ]
    assert set(rows[0]) == {"prompt", "completion", "label"}


def test_csv_has_one_row_per_submission_and_a_column_per_question(cast, pairwise, run_export):
    archive = run_export(cast.project, cast.admin, "csv")
    reader = csv.DictReader(io.StringIO(archive.text("data.csv").lstrip("\ufeff")))
    rows = list(reader)
    assert [int(r["submission_id"]) for r in rows] == [s.pk for s in pairwise["submissions"][:3]]
    assert rows[0]["answer.reason"] == REASON
    assert json.loads(rows[0]["answer.preference"]) == {"choice": "A", "strength": -2}
    assert rows[0]["answer.tool_grounding"] == "4"
    assert rows[0]["template_version"] == "1"
    assert rows[0]["review_decision"] == "accepted"
    assert json.loads(rows[2]["task_data"])["response_b"] == "Reply B2"


def test_parquet_is_readable_with_pyarrow(cast, pairwise, run_export):
    archive = run_export(cast.project, cast.admin, "parquet")
    table = pq.read_table(pa.BufferReader(archive.files["data.parquet"]))
    assert table.num_rows == 3
    assert table.column("submission_id").to_pylist() == [s.pk for s in pairwise["submissions"][:3]]
    assert table.schema.field("submission_id").type == pa.int64()
    assert table.column("answer.tool_grounding").to_pylist() == ["4", "4", "4"]
    assert table.column("trainer").to_pylist() == [cast.trainer.username] * 3


def test_ranking_answers_make_every_ordered_pair(cast, run_export):
    from tasks.services import project_update, tasks_create, template_save
    from tests.exports.conftest import accept
    from tests.factories import submit

    project_update(project=cast.project, status="active")
    definition = {
        "schema_version": 1,
        "display": [
            {"type": "markdown", "field": "prompt"},
            {"type": "responses", "fields": ["r1", "r2", "r3"]},
        ],
        "questions": [
            {
                "id": "rank",
                "type": "ranking",
                "prompt": "Rank the replies",
                "items": [
                    {"value": "r1", "label": "One"},
                    {"value": "r2", "label": "Two"},
                    {"value": "r3", "label": "Three"},
                ],
            }
        ],
    }
    template_save(project=cast.project, name="Rank", definition=definition, by=cast.setter)
    [task] = tasks_create(
        project=cast.project,
        items=[{"prompt": "Say hi", "r1": "hello", "r2": "hi", "r3": "yo"}],
        by=cast.setter,
    )
    submission, _ = submit(
        task=task, author=cast.trainer, answer={"rank": {"r1": 2, "r2": 1, "r3": 3}}
    )
    accept(submission)
    rows = run_export(cast.project, cast.setter, "dpo").jsonl()
    assert [(r["prompt"], r["chosen"], r["rejected"]) for r in rows] == [
        ("Say hi", "hi", "hello"),
        ("Say hi", "hi", "yo"),
        ("Say hi", "hello", "yo"),
    ]


def test_recorded_reviews_carry_reviewer_decision_reasons_and_the_final_decision_in_csv(
    cast, pairwise, run_export
):
    from reviews.workflow import ReviewInput, review_second, review_submit
    from tasks.services import guideline_rule_add, guidelines_publish

    guideline_rule_add(project=cast.project, title="Judge the content", by=cast.setter)
    guidelines_publish(project=cast.project, note="Rules", by=cast.setter)
    fourth = pairwise["submissions"][3]
    first = review_submit(
        submission=fourth,
        reviewer=cast.qa_lead,
        data=ReviewInput(decision="accept", comment="Fine", private_note="between us"),
    )
    review_second(
        review=first,
        reviewer=cast.admin,
        data=ReviewInput(decision="reject", reasons=[{"rule": "R1"}], comment="Too lenient"),
    )
    archive = run_export(cast.project, cast.admin, "jsonl")
    rows = [json.loads(line) for line in archive.text("data.jsonl").splitlines()]
    row = next(r for r in rows if r["submission_id"] == fourth.pk)
    assert [(r["kind"], r["reviewer"], r["decision"]) for r in row["reviews"]] == [
        ("review", cast.qa_lead.username, "accepted"),
        ("second", cast.admin.username, "rejected"),
    ]
    assert row["reviews"][0]["comment"] == "Fine"
    assert row["reviews"][1]["reasons"] == [{"rule": "R1", "label": "Judge the content"}]
    assert "between us" not in archive.text("data.jsonl")  # private notes never leave
    archive = run_export(cast.project, cast.admin, "csv")
    csv_rows = list(csv.DictReader(io.StringIO(archive.text("data.csv").lstrip("\ufeff"))))
    # The audit disagreed, but the submission stays accepted: the first review decided it.
    assert (
        next(r for r in csv_rows if int(r["submission_id"]) == fourth.pk)["review_decision"]
        == "accepted"
    )

"""Hostile rows in imports: each refused with its line and field path, never "internal
error"; the whole file refused as any bad row refuses it (or only that row, with partial)."""

from __future__ import annotations

import io
import json

import pytest

from imports.formats import FileProblem, read_json_array, read_jsonl
from tasks.models import Task
from tests.imports.conftest import data, jsonl

pytestmark = pytest.mark.django_db

DEEP = 100_000
CAP = 1_000_000
DEEP_ROW = '{"data": {"prompt": "p", "response_a": "a", "response_b": "b", "x": ' + (
    "[" * DEEP + "]" * DEEP
) + "}}"  # fmt: skip
SURROGATE_ROW = '{"data": {"prompt": "bad \\ud800", "response_a": "a", "response_b": "b"}}'
NUL_ROW = '{"data": {"prompt": "p", "response_a": "a\\u0000", "response_b": "b"}}'
BIG_ROW = '{"data": {"prompt": "p", "response_a": "a", "response_b": "b"}, "priority": 1e400}'
DEEP_PATH_START = "data.x[0][0][0][0][0][0]"


def lines(*rows: str) -> bytes:
    return "".join(row + "\n" for row in rows).encode()


def good(n: int) -> str:
    return json.dumps({"data": data(n)})


# --- the readers ------------------------------------------------------------------------------


def test_jsonl_reports_each_hostile_row_with_line_and_field_and_reads_on():
    rows = list(
        read_jsonl(
            io.BytesIO(lines(good(1), DEEP_ROW, SURROGATE_ROW, NUL_ROW, BIG_ROW, good(6))),
            max_row_bytes=CAP,
        )
    )
    assert [(row.line, row.field, bool(row.error)) for row in rows] == [
        (1, "", False),
        (2, DEEP_PATH_START + "… (64 levels down)", True),
        (3, "data.prompt", True),
        (4, "data.response_a", True),
        (5, "priority", True),
        (6, "", False),
    ]
    assert "deeper than 64" in rows[1].error
    assert "surrogate" in rows[2].error
    assert "NUL" in rows[3].error


def test_json_array_reports_a_hostile_row_on_its_line():
    body = ("[\n" + good(1) + ",\n" + SURROGATE_ROW + ",\n" + good(3) + "\n]").encode()
    rows = list(read_json_array(io.BytesIO(body), max_row_bytes=CAP))
    assert [(row.line, row.field) for row in rows] == [(2, ""), (3, "data.prompt"), (4, "")]
    assert rows[1].error and not rows[0].error


def test_json_array_stops_at_a_row_nested_past_the_parser_with_line_and_field():
    body = ("[\n" + good(1) + ",\n" + DEEP_ROW + "\n]").encode()
    with pytest.raises(FileProblem) as caught:
        list(read_json_array(io.BytesIO(body), max_row_bytes=10 * CAP))
    assert caught.value.line == 3
    assert caught.value.field.startswith(DEEP_PATH_START)


# --- the batch endpoint -----------------------------------------------------------------------


def bulk(client, project, body: bytes, content_type="application/x-ndjson"):
    url = f"/api/v1/projects/{project.pk}/tasks/bulk"
    return client.generic("POST", url, body, content_type=content_type)


def test_bulk_jsonl_with_a_lone_surrogate_is_refused_with_line_and_field(cast, pairwise, client_as):
    response = bulk(client_as(cast.setter), cast.project, lines(good(1), SURROGATE_ROW))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_rows"
    assert list(body["fields"]) == ["line 2: data.prompt"]
    assert not Task.objects.exists()


def test_bulk_jsonl_with_a_deep_row_is_refused_with_line_and_field(cast, pairwise, client_as):
    response = bulk(client_as(cast.setter), cast.project, lines(good(1), DEEP_ROW))
    assert response.status_code == 400
    (key,) = response.json()["fields"]
    assert key.startswith(f"line 2: {DEEP_PATH_START}")
    assert not Task.objects.exists()


def test_bulk_json_array_with_a_deep_row_is_refused_with_line_and_field(cast, pairwise, client_as):
    body = ("[\n" + good(1) + ",\n" + DEEP_ROW + "\n]").encode()
    response = bulk(client_as(cast.setter), cast.project, body, "application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_file"
    (key,) = response.json()["fields"]
    assert key.startswith(f"line 3: {DEEP_PATH_START}")
    assert not Task.objects.exists()


# --- import jobs ------------------------------------------------------------------------------


def test_a_job_with_deep_and_surrogate_rows_is_refused_with_lines_and_fields(run):
    job = run(lines(good(1), DEEP_ROW, SURROGATE_ROW, NUL_ROW))
    assert job.status == "failed"
    assert "internal error" not in job.detail
    errors = list(job.row_errors.order_by("line").values_list("line", "field"))
    assert errors[0][0] == 2 and errors[0][1].startswith(DEEP_PATH_START)
    assert errors[1:] == [(3, "data.prompt"), (4, "data.response_a")]
    assert not Task.objects.exists()


def test_a_partial_job_imports_the_good_rows_and_rejects_the_hostile_ones(run):
    job = run(lines(good(1), SURROGATE_ROW, good(3)), partial=True)
    assert job.status == "done"
    assert Task.objects.count() == 2
    assert list(job.row_errors.values_list("line", "field")) == [(2, "data.prompt")]


def test_a_json_array_job_with_a_deep_row_names_its_line_and_field(run):
    body = ("[\n" + good(1) + ",\n" + DEEP_ROW + "\n]").encode()
    job = run(body, name="tasks.json")
    assert job.status == "failed"
    assert "internal error" not in job.detail
    ((line, field),) = job.row_errors.values_list("line", "field")
    assert line == 3 and field.startswith(DEEP_PATH_START)


def test_a_csv_cell_with_nul_is_refused_with_its_column(run):
    body = b"prompt,response_a,response_b\nok,a,b\nbad\x00,a,b\n"
    job = run(body, name="tasks.csv")
    assert job.status == "failed"
    assert list(job.row_errors.values_list("line", "field")) == [(3, "prompt")]


@pytest.mark.postgres
def test_hostile_rows_never_reach_postgresql(run):
    # On PostgreSQL a NUL or lone surrogate that got through would fail the COPY (a
    # DataError / UnicodeEncodeError, i.e. "internal error"); every row is refused first.
    job = run(lines(good(1), NUL_ROW, SURROGATE_ROW, DEEP_ROW, good(5)), partial=True)
    assert job.status == "done"
    assert Task.objects.count() == 2
    assert sorted(job.row_errors.values_list("line", flat=True)) == [2, 3, 4]


def test_rows_the_guard_passes_are_imported_as_before(run):
    rows = [{"data": data(1, note="\\u0000 as text"), "priority": 9}, {"data": data(2)}]
    job = run(jsonl(rows))
    assert job.status == "done"
    assert Task.objects.get(priority=9).data["note"] == "\\u0000 as text"

"""Import API: every role at every endpoint, upload limits, the batch endpoint, errors."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportJob
from imports.services import import_create
from tasks.models import Task
from tests.conftest import ALL_PEOPLE
from tests.imports.conftest import data, jsonl

pytestmark = pytest.mark.django_db

EXPECTED = {
    # endpoint: status per person (trainer, setter, qa_lead, admin, outsider, staff)
    "list": (403, 200, 200, 200, 404, 200),
    "create": (403, 202, 403, 202, 404, 202),
    "bulk": (403, 200, 403, 200, 404, 200),
    "detail": (404, 200, 200, 200, 404, 200),
    "errors": (404, 200, 200, 200, 404, 200),
    "rejected": (404, 200, 200, 200, 404, 200),
    "cancel": (404, 409, 403, 409, 404, 409),
}


@pytest.fixture
def finished(cast, pairwise, django_capture_on_commit_callbacks):
    """A done import with one rejected row (so it has errors and a rejected file)."""
    content = jsonl([{"data": data(1)}, {"data": {"prompt": 1}}])
    with django_capture_on_commit_callbacks(execute=True):
        job = import_create(
            project=cast.project,
            by=cast.setter,
            upload=SimpleUploadedFile("t.jsonl", content),
            partial=True,
        )
    job.refresh_from_db()
    assert job.status == "done" and job.rejected_key
    return job


def _call(client, name, cast, job):
    project = cast.project.pk
    calls = {
        "list": lambda: client.get(f"/api/v1/projects/{project}/imports"),
        "create": lambda: client.post(
            f"/api/v1/projects/{project}/imports",
            {"file": SimpleUploadedFile("t.jsonl", jsonl([{"data": data(5)}]))},
            format="multipart",
        ),
        "bulk": lambda: client.generic(
            "POST",
            f"/api/v1/projects/{project}/tasks/bulk",
            jsonl([{"data": data(6)}]),
            content_type="application/x-ndjson",
        ),
        "detail": lambda: client.get(f"/api/v1/imports/{job.pk}"),
        "errors": lambda: client.get(f"/api/v1/imports/{job.pk}/errors"),
        "rejected": lambda: client.get(f"/api/v1/imports/{job.pk}/rejected"),
        "cancel": lambda: client.post(f"/api/v1/imports/{job.pk}/cancel"),
    }
    return calls[name]()


@pytest.mark.parametrize("endpoint", EXPECTED)
@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_permission_boundary(
    cast, finished, client_as, endpoint, person, django_capture_on_commit_callbacks
):
    expected = EXPECTED[endpoint][ALL_PEOPLE.index(person)]
    with django_capture_on_commit_callbacks(execute=True):
        response = _call(client_as(cast.by_role(person)), endpoint, cast, finished)
    assert response.status_code == expected, response.content[:300]


def test_inactive_user_may_do_nothing(cast, finished, client_as):
    client = client_as(cast.setter)
    cast.setter.is_active = False
    cast.setter.save()
    assert client.get(f"/api/v1/imports/{finished.pk}").status_code in (401, 404)


def test_create_runs_the_job_and_returns_its_status(
    cast, pairwise, client_as, django_capture_on_commit_callbacks
):
    client = client_as(cast.setter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/projects/{cast.project.pk}/imports",
            {
                "file": SimpleUploadedFile("t.jsonl", jsonl([{"data": data(1)}])),
                "mode": "create_or_update",
            },
            format="multipart",
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/imports/{job_id}").json()
    assert (body["status"], body["created"], body["rows_written"], body["percent"]) == (
        "done",
        1,
        1,
        100,
    )


def test_unknown_fields_and_options_are_refused(cast, pairwise, client_as):
    client = client_as(cast.setter)
    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/imports",
        {"file": SimpleUploadedFile("t.jsonl", b"{}"), "mdoe": "x"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["fields"]["mdoe"] == ["Unknown field."]
    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/imports",
        {"file": SimpleUploadedFile("t.txt", b"{}")},
        format="multipart",
    )
    assert response.status_code == 400 and "format" in response.json()["fields"]
    assert not ImportJob.objects.exists()


def test_a_2gb_upload_is_refused_from_its_content_length(cast, pairwise, client_as):
    response = client_as(cast.setter).post(
        f"/api/v1/projects/{cast.project.pk}/imports",
        {"file": SimpleUploadedFile("t.jsonl", b"{}")},
        format="multipart",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_an_upload_over_the_limit_is_refused_while_streaming(cast, pairwise, client_as, settings):
    settings.IMPORT_MAX_BYTES = 1_000  # the Content-Length (5 kB + framing) passes the slack
    response = client_as(cast.setter).post(
        f"/api/v1/projects/{cast.project.pk}/imports",
        {"file": SimpleUploadedFile("t.jsonl", b"x" * 5_000)},
        format="multipart",
    )
    assert response.status_code == 413
    assert "refused while uploading" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_errors_are_paginated_with_line_field_reason(cast, finished, client_as):
    client = client_as(cast.qa_lead)
    body = client.get(f"/api/v1/imports/{finished.pk}/errors?page_size=1").json()
    assert body["results"] == [
        {"line": 2, "field": "data.prompt", "reason": "Must be text (a string)."}
    ]
    seen = body["results"]
    while body["next"]:  # cursor pages: a file may have an error on each of a million lines
        body = client.get(body["next"]).json()
        seen += body["results"]
    assert len(seen) == 3  # prompt not text, both responses missing


def test_rejected_rows_download(cast, finished, client_as):
    response = client_as(cast.setter).get(f"/api/v1/imports/{finished.pk}/rejected")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().strip() == '{"data": {"prompt": 1}}'
    assert "import-" in response["Content-Disposition"]


def test_bulk_returns_counts_and_is_idempotent(cast, pairwise, client_as):
    client = client_as(cast.setter)
    url = f"/api/v1/projects/{cast.project.pk}/tasks/bulk"
    body = json.dumps([{"data": data(n), "external_id": f"x{n}"} for n in range(3)])
    first = client.generic("POST", url, body, content_type="application/json")
    assert first.status_code == 200 and first.json() == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "skipped": 0,
    }
    again = client.generic(
        "POST", url + "?mode=create_or_update", body, content_type="application/json"
    )
    assert again.json() == {"rows": 3, "created": 0, "updated": 0, "skipped": 3}
    assert Task.objects.filter(project=cast.project).count() == 3


def test_bulk_bad_rows_refuse_the_batch_with_line_and_field(cast, pairwise, client_as):
    response = client_as(cast.setter).generic(
        "POST",
        f"/api/v1/projects/{cast.project.pk}/tasks/bulk",
        jsonl([{"data": data(1)}, {"data": data(2), "external_id": 5}]),
        content_type="application/x-ndjson",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_rows"
    assert body["fields"] == {"line 2: external_id": ["Must be text (a string)."]}
    assert not Task.objects.exists()


def test_bulk_refuses_a_body_announced_too_large(cast, pairwise, client_as, settings):
    settings.IMPORT_BULK_MAX_BYTES = 10
    response = client_as(cast.setter).generic(
        "POST",
        f"/api/v1/projects/{cast.project.pk}/tasks/bulk",
        jsonl([{"data": data(1)}]),
        content_type="application/json",
    )
    assert response.status_code == 413


def test_bulk_with_session_auth_keeps_the_body_for_the_rows(cast, pairwise, client):
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=False)
    api.force_login(cast.setter)
    response = api.generic(
        "POST",
        f"/api/v1/projects/{cast.project.pk}/tasks/bulk",
        jsonl([{"data": data(1)}]),
        content_type="application/x-ndjson",
    )
    assert response.status_code == 200 and response.json()["created"] == 1


def test_import_list_is_newest_first_and_counts_queries(
    cast, finished, client_as, django_assert_max_num_queries
):
    client = client_as(cast.qa_lead)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/projects/{cast.project.pk}/imports").json()
    assert [job["id"] for job in body["results"]] == [finished.pk]


def test_schema_documents_the_import_endpoints(client_as, cast):
    schema = client_as(cast.setter).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/projects/{project_pk}/imports",
        "/api/v1/projects/{project_pk}/tasks/bulk",
        "/api/v1/imports/{id}",
        "/api/v1/imports/{id}/cancel",
        "/api/v1/imports/{id}/errors",
        "/api/v1/imports/{id}/rejected",
    ):
        assert path in schema["paths"], path


# --- cancel in every state ------------------------------------------------------------------


def _cancel(client, job):
    return client.post(f"/api/v1/imports/{job.pk}/cancel")


@pytest.mark.parametrize(
    "state, status, body_status, cancel_requested",
    [
        ("queued", 200, "cancelled", True),
        ("running", 200, "running", True),  # it stops itself at its next batch
        ("dead", 200, "cancelled", True),  # nobody left to stop it: ended now
        ("done", 409, None, False),
    ],
)
def test_cancel_in_every_state(
    cast, pairwise, client_as, state, status, body_status, cancel_requested
):
    from datetime import timedelta

    from tests.imports.test_jobs import running_import

    if state == "queued":
        job = import_create(
            project=cast.project, by=cast.setter, upload=SimpleUploadedFile("t.jsonl", b"{}\n")
        )
    elif state == "done":
        job = running_import(cast, status="done", heartbeat_at=None, created=1)
    else:
        job = running_import(cast, heard=timedelta(hours=1 if state == "dead" else 0))

    response = _cancel(client_as(cast.setter), job)

    assert response.status_code == status, response.content
    job.refresh_from_db()
    assert job.cancel_requested is cancel_requested
    if body_status is None:
        assert response.json()["detail"] == (
            "This import has already ended (done); there is nothing to cancel."
        )
        assert job.status == "done"
        return
    body = response.json()
    assert (body["status"], body["cancel_requested"]) == (body_status, True)
    assert job.status == body_status
    if body_status == "cancelled":
        assert body["created"] == 0 and body["finished_at"]


@pytest.mark.parametrize(
    "person, status", [("trainer", 404), ("qa_lead", 403), ("outsider", 404), ("admin", 200)]
)
def test_only_setters_and_admins_cancel_a_running_import(cast, client_as, person, status):
    from tests.imports.test_jobs import running_import

    job = running_import(cast)

    response = _cancel(client_as(cast.by_role(person)), job)

    assert response.status_code == status
    job.refresh_from_db()
    assert job.status == ("cancelled" if status == 200 else "running")

"""The export endpoints and pages: who may export, create, list, follow and download, and
bad requests refused with the field named and nothing created."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from exports.models import ExportJob
from tests.conftest import ALL_PEOPLE
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

EXPORTERS = {"setter", "qa_lead", "admin", "staff"}
# Outside the project: 404 (no such project among yours); a trainer inside it: 403.
DENIED = {"trainer": 403, "outsider": 404}


def _create(client, project, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/api/v1/projects/{project.pk}/exports", body, format="json")


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_api_create_list_get_and_download_by_role(
    person, cast, pairwise, client_as, django_capture_on_commit_callbacks
):
    client = client_as(cast.by_role(person))
    response = _create(client, cast.project, {"format": "dpo"}, django_capture_on_commit_callbacks)
    listing = client.get(f"/api/v1/projects/{cast.project.pk}/exports")
    if person not in EXPORTERS:
        assert response.status_code == DENIED[person]
        assert listing.status_code == DENIED[person]
        assert not ExportJob.objects.exists()
        return
    assert response.status_code == 201, response.json()
    assert response.json()["format"] == "dpo"
    # the job ran on commit, after the response (a worker picks it up the same way)
    body = client.get(f"/api/v1/exports/{response.json()['id']}").json()
    assert body["status"] == "done"
    assert (body["submissions_total"], body["rows_written"], body["progress"]) == (3, 2, 100)
    assert body["card"].startswith("---\npretty_name:")
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["results"]] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert [
        json.loads(line)["chosen"][0]["content"] for line in archive.read("data.jsonl").splitlines()
    ] == [
        "Reply A0",
        "Reply B1",
    ]


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_api_detail_and_download_of_an_existing_export_by_role(
    person, cast, pairwise, client_as, run_export
):
    archive = run_export(cast.project, cast.setter, "jsonl")
    client = client_as(cast.by_role(person))
    detail = client.get(f"/api/v1/exports/{archive.job.pk}")
    download = client.get(f"/api/v1/exports/{archive.job.pk}/download")
    if person in EXPORTERS:
        assert (detail.status_code, download.status_code) == (200, 200)
        assert b"".join(download.streaming_content)[:2] == b"PK"
    else:
        # An export is not visible outside the exporting roles: indistinguishable from none.
        assert (detail.status_code, download.status_code) == (404, 404)
        assert detail.json()["error"] == "not_found"


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_pages_by_role(person, cast, pairwise, client, run_export):
    archive = run_export(cast.project, cast.setter, "jsonl")
    assert client.login(username=cast.by_role(person).username, password=PASSWORD)
    listing = client.get(reverse("project-exports", args=[cast.project.pk]))
    detail = client.get(reverse("export-detail", args=[archive.job.pk]))
    download = client.get(reverse("export-download", args=[archive.job.pk]))
    if person in EXPORTERS:
        assert (listing.status_code, detail.status_code, download.status_code) == (200, 200, 200)
        assert f"#{archive.job.pk}" in listing.content.decode()
        assert "Dataset card" in detail.content.decode()
        assert b"".join(download.streaming_content)[:2] == b"PK"
    else:
        assert listing.status_code == DENIED[person]
        assert (detail.status_code, download.status_code) == (404, 404)


def test_page_form_creates_an_export_and_shows_it(
    cast, pairwise, client, django_capture_on_commit_callbacks
):
    client.login(username=cast.qa_lead.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("project-exports", args=[cast.project.pk]),
            {"format": "csv", "status": ["accepted", "submitted"], "options": ""},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export-detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created_by, job.submissions_total) == ("done", cast.qa_lead, 4)


def test_page_form_shows_bad_filters_and_options_on_their_fields(cast, pairwise, client):
    client.login(username=cast.qa_lead.username, password=PASSWORD)
    response = client.post(
        reverse("project-exports", args=[cast.project.pk]),
        {"format": "mos", "trainer": "nobody", "options": ""},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["trainer"] == ["No trainer named nobody in this project."]
    assert not ExportJob.objects.exists()
    response = client.post(
        reverse("project-exports", args=[cast.project.pk]),
        {"format": "mos", "options": "{"},
    )
    assert "Not valid JSON" in response.context["form"].errors["options"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"format": "jsonl", "filters": {"colour": "red"}}, "filters.colour"),
        ({"format": "jsonl", "filters": {"status": ["done"]}}, "filters.status"),
        ({"format": "jsonl", "filters": {"trainer": "ghost"}}, "filters.trainer"),
        ({"format": "jsonl", "filters": {"date_from": "yesterday"}}, "filters.date_from"),
        (
            {"format": "jsonl", "filters": {"date_from": "2025-02-01", "date_to": "2025-01-01"}},
            "filters.date_to",
        ),
        ({"format": "jsonl", "filters": {"template_version": [7]}}, "filters.template_version"),
        ({"format": "jsonl", "filters": {"template_version": "one"}}, "filters.template_version"),
        ({"format": "jsonl", "filters": {"template_version": "²"}}, "filters.template_version"),
        (
            {"format": "jsonl", "filters": {"template_version": 2**64}},
            "filters.template_version",
        ),
        ({"format": "jsonl", "filters": []}, "filters"),
        ({"format": "jsonl", "options": {"include_media": "yes"}}, "options.include_media"),
        ({"format": "dpo", "options": {"system_field": "x"}}, "options.system_field"),
        ({"format": "dpo", "options": {"prompt_field": "response_a"}}, "options.prompt_field"),
        ({"format": "dpo", "options": {"question": "reason"}}, "options.question"),
        ({"format": "dpo", "options": {"response_fields": ["a"]}}, "options.response_fields"),
        ({"format": "mos"}, "options.system_field"),
        (
            {"format": "mos", "options": {"system_field": "meta.case", "confidence": 2}},
            "options.confidence",
        ),
        ({"format": "rubric_dataset"}, "options.rubric_question"),
        ({"format": "jsonl", "colour": "red"}, "colour"),
    ],
)
def test_bad_requests_are_400_naming_the_field_and_create_nothing(
    body, field, cast, pairwise, client_as, django_capture_on_commit_callbacks
):
    response = _create(
        client_as(cast.setter), cast.project, body, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not ExportJob.objects.exists()


def test_list_is_paginated_without_n_plus_one(
    cast, pairwise, client_as, run_export, django_assert_max_num_queries
):
    for _ in range(3):
        run_export(cast.project, cast.setter, "jsonl")
    client = client_as(cast.qa_lead)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/projects/{cast.project.pk}/exports?page_size=2")
    body = response.json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


def test_download_before_done_is_a_conflict(cast, pairwise, client_as):
    from exports.services import export_create

    job = export_create(project=cast.project, by=cast.setter, fmt="jsonl")  # never committed
    response = client_as(cast.setter).get(f"/api/v1/exports/{job.pk}/download")
    assert response.status_code == 409
    assert response.json()["error"] == "not_ready"


def test_inactive_exporter_may_do_nothing(cast, pairwise, client, run_export):
    archive = run_export(cast.project, cast.setter, "jsonl")
    from exports import permissions

    cast.setter.is_active = False
    assert not permissions.can_export(cast.setter, cast.project)
    assert not permissions.can_view_export(cast.setter, archive.job)
    assert not ExportJob.objects.visible_to(cast.setter).exists()


# --- cancel ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, status, body_status",
    [("queued", 200, "cancelled"), ("running", 200, "running"), ("dead", 200, "cancelled")],
)
def test_api_cancel_in_every_open_state(cast, pairwise, client_as, state, status, body_status):
    from datetime import timedelta

    from tests.exports.test_jobs import running_export

    if state == "queued":
        job = ExportJob.objects.create(project=cast.project, format="jsonl")
    else:
        job = running_export(cast, heard=timedelta(hours=1 if state == "dead" else 0))

    response = client_as(cast.qa_lead).post(f"/api/v1/exports/{job.pk}/cancel")

    assert response.status_code == status, response.content
    body = response.json()
    assert (body["status"], body["cancel_requested"], body["download_url"]) == (
        body_status,
        True,
        None,
    )
    job.refresh_from_db()
    assert job.status == body_status


def test_api_cancel_of_a_finished_export_is_a_409_saying_so(cast, pairwise, client_as, run_export):
    archive = run_export(cast.project, cast.setter, "jsonl")

    response = client_as(cast.setter).post(f"/api/v1/exports/{archive.job.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "This export has already ended (done); there is nothing to cancel."
    )
    assert ExportJob.objects.get(pk=archive.job.pk).status == "done"


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_api_cancel_by_role(person, cast, client_as):
    from tests.exports.test_jobs import running_export

    job = running_export(cast)

    response = client_as(cast.by_role(person)).post(f"/api/v1/exports/{job.pk}/cancel")

    job.refresh_from_db()
    if person in EXPORTERS:
        assert (response.status_code, job.status) == (200, "cancelled")
    else:
        # Not visible outside the exporting roles: indistinguishable from no export.
        assert (response.status_code, job.status) == (404, "running")

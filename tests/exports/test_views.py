"""Export pages' Cancel button: in every state, with the same words as the API, and only
for those who may export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from exports.models import ExportJob
from tests.conftest import ALL_PEOPLE
from tests.exports.test_jobs import running_export
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

EXPORTERS = {"setter", "qa_lead", "admin", "staff"}


@pytest.mark.parametrize(
    "state, status, message",
    [
        ("queued", "cancelled", "Export cancelled; no file was kept."),
        ("running", "running", "Cancelling: the export stops in a few seconds."),
        ("dead", "cancelled", "Export cancelled; no file was kept."),
        ("done", "done", "This export has already ended (done); there is nothing to cancel."),
    ],
)
def test_cancel_page_in_every_state_says_what_happened(client, cast, state, status, message):
    if state in ("queued", "done"):
        job = ExportJob.objects.create(project=cast.project, format="jsonl", status=state)
    else:
        job = running_export(cast, heard=timedelta(hours=1 if state == "dead" else 0))
    assert client.login(username=cast.admin.username, password=PASSWORD)

    response = client.post(reverse("export-cancel", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == status
    page = response.content.decode()
    assert message in page
    if state == "dead":
        assert "had stopped" in page  # the reason, on the export's page
    if state == "running":
        assert 'data-testid="export-cancelling"' in page
        assert 'data-testid="export-cancel-form"' not in page


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_cancel_page_by_role(client, cast, person):
    job = running_export(cast)
    assert client.login(username=cast.by_role(person).username, password=PASSWORD)

    detail = client.get(reverse("export-detail", args=[job.pk]))
    response = client.post(reverse("export-cancel", args=[job.pk]))

    job.refresh_from_db()
    if person in EXPORTERS:
        assert 'data-testid="export-cancel-form"' in detail.content.decode()
        assert (response.status_code, job.status) == (302, "cancelled")
    else:
        assert (detail.status_code, response.status_code, job.status) == (404, 404, "running")


def test_cancel_page_takes_only_post(client, cast):
    job = running_export(cast)
    assert client.login(username=cast.admin.username, password=PASSWORD)

    assert client.get(reverse("export-cancel", args=[job.pk])).status_code == 405
    assert ExportJob.objects.get(pk=job.pk).status == "running"


def test_a_running_export_page_says_when_its_worker_was_last_heard_from(client, cast):
    job = running_export(cast, heard=timedelta(seconds=5))
    client.login(username=cast.setter.username, password=PASSWORD)
    page = client.get(reverse("export-detail", args=[job.pk])).content.decode()
    assert 'data-testid="export-heartbeat"' in page
    assert job.heartbeat_at.strftime("%H:%M:%S") + " UTC" in page

"""Import pages: who sees what, the upload form, the report, cancel and download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportJob
from imports.services import import_create
from tasks.models import Task
from tests.conftest import ALL_PEOPLE
from tests.factories import PASSWORD
from tests.imports.conftest import data, jsonl

pytestmark = pytest.mark.django_db

EXPECTED = {
    # page: status per person (trainer, setter, qa_lead, admin, outsider, staff)
    "list": (403, 200, 200, 200, 404, 200),
    "upload": (403, 302, 403, 302, 404, 302),
    "detail": (404, 200, 200, 200, 404, 200),
    "rejected": (404, 200, 200, 200, 404, 200),
    "cancel": (404, 302, 403, 302, 404, 302),
}


@pytest.fixture
def queued(cast, pairwise):
    """A queued import with a rejected-rows file already (as a finished partial one has)."""
    job = import_create(
        project=cast.project, by=cast.setter, upload=SimpleUploadedFile("t.jsonl", b"{}\n")
    )
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    job.rejected_key = default_storage.save(
        "imports/rejected/x/rejected.jsonl", ContentFile(b"{}\n")
    )
    job.save()
    return job


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _call(client, name, cast, job):
    calls = {
        "list": lambda: client.get(f"/projects/{cast.project.pk}/imports/"),
        "upload": lambda: client.post(
            f"/projects/{cast.project.pk}/imports/",
            {
                "file": SimpleUploadedFile("t.jsonl", jsonl([{"data": data(1)}])),
                "mode": "create_or_skip",
                "delimiter": ",",
            },
        ),
        "detail": lambda: client.get(f"/imports/{job.pk}/"),
        "rejected": lambda: client.get(f"/imports/{job.pk}/rejected/"),
        "cancel": lambda: client.post(f"/imports/{job.pk}/cancel/"),
    }
    return calls[name]()


@pytest.mark.parametrize("page", EXPECTED)
@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_page_permission_boundary(client, cast, queued, page, person):
    expected = EXPECTED[page][ALL_PEOPLE.index(person)]
    response = _call(_login(client, cast.by_role(person)), page, cast, queued)
    assert response.status_code == expected


def test_anonymous_is_sent_to_login(client, cast, queued):
    response = client.get(f"/projects/{cast.project.pk}/imports/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_upload_with_a_bad_row_shows_the_report(
    client, cast, pairwise, django_capture_on_commit_callbacks
):
    _login(client, cast.setter)
    content = b"prompt,response_a,response_b,priority\nok,a,b,1\nbad,a,b,high\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{cast.project.pk}/imports/",
            {
                "file": SimpleUploadedFile("tasks.csv", content),
                "mode": "create_or_skip",
                "delimiter": ",",
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Failed" in page and "<td>3</td>" in page and "<code>priority</code>" in page
    assert "Must be a whole number." in page
    assert not Task.objects.exists()
    listing = client.get(f"/projects/{cast.project.pk}/imports/").content.decode()
    assert f'data-import-id="{job.pk}"' in listing


def test_upload_announced_too_large_is_refused_on_the_form(client, cast, pairwise):
    _login(client, cast.setter)
    response = client.post(
        f"/projects/{cast.project.pk}/imports/",
        {"file": SimpleUploadedFile("t.jsonl", b"{}"), "mode": "create_or_skip", "delimiter": ","},
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    assert "imports take at most" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_page_keeps_csrf_protection(cast, pairwise):
    from django.test import Client

    client = _login(Client(enforce_csrf_checks=True), cast.setter)
    response = client.post(
        f"/projects/{cast.project.pk}/imports/",
        {"file": SimpleUploadedFile("t.jsonl", b"{}"), "mode": "create_or_skip", "delimiter": ","},
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_cancel_page_cancels_a_queued_import(client, cast, queued):
    _login(client, cast.admin)
    client.post(f"/imports/{queued.pk}/cancel/")
    queued.refresh_from_db()
    assert queued.status == "cancelled"


@pytest.mark.parametrize(
    "state, status, message",
    [
        ("running", "running", "Cancelling: the import stops at its next batch"),
        ("dead", "cancelled", "Import cancelled; nothing of it was kept."),
        ("done", "done", "This import has already ended (done); there is nothing to cancel."),
    ],
)
def test_cancel_page_in_every_state_says_what_happened(client, cast, state, status, message):
    from datetime import timedelta

    from tests.imports.test_jobs import running_import

    if state == "done":
        job = running_import(cast, status="done", heartbeat_at=None)
    else:
        job = running_import(cast, heard=timedelta(hours=1 if state == "dead" else 0))
    _login(client, cast.setter)

    response = client.post(f"/imports/{job.pk}/cancel/", follow=True)

    job.refresh_from_db()
    assert job.status == status
    assert message in response.content.decode()
    if state == "running":  # the page says a cancel is under way, and offers no second one
        assert 'data-testid="import-cancelling"' in response.content.decode()
        assert 'data-testid="cancel-form"' not in response.content.decode()


def test_a_running_import_page_says_nothing_is_kept_yet(client, cast):
    from tests.imports.test_jobs import running_import

    job = running_import(cast)
    _login(client, cast.qa_lead)

    page = client.get(f"/imports/{job.pk}/").content.decode()

    assert "Nothing is kept until the import has finished" in page
    job.refresh_from_db()
    assert f'datetime="{job.heartbeat_at.isoformat()}"' in page
    assert "Worker last heard from at <time" in page
    assert job.heartbeat_at.strftime("%H:%M:%S") in page


@pytest.mark.parametrize("person, status", [("trainer", 404), ("qa_lead", 403), ("outsider", 404)])
def test_who_may_not_cancel_a_running_import_on_the_page(client, cast, person, status):
    from tests.imports.test_jobs import running_import

    job = running_import(cast)
    _login(client, cast.by_role(person))

    assert client.post(f"/imports/{job.pk}/cancel/").status_code == status
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == ("running", False)

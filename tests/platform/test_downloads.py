"""Export archives and rejected import rows leave without holding a worker: a presigned
redirect on S3, X-Accel-Redirect behind nginx, else chunks that keep the worker alive;
and every way out is behind the same permission check as before."""

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from storages.backends.s3 import S3Storage

from annotation_platform import downloads
from annotation_platform.downloads import stored_file_response
from exports.models import ExportJob, ExportStatus
from imports.services import import_create
from tasks.services import template_save
from tests.factories import PASSWORD
from tests.imports.conftest import TEMPLATE

pytestmark = pytest.mark.django_db

S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "media",
            "endpoint_url": "http://127.0.0.1:9",  # never contacted: presigning is local
            "region_name": "us-east-1",
            "access_key": "test-access",
            "secret_key": "test-secret",
            "querystring_auth": True,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_ACCEL_REDIRECT_PREFIX = ""
    return tmp_path


@pytest.fixture
def s3(settings):
    settings.STORAGES = S3
    settings.DOWNLOAD_URL_EXPIRY_SECONDS = 60


def _presigned(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "127.0.0.1:9"
    return parse_qs(location.query)


def _expires_in(query: dict[str, list[str]]) -> float:
    # botocore signs with SigV4 (relative X-Amz-Expires) or, for some endpoints, the older
    # query-string scheme (absolute Expires)
    if "X-Amz-Expires" in query:
        return int(query["X-Amz-Expires"][0])
    return int(query["Expires"][0]) - time.time()


# --- the three ways out ---------------------------------------------------------------------


def test_s3_answers_a_short_lived_presigned_url_that_names_the_download(s3):
    response = stored_file_response(
        key="exports/7/archive.zip", filename="export 7.zip", content_type="application/zip"
    )
    query = _presigned(response)
    assert urlsplit(response["Location"]).path == "/media/exports/7/archive.zip"
    assert 55 <= _expires_in(query) <= 60
    assert query["response-content-disposition"] == ['attachment; filename="export 7.zip"']
    assert query["response-content-type"] == ["application/zip"]
    assert response["Cache-Control"] == "private, no-store"


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(settings):
    settings.EXPORT_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    key = default_storage.save("exports/7/a b.zip", ContentFile(b"PK"))
    response = stored_file_response(
        key=key, filename="export-7.zip", content_type="application/zip"
    )
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/exports/7/a%20b.zip"
    assert response.content == b""  # nginx sends the bytes
    assert response["Content-Disposition"] == 'attachment; filename="export-7.zip"'
    assert response["Content-Type"] == "application/zip"


@pytest.fixture
def heartbeat(monkeypatch):
    """A fake gunicorn worker heartbeat, reported every 20 ms instead of every second."""
    beats: list[float] = []
    monkeypatch.setattr(downloads, "HEARTBEAT_EVERY_SECONDS", 0.02)
    downloads.set_worker_heartbeat(lambda: beats.append(time.monotonic()))
    yield beats
    downloads.set_worker_heartbeat(None)


def test_locally_the_file_is_streamed_in_chunks(heartbeat):
    size = 2 * downloads.CHUNK_BYTES + 10
    key = default_storage.save("exports/7/archive.zip", ContentFile(b"x" * size))
    response = stored_file_response(
        key=key, filename="export-7.zip", content_type="application/zip", size=size
    )
    # not a FileResponse: gunicorn would sendfile() it in one call that reports nothing
    assert response.streaming and not hasattr(response, "file_to_stream")
    assert [len(c) for c in response.streaming_content] == [
        downloads.CHUNK_BYTES,
        downloads.CHUNK_BYTES,
        10,
    ]
    assert response["Content-Length"] == str(size)
    assert response["Content-Disposition"] == 'attachment; filename="export-7.zip"'


def test_the_worker_reports_while_one_write_blocks_and_stops_when_done(heartbeat):
    # given a download whose client is slow: gunicorn's write of a chunk blocks
    key = default_storage.save(
        "exports/7/archive.zip", ContentFile(b"x" * 3 * downloads.CHUNK_BYTES)
    )
    response = stored_file_response(key=key, filename="e.zip", content_type="application/zip")
    chunks = iter(response.streaming_content)
    next(chunks)
    time.sleep(0.3)  # the write of the first chunk blocks this long: no chunk is taken
    # then the worker kept reporting meanwhile
    assert len(heartbeat) >= 5
    # when the download ends (gunicorn closes the response), reporting stops
    list(chunks)
    response.close()
    time.sleep(0.1)
    done = len(heartbeat)
    time.sleep(0.2)
    assert len(heartbeat) == done


def test_a_stalled_client_is_left_to_the_gunicorn_timeout(heartbeat, monkeypatch):
    monkeypatch.setattr(downloads, "STALLED_AFTER_SECONDS", 0.1)
    key = default_storage.save(
        "exports/7/archive.zip", ContentFile(b"x" * 3 * downloads.CHUNK_BYTES)
    )
    response = stored_file_response(key=key, filename="e.zip", content_type="application/zip")
    chunks = iter(response.streaming_content)
    next(chunks)
    time.sleep(0.25)  # the client took nothing for longer than STALLED_AFTER_SECONDS
    stalled = len(heartbeat)
    time.sleep(0.2)
    assert len(heartbeat) == stalled  # no more reports: gunicorn's timeout will end it
    response.close()


def test_without_gunicorn_no_thread_is_started():
    key = default_storage.save("exports/7/archive.zip", ContentFile(b"x"))
    response = stored_file_response(key=key, filename="e.zip", content_type="application/zip")
    before = set(threading.enumerate())
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"x"
    assert not set(threading.enumerate()) - before
    response.close()


def test_under_gunicorn_the_reporting_thread_runs_during_the_download(heartbeat):
    key = default_storage.save("exports/7/archive.zip", ContentFile(b"x"))
    response = stored_file_response(key=key, filename="e.zip", content_type="application/zip")
    before = set(threading.enumerate())
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"x"
    started = set(threading.enumerate()) - before
    assert [t.name for t in started] == ["download-heartbeat"]
    response.close()
    for thread in started:
        thread.join(timeout=1)
        assert not thread.is_alive()  # closing the response ends it


# --- exports: API and page ------------------------------------------------------------------


@pytest.fixture
def done_export(cast):
    return ExportJob.objects.create(
        project=cast.project,
        created_by=cast.setter,
        format="jsonl",
        status=ExportStatus.DONE,
        file_key="exports/1/archive.zip",
        file_size=2,
    )


@pytest.mark.parametrize(
    ("person", "status"), [("setter", 302), ("trainer", 404), ("outsider", 404)]
)
def test_export_download_api_redirects_to_s3_only_after_the_permission_check(
    cast, done_export, s3, client_as, person, status
):
    response = client_as(cast.by_role(person)).get(f"/api/v1/exports/{done_export.pk}/download")
    assert response.status_code == status
    if status == 302:
        query = _presigned(response)
        assert query["response-content-disposition"] == [
            f'attachment; filename="{done_export.download_name}"'
        ]


@pytest.mark.parametrize(
    ("person", "status"), [("qa_lead", 302), ("trainer", 404), ("outsider", 404)]
)
def test_export_download_page_redirects_to_s3_only_after_the_permission_check(
    cast, done_export, s3, client, person, status
):
    assert client.login(username=cast.by_role(person).username, password=PASSWORD)
    response = client.get(f"/exports/{done_export.pk}/download/")
    assert response.status_code == status
    if status == 302:
        assert "Signature=" in response["Location"]


def test_an_unfinished_export_is_not_handed_out_on_s3(cast, done_export, s3, client_as):
    done_export.status = ExportStatus.RUNNING
    done_export.save()
    response = client_as(cast.setter).get(f"/api/v1/exports/{done_export.pk}/download")
    assert response.status_code == 409


# --- imports: the rejected rows, API and page -----------------------------------------------


@pytest.fixture
def rejected_job(cast):
    template_save(project=cast.project, name="Pairwise", definition=TEMPLATE, by=cast.setter)
    job = import_create(
        project=cast.project, by=cast.setter, upload=SimpleUploadedFile("t.jsonl", b"{}\n")
    )
    job.rejected_key = default_storage.save(
        "imports/rejected/1/rejected.jsonl", ContentFile(b"{}\n")
    )
    job.save()
    return job


@pytest.mark.parametrize(("person", "status"), [("setter", 200), ("trainer", 404)])
def test_rejected_rows_behind_nginx_api_and_page(
    cast, rejected_job, settings, client, client_as, person, status
):
    settings.EXPORT_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    user = cast.by_role(person)
    api = client_as(user).get(f"/api/v1/imports/{rejected_job.pk}/rejected")
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get(f"/imports/{rejected_job.pk}/rejected/")
    for response in (api, page):
        assert response.status_code == status
        if status == 200:
            assert response["X-Accel-Redirect"] == f"/protected-media/{rejected_job.rejected_key}"
            assert response["Content-Type"] == "application/x-ndjson"
            assert f"import-{rejected_job.pk}-rejected.jsonl" in response["Content-Disposition"]
        else:
            assert not response.has_header("X-Accel-Redirect")


def test_rejected_rows_on_s3_are_a_presigned_redirect(
    cast, rejected_job, s3, client_as, monkeypatch
):
    monkeypatch.setattr(S3Storage, "exists", lambda self, name: name == rejected_job.rejected_key)
    response = client_as(cast.setter).get(f"/api/v1/imports/{rejected_job.pk}/rejected")
    query = _presigned(response)
    assert query["response-content-type"] == ["application/x-ndjson"]


def test_rejected_rows_streamed_locally(cast, rejected_job, client_as):
    response = client_as(cast.setter).get(f"/api/v1/imports/{rejected_job.pk}/rejected")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"{}\n"

"""/media/<key>: a key is served to members of a project whose tasks reference it (and to
staff), 404 to everyone else; with range support locally and a presigned redirect on S3;
active types as sandboxed attachments."""

from __future__ import annotations

import re

import pytest

from mediafiles.services import media_record
from tests.factories import UserFactory
from tests.mediafiles.conftest import put

pytestmark = pytest.mark.django_db

CLIP = bytes(range(256)) * 4


@pytest.fixture
def clip(cast):
    key = put("demo/audio/clip.wav", CLIP)
    media_record(project_id=cast.project.pk, keys=[key])
    return key


def get(client, user, path: str, **headers):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    return client.get(f"/media/{path}", **headers)


# --- who ---------------------------------------------------------------------------------


def test_media_needs_a_signed_in_user(client, clip):
    response = get(client, None, clip)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("trainer", 200),
        ("setter", 200),
        ("qa_lead", 200),
        ("admin", 200),
        ("staff", 200),
        ("outsider", 404),  # a member of another project
    ],
)
def test_a_key_is_served_to_the_members_of_a_project_that_references_it(
    client, cast, clip, person, status
):
    assert get(client, cast.by_role(person), clip).status_code == status


def test_a_user_in_no_project_gets_404(client, clip):
    assert get(client, UserFactory(), clip).status_code == 404


def test_a_stored_file_no_task_references_is_404_even_for_staff(client, cast):
    put("demo/audio/unreferenced.wav", CLIP)
    assert get(client, cast.trainer, "demo/audio/unreferenced.wav").status_code == 404
    assert get(client, cast.staff, "demo/audio/unreferenced.wav").status_code == 404


def test_not_allowed_and_missing_look_the_same(client, cast, clip):
    media_record(project_id=cast.project.pk, keys=["demo/audio/gone.wav"])
    (membership,) = cast.outsider.memberships.all()
    theirs = put("demo/audio/theirs.wav", CLIP)
    media_record(project_id=membership.project_id, keys=[theirs])
    missing = get(client, cast.trainer, "demo/audio/gone.wav")
    hidden = get(client, cast.trainer, theirs)
    assert missing.status_code == hidden.status_code == 404
    # the same page, but for the path it names and its form's fresh CSRF token
    assert _page(missing, "gone.wav") == _page(hidden, "theirs.wav")


def _page(response, name: str) -> str:
    text = response.content.decode().replace(name, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_a_key_two_projects_reference_is_served_to_both(client, cast, clip):
    (membership,) = cast.outsider.memberships.all()
    media_record(project_id=membership.project_id, keys=[clip])
    assert get(client, cast.outsider, clip).status_code == 200
    assert get(client, cast.trainer, clip).status_code == 200


def test_the_check_is_one_query(client, cast, clip, django_assert_num_queries):
    client.force_login(cast.trainer)
    with django_assert_num_queries(3):  # session, user, and the media check
        response = client.get(f"/media/{clip}")
    assert response.status_code == 200


# --- what: bytes, ranges ----------------------------------------------------------------


def test_media_is_served_whole_with_accept_ranges(client, cast, clip):
    response = get(client, cast.trainer, clip)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/x-wav"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == CLIP


@pytest.mark.parametrize(
    ("header", "expected_range", "body"),
    [
        ("bytes=0-9", "bytes 0-9/1024", bytes(range(10))),
        ("bytes=1020-", "bytes 1020-1023/1024", bytes([252, 253, 254, 255])),
        ("bytes=-2", "bytes 1022-1023/1024", bytes([254, 255])),
        ("bytes=1000-5000", "bytes 1000-1023/1024", CLIP[1000:]),
    ],
)
def test_media_answers_range_requests_so_players_can_seek(
    client, cast, clip, header, expected_range, body
):
    response = get(client, cast.trainer, clip, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == expected_range
    assert response.content == body


def test_a_range_is_refused_to_a_non_member_as_404(client, cast, clip):
    assert get(client, cast.outsider, clip, HTTP_RANGE="bytes=0-9").status_code == 404


def test_an_unsatisfiable_range_is_416(client, cast, clip):
    response = get(client, cast.trainer, clip, HTTP_RANGE="bytes=5000-")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize(
    "path",
    [
        "../settings.py",
        "demo/../../etc/passwd",
        "demo/%2e%2e/%2e%2e/etc/passwd",
        "demo//x",
        "demo/./audio/clip.wav",
        "demo%5Caudio%5Cclip.wav",
        "nope.wav",
    ],
)
def test_media_never_leaves_the_storage_root(client, cast, clip, path):
    media_record(project_id=cast.project.pk, keys=[path])  # even if some task named it
    assert get(client, cast.trainer, path).status_code == 404


@pytest.mark.parametrize("key", ["exports/1/export.zip", "imports/uploads/abc/jsonl"])
def test_private_prefixes_are_refused_even_when_referenced(client, cast, key):
    put(key, b"secret")
    media_record(project_id=cast.project.pk, keys=[key])
    assert get(client, cast.staff, key).status_code == 404


# --- active types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["drawing.svg", "page.html", "page.htm", "feed.xml", "page.xhtml", "app.js", "notes.txt"],
)
def test_types_that_can_run_script_are_sandboxed_attachments(client, cast, name):
    key = put(f"uploads/{name}", b"<svg onload='alert(1)'></svg>")
    media_record(project_id=cast.project.pk, keys=[key])
    response = get(client, cast.trainer, key)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"


def test_a_range_of_an_active_type_is_an_attachment_too(client, cast):
    key = put("uploads/drawing.svg", b"<svg onload='alert(1)'></svg>")
    media_record(project_id=cast.project.pk, keys=[key])
    response = get(client, cast.trainer, key, HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("photo.png", "image/png"), ("photo.jpg", "image/jpeg"), ("clip.mp3", "audio/mpeg")],
)
def test_audio_and_raster_images_stay_inline(client, cast, name, content_type):
    key = put(f"uploads/{name}", b"bytes")
    media_record(project_id=cast.project.pk, keys=[key])
    response = get(client, cast.trainer, key)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")


# --- S3: a presigned redirect, after the same check ----------------------------------------


class FakeS3Storage:
    """What the view uses of django-storages' S3Storage: ``url(name, parameters, expire)``.
    Records each call, so a test can tell that nothing was signed for a refused user."""

    calls: list[dict] = []

    def url(self, name, parameters=None, expire=None, http_method=None):
        FakeS3Storage.calls.append({"name": name, "parameters": parameters, "expire": expire})
        return f"https://bucket.s3.example.test/{name}?X-Amz-Expires={expire}&X-Amz-Signature=s"

    def exists(self, name):
        return True


@pytest.fixture
def s3(settings):
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.mediafiles.test_views.FakeS3Storage"},
    }
    FakeS3Storage.calls = []
    return FakeS3Storage


@pytest.fixture
def referenced(cast):
    keys = ["tts/clip.wav", "uploads/drawing.svg"]
    media_record(project_id=cast.project.pk, keys=keys)
    return keys


def test_on_s3_a_member_is_redirected_to_a_short_lived_presigned_url(client, cast, s3, referenced):
    response = get(client, cast.trainer, "tts/clip.wav")
    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.s3.example.test/tts/clip.wav?")
    assert s3.calls == [{"name": "tts/clip.wav", "parameters": None, "expire": 300}]
    assert response["Cache-Control"] == "private, max-age=150"


def test_on_s3_the_expiry_follows_the_setting(client, cast, s3, referenced, settings):
    settings.MEDIA_URL_EXPIRY_SECONDS = 60
    get(client, cast.trainer, "tts/clip.wav")
    assert s3.calls[-1]["expire"] == 60


def test_on_s3_an_active_type_is_signed_as_an_attachment(client, cast, s3, referenced):
    response = get(client, cast.trainer, "uploads/drawing.svg")
    assert response.status_code == 302
    assert s3.calls[-1]["parameters"] == {
        "ResponseContentDisposition": 'attachment; filename="drawing.svg"',
        "ResponseContentType": "application/octet-stream",
    }


@pytest.mark.parametrize("path", ["tts/clip.wav", "tts/unreferenced.wav", "../tts/clip.wav"])
def test_on_s3_nothing_is_signed_for_a_refused_request(client, cast, s3, referenced, path):
    assert get(client, cast.outsider, path).status_code == 404
    assert get(client, cast.trainer, "exports/1/export.zip").status_code == 404
    assert get(client, None, path).status_code == 302  # anonymous: to the log-in page
    assert s3.calls == []

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    key = default_storage.save("demo/audio/clip.wav", ContentFile(bytes(range(256)) * 4))
    return key


def test_media_needs_a_signed_in_user(client, stored):
    response = client.get(f"/media/{stored}")
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_media_is_served_whole_with_accept_ranges(client, stored):
    client.force_login(UserFactory())
    response = client.get(f"/media/{stored}")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/x-wav"
    assert b"".join(response.streaming_content) == bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("header", "expected_range", "body"),
    [
        ("bytes=0-9", "bytes 0-9/1024", bytes(range(10))),
        ("bytes=1020-", "bytes 1020-1023/1024", bytes([252, 253, 254, 255])),
        ("bytes=-2", "bytes 1022-1023/1024", bytes([254, 255])),
        ("bytes=1000-5000", "bytes 1000-1023/1024", (bytes(range(256)) * 4)[1000:]),
    ],
)
def test_media_answers_range_requests_so_players_can_seek(
    client, stored, header, expected_range, body
):
    client.force_login(UserFactory())
    response = client.get(f"/media/{stored}", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == expected_range
    assert response.content == body


def test_an_unsatisfiable_range_is_416(client, stored):
    client.force_login(UserFactory())
    response = client.get(f"/media/{stored}", HTTP_RANGE="bytes=5000-")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize("path", ["../settings.py", "demo/../../etc/passwd", "demo//x", "nope.wav"])
def test_media_never_leaves_the_storage_root(client, stored, path):
    client.force_login(UserFactory())
    assert client.get(f"/media/{path}").status_code == 404

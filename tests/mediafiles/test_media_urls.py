"""Pages name storage keys by our media view (``tasks.presentation.media_url``, its storage-
key branch), whatever the storage: no query, no signing, no storage call per URL."""

from __future__ import annotations

import pytest

from tasks.presentation import display_view, media_url
from tests.mediafiles.conftest import MEDIA_TEMPLATE, item
from tests.mediafiles.test_views import FakeS3Storage


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("pics/cat.png", "/media/pics/cat.png"),
        ("a b/c?d#e.png", "/media/a%20b/c%3Fd%23e.png"),
        ("图片/猫.png", "/media/%E5%9B%BE%E7%89%87/%E7%8C%AB.png"),
    ],
)
def test_a_storage_key_becomes_a_media_view_url(key, url):
    assert media_url(key) == url


@pytest.mark.django_db
def test_the_workspace_blocks_cost_no_query_even_on_s3(settings, django_assert_num_queries):
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.mediafiles.test_views.FakeS3Storage"},
    }
    FakeS3Storage.calls = []
    with django_assert_num_queries(0):
        blocks = [display_view(MEDIA_TEMPLATE, item(f"p/{n}.png")) for n in range(50)]
    assert blocks[7][0]["src"] == "/media/p/7.png"
    assert blocks[7][1]["src"] == "/media/clips/default.wav"
    assert FakeS3Storage.calls == []  # nothing signed while rendering: the view signs

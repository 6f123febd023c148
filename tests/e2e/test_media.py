"""Stored media in a real Chromium: the workspace loads its image and clip through the media
view (a member of the project), and someone outside the project gets a 404 for the same URL."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.e2e.conftest import READY, login
from tests.e2e.workspace_fixtures import definition_with, setup_workspace, store_clip

pytestmark = pytest.mark.e2e

QUESTION = {"id": "ok", "type": "single_choice", "prompt": "Fits?", "options": [
    {"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}  # fmt: skip


def png(width: int = 4, height: int = 3) -> bytes:
    """A small opaque red PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def through_the_media_view(monkeypatch):
    """The live server answers /media/ itself (Django's test media handler, no access check,
    no Range); make it pass them on to our URLconf, as a deployment does."""
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


@pytest.fixture
def stored_media(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = default_storage.save("products/red.png", ContentFile(png()))
    clip = store_clip("tts/tests/clip.wav", seconds=1.0)
    definition = definition_with(
        QUESTION,
        display=[
            {"type": "image", "field": "image", "label": "Product"},
            {"type": "audio", "field": "audio", "id": "clip", "label": "Clip"},
        ],
    )
    return setup_workspace(cast, definition, [{"image": image, "audio": clip}])


def test_the_workspace_loads_stored_media_through_the_media_view(
    page, live_server, cast, stored_media
):
    statuses: dict[str, int] = {}
    page.on(
        "response",
        lambda r: (
            statuses.setdefault(r.url.split("/media/")[-1], r.status)
            if "/media/" in r.url
            else None
        ),
    )
    login(page, live_server, cast.trainer)
    page.goto(live_server.url + stored_media.work_url())
    page.wait_for_function(READY)

    page.wait_for_function(
        "() => { const i = document.querySelector('.image-viewer img');"
        " return i && i.complete && i.naturalWidth === 4; }"
    )
    page.wait_for_function(
        "() => { const a = document.querySelector('audio.audio-element');"
        " return a && a.readyState >= 1 && a.duration > 0.9; }"
    )
    assert statuses["products/red.png"] == 200
    assert statuses["tts/tests/clip.wav"] in (200, 206)


def test_someone_outside_the_project_gets_404_for_the_same_urls(
    page, live_server, cast, stored_media
):
    login(page, live_server, cast.outsider)
    for key in ("products/red.png", "tts/tests/clip.wav"):
        response = page.request.get(f"{live_server.url}/media/{key}")
        assert response.status == 404

"""A project whose template shows an image and an audio clip (a nested field), with local
media in a temporary folder."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tasks.services import template_save

MEDIA_TEMPLATE = {
    "schema_version": 1,
    "title": "Describe the picture and the clip",
    "display": [
        {"type": "image", "field": "picture", "label": "Picture"},
        {"type": "audio", "field": "clip.key", "id": "clip", "label": "Clip"},
        {"type": "text", "field": "caption", "label": "Caption"},
    ],
    "questions": [{"id": "ok", "type": "single_choice", "prompt": "Fits?", "options": [
        {"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}],
}  # fmt: skip

TEXT_TEMPLATE = {
    "schema_version": 1,
    "title": "Just the caption",
    "display": [{"type": "text", "field": "caption", "label": "Caption"}],
    "questions": MEDIA_TEMPLATE["questions"],
}


def item(picture: str, clip: str = "clips/default.wav", caption: str = "A caption") -> dict:
    return {"picture": picture, "clip": {"key": clip}, "caption": caption}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Local media in a temporary folder (FileSystemStorage follows MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def media_template(cast):
    template, _ = template_save(
        project=cast.project, name="Media", definition=MEDIA_TEMPLATE, by=cast.setter
    )
    return template


def put(key: str, content: bytes = b"x") -> str:
    stored = default_storage.save(key, ContentFile(content))
    assert stored == key  # a fresh folder per test: the name is free
    return stored

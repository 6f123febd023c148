"""A project with a small template for import tests: a text prompt, two responses, an
optional image (a storage key), and a pairwise question a gold answer can be given for."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportJob
from imports.services import import_create
from tasks.services import template_save

TEMPLATE = {
    "schema_version": 1,
    "title": "Which response is better?",
    "display": [
        {"type": "text", "field": "prompt", "label": "Prompt"},
        {"type": "responses", "fields": ["response_a", "response_b"], "labels": ["A", "B"]},
    ],
    "questions": [
        {"id": "preference", "type": "pairwise", "prompt": "Which is better?"},
        {"id": "reason", "type": "text", "prompt": "Why?", "required": False},
    ],
}

IMAGE_TEMPLATE = {
    "schema_version": 1,
    "title": "Describe the picture",
    "display": [
        {"type": "image", "field": "picture", "label": "Picture"},
        {"type": "text", "field": "caption", "label": "Caption"},
    ],
    "questions": [{"id": "ok", "type": "single_choice", "prompt": "Fits?", "options": [
        {"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}],
}  # fmt: skip


def data(n: int, **extra) -> dict:
    return {"prompt": f"Prompt {n}", "response_a": f"A{n}", "response_b": f"B{n}", **extra}


def jsonl(rows: list) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)


@pytest.fixture
def pairwise(cast):
    template, _ = template_save(
        project=cast.project, name="Pairwise", definition=TEMPLATE, by=cast.setter
    )
    return template


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Local media in a temporary folder: the storage imports read from and check keys in
    (FileSystemStorage follows MEDIA_ROOT when the setting changes)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def run(cast, pairwise, django_capture_on_commit_callbacks):
    """``run(content, name, **options)``: upload and run an import as a setter (eager job)."""

    def go(content: bytes, name: str = "tasks.jsonl", **options) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = import_create(
                project=cast.project,
                by=cast.setter,
                upload=SimpleUploadedFile(name, content),
                **options,
            )
        job.refresh_from_db()
        return job

    return go


def put(key: str, content: bytes = b"x") -> str:
    return default_storage.save(key, ContentFile(content))

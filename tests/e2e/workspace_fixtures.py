"""Projects with a template and tasks, ready for a trainer's workspace (pages and browser)."""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from tasks.gallery import gallery_template
from tasks.models import Project, Task, TaskTemplate
from tasks.services import task_lease, tasks_create, template_save

# Task data a page must render inert: each value tries a different way to run script.
HOSTILE = {
    "script": "<script>window.__pwned = 'text'</script>",
    "img": "<img src=x onerror=\"window.__pwned='img'\">",
    "link": "[x](javascript:alert(1)) and [y](javascript:window.__pwned='link')",
    "breakout": "</script><script>window.__pwned='json'</script>",
    "attr": "\" onmouseover=\"window.__pwned='attr'",
}


@dataclass
class Setup:
    project: Project
    template: TaskTemplate
    tasks: list[Task]

    @property
    def task(self) -> Task:
        return self.tasks[0]

    def work_url(self, task: Task | None = None) -> str:
        return reverse("task-work", args=[(task or self.task).pk])


def setup_workspace(
    cast, definition: dict[str, Any], items: list[dict[str, Any]], *, extra_tasks: int = 1
) -> Setup:
    """The cast's project with ``definition`` and a task per item.

    ``extra_tasks`` more copies of the first item are added so that after a submit the
    workspace has a next task to open.
    """
    template, _ = template_save(
        project=cast.project, name=definition.get("title") or "Template", definition=definition,
        by=cast.setter,
    )  # fmt: skip
    tasks = tasks_create(
        project=cast.project, items=items + [items[0]] * extra_tasks, by=cast.setter
    )
    # The trainer holds the first task, as if the queue had just served it.
    task_lease(task=tasks[0], trainer=cast.trainer)
    return Setup(project=cast.project, template=template, tasks=tasks[: len(items)])


def setup_gallery(cast, key: str, *, data: dict[str, Any] | None = None) -> Setup:
    starter = gallery_template(key)
    return setup_workspace(cast, starter.definition, [data or starter.sample_task])


def definition_with(*questions: dict[str, Any], display=None, title="Test template") -> dict:
    return {
        "schema_version": 1,
        "title": title,
        "display": display if display is not None else [],
        "questions": list(questions),
    }


def hostile_task_definition() -> tuple[dict[str, Any], dict[str, Any]]:
    """A template showing task data in every text-bearing block, and data that attacks each."""
    payload = "\n\n".join(HOSTILE.values())
    definition = {
        "schema_version": 1,
        "title": HOSTILE["breakout"],
        "instructions": HOSTILE["script"] + HOSTILE["link"],
        "display": [
            {"type": "text", "field": "plain", "label": HOSTILE["img"]},
            {"type": "markdown", "field": "md"},
            {"type": "conversation", "field": "conversation"},
            {
                "type": "responses",
                "fields": ["a", "b"],
                "labels": [HOSTILE["script"], HOSTILE["attr"]],
                "markdown": True,
            },
            {"type": "responses", "fields": ["a", "b"]},
        ],
        "questions": [
            {
                "id": "verdict",
                "type": "single_choice",
                "prompt": HOSTILE["breakout"],
                "help": HOSTILE["img"],
                "options": [
                    {"value": "x", "label": HOSTILE["script"]},
                    {"value": "y", "label": HOSTILE["attr"]},
                ],
            },
            {
                "id": "marks",
                "type": "spans",
                "prompt": "Mark it",
                "required": False,
                "target": {"kind": "text", "field": "plain"},
                "tags": [HOSTILE["img"]],
            },
        ],
    }
    data = {
        "plain": payload,
        "md": payload,
        "a": payload,
        "b": payload,
        "conversation": [
            {"role": "system", "content": payload},
            {"role": "user", "content": payload, "name": HOSTILE["attr"]},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": HOSTILE["attr"], "name": HOSTILE["script"], "arguments": HOSTILE["img"]}
                ],
            },
            {"role": "tool", "tool_call_id": HOSTILE["attr"], "content": payload},
        ],
    }
    return definition, data


def wav_bytes(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A quiet 440 Hz tone as 16-bit mono PCM WAV: every browser decodes it, no codec needed."""
    frames = int(seconds * rate)
    samples = (int(3000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


def serve_clip(page, url: str, seconds: float = 2.0) -> str:
    """Answer requests for ``url`` in ``page`` with a WAV, honouring Range like a real server.

    The live test server hands /media/ to Django's test media handler, which ignores Range,
    and Chromium cannot seek in a clip served that way; an http(s) URL is also what a
    project with audio in a bucket or CDN uses.
    """
    body = wav_bytes(seconds)

    def fulfil(route):
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", route.request.headers.get("range", ""))
        headers = {"Content-Type": "audio/wav", "Accept-Ranges": "bytes"}
        if not match:
            route.fulfill(status=200, headers=headers, body=body)
            return
        start = int(match.group(1))
        end = min(int(match.group(2) or len(body) - 1), len(body) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        route.fulfill(status=206, headers=headers, body=body[start : end + 1])

    page.route(url, fulfil)
    return url


def store_clip(key: str = "tts/tests/clip.wav", seconds: float = 2.0) -> str:
    """Save a clip in the default storage (point MEDIA_ROOT at a tmp dir first); return its key."""
    if default_storage.exists(key):
        default_storage.delete(key)
    return default_storage.save(key, ContentFile(wav_bytes(seconds)))

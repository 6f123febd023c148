"""Fixtures for the metrics tests: a TTS listening test with three trainers rating the
same clips (overlap 3), two systems, and decisions set on the submissions."""

from __future__ import annotations

import pytest

from tasks.models import Role, Submission, SubmissionStatus
from tasks.services import tasks_create, template_save
from tests.factories import MembershipFactory, submit

TTS_TEMPLATE = {
    "schema_version": 1,
    "title": "TTS listening test",
    "display": [
        {"type": "text", "field": "script", "label": "Script"},
        {"type": "audio", "field": "audio", "id": "clip", "label": "Clip"},
    ],
    "questions": [
        {
            "id": "naturalness",
            "type": "rating",
            "prompt": "How natural does it sound?",
            "scale": {"min": 1, "max": 5},
            "require_full_playback": "clip",
        },
        {
            "id": "accent",
            "type": "single_choice",
            "prompt": "Which accent?",
            "options": [{"value": v, "label": v} for v in ("hk", "gz", "other")],
        },
        {
            "id": "issues",
            "type": "multi_choice",
            "prompt": "Issues heard",
            "required": False,
            "options": [{"value": v, "label": v} for v in ("nasal", "stress", "swallowed")],
        },
        {"id": "note", "type": "text", "prompt": "Note", "required": False},
    ],
}
PLAYED = {"audio": {"clip": {"played_seconds": 4.0, "duration": 4.0, "completed": True}}}


def answer(rating, accent="hk", issues=()):
    return {"naturalness": rating, "accent": accent, "issues": list(issues)}


@pytest.fixture
def tts(cast):
    """Four clips (two per system, ``meta.system``), three trainers: the cast's trainer
    plus ``ann`` and ``bob``."""
    project = cast.project
    project.default_overlap = 3
    project.save(update_fields=["default_overlap"])
    template, _ = template_save(
        project=project, name="TTS", definition=TTS_TEMPLATE, by=cast.setter
    )
    tasks = tasks_create(
        project=project,
        items=[
            {
                "script": f"Sentence {n}",
                "audio": f"https://media.example.test/clip{n}.wav",
                "meta": {"system": "tts-v1" if n < 2 else "tts-v2"},
            }
            for n in range(4)
        ],
        by=cast.setter,
    )
    ann = MembershipFactory(project=project, role=Role.TRAINER, user__username="ann").user
    bob = MembershipFactory(project=project, role=Role.TRAINER, user__username="bob").user
    return {"project": project, "template": template, "tasks": tasks, "ann": ann, "bob": bob}


def rate(task, author, rating, accent="hk", issues=(), active_seconds=None):
    telemetry = dict(PLAYED)
    if active_seconds is not None:
        telemetry["active_seconds"] = active_seconds
    submission, _ = submit(
        task=task, author=author, answer=answer(rating, accent, issues), telemetry=telemetry
    )
    return submission


def decide(submission, status: str) -> None:
    Submission.objects.filter(pk=submission.pk).update(status=status)


ACCEPTED = SubmissionStatus.ACCEPTED
REJECTED = SubmissionStatus.REJECTED

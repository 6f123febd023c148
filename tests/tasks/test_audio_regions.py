"""The audio spans of an answer, by clip, for the read-only waveform (tasks.audio_regions),
and the submission and review pages that hand them to it."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tasks.audio_regions import audio_regions
from tasks.gallery import gallery_template
from tasks.services import tasks_create, template_save
from tests.factories import submit

TTS = gallery_template("cantonese_tts").definition
TAGS = [
    "nasal deviation",
    "swallowed syllable",
    "unnatural stress",
    "Hong Kong vs Guangzhou accent",
]
SPAN = {"start": 2.1, "end": 2.6, "tag": "swallowed syllable", "comment": "賣 is swallowed"}


def test_the_spans_of_an_audio_question_come_by_clip_with_the_templates_tags():
    assert audio_regions(TTS, {"naturalness": 3, "issues": [SPAN]}) == {
        "clip": {"tags": TAGS, "spans": [SPAN]}
    }


def test_an_answer_without_audio_spans_has_no_regions():
    assert audio_regions(TTS, {"naturalness": 3}) == {}
    assert audio_regions(TTS, {"naturalness": 3, "issues": []}) == {}
    assert audio_regions(TTS, None) == {}


@pytest.mark.parametrize(
    "item",
    [
        "not a span",
        {"start": 1, "end": 1, "tag": "x"},
        {"start": -1, "end": 1, "tag": "x"},
        {"start": True, "end": 2, "tag": "x"},
        {"start": "0", "end": 2, "tag": "x"},
        {"start": 0, "end": 2},
    ],
)
def test_items_that_are_not_spans_are_left_out(item):
    regions = audio_regions(TTS, {"issues": [item, SPAN]})
    assert regions["clip"]["spans"] == [SPAN]


def test_a_missing_comment_reads_as_empty():
    span = {"start": 0, "end": 1, "tag": "unnatural stress"}
    assert audio_regions(TTS, {"issues": [span]})["clip"]["spans"] == [span | {"comment": ""}]


def test_text_spans_and_spans_on_an_unknown_clip_are_not_audio_regions():
    definition = {
        "schema_version": 1,
        "display": [{"type": "text", "field": "passage"}],
        "questions": [
            {"id": "marks", "type": "spans", "target": {"kind": "text", "field": "passage"}},
            {"id": "lost", "type": "spans", "target": {"kind": "audio", "block": "gone"}},
        ],
    }
    assert audio_regions(definition, {"marks": [SPAN], "lost": [SPAN]}) == {}


# --- the pages --------------------------------------------------------------------------------


def _regions_in(html: str) -> dict:
    found = re.search(r'<script id="audio-regions" type="application/json">(.*?)</script>', html)
    assert found, "no audio-regions script"
    return json.loads(found.group(1))


@pytest.fixture
def tts_submission(cast):
    template_save(project=cast.project, name="TTS", definition=TTS, by=cast.setter)
    data = gallery_template("cantonese_tts").sample_task
    (task,) = tasks_create(project=cast.project, items=[data], by=cast.setter)
    telemetry = {"audio": {"clip": {"played_seconds": 3.3, "completed": True}}}
    submission, _ = submit(
        task=task, author=cast.trainer, answer={"naturalness": 3, "issues": [SPAN]},
        telemetry=telemetry,
    )  # fmt: skip
    return submission


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("person", "page"),
    [("trainer", "submission-detail"), ("qa_lead", "submission-review")],
)
def test_the_submission_and_review_pages_hand_the_regions_to_the_waveform(
    client, cast, tts_submission, person, page
):
    client.force_login(cast.by_role(person))
    response = client.get(reverse(page, args=[tts_submission.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert _regions_in(html) == {"clip": {"tags": TAGS, "spans": [SPAN]}}
    assert "js/waveform.js" in html
    assert "css/waveform.css" in html


@pytest.mark.django_db
def test_a_page_without_audio_loads_no_waveform(client, cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.trainer)
    html = client.get(reverse("submission-detail", args=[submission.pk])).content.decode()
    assert "waveform.js" not in html
    assert "audio-regions" not in html


@pytest.mark.django_db
def test_the_workspace_loads_the_waveform_and_lists_its_keys_only_with_audio(client, cast, mcq):
    from tasks.services import task_lease

    client.force_login(cast.trainer)
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    plain = client.get(reverse("task-work", args=[mcq["tasks"][0].pk])).content.decode()
    assert "waveform.js" not in plain
    assert "Zoom the waveform" not in plain

    template_save(project=cast.project, name="TTS", definition=TTS, by=cast.setter)
    data = gallery_template("cantonese_tts").sample_task
    (task,) = tasks_create(project=cast.project, items=[data], by=cast.setter)
    task_lease(task=task, trainer=cast.trainer)
    html = client.get(reverse("task-work", args=[task.pk])).content.decode()
    assert "js/waveform.js" in html
    assert "css/waveform.css" in html
    assert "Zoom the waveform in / out" in html
    assert "Slower / faster" in html

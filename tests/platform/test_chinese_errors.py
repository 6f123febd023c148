# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""Refusals in Chinese (issue 18): what a trainer or a setter is told when the platform refuses
an answer, a piece of work, a template or a batch of tasks.

Over the API only the human ``detail`` (and the per-field messages) change language; the
machine ``code`` is the same English word whatever the language, and the English texts are
as before. Every kind of answer refusal (each question type) is checked to come out in
Chinese with no English word left but the data the users wrote and technical names.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from annotation_platform.celery import app
from tasks.answer_validation import validate_answer, validate_gold_answer
from tasks.models import ProjectStatus, SubmissionStatus
from tasks.services import (
    lease_release,
    submission_submit,
    task_lease,
    tasks_create,
    template_save,
)
from tasks.template_definition import validate_definition
from tests.factories import MembershipFactory
from tests.i18n import TECHNICAL, compile_catalogs

# The pages these tests render (URL names as in reverse()).
PAGES = {"template-editor", "project-tasks", "work-start"}

LANGS = {"zh-hans": "zh-CN", "zh-hant": "zh-HK"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_JSON_EXAMPLE = re.compile(r"\{[^{}]*\}")
# Technical names that stay in Latin letters in Chinese: coordinates, the answer's JSON
# keys where a message lists the allowed ones, question types, the pairwise "tie".
_TECHNICAL = TECHNICAL | {
    "x", "y", "w", "h", "box", "point", "tie", "http", "https", "NaN", "Infinity", "UTF",
    "single", "multi", "choice", "rating", "pairwise", "ranking", "text", "spans",
    "citations", "rubric", "items", "boxes", "image", "regions",
}  # fmt: skip
_LISTED_KEYS = {"start", "end", "tag", "comment", "identifier", "title", "why", "support"}
_LISTED_KEYS |= {"criterion", "points", "citation", "rationale", "shape", "label", "note"}

DEFINITION = {
    "schema_version": 1,
    "title": "Every question type",
    "display": [
        {"type": "text", "field": "passage"},
        {"type": "image", "id": "photo", "field": "image"},
    ],
    "questions": [
        {
            "id": "pick",
            "type": "single_choice",
            "prompt": "Pick one",
            "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
        },
        {
            "id": "many",
            "type": "multi_choice",
            "prompt": "Pick some",
            "options": [
                {"value": "red", "label": "Red"},
                {"value": "blue", "label": "Blue"},
                {"value": "green", "label": "Green"},
            ],
            "min": 2,
            "max": 2,
        },
        {"id": "score", "type": "rating", "prompt": "Score", "scale": {"min": 1, "max": 5}},
        {
            "id": "pref",
            "type": "pairwise",
            "prompt": "Which is better",
            "allow_tie": False,
            "strength": {"min": -3, "max": 3},
        },
        {
            "id": "order",
            "type": "ranking",
            "prompt": "Order them",
            "items": [{"value": "alpha", "label": "Alpha"}, {"value": "beta", "label": "Beta"}],
        },
        {
            "id": "reason",
            "type": "text",
            "prompt": "请说明理由",
            "count": "characters",
            "min_chars": 10,
            "max_chars": 20,
            "multiline": False,
        },
        {"id": "words", "type": "text", "prompt": "Summary", "min_words": 3, "max_words": 5},
        {
            "id": "marks",
            "type": "spans",
            "prompt": "Mark the errors",
            "target": {"kind": "text", "field": "passage"},
            "tags": ["typo"],
            "max": 2,
        },
        {"id": "sources", "type": "citations", "prompt": "Sources", "min": 1},
        {
            "id": "rubric",
            "type": "rubric_items",
            "prompt": "Rubric",
            "citations_question": "sources",
        },
        {
            "id": "regions",
            "type": "boxes",
            "prompt": "Mark regions",
            "image": "photo",
            "labels": [{"value": "logo", "label": "Logo"}],
            "shapes": ["box"],
        },
    ],
}
TASK_DATA = {"passage": "呢度有錯字，and a wrong claim.", "image": "images/photo.png"}
SOURCE = {"identifier": "10.1000/xyz", "title": "Paper", "why": "Because", "support": "Quote"}
IMAGE = {"width": 100, "height": 80}
BOX = {"shape": "box", "label": "logo", "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}

# (question id, a refused answer to it): every kind of refusal of every question type.
BAD_ANSWERS = [
    ("pick", "maybe"),
    ("pick", 3),
    ("many", "red"),
    ("many", ["maybe"]),
    ("many", ["red", "red"]),
    ("many", ["red", "blue", "green"]),
    ("score", 9),
    ("score", "4"),
    ("pref", "A"),
    ("pref", {"choice": "C"}),
    ("pref", {"strength": 1}),
    ("pref", {"choice": "tie", "strength": 0}),
    ("pref", {"choice": "A", "junk": 1, "strength": 2}),
    ("pref", {"choice": "B", "strength": -1}),
    ("pref", {"choice": "A"}),
    ("pref", {"choice": "A", "strength": 9}),
    ("order", "alpha"),
    ("order", {"alpha": 1}),
    ("order", {"alpha": 1, "beta": 1}),
    ("order", {"alpha": 7, "beta": 1, "gamma": 2}),
    ("reason", 5),
    ("reason", "太短"),
    ("reason", "这个理由写得实在太长太长了，远远超过二十个字的上限"),
    ("reason", "第一行有十个字吗\n第二行"),
    ("words", "一二"),
    ("words", "one two three four five six"),
    ("marks", "typo"),
    ("marks", [1]),
    ("marks", [{"start": -1, "end": 2, "tag": "typo"}]),
    ("marks", [{"start": 3, "end": 1, "tag": "typo"}]),
    ("marks", [{"start": 0, "end": 999, "tag": "typo"}]),
    ("marks", [{"start": "a", "end": 2}]),
    ("marks", [{"start": 0, "end": 2, "tag": "bad", "junk": 1}]),
    ("marks", [{"start": 0, "end": 2, "tag": "typo", "comment": 5}]),
    ("marks", [{"start": 0, "end": 2, "tag": "typo"}] * 2),
    ("marks", [{"start": i, "end": i + 1, "tag": "typo"} for i in range(3)]),
    ("sources", [{"identifier": "nonsense", "title": "T", "why": "W", "support": "S"}]),
    ("sources", [{"identifier": "10.1000/xyz"}]),
    ("sources", [SOURCE, SOURCE]),
    ("sources", ["x"]),
    ("rubric", [{"criterion": "C", "points": 0, "citation": "zzz", "rationale": "R"}]),
    ("rubric", [{}]),
    ("rubric", "x"),
    ("regions", "x"),
    ("regions", {"image": {"width": 0, "height": 80}, "regions": [BOX], "junk": 1}),
    ("regions", {"image": IMAGE}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "x": 0.9}]}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "y": 0.9}]}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "w": 0}]}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "x": 2}]}),
    ("regions", {"image": IMAGE, "regions": [{"shape": "box", "label": "logo"}]}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "label": "nope", "note": 5}]}),
    ("regions", {"image": IMAGE, "regions": [{"shape": "circle", "label": "logo"}]}),
    ("regions", {"image": IMAGE, "regions": [{"shape": "point", "label": "logo", "x": 0}]}),
    ("regions", {"image": IMAGE, "regions": [{**BOX, "label": None}]}),
    ("regions", {"image": IMAGE, "regions": [BOX, BOX]}),
    ("regions", {"image": IMAGE, "regions": ["x"]}),
    ("zz", 1),
]
BAD_GOLD = [{}, {"zz": 1}, {"reason": "x"}, {"score": {"value": 3, "tolerance": "a"}}]
BAD_GOLD += [{"score": {"value": 3, "tolerance": 9}}, {"score": {"tolerance": 1}}]


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_catalogs()


def _strings(value, *, keys: bool = False) -> set[str]:
    """Every word of the string values in ``value`` (and of its keys with ``keys``, for an
    answer: what a client sent is data): what users wrote, exempt from the check."""
    if isinstance(value, dict):
        words = {w for key in value for w in _LATIN_WORD.findall(str(key))} if keys else set()
        return words.union(*(_strings(item, keys=keys) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(item, keys=keys) for item in value))
    return set(_LATIN_WORD.findall(value)) if isinstance(value, str) else set()


def _english_left(message: str, data: set[str]) -> list[str]:
    text = _JSON_EXAMPLE.sub(" ", message)
    allowed = _TECHNICAL | data
    if "可用" in text or "包含" in text or "可選" in text or "可选" in text:
        allowed = allowed | _LISTED_KEYS
    return [word for word in _LATIN_WORD.findall(text) if word not in allowed]


def _all_messages(errors: dict[str, list[str]]) -> list[str]:
    return [message for messages in errors.values() for message in messages]


def _refusals(question_id, value) -> dict[str, list[str]]:
    answer = {question_id: value}
    if question_id == "rubric":
        answer["sources"] = [SOURCE]
    errors = validate_answer(DEFINITION, answer, task_data=TASK_DATA).errors
    return {key: messages for key, messages in errors.items() if key in (question_id, "")}


def test_the_definition_of_these_tests_is_valid():
    assert validate_definition(DEFINITION) == {}


@pytest.mark.parametrize(("question_id", "value"), BAD_ANSWERS)
@pytest.mark.parametrize("language", LANGS)
def test_every_answer_refusal_is_in_chinese(question_id, value, language):
    english = _all_messages(_refusals(question_id, value))
    assert english, "the answer must be refused"
    assert all(_LATIN_WORD.search(message) for message in english)
    data = _strings(DEFINITION) | _strings(value, keys=True) | _strings(SOURCE) | {question_id}
    with translation.override(language):
        chinese = _all_messages(_refusals(question_id, value))
    assert len(chinese) == len(english)
    for message in chinese:
        assert _CJK.search(message), message
        assert not _english_left(message, data), message
    if language == "zh-hant":
        assert not any("“" in message or "”" in message for message in chinese)
    # English is the source language: unchanged after a Chinese request.
    assert _all_messages(_refusals(question_id, value)) == english


@pytest.mark.parametrize("gold", BAD_GOLD)
def test_gold_answer_refusals_are_in_chinese(gold):
    english = _all_messages(validate_gold_answer(DEFINITION, gold, task_data=TASK_DATA).errors)
    assert english
    with translation.override("zh-hans"):
        chinese = validate_gold_answer(DEFINITION, gold, task_data=TASK_DATA).errors
    for message in _all_messages(chinese):
        assert _CJK.search(message), message
        assert not _english_left(message, _strings(gold, keys=True) | _strings(DEFINITION)), message


def test_counts_say_characters_or_words_as_the_template_counts():
    with translation.override("zh-hans"):
        short = _refusals("reason", "太短")["reason"]
        few = _refusals("words", "one")["words"]
    assert short == ["太短了：现有 2 字，至少需要 10 字。"]
    assert few == ["词数太少：现有 1 个词，至少需要 3 个。"]
    with translation.override("zh-hant"):
        assert _refusals("reason", "太短")["reason"] == ["太短了：現有 2 字，至少需要 10 字。"]
    # English keeps its plural forms.
    assert _refusals("reason", "太")["reason"] == ["Too short: 1 character; at least 10."]
    assert _refusals("reason", "太短")["reason"] == ["Too short: 2 characters; at least 10."]


# --------------------------------------------------------------------------------------------
# Over the API and on pages
# --------------------------------------------------------------------------------------------


@pytest.fixture
def work(cast):
    template_save(project=cast.project, name="All", definition=DEFINITION, by=cast.setter)
    tasks = tasks_create(project=cast.project, items=[TASK_DATA, TASK_DATA], by=cast.setter)
    task_lease(task=tasks[0], trainer=cast.trainer)
    return tasks


def _post(client, url, data, language=None):
    headers = {"HTTP_ACCEPT_LANGUAGE": LANGS[language]} if language else {}
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def _in_three_languages(call):
    """The response in English, Simplified and Hong Kong Chinese: codes equal, details not."""
    english = call(None)
    bodies = {language: call(language).json() for language in LANGS}
    for language, body in bodies.items():
        assert body["error"] == english.json()["error"]
        assert _CJK.search(body["detail"]), (language, body)
        assert body["detail"] != english.json()["detail"]
        assert set(body["fields"]) == set(english.json()["fields"])
    return english, bodies


@pytest.mark.django_db
def test_a_refused_answer_over_the_api_is_in_the_trainers_language(client, cast, work):
    client.force_login(cast.trainer)
    url = reverse("api-task-submit", args=[work[0].pk])
    answer = {"reason": "太短", "pick": "maybe", "many": ["red", "blue"]}

    english, bodies = _in_three_languages(lambda lang: _post(client, url, {"answer": answer}, lang))

    assert english.status_code == 400
    assert english.json()["error"] == "invalid_answer"
    assert english.json()["detail"] == (
        "Some answers need attention; each is listed under its question. Your draft is kept."
    )
    assert english.json()["fields"]["reason"] == ["Too short: 2 characters; at least 10."]
    assert bodies["zh-hans"]["fields"]["reason"] == ["太短了：现有 2 字，至少需要 10 字。"]
    assert bodies["zh-hant"]["fields"]["reason"] == ["太短了：現有 2 字，至少需要 10 字。"]
    assert bodies["zh-hans"]["fields"]["pick"] == ['"maybe" 不在选项之中（yes, no）。']
    assert bodies["zh-hant"]["detail"] == "有些答案需要修改，問題已列在各題下方。你的草稿已保留。"


@pytest.mark.django_db
def test_work_refusals_are_in_chinese_with_the_same_code(client, cast, work):
    client.force_login(cast.trainer)
    url = reverse("api-task-submit", args=[work[0].pk])
    good = {
        "pick": "yes",
        "many": ["red", "blue"],
        "score": 3,
        "pref": {"choice": "A", "strength": -2},
        "order": {"alpha": 1, "beta": 2},
        "reason": "这是一个足够长的理由。",
        "words": "three good words",
        "marks": [{"start": 0, "end": 2, "tag": "typo"}],
        "sources": [SOURCE],
        "rubric": [{"criterion": "C", "points": 2, "citation": "10.1000/xyz", "rationale": "R"}],
        "regions": {"image": IMAGE, "regions": [BOX]},
    }
    # The trainer gave the task back and another trainer answered it meanwhile.
    lease_release(task=work[0], trainer=cast.trainer)
    other = MembershipFactory(project=cast.project, role="trainer").user
    task_lease(task=work[0], trainer=other)
    submission_submit(task=work[0], author=other, answer=good)
    english, bodies = _in_three_languages(lambda lang: _post(client, url, {"answer": good}, lang))
    assert english.status_code == 409
    assert english.json()["error"] == "task_complete"
    assert "ran out" in english.json()["detail"]
    assert bodies["zh-hans"]["detail"].startswith("你对这项任务的领取已过期")
    assert bodies["zh-hant"]["detail"].startswith("你對這項任務的領取已過期")

    # An accepted submission can no longer be revised.
    submission = work[0].submissions.get(author=other)
    submission.status = SubmissionStatus.ACCEPTED
    submission.save(update_fields=["status"])
    client.force_login(other)
    revise = reverse("api-submission-detail", args=[submission.pk])
    english = client.patch(revise, json.dumps({"answer": good}), content_type="application/json")
    chinese = client.patch(
        revise,
        json.dumps({"answer": good}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-HK",
    )
    assert english.status_code == 409
    assert chinese.json()["error"] == english.json()["error"] == "not_revisable"
    assert english.json()["detail"] == (
        "This submission was accepted and can no longer be revised."
    )
    assert chinese.json()["detail"] == "這份提交已通過，不能再修改。"

    # A paused project hands out no tasks, in a whole sentence per status.
    cast.project.status = ProjectStatus.PAUSED
    cast.project.save(update_fields=["status"])
    client.force_login(cast.trainer)
    next_url = reverse("api-project-next", args=[cast.project.pk])
    english, bodies = _in_three_languages(lambda lang: _post(client, next_url, {}, lang))
    assert english.json()["error"] == "project_paused"
    assert english.json()["detail"] == "This project is paused: it hands out no tasks right now."
    assert bodies["zh-hans"]["detail"] == "这个项目已暂停：目前不分发任务。"
    assert bodies["zh-hant"]["detail"] == "這個項目已暫停：目前不分發任務。"
    page = client.get(
        reverse("work-start", args=[cast.project.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    assert "这个项目已暂停：目前不分发任务。" in page

    # An archived project takes no more answers.
    cast.project.status = ProjectStatus.ARCHIVED
    cast.project.save(update_fields=["status"])
    refused = _post(client, url, {"answer": good}, "zh-hans").json()
    assert refused["error"] in ("project_archived", "already_submitted", "task_complete")
    assert _CJK.search(refused["detail"])


@pytest.mark.django_db
def test_template_errors_in_the_editor_are_in_chinese_with_their_paths(client, cast, work):
    client.force_login(cast.setter)
    broken = {
        "schema_version": 1,
        "display": [],
        "questions": [
            {"id": "ok", "type": "text", "prompt": "Fine", "requried": True},
            {"id": "ok", "type": "essay", "prompt": "Bad"},
            {"id": "r", "type": "rating", "prompt": "Rate", "scale": {"min": 5, "max": 1}},
        ],
    }
    url = reverse("template-editor", args=[cast.project.pk])
    form = {"name": "Broken", "definition": json.dumps(broken), "note": ""}
    english = client.post(url, form).content.decode()
    assert "Unknown question type &#x27;essay&#x27;." in english
    for language, expected in (
        ("zh-CN", "未知的题型 &#x27;essay&#x27;。可用："),
        ("zh-HK", "未知的題型 &#x27;essay&#x27;。可用："),
    ):
        page = client.post(url, form, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "<code>definition.questions[1].type</code>" in page
        assert "<code>definition.questions[1].id</code>" in page
        assert expected in page
        assert "Unknown question type" not in page
        assert "Must be greater than min" not in page

    # The editor's live check (the API) says the same, keyed by the same paths.
    validate = reverse("api-template-validate")
    english = _post(client, validate, {"definition": broken}).json()
    chinese = _post(client, validate, {"definition": broken}, "zh-hant").json()
    english_errors = english["definition_errors"]
    chinese_errors = chinese["definition_errors"]
    assert set(english_errors) == set(chinese_errors)
    assert chinese_errors["questions[2].scale.max"] == ["必須大於 min。"]
    assert chinese_errors["questions[0].requried"] == [
        "未知的鍵「requried」。你是不是想寫「required」？"
    ]
    # Broken JSON typed in the editor.
    page = client.post(
        url, {**form, "definition": "{"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    assert "模板定义不是有效的 JSON" in page


@pytest.mark.django_db
def test_a_bad_task_batch_and_a_bad_filter_are_refused_in_chinese(client, cast, work):
    client.force_login(cast.setter)
    url = reverse("api-project-tasks", args=[cast.project.pk])
    batch = {"tasks": [{"passage": 5, "image": "images/a.png"}, "not an object"]}
    english, bodies = _in_three_languages(lambda lang: _post(client, url, batch, lang))
    assert english.status_code == 400
    assert english.json()["detail"] == ("2 tasks do not fit the template; nothing was created.")
    assert bodies["zh-hans"]["detail"] == "有 2 项任务与模板不符，所有任务均未创建。"
    assert bodies["zh-hans"]["fields"]["tasks[1]"] == ["每项任务的数据都必须是 JSON 对象。"]
    assert bodies["zh-hant"]["fields"]["tasks[0].passage"] == ["必須是文字（字串）。"]

    english = client.get(url, {"is_gold": "maybe"})
    chinese = client.get(url, {"is_gold": "maybe"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert english.status_code == chinese.status_code == 400
    assert chinese.json()["error"] == english.json()["error"]
    assert english.json()["fields"]["is_gold"] == ["Use true or false."]
    assert chinese.json()["fields"]["is_gold"] == ["请填写 true 或 false。"]

    page = client.get(
        reverse("project-tasks", args=[cast.project.pk]),
        {"ordering": "sideways"},
        HTTP_ACCEPT_LANGUAGE="zh-HK",
    ).content.decode()
    assert "請從以下選擇：" in page
    assert "Choose one of" not in page


# --------------------------------------------------------------------------------------------
# Stored texts stay English
# --------------------------------------------------------------------------------------------


@app.task(name="tests.platform.language_probe")
def _language_probe() -> str:
    return translation.get_language()


def test_a_job_queued_from_a_chinese_request_runs_in_english(settings):
    # Findings and import errors store the validator's messages (English msgids, translated
    # when shown): an eager job must not take on the language of the request that queued it.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with translation.override("zh-hant"):
        assert _language_probe.apply().result == "en"
        assert translation.get_language() == "zh-hant"
        with translation.override("en"):
            english = _refusals("reason", "太短")
        assert _language_probe.apply().result == "en"
    assert english == {"reason": ["Too short: 2 characters; at least 10."]}

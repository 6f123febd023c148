"""Any language, any size the template allows, any malformed legacy answer: no crash."""

from __future__ import annotations

import random
import time

import pytest

from quality.checks import CATALOGUE, CheckInput, NearDuplicateIndex, index_submission, run_check
from tests.quality.conftest import ESSAY_EN, ESSAY_ZH, LONG_ANSWER, PAIRWISE, TTS

HUGE = 200_000


def _huge_text(seed: int) -> str:
    rng = random.Random(seed)
    alphabet = ESSAY_EN.split() + list(ESSAY_ZH) + ["𠮩", "😀", "e\u0301", "\u200b", "١٢٣"]
    words = []
    size = 0
    while size < HUGE:
        word = rng.choice(alphabet)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:HUGE]


def _everything(answer, definition=LONG_ANSWER, index=None) -> CheckInput:
    return CheckInput(
        definition=definition,
        answer=answer,
        telemetry={"active_seconds": 5, "fields": {"answer": {"typed": 1, "pasted": HUGE}}},
        submission_id="big",
        trainer_id="t",
        ai_references={"m1": _huge_text(2), "m2": ESSAY_ZH},
        is_gold=True,
        gold_answer={"answer": "x"},
        recent_ratings=[3] * 40,
        other_answers=[{"answer": "y"}] * 3,
        near_duplicates=index,
    )


def test_huge_mixed_script_text_runs_through_every_check_quickly():
    index = NearDuplicateIndex()
    text = _huge_text(1)
    index.add(text, submission_id="old", question_id="answer")
    answer = {
        "answer": text,
        "citations": [
            {"identifier": "10.1126/x.1", "title": "t", "why": text[:50_000], "support": "s"}
        ],
        "rubric": [
            {"criterion": text[:50_000], "points": 1, "citation": "10.1126/x.1", "rationale": "r"}
        ]
        * 10,
    }
    data = _everything(answer, index=index)
    for name in CATALOGUE:
        started = time.perf_counter()
        findings = run_check(name, data)
        assert time.perf_counter() - started < 10, name
        for finding in findings:
            assert finding.status in ("not_applicable", "pass", "warn", "fail")
    near = run_check("near_duplicate", data)
    assert near[0].status == "fail" and near[0].evidence["similarity"] == 1.0
    assert run_check("ai_similarity", data)[0].evidence["truncated"] is False
    assert index_submission(index, data) == 1


def test_texts_beyond_the_analysis_cap_are_measured_on_their_start_and_say_so():
    text = ESSAY_EN * 700  # ~330,000 characters, e.g. an imported legacy answer
    data = CheckInput(
        definition=LONG_ANSWER, answer={"answer": text}, ai_references={"m": ESSAY_EN}
    )
    findings = run_check("ai_similarity", data)
    assert findings[0].evidence["truncated"] is True


@pytest.mark.parametrize(
    "text",
    [ESSAY_ZH * 3, "我哋去飲茶 lunch，𠮩𠮩 " * 40, "ไม่มีช่องว่าง" * 50],  # noqa: RUF001
)
def test_text_without_spaces_is_handled_by_every_check(text):
    index = NearDuplicateIndex()
    index.add(text, submission_id="1", question_id="answer")
    data = CheckInput(
        definition=LONG_ANSWER,
        answer={"answer": text},
        telemetry={"active_seconds": 3},
        ai_references={"m": text},
        near_duplicates=index,
        submission_id="2",
    )
    for name in CATALOGUE:
        run_check(name, data)
    assert run_check("near_duplicate", data)[0].status == "fail"
    assert run_check("ai_similarity", data)[0].status == "fail"


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        "text",
        {"answer": 5, "citations": "10.1/x", "rubric": [None, 3, {"citation": 7}]},
        {"answer": ["a"], "citations": [{"identifier": None}, "x", {"identifier": "  "}]},
        {"preference": "A", "quality": "4", "reason": {"t": 1}, "naturalness": float("nan")},
        {"preference": {"choice": ["A"]}, "quality": True},
    ],
)
@pytest.mark.parametrize("definition", [LONG_ANSWER, PAIRWISE, TTS])
def test_malformed_answers_never_crash_a_check(answer, definition):
    index = NearDuplicateIndex()
    index.add(ESSAY_EN, submission_id="1")
    data = CheckInput(
        definition=definition,
        answer=answer,
        telemetry={"active_seconds": "x", "audio": {"clip": "loud"}, "fields": []},
        ai_references={"m": ESSAY_EN, "n": None},
        is_gold=True,
        gold_answer={"quality": 3, "preference": {"choice": "A"}, "naturalness": 2},
        recent_ratings=[None, "x", 3, {"a": 1}],
        other_answers=[None, {"quality": "5"}, {"preference": None}, 7],
        near_duplicates=index,
    )
    for name in CATALOGUE:
        run_check(name, data)
    assert run_check("schema_rules", data)[0].status == "fail"

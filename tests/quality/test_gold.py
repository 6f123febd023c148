from __future__ import annotations

import pytest

from quality.checks import CheckInput, run_check
from tests.quality.conftest import CHOICE, PAIRWISE, TTS


def _gold(definition, answer, expected, **settings):
    data = CheckInput(definition=definition, answer=answer, is_gold=True, gold_answer=expected)
    return run_check("gold", data, settings or None)


def test_choices_must_match_exactly():
    right = _gold(CHOICE, {"answer": "B"}, {"answer": "B"})
    wrong = _gold(CHOICE, {"answer": "C"}, {"answer": "B"})
    assert [(f.status, f.evidence["correct"]) for f in right] == [("pass", True)]
    assert [(f.status, f.evidence["correct"]) for f in wrong] == [("fail", False)]
    assert "B" not in wrong[0].message  # the expected answer stays in the evidence


def test_multi_choice_compares_sets():
    assert _gold(CHOICE, {"tags": ["y", "x"]}, {"tags": ["x", "y"]})[0].evidence["correct"]
    assert not _gold(CHOICE, {"tags": ["x"]}, {"tags": ["x", "y"]})[0].evidence["correct"]


@pytest.mark.parametrize(("given", "correct"), [(4, True), (3, True), (5, True), (2, False)])
def test_ratings_are_correct_within_the_tolerance(given, correct):
    findings = _gold(TTS, {"naturalness": given}, {"naturalness": 4})
    assert findings[0].evidence["correct"] is correct


def test_the_rating_tolerance_is_the_projects():
    assert not _gold(TTS, {"naturalness": 3}, {"naturalness": 4}, rating_tolerance=0)[0].evidence[
        "correct"
    ]


def test_pairwise_compares_the_choice():
    assert _gold(PAIRWISE, {"preference": {"choice": "A"}}, {"preference": {"choice": "A"}})[
        0
    ].evidence["correct"]
    assert not _gold(PAIRWISE, {"preference": {"choice": "B"}}, {"preference": "A"})[0].evidence[
        "correct"
    ]


@pytest.mark.parametrize(
    ("given", "method", "correct"),
    [
        ({"a": 1, "b": 2, "c": 3, "d": 4}, "spearman", True),
        ({"a": 1, "b": 3, "c": 2, "d": 4}, "spearman", True),  # one adjacent swap: rho 0.8
        ({"a": 3, "b": 2, "c": 1, "d": 4}, "spearman", False),  # rho 0.2
        ({"a": 4, "b": 3, "c": 2, "d": 1}, "kendall", False),
        ({"a": 1, "b": 3, "c": 2, "d": 4}, "kendall", True),  # tau 0.667
    ],
)
def test_rankings_are_compared_by_rank_correlation(given, method, correct):
    findings = _gold(
        CHOICE,
        {"order": given},
        {"order": {"a": 1, "b": 2, "c": 3, "d": 4}},
        rank_correlation=method,
    )
    assert findings[0].evidence["correct"] is correct
    assert findings[0].evidence["method"] == method


def test_unanswered_and_malformed_gold_questions_are_incorrect():
    findings = _gold(CHOICE, {"order": "abcd"}, {"answer": "A", "order": {"a": 1, "b": 2}})
    assert [f.evidence["correct"] for f in findings] == [False, False]


def test_only_gold_tasks_are_scored():
    data = CheckInput(definition=CHOICE, answer={"answer": "A"}, gold_answer={"answer": "B"})
    assert [(f.status, f.code) for f in run_check("gold", data)] == [
        ("not_applicable", "gold.not_gold")
    ]


def test_a_tolerance_given_with_the_gold_task_wins_over_the_projects():
    expected = {"naturalness": {"value": 4, "tolerance": 0}}
    off_by_one = _gold(TTS, {"naturalness": 3}, expected)
    assert off_by_one[0].evidence["correct"] is False
    assert off_by_one[0].evidence["tolerance"] == 0
    lenient = _gold(TTS, {"naturalness": 2}, {"naturalness": {"value": 4, "tolerance": 2}})
    assert lenient[0].evidence["correct"] is True
    # without one, the project's applies (default 1)
    assert _gold(TTS, {"naturalness": 3}, {"naturalness": 4})[0].evidence["correct"] is True

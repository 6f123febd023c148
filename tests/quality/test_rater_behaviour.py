"""straight_lining and agreement_outlier: how a trainer's ratings compare with habit and peers."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from quality.checks import CheckInput, run_check
from tests.quality.conftest import CHOICE, PAIRWISE, TTS


def _ratings(values):
    return CheckInput(definition=PAIRWISE, answer={}, recent_ratings=values)


def test_the_same_rating_everywhere_fails():
    findings = run_check("straight_lining", _ratings([4] * 30))
    assert [f.status for f in findings] == ["fail"]
    assert findings[0].evidence["most_common_share"] == 1.0


def test_nearly_the_same_rating_everywhere_fails():
    ratings = [4] * 27 + [5, 3, 5]
    assert run_check("straight_lining", _ratings(ratings))[0].status == "fail"  # 90%


def test_varied_ratings_pass():
    rng = random.Random(1)
    ratings = rng.choices([2, 3, 4, 5], [1, 3, 5, 2], k=30)
    assert run_check("straight_lining", _ratings(ratings))[0].status == "pass"


def test_low_variance_is_flagged_even_without_one_dominant_value():
    ratings = [3, 4] * 15  # never more than half the same, but only ever 3 or 4
    assert (
        run_check("straight_lining", _ratings(ratings), {"min_variance": 0.3})[0].status == "fail"
    )


def test_too_few_ratings_are_not_judged_and_only_the_window_counts():
    too_few = run_check("straight_lining", _ratings([4] * 10))
    assert [(f.status, f.code) for f in too_few] == [("not_applicable", "straight_lining.too_few")]
    assert too_few[0].message == "10 ratings so far; straight-lining is judged from 20."
    recent = [1, 2, 3, 4, 5] * 20 + [4] * 30
    assert run_check("straight_lining", _ratings(recent))[0].status == "fail"


def test_always_the_same_pairwise_side_is_straight_lining_too():
    assert run_check("straight_lining", _ratings(["A"] * 25))[0].status == "fail"


def _peers(answer, others):
    return CheckInput(definition=PAIRWISE, answer=answer, other_answers=others)


def test_a_rating_far_from_the_others_median_is_a_warning():
    others = [{"quality": 4}, {"quality": 5}, {"quality": 4}]
    findings = run_check("agreement_outlier", _peers({"quality": 1}, others))
    assert [(f.status, f.question_id) for f in findings] == [("warn", "quality")]
    assert findings[0].evidence["others_median"] == 4


def test_a_rating_near_the_others_passes():
    others = [{"quality": 4}, {"quality": 5}, {"quality": 3}]
    assert run_check("agreement_outlier", _peers({"quality": 3}, others))[0].status == "pass"


def test_a_choice_alone_against_a_clear_majority_is_a_warning():
    others = [{"preference": {"choice": "A"}}] * 4
    findings = run_check("agreement_outlier", _peers({"preference": {"choice": "B"}}, others))
    assert findings[0].status == "warn"
    assert findings[0].evidence["majority"] == "A"


@pytest.mark.parametrize(
    "others",
    [
        [{"preference": {"choice": c}} for c in ("A", "A", "B", "B")],  # no clear majority
        [{"preference": {"choice": c}} for c in ("A", "A", "A", "B")] * 2,  # not alone
        [{"preference": {"choice": "A"}}] * 2,  # too few others
    ],
)
def test_a_choice_is_not_an_outlier_without_a_clear_majority_against_it_alone(others):
    findings = run_check("agreement_outlier", _peers({"preference": {"choice": "B"}}, others))
    assert "warn" not in {f.status for f in findings}
    if len(others) < 3:
        assert {f.code for f in findings} == {"agreement_outlier.too_few"}


def test_single_choice_answers_are_compared_too():
    others = [{"answer": "A"}] * 3
    data = CheckInput(definition=CHOICE, answer={"answer": "C"}, other_answers=others)
    assert run_check("agreement_outlier", data)[0].status == "warn"


def test_agreement_says_nothing_on_gold_tasks():
    # the majority of a gold task's answers is, most of the time, its expected answer
    data = CheckInput(
        definition=CHOICE,
        answer={"answer": "A"},
        other_answers=[{"answer": "B"}] * 5,
        is_gold=True,
        gold_answer={"answer": "B"},
    )
    findings = run_check("agreement_outlier", data)
    assert [(f.status, f.code) for f in findings] == [("not_applicable", "agreement_outlier.gold")]
    assert findings[0].params == {} and findings[0].evidence == {}  # nothing about the others
    assert run_check("agreement_outlier", replace(data, is_gold=False))[0].status == "warn"


def test_agreement_judges_only_the_questions_the_project_chose():
    others = [{"quality": 4, "preference": {"choice": "A"}}] * 3
    answer = {"quality": 1, "preference": {"choice": "B"}}
    everything = run_check("agreement_outlier", _peers(answer, others))
    assert {f.question_id for f in everything if f.status == "warn"} == {"quality", "preference"}
    only_rating = run_check("agreement_outlier", _peers(answer, others), {"questions": ["quality"]})
    assert [(f.status, f.question_id) for f in only_rating] == [("warn", "quality")]


def test_straight_lining_reads_only_the_chosen_rating_questions():
    from types import SimpleNamespace

    from quality.services.running import _rating_ids

    definition = {
        "questions": [
            {"id": "mos", "type": "rating"},
            {"id": "noise", "type": "rating"},
            {"id": "accent", "type": "single_choice"},
        ]
    }
    submission = SimpleNamespace(template=SimpleNamespace(definition=definition))
    assert _rating_ids(submission) == ["mos", "noise"]
    assert _rating_ids(submission, ("mos",)) == ["mos"]


def test_disagreeing_on_one_question_only_is_not_an_outlier_by_default():
    others = [{"quality": 4, "preference": {"choice": "A"}}] * 3
    # the choice stands alone, the rating agrees: honest dissent, recorded for QA
    findings = run_check(
        "agreement_outlier", _peers({"quality": 4, "preference": {"choice": "B"}}, others)
    )
    assert {f.status for f in findings} == {"pass"}
    differs = next(f for f in findings if f.question_id == "preference")
    assert differs.code == "agreement_outlier.differs_here_only"
    assert differs.evidence["warning"] == "agreement_outlier.choice"
    assert "1 of 2 questions differ" in differs.message
    # a project may warn on half the questions
    half = run_check(
        "agreement_outlier",
        _peers({"quality": 4, "preference": {"choice": "B"}}, others),
        {"min_outlying_share": 0.5},
    )
    assert [(f.status, f.question_id) for f in half if f.status == "warn"] == [
        ("warn", "preference")
    ]


def _lined(before, later, own):
    from tests.quality.conftest import TTS

    data = CheckInput(
        definition=TTS,
        answer={"naturalness": own},
        recent_ratings=[*before, own],
        later_ratings=later,
    )
    return run_check("straight_lining", data)


def test_a_rating_that_starts_a_run_fails_once_the_next_ratings_show_the_run():
    honest = [1, 2, 3, 4, 5] * 6
    # judged alone, the first 5 of a run is an honest-looking rating
    assert _lined(honest, [], 5)[0].status == "pass"
    # with the next 29 ratings all 5, it is part of the run
    findings = _lined(honest, [5] * 29, 5)
    assert [(f.status, f.code) for f in findings] == [("fail", "straight_lining.run")]
    assert "this one included, were 5" in findings[0].message


def test_an_honest_rating_before_a_run_is_never_failed_by_it():
    honest = [1, 2, 3, 4, 5] * 6
    # its own value is not the run's: the later 5s say nothing about it
    assert _lined(honest, [5] * 29, 3)[0].status == "pass"
    # nor does a window that no longer holds it
    assert _lined(honest, [5] * 200, 3)[0].status == "pass"


def test_a_choice_nobody_else_made_stands_apart_when_the_others_split():
    # the others split 2 to 1 (no clear majority): no choice warning on its own ...
    others = [
        {"quality": 4, "preference": {"choice": "B"}},
        {"quality": 4, "preference": {"choice": "A"}},
        {"quality": 5, "preference": {"choice": "B"}},
    ]
    agreeing = run_check(
        "agreement_outlier", _peers({"quality": 4, "preference": {"choice": "tie"}}, others)
    )
    assert {f.status for f in agreeing} == {"pass"}
    choice = next(f for f in agreeing if f.question_id == "preference")
    assert choice.evidence["chosen_by_none"] is True
    # ... but with the rating far off as well, the answer stands apart throughout
    apart = run_check(
        "agreement_outlier", _peers({"quality": 1, "preference": {"choice": "tie"}}, others)
    )
    assert [(f.status, f.code) for f in apart] == [
        ("warn", "agreement_outlier.choice_alone"),
        ("warn", "agreement_outlier.rating"),
    ]
    assert "none of the 3 other trainers did" in apart[0].message
    # a choice some of the others made does not stand apart: the rating alone differs
    shared = run_check(
        "agreement_outlier", _peers({"quality": 1, "preference": {"choice": "A"}}, others)
    )
    assert {f.status for f in shared} == {"pass"}
    assert next(f for f in shared if f.question_id == "quality").code == (
        "agreement_outlier.differs_here_only"
    )


def _lined_reference(before, later, own, config):
    """The plain rule the sliding windows must agree with: every later window judged."""
    from quality.checks.straight_lining import _window

    sequence = [*before, own, *later]
    for step in range(1, len(later) + 1):
        window = sequence[: len(before) + 1 + step][-config.window :]
        if len(window) - step < 1 or len(window) < config.min_items:
            continue
        verdict = _window(window, config)
        if verdict.fails and (verdict.by_variance or verdict.value == own):
            return ("straight_lining.run", step, verdict.count)
    return None


@pytest.mark.parametrize("seed", range(40))
def test_sliding_later_windows_judge_as_every_window_judged_alone(seed):
    from quality.checks.straight_lining import StraightLiningConfig, run

    rng = random.Random(seed)
    config = StraightLiningConfig(
        window=rng.choice([5, 10, 30]),
        min_items=rng.choice([2, 5]),
        min_variance=rng.choice([0.0, 0.1, 0.5]),
    )
    for _ in range(50):
        value, habit = rng.randint(1, 5), rng.choice([0.5, 0.9, 1.0])

        def rating(value=value, habit=habit):
            return value if rng.random() < habit else rng.randint(1, 5)

        before = [rng.randint(1, 5) for _ in range(rng.randint(0, 40))]
        later = [rating() for _ in range(rng.randint(0, 40))]
        own = rating()
        data = CheckInput(
            definition=TTS,
            answer={"naturalness": own},
            recent_ratings=[*before, own],
            later_ratings=later,
        )
        got = run(data, config)[0]
        if got.code == "straight_lining.same":
            continue  # failed on its own window, before any later one is read
        expected = _lined_reference(before, later, own, config)
        if expected is None:
            assert got.code != "straight_lining.run"
        else:
            assert (got.code, got.evidence["later"], got.params["count"]) == expected

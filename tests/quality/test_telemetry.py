from __future__ import annotations

import pytest

from quality.checks import CheckInput, run_check
from tests.quality.conftest import ESSAY_EN, ESSAY_ZH, LONG_ANSWER, PAIRWISE, TTS

LONG_TEXT = " ".join([ESSAY_EN] * 3)  # ~2,000 characters: about 10 minutes at the default norm


def _essay(telemetry, text=LONG_TEXT) -> CheckInput:
    return CheckInput(definition=LONG_ANSWER, answer={"answer": text}, telemetry=telemetry)


def test_a_long_answer_written_in_ten_seconds_fails():
    findings = run_check("telemetry", _essay({"active_seconds": 10}))
    assert [f.status for f in findings] == ["fail"]
    assert findings[0].evidence["active_seconds"] == 10
    assert findings[0].evidence["written_chars"] == len(LONG_TEXT)


def test_a_long_answer_written_at_a_normal_pace_passes():
    telemetry = {"active_seconds": 700, "fields": {"answer": {"typed": 2300, "pasted": 40}}}
    assert [f.status for f in run_check("telemetry", _essay(telemetry))] == ["pass"]


def test_the_time_norm_is_the_projects():
    telemetry = {"active_seconds": 120}
    assert run_check("telemetry", _essay(telemetry))[0].status == "pass"  # 20% of 600s is 120s
    strict = run_check("telemetry", _essay(telemetry), {"seconds_per_100_chars": 60})
    assert strict[0].status == "fail"


def test_a_mostly_pasted_text_answer_fails():
    telemetry = {"active_seconds": 900, "fields": {"answer": {"typed": 100, "pasted": 1900}}}
    findings = run_check("telemetry", _essay(telemetry))
    assert [(f.status, f.question_id) for f in findings] == [("fail", "answer")]
    assert findings[0].evidence["pasted_share"] == 0.95


def test_pasting_in_chinese_is_judged_by_words():
    telemetry = {"fields": {"answer": {"typed": 0, "pasted": len(ESSAY_ZH)}}}
    findings = run_check("telemetry", _essay(telemetry, ESSAY_ZH))
    assert findings[0].status == "fail"


def test_short_answers_are_not_judged_on_pasting_or_time():
    data = CheckInput(
        definition=PAIRWISE,
        answer={"preference": {"choice": "A"}, "quality": 4, "reason": "A is right."},
        telemetry={"active_seconds": 1, "fields": {"reason": {"typed": 0, "pasted": 11}}},
    )
    assert [f.status for f in run_check("telemetry", data)] == ["pass"]


@pytest.mark.parametrize(
    ("clip", "status"),
    [
        ({"played_seconds": 12.0, "duration": 12.0, "completed": True}, "pass"),
        ({"played_seconds": 30.0, "duration": 12.0, "completed": True}, "pass"),
        ({"played_seconds": 4.0, "duration": 12.0, "completed": True}, "fail"),  # skipped ahead
        ({"played_seconds": 4.0, "duration": 12.0, "completed": False}, "fail"),
        ({"completed": False}, "fail"),
        (None, "fail"),
    ],
)
def test_an_audio_rating_needs_the_clip_played_through(clip, status):
    audio = {"clip": clip} if clip is not None else {}
    data = CheckInput(
        definition=TTS, answer={"naturalness": 4}, telemetry={"active_seconds": 30, "audio": audio}
    )
    findings = run_check("telemetry", data)
    assert findings[0].status == status
    if status == "fail":
        assert findings[0].question_id == "naturalness"
        assert findings[0].evidence["block"] == "clip"


def test_missing_telemetry_is_ignored_unless_the_project_asks():
    assert run_check("telemetry", _essay(None)) == []
    assert run_check("telemetry", _essay({}), {"missing_telemetry": "warn"})[0].status == "warn"


def test_malformed_telemetry_values_are_skipped_not_crashed_on():
    telemetry = {"active_seconds": "soon", "fields": {"answer": "lots"}, "audio": []}
    assert [f.status for f in run_check("telemetry", _essay(telemetry))] == ["pass"]

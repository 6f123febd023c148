from __future__ import annotations

from dataclasses import replace

import pytest

from quality.checks import CheckInput, run_check
from tests.quality.conftest import ESSAY_EN, ESSAY_ZH, LONG_ANSWER, PAIRWISE, TTS

LONG_TEXT = " ".join([ESSAY_EN] * 3)  # ~240 words: about 7 minutes at the default norm


def _essay(telemetry, text=LONG_TEXT) -> CheckInput:
    return CheckInput(definition=LONG_ANSWER, answer={"answer": text}, telemetry=telemetry)


def test_a_long_answer_written_in_ten_seconds_fails():
    findings = run_check("telemetry", _essay({"active_seconds": 10}))
    assert [f.status for f in findings] == ["fail"]
    assert findings[0].code == "telemetry.too_fast_for_work"
    assert findings[0].evidence["active_seconds"] == 10
    words = findings[0].evidence["written_words"]
    assert 230 < words < 260
    assert findings[0].evidence["writing"] == pytest.approx(words * 1.8, abs=0.1)
    assert findings[0].evidence["reading"] == 0


def test_a_long_answer_written_at_a_normal_pace_passes():
    telemetry = {"active_seconds": 700, "fields": {"answer": {"typed": 2300, "pasted": 40}}}
    assert [f.status for f in run_check("telemetry", _essay(telemetry))] == ["pass"]


def test_the_time_norm_is_the_projects():
    telemetry = {"active_seconds": 125}
    assert run_check("telemetry", _essay(telemetry))[0].status == "pass"  # 20% of ~440 s
    strict = run_check("telemetry", _essay(telemetry), {"seconds_per_word": 3.6})
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


def test_tiny_work_is_recorded_as_not_judged_on_pasting_or_time_with_the_reasons():
    data = CheckInput(
        definition=PAIRWISE,
        answer={"preference": {"choice": "A"}, "quality": 4, "reason": "A is right."},
        task_data={"response_a": "Yes.", "response_b": "No."},
        telemetry={"active_seconds": 1, "fields": {"reason": {"typed": 0, "pasted": 11}}},
    )
    findings = run_check("telemetry", data)
    assert [(f.status, f.code, f.question_id) for f in findings] == [
        ("pass", "telemetry.ok", None),
        ("not_applicable", "telemetry.time_not_applicable", None),
        ("not_applicable", "telemetry.paste_not_applicable", "reason"),
    ]
    assert findings[1].evidence["expected_seconds"] < 15


RESPONSE_EN = " ".join([ESSAY_EN] * 2)  # ~200 words each


def _pairwise(seconds, reason="A is more accurate and cites its sources.", **data):
    return CheckInput(
        definition=PAIRWISE,
        answer={"preference": {"choice": "A"}, "quality": 4, "reason": reason},
        task_data=data or {"response_a": RESPONSE_EN, "response_b": RESPONSE_EN},
        telemetry={"active_seconds": seconds, "fields": {"reason": {"typed": 45, "pasted": 0}}},
    )


def test_a_pairwise_judgment_of_two_long_responses_in_three_seconds_fails():
    # ~320 words to read: about 80 s at 250 words a minute, and a short reason to write
    findings = run_check("telemetry", _pairwise(3))
    assert [(f.status, f.code) for f in findings] == [("fail", "telemetry.too_fast_for_work")]
    assert findings[0].evidence["reading"] > 70
    assert findings[0].evidence["read_words"] > 300
    assert "Reading and listening to this task (about" in findings[0].message
    # read at a brisk pace (three times the norm), it passes
    assert run_check("telemetry", _pairwise(40))[0].status == "pass"


def test_reading_chinese_is_judged_by_characters():
    response = ESSAY_ZH * 2  # several hundred characters each
    fast = run_check("telemetry", _pairwise(5, response_a=response, response_b=response))
    assert fast[0].status == "fail"
    assert fast[0].evidence["read_characters"] > 300 and fast[0].evidence["read_words"] < 20
    slow = run_check("telemetry", _pairwise(60, response_a=response, response_b=response))
    assert slow[0].status == "pass"


def test_writing_chinese_is_judged_per_character():
    # an essay in Chinese: fewer "words" than English but each character takes longer
    text = ESSAY_ZH * 3
    findings = run_check("telemetry", _essay({"active_seconds": 20}, text))
    assert findings[0].status == "fail"
    assert findings[0].evidence["written_characters"] > 300
    assert findings[0].evidence["writing"] == pytest.approx(
        findings[0].evidence["written_characters"] * 0.6, abs=0.1
    )


def test_listening_counts_towards_the_expected_time():
    clip = {"played_seconds": 60.0, "duration": 60.0, "completed": True}
    data = CheckInput(
        definition=TTS,
        answer={"naturalness": 4},
        telemetry={"active_seconds": 5, "audio": {"clip": clip}},
    )
    findings = run_check("telemetry", data)
    assert [(f.status, f.code) for f in findings] == [("fail", "telemetry.too_fast_for_work")]
    assert findings[0].evidence["listening"] == 60
    data = replace(data, telemetry={"active_seconds": 70, "audio": {"clip": clip}})
    assert run_check("telemetry", data)[0].status == "pass"


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
    assert [(f.status, f.code) for f in run_check("telemetry", _essay(None))] == [
        ("not_applicable", "telemetry.not_recorded")
    ]
    assert run_check("telemetry", _essay({}), {"missing_telemetry": "warn"})[0].status == "warn"


def test_malformed_telemetry_values_are_skipped_not_crashed_on():
    telemetry = {"active_seconds": "soon", "fields": {"answer": "lots"}, "audio": []}
    assert [(f.status, f.code) for f in run_check("telemetry", _essay(telemetry))] == [
        ("pass", "telemetry.ok"),
        ("not_applicable", "telemetry.time_not_recorded"),
    ]

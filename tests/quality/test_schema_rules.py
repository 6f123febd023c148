from __future__ import annotations

from quality.checks import CheckInput, run_check
from tests.quality.conftest import LONG_ANSWER, TTS


def test_an_answer_that_fits_its_template_passes(long_answer):
    findings = run_check("schema_rules", CheckInput(definition=LONG_ANSWER, answer=long_answer))
    assert [(f.status, f.question_id) for f in findings] == [("pass", None)]


def test_each_broken_question_fails_with_the_validator_message(long_answer):
    long_answer["citations"][0]["identifier"] = "not an identifier"
    long_answer["unknown"] = 1
    findings = run_check("schema_rules", CheckInput(definition=LONG_ANSWER, answer=long_answer))
    by_question = {f.question_id: f for f in findings}
    assert {f.status for f in findings} == {"fail"}
    assert "is not a URL, DOI, ISBN or arXiv id" in by_question["citations"].message
    assert by_question["unknown"].evidence["errors"] == ["Unknown question."]


def test_a_rating_without_full_playback_fails_as_the_template_says():
    data = CheckInput(definition=TTS, answer={"naturalness": 4}, telemetry={"audio": {}})
    findings = run_check("schema_rules", data)
    assert findings[0].status == "fail"
    assert findings[0].message == "Play the clip to the end before rating."


def test_an_answer_that_is_not_an_object_fails_as_a_whole():
    findings = run_check("schema_rules", CheckInput(definition=TTS, answer=["4"]))
    assert findings[0].status == "fail"
    assert findings[0].question_id is None


def test_a_broken_template_is_reported_not_crashed_on():
    findings = run_check(
        "schema_rules", CheckInput(definition={"questions": "nope"}, answer={"x": 1})
    )
    assert findings[0].status == "fail"
    assert "template" in findings[0].message

from __future__ import annotations

import json

from quality.checks import CheckInput, run_check, similarity
from tests.quality.conftest import ESSAY_EN, ESSAY_EN_OTHER, ESSAY_ZH, ESSAY_ZH_OTHER, LONG_ANSWER

# A light rework of ESSAY_EN: synonyms, sentences reordered, one dropped, one added.
PARAPHRASED_EN = (
    "A careful assessment begins with the harms at stake in the use case, reports outcomes for "
    "intersecting groups and goes on after release. Benchmarks like StereoSet and CrowS-Pairs "
    "just probe the stereotypes their creators wrote down, so a clean result tells little about "
    "conduct outside the benchmark. Likelihood probes also differ from how individuals meet a "
    "released system, and post-training shifts conduct in ways a base-model score never sees. "
    "I saw this myself on a survey project."
)


def _data(text: str, references: dict) -> CheckInput:
    return CheckInput(definition=LONG_ANSWER, answer={"answer": text}, ai_references=references)


def test_a_paraphrased_reference_is_flagged_naming_model_scores_and_passages():
    findings = run_check(
        "ai_similarity", _data(PARAPHRASED_EN, {"model-x": ESSAY_EN, "model-y": ESSAY_EN_OTHER})
    )
    assert [f.status for f in findings] == ["warn"]  # reworded enough to pass one measure
    finding = findings[0]
    assert finding.question_id == "answer"
    assert finding.evidence["model"] == "model-x"
    assert finding.evidence["tfidf_cosine"] >= 0.5
    assert "the harms at stake in the use case, reports" in finding.evidence["passages"]
    json.dumps(finding.as_dict())


def test_a_lightly_edited_reference_fails_on_both_measures():
    edited = ESSAY_EN.replace("only probe", "just probe").replace("Audits found", "Audits showed")
    findings = run_check("ai_similarity", _data("I think " + edited, {"model-x": ESSAY_EN}))
    assert findings[0].status == "fail"
    assert findings[0].evidence["term_overlap"] >= 0.7


def test_an_independent_answer_passes():
    findings = run_check("ai_similarity", _data(ESSAY_EN_OTHER, {"model-x": ESSAY_EN}))
    assert [f.status for f in findings] == ["pass"]
    assert findings[0].evidence["tfidf_cosine"] < 0.5


def test_chinese_copies_are_caught_and_originals_pass():
    reworked = ESSAY_ZH.replace("如今", "现在").replace("必须", "需要").replace("主要", "基本")
    assert run_check("ai_similarity", _data(reworked, {"qwen": ESSAY_ZH}))[0].status == "fail"
    assert run_check("ai_similarity", _data(ESSAY_ZH_OTHER, {"qwen": ESSAY_ZH}))[0].status == "pass"


def test_one_measure_over_its_threshold_is_a_warning():
    findings = run_check(
        "ai_similarity",
        _data(PARAPHRASED_EN, {"m": ESSAY_EN}),
        {"tfidf_threshold": 0.99, "overlap_threshold": 0.5},
    )
    assert findings[0].status == "warn"


def _codes(findings):
    return [(f.status, f.code) for f in findings]


def test_nothing_to_compare_is_recorded_as_not_applicable_with_the_reason():
    no_reference = [("not_applicable", "ai_similarity.no_reference")]
    assert _codes(run_check("ai_similarity", _data(ESSAY_EN, {}))) == no_reference
    assert _codes(run_check("ai_similarity", _data(ESSAY_EN, {"m": "  "}))) == no_reference
    short = run_check("ai_similarity", _data("Too short to judge.", {"m": ESSAY_EN}))
    assert _codes(short) == [("not_applicable", "ai_similarity.too_short")]
    assert short[0].message == (
        "Shorter than 25 words: too short to compare with the AI reference answers."
    )


def test_similarity_measures_on_their_own():
    assert similarity.tfidf_cosines(ESSAY_EN, [ESSAY_EN])[0] > 0.999
    assert similarity.tfidf_cosines("", [ESSAY_EN]) == [0.0]
    assert similarity.content_terms("Evaluations evaluate the evaluated") == {"evalua"}
    assert "早期" in similarity.content_terms(ESSAY_ZH)
    passages, share = similarity.shared_passages(ESSAY_EN, ESSAY_EN)
    assert share == 1.0 and passages[0].startswith("Benchmarks such as")

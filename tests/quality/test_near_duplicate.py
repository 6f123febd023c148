from __future__ import annotations

import numpy as np
import pytest

from quality.checks import (
    CATALOGUE,
    CheckInput,
    NearDuplicateIndex,
    index_submission,
    run_check,
)
from tests.quality.conftest import (
    ESSAY_EN,
    ESSAY_EN_OTHER,
    ESSAY_ZH,
    ESSAY_ZH_OTHER,
    LONG_ANSWER,
    PAIRWISE,
)

LIGHT_EDIT_EN = (
    ESSAY_EN.replace("only probe", "just probe")
    .replace("Audits found", "Several audits discovered")
    .replace("responsible", "careful")
)
LIGHT_EDIT_ZH = ESSAY_ZH.replace("如今", "现在").replace("必须", "需要").replace("担心", "害怕")


@pytest.fixture
def index():
    index = NearDuplicateIndex()
    index.add(ESSAY_EN, submission_id="1", question_id="answer", trainer_id="ann", task_id="t1")
    index.add(ESSAY_ZH, submission_id="2", question_id="answer", trainer_id="bo", task_id="t2")
    return index


def test_the_index_finds_a_light_edit_and_ignores_unrelated_text(index):
    matches = index.query(LIGHT_EDIT_EN)
    assert [m.submission_id for m in matches] == ["1"]
    assert matches[0].similarity > 0.6
    assert index.query(ESSAY_EN_OTHER, min_similarity=0.3) == []


def test_the_index_works_for_chinese(index):
    matches = index.query(LIGHT_EDIT_ZH)
    assert [m.submission_id for m in matches] == ["2"]
    assert index.query(ESSAY_ZH_OTHER, min_similarity=0.3) == []


def test_a_submission_is_never_its_own_duplicate(index):
    assert index.query(ESSAY_EN, exclude_submission="1") == []


def test_readding_a_submission_replaces_it_and_remove_forgets_it(index):
    index.add(ESSAY_EN_OTHER, submission_id="1", question_id="answer")
    assert len(index) == 2
    assert index.query(ESSAY_EN) == []
    assert index.remove("2") == 1
    assert index.query(ESSAY_ZH) == []
    assert len(index) == 1


def test_text_without_content_is_not_indexed():
    index = NearDuplicateIndex()
    assert index.add("  …,,!! ", submission_id="1") is False
    assert index.signature("") is None
    assert index.query("") == []


def test_the_index_round_trips_through_bytes(index):
    data = index.to_bytes()
    restored = NearDuplicateIndex.from_bytes(data)
    assert len(restored) == len(index)
    assert restored.query(LIGHT_EDIT_EN) == index.query(LIGHT_EDIT_EN)
    assert restored.query(LIGHT_EDIT_ZH) == index.query(LIGHT_EDIT_ZH)
    restored.add(ESSAY_EN_OTHER, submission_id="3")
    assert [m.submission_id for m in restored.query(ESSAY_EN_OTHER)] == ["3"]
    assert restored.to_bytes() != data


def test_a_removed_entry_is_not_persisted(index):
    index.remove("1")
    restored = NearDuplicateIndex.from_bytes(index.to_bytes())
    assert len(restored) == 1
    assert restored.query(LIGHT_EDIT_EN) == []


@pytest.mark.parametrize("data", [b"", b"NOPE" + bytes(20), b"NDIX\x01\x00\xff\x00\x00\x00{"])
def test_from_bytes_refuses_what_it_did_not_write(data):
    with pytest.raises(ValueError):
        NearDuplicateIndex.from_bytes(data)


def test_from_bytes_refuses_truncated_signatures(index):
    with pytest.raises(ValueError, match="wrong size"):
        NearDuplicateIndex.from_bytes(index.to_bytes()[:-4])


def test_stored_signatures_can_be_filed_again(index):
    signature = index.signature(LIGHT_EDIT_EN)
    other = NearDuplicateIndex()
    other.add("", submission_id="9", signature=np.frombuffer(signature.tobytes(), np.uint32))
    assert [m.submission_id for m in other.query(LIGHT_EDIT_EN)] == ["9"]


def _data(answer_text: str, index, **extra) -> CheckInput:
    return CheckInput(
        definition=PAIRWISE,
        answer={"preference": {"choice": "A"}, "quality": 4, "reason": answer_text},
        near_duplicates=index,
        **extra,
    )


def test_the_check_flags_a_near_copy_with_the_match(index):
    findings = run_check(
        "near_duplicate", _data(LIGHT_EDIT_EN, index, submission_id="5", trainer_id="cy")
    )
    assert [f.status for f in findings] == ["fail"]
    evidence = findings[0].evidence
    assert evidence["matches"][0]["submission_id"] == "1"
    assert evidence["matches"][0]["trainer_id"] == "ann"
    assert evidence["same_trainer"] is False
    assert "another trainer" not in findings[0].message  # who wrote it is evidence, not message


def test_the_check_flags_the_same_trainer_reusing_an_answer(index):
    findings = run_check(
        "near_duplicate", _data(LIGHT_EDIT_EN, index, submission_id="5", trainer_id="ann")
    )
    assert findings[0].evidence["same_trainer"] is True
    assert "another of your answers" in findings[0].message


def test_the_check_passes_original_text_and_skips_short_text(index):
    assert [f.status for f in run_check("near_duplicate", _data(ESSAY_EN_OTHER, index))] == ["pass"]
    short = run_check("near_duplicate", _data("Response A is clearer.", index))
    assert [(f.status, f.code, f.question_id) for f in short] == [
        ("not_applicable", "near_duplicate.too_short", "reason")
    ]
    assert run_check("near_duplicate", _data(ESSAY_EN, None)) == []


def test_warn_and_fail_thresholds_are_the_projects(index):
    findings = run_check(
        "near_duplicate",
        _data(LIGHT_EDIT_EN, index),
        {"warn_similarity": 0.5, "fail_similarity": 1.0},
    )
    assert findings[0].status == "warn"


def test_index_submission_files_what_the_check_compares(long_answer):
    index = NearDuplicateIndex()
    data = CheckInput(definition=LONG_ANSWER, answer=long_answer, submission_id="7", trainer_id="d")
    assert index_submission(index, data) == 1  # the essay; rubric and sources only on request
    with_rubric = {"question_types": ["text", "rubric_items"], "min_words": 5}
    spec_config = CATALOGUE["near_duplicate"].build_config(with_rubric)
    assert index_submission(NearDuplicateIndex(), data, spec_config) == 2
    later = CheckInput(
        definition=LONG_ANSWER, answer=long_answer, submission_id="8", near_duplicates=index
    )
    assert run_check("near_duplicate", later)[0].evidence["matches"][0]["submission_id"] == "7"

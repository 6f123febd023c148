"""Scores computed by hand; each docstring or comment shows the arithmetic."""

import dataclasses
import json

import pytest

from annotation_platform.errors import DomainError
from rubrics.scoring import (
    NO_POSITIVE,
    NO_POSITIVE_WEIGHT,
    RaRWeights,
    score_healthbench,
    score_rar,
    score_rubric,
    score_tree,
    validate_judgments,
)


def crit(cid, points, *, tags=(), importance="important", levels=None, evidence=False):
    node = {
        "kind": "criterion",
        "id": cid,
        "title": f"Criterion {cid}",
        "points": points,
        "polarity": "pitfall" if points < 0 else "positive",
        "importance": importance,
        "tags": list(tags),
        "evidence_required": evidence,
    }
    if levels:
        node["scale"] = {
            "type": "ordinal",
            "levels": [{"value": v, "descriptor": f"Level {v}"} for v in levels],
        }
    return node


def sec(sid, weight, *children):
    return {
        "kind": "section",
        "id": sid,
        "title": sid,
        "weight": weight,
        "children": list(children),
    }


def rubric(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


MET, NOT_MET = {"met": True}, {"met": False}

# HealthBench-style: three positive items and one pitfall.
HB = rubric(
    crit("a", 5, tags=["axis:accuracy"]),
    crit("b", 3, tags=["axis:accuracy", "axis:completeness"]),
    crit("c", 2, tags=["axis:completeness"]),
    crit("p", -4, tags=["axis:accuracy", "theme:safety"]),
)
HB_JUDGMENTS = {"a": MET, "b": NOT_MET, "c": MET, "p": MET}


def simple_evals_calculate_score(items, grades):
    """The published HealthBench rule (openai/simple-evals ``calculate_score``), restated."""
    total_possible = sum(item["points"] for item in items if item["points"] > 0)
    if total_possible == 0:
        return None
    achieved = sum(
        item["points"] for item, grade in zip(items, grades, strict=True) if grade["criteria_met"]
    )
    return achieved / total_possible


# --- HealthBench ----------------------------------------------------------------------------


def test_healthbench_score_counts_pitfall_points_against_positive_points():
    # possible = 5 + 3 + 2 = 10; achieved = 5 + 2 - 4 = 3
    result = score_healthbench(HB, HB_JUDGMENTS, missing="not_met")
    assert result.method == "healthbench"
    assert result.score == pytest.approx(0.3)
    assert result.raw_score == pytest.approx(0.3)
    assert result.missing == ()
    assert dict(result.achievements) == {"a": 1.0, "b": 0.0, "c": 1.0, "p": 1.0}


@pytest.mark.parametrize(
    "met",
    [
        (True, True, True, False),
        (True, False, True, True),
        (False, False, False, True),
        (False, True, False, False),
        (True, True, True, True),
    ],
)
def test_healthbench_score_matches_the_published_rule(met):
    items = [
        {"criterion": node["title"], "points": node["points"], "tags": node["tags"]}
        for node in HB["criteria"]
    ]
    grades = [{"criteria_met": value} for value in met]
    judgments = {
        node["id"]: {"met": value} for node, value in zip(HB["criteria"], met, strict=True)
    }
    expected = simple_evals_calculate_score(items, grades)
    result = score_healthbench(HB, judgments, missing="not_met")
    assert result.raw_score == pytest.approx(expected)
    assert result.score == pytest.approx(min(1.0, max(0.0, expected)))


def test_a_pitfall_can_push_the_raw_score_below_zero_and_the_score_is_clipped():
    # possible = 2; achieved = 0 - 5 → raw -2.5, score 0
    content = rubric(crit("a", 2), crit("p", -5))
    result = score_healthbench(content, {"a": NOT_MET, "p": MET}, missing="not_met")
    assert result.raw_score == pytest.approx(-2.5)
    assert result.score == 0.0


def test_a_pitfall_not_met_costs_nothing():
    content = rubric(crit("a", 2), crit("p", -5))
    result = score_healthbench(content, {"a": MET, "p": NOT_MET}, missing="not_met")
    assert result.score == 1.0


def test_an_all_pitfall_rubric_has_no_score_and_says_why():
    content = rubric(crit("p1", -2), crit("p2", -3))
    result = score_healthbench(content, {"p1": MET, "p2": NOT_MET}, missing="not_met")
    assert result.score is None and result.raw_score is None
    assert result.reason == NO_POSITIVE


def test_zero_positive_points_left_after_excluding_missing_judgments_gives_no_score():
    content = rubric(crit("a", 4), crit("p", -1))
    result = score_healthbench(content, {"p": MET}, missing="exclude")
    assert result.score is None and result.reason == NO_POSITIVE
    assert result.missing == ("a",)


def test_ordinal_levels_map_linearly_to_a_fraction_of_the_points():
    # o: level 4 of 1..5 → (4-1)/(5-1) = 0.75 of 4 points = 3; b: 4 → (3 + 4) / 8 = 0.875
    content = rubric(crit("o", 4, levels=range(1, 6)), crit("b", 4))
    result = score_healthbench(content, {"o": {"level": 4}, "b": MET}, missing="not_met")
    assert result.score == pytest.approx(0.875)
    assert result.achievements["o"] == pytest.approx(0.75)


def test_an_ordinal_pitfall_subtracts_its_fraction():
    # p: level 1 of 0..2 → 0.5 of -4 = -2; a: 4 → (4 - 2) / 4 = 0.5
    content = rubric(crit("a", 4), crit("p", -4, levels=range(0, 3)))
    result = score_healthbench(content, {"a": MET, "p": {"level": 1}}, missing="not_met")
    assert result.score == pytest.approx(0.5)


def test_tag_scores_use_the_same_formula_over_the_tagged_criteria():
    result = score_healthbench(HB, HB_JUDGMENTS, missing="not_met")
    # accuracy: a, b, p → (5 - 4) / (5 + 3) = 0.125; completeness: b, c → 2 / 5 = 0.4
    assert result.tags["axis:accuracy"].score == pytest.approx(0.125)
    assert result.tags["axis:accuracy"].criteria == ("a", "b", "p")
    assert result.tags["axis:completeness"].score == pytest.approx(0.4)
    # safety holds only a pitfall: no positive points, so it is skipped, with the reason
    assert "theme:safety" not in result.tags
    assert result.skipped_tags == {"theme:safety": NO_POSITIVE}


def test_missing_judgments_as_not_met_are_listed():
    result = score_healthbench(HB, {"a": MET, "c": MET, "p": MET}, missing="not_met")
    # b counts as not met: same as the complete example
    assert result.score == pytest.approx(0.3)
    assert result.missing == ("b",)
    assert result.achievements["b"] == 0.0


def test_missing_judgments_can_be_excluded_from_the_denominator():
    result = score_healthbench(HB, {"a": MET, "c": MET, "p": MET}, missing="exclude")
    # possible = 5 + 2 = 7; achieved = 5 + 2 - 4 = 3
    assert result.score == pytest.approx(3 / 7)
    assert result.missing == ("b",)
    assert result.achievements["b"] is None


def test_a_null_judgment_counts_as_missing():
    result = score_healthbench(HB, {**HB_JUDGMENTS, "b": None}, missing="exclude")
    assert result.missing == ("b",)


def test_healthbench_ignores_sections_except_for_per_section_scores():
    content = rubric(sec("s", 1, crit("a", 5), crit("p", -4)), crit("b", 3), crit("c", 2))
    result = score_healthbench(content, HB_JUDGMENTS, missing="not_met")
    assert result.score == pytest.approx(0.3)
    # section s alone: (5 - 4) / 5
    assert result.sections["s"].score == pytest.approx(0.2)


# --- Rubrics as Rewards ---------------------------------------------------------------------

RAR = rubric(
    crit("e", 10, importance="essential"),
    crit("i", 1, importance="important"),
    crit("o", 1, importance="optional"),
    crit("p", -1, importance="essential"),
)
RAR_JUDGMENTS = {"e": MET, "i": NOT_MET, "o": MET, "p": MET}


def test_rar_weighs_criteria_by_importance_and_pitfalls_by_the_pitfall_weight():
    # Σ w·c = 1.0 + 0.3 - 0.9 = 0.4; Σ positive w = 1.0 + 0.7 + 0.3 = 2.0 → 0.2
    result = score_rar(RAR, RAR_JUDGMENTS, missing="not_met")
    assert result.method == "rar"
    assert result.score == pytest.approx(0.2)
    assert result.weights == RaRWeights()


def test_rar_ignores_points():
    scaled = rubric(*({**node, "points": node["points"] * 7} for node in RAR["criteria"]))
    assert score_rar(scaled, RAR_JUDGMENTS, missing="not_met").score == pytest.approx(0.2)


def test_rar_weights_are_parameters():
    weights = RaRWeights(essential=2, important=1, optional=0.5, pitfall=-1)
    # (2 + 0.5 - 1) / (2 + 1 + 0.5) = 1.5 / 3.5
    result = score_rar(RAR, RAR_JUDGMENTS, missing="not_met", weights=weights)
    assert result.score == pytest.approx(1.5 / 3.5)


def test_rar_clips_to_zero_when_pitfalls_outweigh():
    # Σ w·c = 0 + 0.3 - 0.9 = -0.6 over 2.0 → raw -0.3
    result = score_rar(RAR, {"e": NOT_MET, "i": NOT_MET, "o": MET, "p": MET}, missing="not_met")
    assert result.raw_score == pytest.approx(-0.3)
    assert result.score == 0.0


def test_rar_uses_the_normalised_ordinal_level():
    # e: level 3 of 1..5 → 0.5 → (1.0 · 0.5 + 0.7 · 1) / 1.7
    content = rubric(crit("e", 1, importance="essential", levels=range(1, 6)), crit("i", 1))
    result = score_rar(content, {"e": {"level": 3}, "i": MET}, missing="not_met")
    assert result.score == pytest.approx(1.2 / 1.7)


def test_rar_without_positive_weight_has_no_score():
    content = rubric(crit("o", 1, importance="optional"), crit("p", -1))
    weights = RaRWeights(optional=0)
    result = score_rar(content, {"o": MET, "p": NOT_MET}, missing="not_met", weights=weights)
    assert result.score is None and result.reason == NO_POSITIVE_WEIGHT


def test_rar_excludes_missing_judgments_when_asked():
    # without i: (1.0 + 0.3 - 0.9) / (1.0 + 0.3)
    result = score_rar(RAR, {"e": MET, "o": MET, "p": MET}, missing="exclude")
    assert result.score == pytest.approx(0.4 / 1.3)
    assert result.missing == ("i",)


@pytest.mark.parametrize(
    "weights",
    [
        {"essential": -1},
        {"optional": "0.3"},
        {"important": True},
        {"pitfall": 0.5},
    ],
)
def test_rar_weights_are_checked(weights):
    with pytest.raises(ValueError):
        RaRWeights(**weights)


# --- nested sections (tree) -----------------------------------------------------------------

TREE = rubric(
    sec("sec-a", 2, crit("a1", 3), crit("a2", 1), crit("ap", -2)),
    sec(
        "sec-b",
        1,
        crit("b1", 1),
        sec("sec-b1", 1, crit("c1", 2, levels=range(1, 6)), crit("c2", 2)),
    ),
    crit("t1", 1),
)
TREE_JUDGMENTS = {
    "a1": MET,
    "a2": NOT_MET,
    "ap": MET,
    "b1": MET,
    "c1": {"level": 3},
    "c2": MET,
    "t1": NOT_MET,
}


def test_tree_scores_are_weighted_means_of_children():
    result = score_tree(TREE, TREE_JUDGMENTS, missing="not_met")
    # A:  (3·1 + 1·0 - 2·1) / (3 + 1)         = 0.25
    # B1: (2·0.5 + 2·1) / (2 + 2)              = 0.75
    # B:  (1·1 + 1·0.75) / (1 + 1)             = 0.875
    # top: (2·0.25 + 1·0.875 + 1·0) / (2+1+1)  = 1.375 / 4 = 0.34375
    assert result.sections["sec-a"].score == pytest.approx(0.25)
    assert result.sections["sec-b1"].score == pytest.approx(0.75)
    assert result.sections["sec-b"].score == pytest.approx(0.875)
    assert result.score == pytest.approx(0.34375)
    assert list(result.sections) == ["sec-a", "sec-b", "sec-b1"]


def test_a_pitfall_in_the_tree_lowers_only_its_own_section_at_most_to_zero():
    heavy = json.loads(json.dumps(TREE))
    heavy["criteria"][0]["children"][2]["points"] = -10
    result = score_tree(heavy, TREE_JUDGMENTS, missing="not_met")
    # A: (3 - 10) / 4 = -1.75 → 0;  top: (0 + 0.875 + 0) / 4
    assert result.sections["sec-a"].raw_score == pytest.approx(-1.75)
    assert result.sections["sec-a"].score == 0.0
    assert result.score == pytest.approx(0.875 / 4)


def test_a_rubric_without_sections_scores_the_same_in_tree_and_healthbench():
    tree = score_tree(HB, HB_JUDGMENTS, missing="not_met")
    flat = score_healthbench(HB, HB_JUDGMENTS, missing="not_met")
    assert tree.score == pytest.approx(flat.score)
    assert tree.tags["axis:accuracy"].score == pytest.approx(flat.tags["axis:accuracy"].score)


def test_a_section_with_everything_excluded_has_no_score_and_drops_out_of_its_parent():
    judgments = {key: value for key, value in TREE_JUDGMENTS.items() if key not in ("c1", "c2")}
    result = score_tree(TREE, judgments, missing="exclude")
    assert result.sections["sec-b1"].score is None
    assert result.sections["sec-b1"].reason == NO_POSITIVE
    # B: b1 alone → 1.0; top: (2·0.25 + 1·1 + 1·0) / 4
    assert result.sections["sec-b"].score == pytest.approx(1.0)
    assert result.score == pytest.approx(1.5 / 4)
    assert result.missing == ("c1", "c2")


def test_other_methods_report_each_sections_subtree_score():
    result = score_healthbench(TREE, TREE_JUDGMENTS, missing="not_met")
    # all: possible 3+1+1+2+2+1 = 10; achieved 3 - 2 + 1 + 1 + 2 = 5
    assert result.score == pytest.approx(0.5)
    assert result.sections["sec-a"].score == pytest.approx(0.25)
    # B: (1 + 1 + 2) / (1 + 2 + 2)
    assert result.sections["sec-b"].score == pytest.approx(0.8)
    assert result.sections["sec-b1"].criteria == ("c1", "c2")


# --- judgments and results ------------------------------------------------------------------

ORDINAL = rubric(crit("b", 2, evidence=True), crit("o", 2, levels=range(1, 4)))


@pytest.mark.parametrize(
    ("judgments", "path"),
    [
        ({"zz": MET}, "zz"),
        ({"b": True}, "b"),
        ({"b": {"met": "yes"}}, "b.met"),
        ({"b": {}}, "b.met"),
        ({"b": {"level": 2}}, "b.level"),
        ({"o": {"met": True}}, "o.met"),
        ({"o": {"level": 4}}, "o.level"),
        ({"o": {"level": True}}, "o.level"),
        ({"o": {"level": 2, "evidence": 3}}, "o.evidence"),
    ],
)
def test_bad_judgments_are_reported_by_path(judgments, path):
    assert path in validate_judgments(ORDINAL, judgments)
    with pytest.raises(DomainError) as refused:
        score_healthbench(ORDINAL, judgments, missing="not_met")
    assert refused.value.code == "invalid_judgments"
    assert f"judgments.{path}" in refused.value.fields


def test_evidence_is_checked_only_when_asked():
    judgments = {"b": MET, "o": {"level": 2}}
    assert validate_judgments(ORDINAL, judgments) == {}
    errors = validate_judgments(ORDINAL, judgments, require_evidence=True)
    assert list(errors) == ["b.evidence"]
    cited = {"b": {"met": True, "evidence": "“Take 5 mg daily.”"}, "o": {"level": 2}}
    assert validate_judgments(ORDINAL, cited, require_evidence=True) == {}
    assert validate_judgments(ORDINAL, {"b": NOT_MET}, require_evidence=True) == {}


def test_invalid_content_is_refused_with_its_paths():
    with pytest.raises(DomainError) as refused:
        score_healthbench(rubric(crit("a", 0)), {}, missing="not_met")
    assert refused.value.code == "invalid_rubric"
    assert "content.criteria[0].points" in refused.value.fields


def test_unknown_methods_and_policies_are_programming_errors():
    with pytest.raises(ValueError):
        score_rubric(HB, HB_JUDGMENTS, method="mean", missing="not_met")
    with pytest.raises(ValueError):
        score_rubric(HB, HB_JUDGMENTS, method="healthbench", missing="guess")
    with pytest.raises(ValueError):
        score_rubric(HB, HB_JUDGMENTS, method="tree", missing="not_met", weights=RaRWeights())


def test_the_result_is_frozen_and_serialisable():
    result = score_tree(TREE, TREE_JUDGMENTS, missing="not_met")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 1.0
    with pytest.raises(TypeError):
        result.tags["x"] = None
    data = json.loads(json.dumps(result.as_dict()))
    assert data["method"] == "tree"
    assert data["sections"]["sec-a"]["score"] == pytest.approx(0.25)
    assert data["missing_policy"] == "not_met"

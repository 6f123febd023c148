import copy
import math

import pytest

from rubrics.content import (
    MAX_NODES,
    MAX_SECTION_DEPTH,
    iter_criteria,
    iter_nodes,
    normalize_rubric_content,
    validate_rubric_content,
)


def criterion(cid="c1", **overrides):
    node = {
        "kind": "criterion",
        "id": cid,
        "title": "Names the guideline it relies on",
        "points": 5,
        "polarity": "positive",
    }
    node.update(overrides)
    return node


def pitfall(cid="p1", **overrides):
    fields = {"title": "Recommends a dangerous dose", "points": -5, "polarity": "pitfall"}
    return criterion(cid, **{**fields, **overrides})


def ordinal(cid="o1", **overrides):
    return criterion(
        cid,
        scale={
            "type": "ordinal",
            "levels": [{"value": v, "descriptor": f"Level {v}"} for v in range(1, 6)],
        },
        **overrides,
    )


def section(sid="s1", children=None, **overrides):
    node = {
        "kind": "section",
        "id": sid,
        "title": "Accuracy",
        "children": children if children is not None else [criterion(f"{sid}-c")],
    }
    node.update(overrides)
    return node


def content(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


def errors_of(*nodes):
    return validate_rubric_content(content(*nodes))


FULL = content(
    section(
        "accuracy",
        [
            criterion(
                "cites-guideline",
                description="A named, current clinical guideline.",
                importance="essential",
                tags=["axis:accuracy", "theme:citations"],
                evidence_required=True,
            ),
            pitfall("invents-source"),
            section("tone", [ordinal("empathy", importance="optional")], weight=0.5),
        ],
        weight=2,
    ),
    criterion("concise", importance="optional", points=1.5),
)


# --- valid content ------------------------------------------------------------------------


def test_a_full_rubric_with_nested_sections_is_valid():
    assert validate_rubric_content(FULL) == {}


def test_an_empty_rubric_is_valid_content():
    assert validate_rubric_content({"criteria": []}) == {}


def test_schema_version_may_be_left_out():
    assert validate_rubric_content({"criteria": [criterion()]}) == {}


def test_normalising_spells_out_every_default():
    normal = normalize_rubric_content({"criteria": [section("s", [criterion("c")])]})
    assert normal == {
        "schema_version": 1,
        "criteria": [
            {
                "kind": "section",
                "id": "s",
                "title": "Accuracy",
                "description": "",
                "weight": 1,
                "children": [
                    {
                        "kind": "criterion",
                        "id": "c",
                        "title": "Names the guideline it relies on",
                        "description": "",
                        "points": 5,
                        "polarity": "positive",
                        "importance": "important",
                        "scale": {"type": "binary"},
                        "tags": [],
                        "evidence_required": False,
                    }
                ],
            }
        ],
    }


def test_normalising_is_idempotent_valid_and_leaves_the_input_alone():
    original = copy.deepcopy(FULL)
    normal = normalize_rubric_content(FULL)
    assert original == FULL
    assert validate_rubric_content(normal) == {}
    assert normalize_rubric_content(normal) == normal


def test_iter_nodes_reports_paths_parents_and_enclosing_sections():
    located = {item.node["id"]: item for item in iter_nodes(FULL)}
    assert located["empathy"].path == "criteria[0].children[2].children[0]"
    assert located["empathy"].parent == "tone"
    assert located["empathy"].sections == ("accuracy", "tone")
    assert located["concise"].parent is None and located["concise"].index == 1
    assert [item.node["id"] for item in iter_criteria(FULL)] == [
        "cites-guideline",
        "invents-source",
        "empathy",
        "concise",
    ]


# --- the content as a whole ---------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], "rubric", 3])
def test_content_must_be_an_object(value):
    assert "" in validate_rubric_content(value)


def test_criteria_are_required():
    assert "criteria" in validate_rubric_content({"schema_version": 1})


def test_criteria_must_be_a_list():
    assert validate_rubric_content({"criteria": {"c1": criterion()}})["criteria"]


def test_unknown_top_level_keys_are_refused_with_a_suggestion():
    errors = validate_rubric_content({"criteria": [], "critera": []})
    assert errors == {"critera": ['Unknown key "critera". Did you mean "criteria"?']}


@pytest.mark.parametrize("version", [2, "1", True])
def test_only_schema_version_1_is_read(version):
    assert "schema_version" in validate_rubric_content({"schema_version": version, "criteria": []})


def test_a_node_must_be_an_object():
    assert "criteria[0]" in errors_of("a criterion")


def test_a_node_needs_a_kind():
    node = criterion()
    del node["kind"]
    assert "criteria[0].kind" in errors_of(node)


def test_an_unknown_kind_is_refused():
    assert "criteria[0].kind" in errors_of(criterion(kind="rule"))


def test_too_many_nodes_are_refused_once():
    nodes = [criterion(f"c{n}") for n in range(MAX_NODES + 1)]
    errors = errors_of(*nodes)
    assert list(errors) == ["criteria"]
    assert len(errors["criteria"]) == 1


# --- criteria -----------------------------------------------------------------------------


def test_unknown_criterion_keys_are_refused_with_a_suggestion():
    errors = errors_of(criterion(pionts=3))
    assert errors == {"criteria[0].pionts": ['Unknown key "pionts". Did you mean "points"?']}


def test_a_missing_title_is_refused_with_its_path():
    node = criterion()
    del node["title"]
    assert errors_of(criterion("a"), node) == {"criteria[1].title": ["This is required."]}


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(title):
    assert errors_of(criterion(title=title)) == {"criteria[0].title": ["Must not be empty."]}


def test_a_title_must_be_a_string():
    assert "criteria[0].title" in errors_of(criterion(title=["Title"]))


def test_a_description_must_be_a_string():
    assert "criteria[0].description" in errors_of(criterion(description=3))


def test_points_are_required():
    node = criterion()
    del node["points"]
    assert "criteria[0].points" in errors_of(node)


@pytest.mark.parametrize("points", ["5", True, False, None, [5], math.nan, math.inf])
def test_points_must_be_a_number_and_bools_are_not_numbers(points):
    errors = errors_of(criterion(points=points))
    assert errors["criteria[0].points"][0].startswith("Must be a number")


def test_zero_points_are_refused():
    assert "criteria[0].points" in errors_of(criterion(points=0))


def test_fractional_points_are_allowed():
    assert errors_of(criterion(points=2.5)) == {}


def test_polarity_is_required():
    node = criterion()
    del node["polarity"]
    assert "criteria[0].polarity" in errors_of(node)


def test_an_unknown_polarity_is_refused():
    assert "criteria[0].polarity" in errors_of(criterion(polarity="negative"))


def test_negative_points_on_a_positive_criterion_are_refused():
    errors = errors_of(criterion(points=-3))
    assert errors == {
        "criteria[0].polarity": [
            'A criterion with negative points is a pitfall: set "polarity": "pitfall".'
        ]
    }


def test_a_pitfall_with_positive_points_is_refused():
    errors = errors_of(criterion(polarity="pitfall", points=3))
    assert list(errors) == ["criteria[0].polarity"]


def test_a_pitfall_with_negative_points_is_valid():
    assert errors_of(criterion("a"), pitfall("b")) == {}


def test_an_unknown_importance_is_refused():
    assert "criteria[0].importance" in errors_of(criterion(importance="critical"))


def test_tags_must_be_a_list_of_distinct_non_empty_strings():
    assert "criteria[0].tags" in errors_of(criterion(tags="axis:accuracy"))
    errors = errors_of(criterion(tags=["axis:accuracy", "", 3, "axis:accuracy", " x"]))
    assert set(errors) == {
        "criteria[0].tags[1]",
        "criteria[0].tags[2]",
        "criteria[0].tags[3]",
        "criteria[0].tags[4]",
    }


def test_evidence_required_must_be_a_bool():
    assert "criteria[0].evidence_required" in errors_of(criterion(evidence_required="yes"))


# --- ids ----------------------------------------------------------------------------------


def test_an_id_is_required():
    node = criterion()
    del node["id"]
    assert "criteria[0].id" in errors_of(node)


@pytest.mark.parametrize("bad", ["Has Spaces", "UPPER", "-lead", "trail-", "", 7, "x" * 65])
def test_an_id_must_be_a_slug(bad):
    assert "criteria[0].id" in errors_of(criterion(bad))


def test_duplicate_ids_are_refused_across_the_whole_tree():
    errors = errors_of(criterion("dup"), section("s", [criterion("other"), criterion("dup")]))
    assert errors == {
        "criteria[1].children[1].id": ['The id "dup" is already used by criteria[0].']
    }


def test_a_section_and_a_criterion_cannot_share_an_id():
    assert "criteria[1].id" in errors_of(section("same"), criterion("same"))


# --- scales -------------------------------------------------------------------------------


def test_an_ordinal_scale_with_missing_levels_is_refused_with_its_nested_path():
    nested = section(
        "s",
        [criterion("a"), criterion("b")],
    )
    nested["children"][0]["scale"] = {"type": "ordinal"}
    errors = errors_of(criterion("x"), criterion("y"), nested)
    assert errors == {
        "criteria[2].children[0].scale.levels": [
            "This is required: an ordinal scale lists its levels."
        ]
    }


def test_a_scale_must_be_an_object_with_a_known_type():
    assert "criteria[0].scale" in errors_of(criterion(scale="binary"))
    assert "criteria[0].scale.type" in errors_of(criterion(scale={}))
    assert "criteria[0].scale.type" in errors_of(criterion(scale={"type": "likert"}))


def test_a_binary_scale_has_no_levels():
    errors = errors_of(criterion(scale={"type": "binary", "levels": []}))
    assert "criteria[0].scale.levels" in errors


def test_an_ordinal_scale_needs_at_least_two_levels():
    scale = {"type": "ordinal", "levels": [{"value": 1, "descriptor": "Only"}]}
    assert "criteria[0].scale.levels" in errors_of(criterion(scale=scale))


def test_ordinal_levels_must_be_consecutive_and_ascending():
    levels = [{"value": v, "descriptor": f"L{v}"} for v in (1, 2, 4)]
    errors = errors_of(criterion(scale={"type": "ordinal", "levels": levels}))
    assert errors == {
        "criteria[0].scale.levels": [
            "Level values must be consecutive whole numbers in ascending order (e.g. 1, 2, 3, "
            "4, 5); found 1, 2, 4."
        ]
    }
    descending = [{"value": v, "descriptor": f"L{v}"} for v in (3, 2, 1)]
    assert "criteria[0].scale.levels" in errors_of(
        criterion(scale={"type": "ordinal", "levels": descending})
    )


def test_ordinal_scales_may_start_at_zero():
    levels = [{"value": v, "descriptor": f"L{v}"} for v in range(0, 4)]
    assert errors_of(criterion(scale={"type": "ordinal", "levels": levels})) == {}


def test_each_level_needs_an_int_value_and_a_descriptor():
    levels = [
        {"value": True, "descriptor": "Bool is not an int"},
        {"value": 2, "descriptor": ""},
        {"value": 3, "descriptor": "ok", "colour": "red"},
        "four",
    ]
    errors = errors_of(criterion(scale={"type": "ordinal", "levels": levels}))
    assert set(errors) == {
        "criteria[0].scale.levels[0].value",
        "criteria[0].scale.levels[1].descriptor",
        "criteria[0].scale.levels[2].colour",
        "criteria[0].scale.levels[3]",
    }


# --- sections -----------------------------------------------------------------------------


def test_a_section_needs_children():
    node = section()
    del node["children"]
    assert "criteria[0].children" in errors_of(node)
    assert "criteria[0].children" in errors_of(section(children=[]))


@pytest.mark.parametrize("weight", [0, -1, "2", True])
def test_a_section_weight_must_be_positive(weight):
    assert "criteria[0].weight" in errors_of(section(weight=weight))


def test_unknown_section_keys_are_refused():
    assert "criteria[0].wieght" in errors_of(section(wieght=2))


def test_a_section_needs_a_title():
    assert "criteria[0].title" in errors_of(section(title=""))


def test_a_section_of_pitfalls_alone_is_refused():
    errors = errors_of(criterion("a"), section("safety", [pitfall("p")]))
    assert list(errors) == ["criteria[1].children"]
    assert "positive criterion" in errors["criteria[1].children"][0]


def test_a_section_whose_positive_criteria_sit_in_a_sub_section_is_valid():
    assert errors_of(section("outer", [pitfall("p"), section("inner")])) == {}


def test_sections_nest_only_so_deep():
    node = criterion("leaf")
    for depth in range(MAX_SECTION_DEPTH + 1):
        node = section(f"s{depth}", [node])
    errors = validate_rubric_content(content(node))
    assert len(errors) == 1
    [(path, _)] = errors.items()
    assert path.endswith(".children")


def test_every_error_is_reported_at_once():
    errors = errors_of(
        criterion("ok"),
        criterion("ok", title="", points="x"),
        section("s", [ordinal("o", polarity="bad")]),
    )
    assert set(errors) == {
        "criteria[1].id",
        "criteria[1].title",
        "criteria[1].points",
        "criteria[2].children[0].polarity",
        "criteria[2].children",  # no positive criterion left in it
    }

import copy
import json

import pytest

from annotation_platform.errors import DomainError
from rubrics.content import iter_criteria, normalize_rubric_content, validate_rubric_content
from rubrics.interchange import (
    EXPECTED_SHAPES,
    FORMAT_HEALTHBENCH,
    FORMAT_PROMETHEUS,
    FORMAT_RAR,
    FORMAT_RUBRIC,
    detect_format,
    export_content,
    import_content,
)


def crit(cid, points, **extra):
    return {
        "kind": "criterion",
        "id": cid,
        "title": f"Criterion {cid}",
        "points": points,
        "polarity": "pitfall" if points < 0 else "positive",
        **extra,
    }


def rubric(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


def criteria(content):
    return [located.node for located in iter_criteria(content)]


FULL = rubric(
    {
        "kind": "section",
        "id": "accuracy",
        "title": "Accuracy",
        "description": "Facts and sources.",
        "weight": 2,
        "children": [
            crit(
                "cites",
                5,
                description="A named guideline.",
                importance="essential",
                tags=["axis:accuracy"],
                evidence_required=True,
            ),
            crit("invents", -3, tags=["theme:hallucination"]),
        ],
    },
    crit(
        "tone",
        2,
        importance="optional",
        scale={
            "type": "ordinal",
            "levels": [{"value": v, "descriptor": f"Tone level {v}"} for v in range(0, 4)],
        },
    ),
)

HEALTHBENCH_ITEMS = [
    {
        "criterion": "Advises the user to seek emergency care for chest pain with sweating.",
        "points": 10,
        "tags": ["level:example", "axis:completeness"],
    },
    {
        "criterion": "Recommends waiting to see if the pain goes away.",
        "points": -8,
        "tags": ["level:example", "axis:accuracy"],
    },
    {"criterion": "Is concise.", "points": 2, "tags": ["axis:communication_quality"]},
]

RAR_ITEMS = [
    {
        "title": "Correct diagnosis",
        "description": "Essential Criteria: Identifies acute appendicitis as the likeliest cause.",
        "weight": 5,
    },
    {
        "title": "Imaging choice",
        "description": "Important Criteria: Recommends ultrasound before CT in a child.",
        "weight": 3,
    },
    {
        "title": "Concise",
        "description": "Optional Criteria: Keeps the answer under 200 words.",
        "weight": 1,
    },
    {
        "title": "No antibiotics alone",
        "description": "Pitfall Criteria: Suggests antibiotics without surgical review.",
        "weight": -2,
    },
]

PROMETHEUS = {
    "criteria": "Does the response explain the tone differences between Cantonese variants?",
    "score1_description": "No explanation, or a wrong one.",
    "score2_description": "Mentions a difference without explaining it.",
    "score3_description": "Explains one difference correctly.",
    "score4_description": "Explains several differences with minor slips.",
    "score5_description": "Explains the differences precisely, with examples.",
}


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (FULL, FORMAT_RUBRIC),
        ({"criteria": []}, FORMAT_RUBRIC),
        (HEALTHBENCH_ITEMS, FORMAT_HEALTHBENCH),
        ({"prompt": [], "rubrics": HEALTHBENCH_ITEMS}, FORMAT_HEALTHBENCH),
        (RAR_ITEMS, FORMAT_RAR),
        (PROMETHEUS, FORMAT_PROMETHEUS),
        ({"score1_description": "x"}, FORMAT_PROMETHEUS),
        ({"rubric": []}, None),
        ([], None),
        ([1, 2], None),
        ([{"name": "x"}], None),
        ("text", None),
        (None, None),
    ],
)
def test_detect_format(data, fmt):
    assert detect_format(data) == fmt


def test_a_file_in_no_known_shape_is_refused_naming_what_was_expected():
    with pytest.raises(DomainError) as refused:
        import_content({"questions": []})
    assert refused.value.code == "unknown_format"
    assert EXPECTED_SHAPES in refused.value.detail
    assert "HealthBench" in refused.value.detail and "Prometheus" in refused.value.detail


def test_an_empty_list_is_refused_as_holding_no_items():
    with pytest.raises(DomainError) as refused:
        import_content([])
    assert refused.value.detail == "The file holds no rubric items."


def test_an_unknown_format_name_is_refused():
    with pytest.raises(DomainError) as refused:
        import_content(FULL, fmt="csv")
    assert "format" in refused.value.fields
    with pytest.raises(DomainError):
        export_content(FULL, fmt="csv")


def test_json_text_is_parsed_first():
    assert import_content(json.dumps(HEALTHBENCH_ITEMS)) == import_content(HEALTHBENCH_ITEMS)
    with pytest.raises(DomainError) as refused:
        import_content("{not json")
    assert refused.value.code == "invalid_import"


# --- our own schema -------------------------------------------------------------------------


def test_our_schema_round_trips_without_loss():
    exported = export_content(FULL, fmt=FORMAT_RUBRIC)
    assert exported == normalize_rubric_content(FULL)
    assert import_content(json.loads(json.dumps(exported))) == exported
    assert export_content(import_content(exported), fmt=FORMAT_RUBRIC) == exported


def test_importing_our_schema_reports_errors_by_path():
    bad = copy.deepcopy(FULL)
    bad["criteria"][0]["children"][0]["points"] = "5"
    with pytest.raises(DomainError) as refused:
        import_content(bad)
    assert refused.value.code == "invalid_import"
    assert list(refused.value.fields) == ["criteria[0].children[0].points"]


def test_exporting_invalid_content_is_refused():
    with pytest.raises(DomainError) as refused:
        export_content(rubric(crit("a", 0)), fmt=FORMAT_RUBRIC)
    assert "content.criteria[0].points" in refused.value.fields


# --- HealthBench ----------------------------------------------------------------------------


def test_healthbench_items_import_as_binary_criteria_with_polarity_from_the_sign():
    content = import_content(HEALTHBENCH_ITEMS)
    assert validate_rubric_content(content) == {}
    first, pitfall, concise = criteria(content)
    assert first["title"] == HEALTHBENCH_ITEMS[0]["criterion"]
    assert (first["points"], first["polarity"]) == (10, "positive")
    assert (pitfall["points"], pitfall["polarity"]) == (-8, "pitfall")
    assert concise["tags"] == ["axis:communication_quality"]
    assert [node["id"] for node in (first, pitfall, concise)] == ["c1", "c2", "c3"]


def test_healthbench_items_round_trip():
    content = import_content(HEALTHBENCH_ITEMS, fmt=FORMAT_HEALTHBENCH)
    assert export_content(content, fmt=FORMAT_HEALTHBENCH) == HEALTHBENCH_ITEMS


def test_our_rubric_through_healthbench_keeps_text_points_tags_and_polarity():
    ours = rubric(
        crit("a", 5, tags=["axis:accuracy"]),
        {
            "kind": "section",
            "id": "s",
            "title": "Safety",
            "children": [crit("b", 1), crit("p", -4, tags=["theme:safety"])],
        },
    )
    back = import_content(export_content(ours, fmt=FORMAT_HEALTHBENCH))
    kept = ("title", "points", "tags", "polarity")
    assert [{k: n[k] for k in kept} for n in criteria(back)] == [
        {k: n.get(k, []) for k in kept} for n in criteria(ours)
    ]


def test_a_healthbench_example_row_imports_its_rubrics_with_paths_inside_it():
    row = {"prompt": [], "rubrics": [HEALTHBENCH_ITEMS[0], {"criterion": "x", "points": "1"}]}
    with pytest.raises(DomainError) as refused:
        import_content(row)
    assert list(refused.value.fields) == ["rubrics[1].points"]
    assert len(criteria(import_content({"rubrics": HEALTHBENCH_ITEMS}))) == 3


def test_every_bad_healthbench_item_is_reported_with_its_path():
    items = [
        HEALTHBENCH_ITEMS[0],
        {"points": 3, "tags": []},
        {"criterion": "Zero", "points": 0, "tags": []},
        {"criterion": "Bool", "points": True, "tags": []},
        {"criterion": "Typo", "points": 1, "tgs": []},
        "not an item",
        {"criterion": "Tags", "points": 1, "tags": [3]},
        {"criterion": "", "points": 1},
    ]
    with pytest.raises(DomainError) as refused:
        import_content(items)
    assert refused.value.code == "invalid_import"
    assert set(refused.value.fields) == {
        "[1].criterion",
        "[2].points",
        "[3].points",
        "[4].tgs",
        "[5]",
        "[6].tags[0]",
        "[7].criterion",
    }


def test_a_bad_tag_is_reported_under_the_items_own_name():
    with pytest.raises(DomainError) as refused:
        import_content([{"criterion": "Tags", "points": 1, "tags": ["ok", 3]}])
    assert list(refused.value.fields) == ["[0].tags[1]"]


def test_healthbench_cannot_hold_ordinal_criteria():
    with pytest.raises(DomainError) as refused:
        export_content(FULL, fmt=FORMAT_HEALTHBENCH)
    assert refused.value.code == "export_unsupported"
    assert list(refused.value.fields) == ["content.criteria[1].scale"]


def test_a_description_joins_the_criterion_text_in_healthbench():
    [item] = export_content(rubric(crit("a", 1, description="Details.")), fmt=FORMAT_HEALTHBENCH)
    assert item["criterion"] == "Criterion a\n\nDetails."


# --- Rubrics as Rewards ---------------------------------------------------------------------


def test_rar_items_import_with_importance_from_the_category_and_points_from_the_weight():
    content = import_content(RAR_ITEMS)
    essential, important, optional, pitfall = criteria(content)
    assert essential["title"] == "Correct diagnosis"
    assert essential["description"] == "Identifies acute appendicitis as the likeliest cause."
    assert [n["importance"] for n in (essential, important, optional)] == [
        "essential",
        "important",
        "optional",
    ]
    assert (pitfall["polarity"], pitfall["points"]) == ("pitfall", -2)


def test_rar_items_round_trip():
    content = import_content(RAR_ITEMS, fmt=FORMAT_RAR)
    assert export_content(content, fmt=FORMAT_RAR) == RAR_ITEMS


def test_rar_weights_without_a_category_map_to_importance():
    items = [
        {"title": "A", "description": "a", "weight": 1.0},
        {"title": "B", "description": "b", "weight": 0.7},
        {"title": "C", "description": "c", "weight": 0.3},
        {"title": "D", "description": "d", "weight": -0.9},
    ]
    importances = [n["importance"] for n in criteria(import_content(items))]
    assert importances[:3] == ["essential", "important", "optional"]
    items_1_to_5 = [
        {"title": "A", "weight": 5},
        {"title": "B", "weight": 4},
        {"title": "C", "weight": 2},
    ]
    assert [n["importance"] for n in criteria(import_content(items_1_to_5))] == [
        "essential",
        "important",
        "optional",
    ]


def test_our_rubric_through_rar_keeps_title_description_weight_and_importance():
    ours = rubric(
        crit("a", 5, importance="essential", description="Gets it right."),
        crit("b", 2, importance="optional"),
        crit("c", 0.7, importance="important", description="Explains why."),
        crit("p", -1, description="Invents a source."),
    )
    exported = export_content(ours, fmt=FORMAT_RAR)
    assert exported[0] == {
        "title": "Criterion a",
        "description": "Essential Criteria: Gets it right.",
        "weight": 5,
    }
    assert exported[1]["description"] == "Optional Criteria:"
    back = criteria(import_content(exported))
    kept = ("title", "description", "points", "polarity")
    assert [{k: n[k] for k in kept} for n in back] == [
        {k: n.get(k, "") for k in kept} for n in criteria(ours)
    ]
    assert [n["importance"] for n in back[:3]] == ["essential", "optional", "important"]


def test_every_bad_rar_item_is_reported_with_its_path():
    items = [
        RAR_ITEMS[0],
        {"description": "no title", "weight": 1},
        {"title": "Bad weight", "weight": "3"},
        {"title": "Zero", "weight": 0},
        {"title": "Extra", "weight": 1, "category": "x"},
        {"title": "Description", "description": 4, "weight": 1},
    ]
    with pytest.raises(DomainError) as refused:
        import_content(items, fmt=FORMAT_RAR)
    assert set(refused.value.fields) == {
        "[1].title",
        "[2].weight",
        "[3].weight",
        "[4].category",
        "[5].description",
    }


# --- Prometheus -----------------------------------------------------------------------------


def test_a_prometheus_rubric_imports_as_one_ordinal_criterion():
    content = import_content(PROMETHEUS)
    [node] = criteria(content)
    assert node["title"] == PROMETHEUS["criteria"]
    assert node["scale"]["type"] == "ordinal"
    assert [level["value"] for level in node["scale"]["levels"]] == [1, 2, 3, 4, 5]
    assert node["scale"]["levels"][2]["descriptor"] == PROMETHEUS["score3_description"]


def test_a_prometheus_rubric_round_trips():
    assert export_content(import_content(PROMETHEUS), fmt=FORMAT_PROMETHEUS) == PROMETHEUS


def test_our_one_criterion_1_to_5_rubric_through_prometheus_keeps_the_descriptors():
    levels = [{"value": v, "descriptor": f"Descriptor {v}"} for v in range(1, 6)]
    ours = rubric(crit("a", 3, scale={"type": "ordinal", "levels": levels}))
    back = criteria(import_content(export_content(ours, fmt=FORMAT_PROMETHEUS)))
    assert back[0]["title"] == "Criterion a"
    assert back[0]["scale"]["levels"] == levels


def test_prometheus_errors_name_the_key():
    broken = {**PROMETHEUS, "score3_description": "", "score6_description": "Extra"}
    del broken["score5_description"]
    with pytest.raises(DomainError) as refused:
        import_content(broken)
    assert set(refused.value.fields) == {
        "score3_description",
        "score5_description",
        "score6_description",
    }


def test_a_too_long_prometheus_text_is_reported_under_its_key():
    with pytest.raises(DomainError) as refused:
        import_content({**PROMETHEUS, "criteria": "x" * 5000, "score2_description": "y" * 30000})
    assert set(refused.value.fields) == {"criteria", "score2_description"}


def test_only_a_single_1_to_5_criterion_exports_to_prometheus():
    with pytest.raises(DomainError) as refused:
        export_content(FULL, fmt=FORMAT_PROMETHEUS)
    assert refused.value.code == "export_unsupported"
    assert "3 criteria" in refused.value.fields["content.criteria"][0]
    with pytest.raises(DomainError) as refused:
        export_content(rubric(crit("a", 1)), fmt=FORMAT_PROMETHEUS)
    assert "levels 1 to 5" in refused.value.fields["content.criteria"][0]

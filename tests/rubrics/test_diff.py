import copy
import json

from rubrics.content import normalize_rubric_content
from rubrics.diff import FieldChange, Location, rubric_diff


def crit(cid, points=2, **extra):
    return {
        "kind": "criterion",
        "id": cid,
        "title": f"Criterion {cid}",
        "points": points,
        "polarity": "pitfall" if points < 0 else "positive",
        **extra,
    }


def sec(sid, *children, **extra):
    return {
        "kind": "section",
        "id": sid,
        "title": f"Section {sid}",
        "children": list(children),
        **extra,
    }


def rubric(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


def kinds(changes):
    return [(change.kind, change.id) for change in changes]


def test_identical_content_has_no_changes():
    content = rubric(crit("a"), sec("s", crit("b")))
    assert rubric_diff(content, copy.deepcopy(content)) == []


def test_writing_a_default_out_is_not_a_change():
    short = rubric(crit("a"), sec("s", crit("b")))
    assert rubric_diff(short, normalize_rubric_content(short)) == []


def test_added_and_removed_criteria():
    changes = rubric_diff(rubric(crit("a"), crit("b")), rubric(crit("a"), crit("c")))
    assert kinds(changes) == [("added", "c"), ("removed", "b")]
    added, removed = changes
    assert added.before is None
    assert added.after == Location(section=None, index=1, path="criteria[1]")
    assert removed.after is None and removed.before.path == "criteria[1]"
    assert added.node == "criterion" and added.title == "Criterion c"


def test_changed_fields_carry_before_and_after():
    old = rubric(crit("a", 2, tags=["axis:accuracy"]))
    ordinal = {
        "type": "ordinal",
        "levels": [{"value": 1, "descriptor": "Poor"}, {"value": 2, "descriptor": "Good"}],
    }
    new = rubric(crit("a", 5, tags=["axis:completeness"], scale=ordinal, importance="essential"))
    [change] = rubric_diff(old, new)
    assert change.kind == "changed"
    assert change.fields == (
        FieldChange("points", 2, 5),
        FieldChange("importance", "important", "essential"),
        FieldChange("scale", {"type": "binary"}, ordinal),
        FieldChange("tags", ["axis:accuracy"], ["axis:completeness"]),
    )


def test_becoming_a_pitfall_changes_points_and_polarity():
    [change] = rubric_diff(rubric(crit("a", 2)), rubric(crit("a", -2)))
    assert [field.field for field in change.fields] == ["points", "polarity"]


def test_moving_into_another_section_is_a_section_move():
    old = rubric(crit("a"), sec("s", crit("b")))
    new = rubric(sec("s", crit("b"), crit("a")))
    [change] = rubric_diff(old, new)
    assert (change.kind, change.id) == ("moved", "a")
    assert change.moved_section
    assert change.before == Location(None, 0, "criteria[0]")
    assert change.after == Location("s", 1, "criteria[0].children[1]")


def test_reordering_reports_only_the_criterion_that_moved():
    old = rubric(crit("a"), crit("b"), crit("c"), crit("d"))
    new = rubric(crit("b"), crit("c"), crit("d"), crit("a"))
    [change] = rubric_diff(old, new)
    assert (change.kind, change.id) == ("moved", "a")
    assert not change.moved_section


def test_removing_one_criterion_does_not_move_its_later_siblings():
    old = rubric(crit("a"), crit("b"), crit("c"), crit("d"))
    new = rubric(crit("a"), crit("c"), crit("d"))
    assert kinds(rubric_diff(old, new)) == [("removed", "b")]


def test_a_criterion_both_changed_and_moved_yields_both_entries():
    old = rubric(crit("a"), crit("b"), crit("c"))
    new = rubric(crit("b"), crit("c"), crit("a", 7))
    assert kinds(rubric_diff(old, new)) == [("changed", "a"), ("moved", "a")]


def test_section_changes_are_reported_too():
    old = rubric(sec("s", crit("a"), weight=1))
    new = rubric(sec("s", crit("a"), weight=3, title="Accuracy"))
    [change] = rubric_diff(old, new)
    assert change.node == "section" and change.kind == "changed"
    assert change.fields == (
        FieldChange("title", "Section s", "Accuracy"),
        FieldChange("weight", 1, 3),
    )


def test_moving_a_section_moves_it_and_not_its_children():
    old = rubric(sec("s", crit("a")), sec("t", crit("b")))
    new = rubric(sec("t", crit("b")), sec("s", crit("a")))
    changes = rubric_diff(old, new)
    assert len(changes) == 1 and changes[0].kind == "moved" and changes[0].node == "section"


def test_an_id_that_changes_kind_is_removed_and_added():
    old = rubric(crit("x"), crit("a"))
    new = rubric(sec("x", crit("b")), crit("a"))
    assert sorted(kinds(rubric_diff(old, new))) == [
        ("added", "b"),
        ("added", "x"),
        ("removed", "x"),
    ]


def test_changes_serialise_for_the_api():
    changes = rubric_diff(rubric(crit("a")), rubric(crit("a", 3)))
    data = json.loads(json.dumps([change.as_dict() for change in changes]))
    assert data == [
        {
            "kind": "changed",
            "node": "criterion",
            "id": "a",
            "title": "Criterion a",
            "before": {"section": None, "index": 0, "path": "criteria[0]"},
            "after": {"section": None, "index": 0, "path": "criteria[0]"},
            "fields": [{"field": "points", "before": 2, "after": 3}],
        }
    ]

"""Project guidelines: the draft, stable rule ids, immutable versions, what changed, and the
notice each trainer acknowledges once."""

from __future__ import annotations

import pytest
from django.http import Http404

from annotation_platform.errors import ConflictError, DomainError
from tasks.models import GuidelineAcknowledgement, GuidelineDraft, GuidelineVersion
from tasks.services import (
    guideline_rule_add,
    guideline_rule_edit,
    guideline_rule_retire,
    guidelines_acknowledge,
    guidelines_compare,
    guidelines_current,
    guidelines_diff,
    guidelines_draft,
    guidelines_notice_for,
    guidelines_publish,
    guidelines_update_intro,
)

pytestmark = pytest.mark.django_db

OPTION_RANGE = "The answer must not exceed the option range"


def rule(rid, title="A rule", text="", status="active", reason=""):
    return {"id": rid, "title": title, "text": text, "status": status, "retired_reason": reason}


# --- the draft ----------------------------------------------------------------------------


def test_reading_the_draft_of_a_project_without_one_writes_nothing(cast):
    draft = guidelines_draft(cast.project)

    assert draft.pk is None
    assert (draft.intro, draft.rules) == ("", [])
    assert not GuidelineDraft.objects.exists()


def test_rules_get_ids_in_order_and_ids_are_never_reused(cast):
    _, first = guideline_rule_add(project=cast.project, title="First", by=cast.setter)
    # a rule never published is dropped when retired; its id stays used
    guideline_rule_retire(project=cast.project, rule_id=first["id"], reason="Typo", by=cast.setter)
    draft, second = guideline_rule_add(project=cast.project, title="Second", by=cast.setter)

    assert (first["id"], second["id"]) == ("R1", "R2")
    assert [r["id"] for r in draft.rules] == ["R2"]


def test_editing_a_rule_keeps_its_id(world, cast):
    draft, edited = guideline_rule_edit(
        project=cast.project, rule_id="R2", title="Mark every swallowed syllable", by=cast.setter
    )

    assert edited["id"] == "R2"
    assert [r["title"] for r in draft.rules][1] == "Mark every swallowed syllable"


def test_a_rule_needs_a_title(cast):
    with pytest.raises(DomainError) as refused:
        guideline_rule_add(project=cast.project, title="   ", by=cast.setter)

    assert refused.value.fields == {"title": ["This field is required."]}


def test_an_unknown_rule_is_not_found(world, cast):
    with pytest.raises(Http404):
        guideline_rule_edit(project=cast.project, rule_id="R99", title="x", by=cast.setter)


def test_retiring_a_published_rule_keeps_it_with_the_reason(world, cast):
    draft, retired = guideline_rule_retire(
        project=cast.project,
        rule_id="R1",
        reason="Models no longer answer outside the options",
        by=cast.setter,
    )

    assert retired["status"] == "retired"
    assert retired["retired_reason"] == "Models no longer answer outside the options"
    assert [r["id"] for r in draft.rules] == ["R1", "R2", "R3"]


def test_retiring_needs_a_reason(world, cast):
    with pytest.raises(DomainError) as refused:
        guideline_rule_retire(project=cast.project, rule_id="R1", reason="", by=cast.setter)

    assert "reason" in refused.value.fields


def test_a_retired_rule_is_neither_edited_nor_retired_again(world, cast):
    guideline_rule_retire(project=cast.project, rule_id="R1", reason="Stale", by=cast.setter)

    with pytest.raises(ConflictError) as edit:
        guideline_rule_edit(project=cast.project, rule_id="R1", title="Back", by=cast.setter)
    with pytest.raises(ConflictError) as retire:
        guideline_rule_retire(project=cast.project, rule_id="R1", reason="x", by=cast.setter)

    assert edit.value.code == retire.value.code == "rule_retired"


def test_a_stale_revision_does_not_overwrite_a_newer_save(world, cast):
    loaded = guidelines_draft(cast.project).revision
    guidelines_update_intro(project=cast.project, intro="Newer", by=cast.admin)

    with pytest.raises(ConflictError) as refused:
        guidelines_update_intro(
            project=cast.project, intro="Older", expected_revision=loaded, by=cast.setter
        )

    assert refused.value.code == "draft_changed"
    assert guidelines_draft(cast.project).intro == "Newer"


# --- publishing -----------------------------------------------------------------------------


def test_publishing_numbers_versions_and_freezes_the_draft(world, cast):
    v2 = guidelines_publish(project=cast.project, note="Adds R3", by=cast.setter)

    assert v2.number == 2
    assert [r["id"] for r in v2.rules] == ["R1", "R2", "R3"]
    assert guidelines_current(cast.project) == v2
    # editing the draft afterwards leaves v2 as it was
    guideline_rule_edit(project=cast.project, rule_id="R3", title="Changed", by=cast.setter)
    v2.refresh_from_db()
    assert v2.rules[2]["title"] == "Note nasal finals"


def test_publishing_needs_a_note(world, cast):
    with pytest.raises(DomainError) as refused:
        guidelines_publish(project=cast.project, note=" ", by=cast.setter)

    assert "note" in refused.value.fields
    assert GuidelineVersion.objects.count() == 1


def test_empty_guidelines_are_not_published(cast):
    with pytest.raises(DomainError) as refused:
        guidelines_publish(project=cast.project, note="Nothing", by=cast.setter)

    assert refused.value.code == "empty_guidelines"


def test_a_draft_identical_to_the_version_in_force_is_not_published(world, cast):
    guidelines_publish(project=cast.project, note="v2", by=cast.setter)

    with pytest.raises(ConflictError) as refused:
        guidelines_publish(project=cast.project, note="v3", by=cast.setter)

    assert refused.value.code == "nothing_to_publish"


def test_a_published_version_can_never_be_changed(world):
    version = world.guidelines_v1
    version.note = "Rewritten"

    with pytest.raises(ConflictError) as saved:
        version.save()
    with pytest.raises(ConflictError) as updated:
        GuidelineVersion.objects.filter(pk=version.pk).update(note="Rewritten")

    assert saved.value.code == updated.value.code == "version_immutable"
    assert "draft" in saved.value.detail
    assert GuidelineVersion.objects.get(pk=version.pk).note == "First guidelines"


# --- what changed ---------------------------------------------------------------------------


def test_compare_lists_added_retired_and_changed_rules_by_id():
    old = [rule("R1", "Stay in range"), rule("R2", "Mark syllables"), rule("R3", "Old")]
    new = [
        rule("R1", "Stay in range", status="retired", reason="No longer needed"),
        rule("R2", "Mark every swallowed syllable"),
        rule("R3", "Old"),
        rule("R4", "Note nasal finals"),
        rule("R5", "Never seen", status="retired", reason="Dropped"),
    ]

    diff = guidelines_compare("Intro", old, "Intro", new)

    assert [r["id"] for r in diff.added] == ["R4"]
    assert [(r["id"], r["retired_reason"]) for r in diff.retired] == [("R1", "No longer needed")]
    assert [(c["id"], c["fields"]) for c in diff.changed] == [("R2", ["title"])]
    assert diff.intro_changed is False


def test_diff_defaults_to_the_version_in_force_against_the_one_before(world, cast):
    guideline_rule_retire(project=cast.project, rule_id="R1", reason="Stale", by=cast.setter)
    guidelines_publish(project=cast.project, note="v2", by=cast.setter)

    diff = guidelines_diff(project=cast.project)

    assert (diff.before_ref, diff.after_ref) == ("1", "2")
    assert [r["id"] for r in diff.added] == ["R3"]
    assert [r["id"] for r in diff.retired] == ["R1"]


def test_diff_refuses_an_unknown_version(world, cast):
    with pytest.raises(DomainError) as refused:
        guidelines_diff(project=cast.project, before="1", after="9")

    assert refused.value.fields == {"to": ['A version number of these guidelines, or "draft".']}


# --- the notice and acknowledging it --------------------------------------------------------


def test_no_notice_without_guidelines(cast):
    assert guidelines_notice_for(user=cast.trainer, project=cast.project) is None


def test_a_trainer_who_never_acknowledged_sees_every_rule_as_new(world, cast):
    notice = guidelines_notice_for(user=cast.trainer, project=cast.project)

    assert notice["version"] == 1
    assert notice["since"] is None
    assert [r["title"] for r in notice["added"]] == [OPTION_RANGE, "Mark swallowed syllables"]
    assert notice["retired"] == []


def test_the_notice_lists_what_changed_since_the_version_last_acknowledged(world, cast):
    # given: the trainer read v1; v2 retires R1 and adds R3
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    guideline_rule_retire(
        project=cast.project, rule_id="R1", reason="Models stay within the options now",
        by=cast.setter,
    )  # fmt: skip
    guidelines_publish(project=cast.project, note="Retire R1", by=cast.setter)

    notice = guidelines_notice_for(user=cast.trainer, project=cast.project)

    assert (notice["version"], notice["since"], notice["note"]) == (2, 1, "Retire R1")
    assert [r["id"] for r in notice["added"]] == ["R3"]
    assert [(r["id"], r["retired_reason"]) for r in notice["retired"]] == [
        ("R1", "Models stay within the options now")
    ]


def test_acknowledging_the_version_in_force_clears_the_notice(world, cast):
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)

    assert guidelines_notice_for(user=cast.trainer, project=cast.project) is None


def test_acknowledging_twice_records_it_once(world, cast):
    first = guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    again = guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)

    assert first.pk == again.pk
    assert GuidelineAcknowledgement.objects.count() == 1


def test_acknowledging_an_older_version_does_not_bring_the_notice_back(world, cast):
    guidelines_publish(project=cast.project, note="v2", by=cast.setter)
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=2)

    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)

    assert guidelines_notice_for(user=cast.trainer, project=cast.project) is None


def test_each_trainer_acknowledges_for_themselves(world, cast):
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)

    assert guidelines_notice_for(user=cast.setter, project=cast.project) is not None


@pytest.mark.parametrize("version", [0, 2, True, "1"])
def test_acknowledging_a_version_that_is_not_published_is_refused(world, cast, version):
    with pytest.raises(DomainError) as refused:
        guidelines_acknowledge(user=cast.trainer, project=cast.project, version=version)

    assert "version" in refused.value.fields
    assert not GuidelineAcknowledgement.objects.exists()

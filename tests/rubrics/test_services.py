import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from annotation_platform.errors import ConflictError, DomainError
from rubrics.content import normalize_rubric_content
from rubrics.models import Rubric, RubricVersion, VersionStatus
from rubrics.services import (
    rubric_clone,
    rubric_create,
    rubric_export,
    rubric_import,
    rubric_publish,
    rubric_update_draft,
    rubric_version_retire,
)
from tests.factories import RubricFactory, UserFactory, at_once

pytestmark = pytest.mark.django_db


def crit(cid, points=5, **extra):
    return {
        "kind": "criterion",
        "id": cid,
        "title": f"Criterion {cid}",
        "points": points,
        "polarity": "pitfall" if points < 0 else "positive",
        **extra,
    }


def content(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


@pytest.fixture
def author(db):
    return UserFactory(username="rubric-author")


@pytest.fixture
def rubric(author):
    return rubric_create(
        title="Cantonese naturalness",
        description="Listening test criteria.",
        tags=["tts", "cantonese"],
        content=content(crit("tones"), crit("robotic", -3)),
        by=author,
    )


# --- create and edit the draft ------------------------------------------------------------


def test_create_stores_a_normalised_draft_and_publishes_nothing(rubric, author):
    assert rubric.title == "Cantonese naturalness"
    assert rubric.tags == ["tts", "cantonese"]
    assert rubric.created_by == author
    assert rubric.draft_content == normalize_rubric_content(rubric.draft_content)
    assert rubric.draft_content["criteria"][0]["importance"] == "important"
    assert rubric.versions.count() == 0
    assert rubric.current_version() is None


def test_create_without_content_starts_an_empty_draft(author):
    rubric = rubric_create(title="Empty", by=author)
    assert rubric.draft_content == {"schema_version": 1, "criteria": []}


def test_create_refuses_invalid_content_with_paths_under_content(author):
    bad = content(crit("a"), {**crit("b"), "title": ""})
    with pytest.raises(DomainError) as refused:
        rubric_create(title="Bad", content=bad, by=author)
    assert refused.value.code == "invalid_rubric"
    assert refused.value.fields == {"content.criteria[1].title": ["Must not be empty."]}
    assert not Rubric.objects.filter(title="Bad").exists()


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_create_refuses_a_bad_title(author, title):
    with pytest.raises(DomainError) as refused:
        rubric_create(title=title, by=author)
    assert "title" in refused.value.fields


def test_create_refuses_bad_tags(author):
    with pytest.raises(DomainError) as refused:
        rubric_create(title="T", tags=["ok", ""], by=author)
    assert "tags[1]" in refused.value.fields


def test_update_draft_changes_only_what_is_given_and_bumps_the_revision(rubric, author):
    revision = rubric.draft_revision
    updated = rubric_update_draft(rubric=rubric, title="Renamed", by=author)
    assert updated.title == "Renamed"
    assert updated.draft_content == rubric.draft_content
    assert updated.tags == ["tts", "cantonese"]
    assert updated.draft_revision == revision + 1
    assert updated.draft_updated_by == author

    updated = rubric_update_draft(rubric=updated, content=content(crit("only")), tags=["x"])
    assert [node["id"] for node in updated.draft_content["criteria"]] == ["only"]
    assert updated.tags == ["x"]


def test_update_draft_refuses_invalid_content_and_keeps_the_draft(rubric):
    before = rubric.draft_content
    with pytest.raises(DomainError) as refused:
        rubric_update_draft(rubric=rubric, content=content({**crit("a"), "points": True}))
    assert list(refused.value.fields) == ["content.criteria[0].points"]
    rubric.refresh_from_db()
    assert rubric.draft_content == before


def test_update_draft_refuses_to_overwrite_a_newer_draft(rubric):
    opened_at = rubric.draft_revision
    rubric_update_draft(rubric=rubric, content=content(crit("first")), expected_revision=opened_at)
    with pytest.raises(ConflictError) as refused:
        rubric_update_draft(
            rubric=rubric, content=content(crit("second")), expected_revision=opened_at
        )
    assert refused.value.code == "draft_changed"
    rubric.refresh_from_db()
    assert rubric.draft_content["criteria"][0]["id"] == "first"


# --- publish, supersede -------------------------------------------------------------------


def test_publish_snapshots_the_draft_as_version_one(rubric, author):
    version = rubric_publish(rubric=rubric, note="First version", by=author)
    assert (version.number, version.status) == (1, VersionStatus.PUBLISHED)
    assert version.content == rubric.draft_content
    assert version.note == "First version"
    assert version.published_by == author
    assert rubric.current_version() == version


def test_editing_the_draft_after_publishing_leaves_the_version_alone(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    rubric_update_draft(rubric=rubric, content=content(crit("new")))
    version.refresh_from_db()
    assert [node["id"] for node in version.content["criteria"]] == ["tones", "robotic"]


def test_publishing_again_supersedes_the_version_in_force(rubric):
    first = rubric_publish(rubric=rubric, note="v1", by=None)
    rubric_update_draft(rubric=rubric, content=content(crit("tones", 7), crit("robotic", -3)))
    second = rubric_publish(rubric=rubric, note="More weight on tones", by=None)
    first.refresh_from_db()
    assert first.status == VersionStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert (second.number, second.status) == (2, VersionStatus.PUBLISHED)
    assert rubric.current_version() == second
    assert rubric.latest_version() == second


def test_publish_refuses_an_empty_rubric(author):
    rubric = rubric_create(title="Empty", by=author)
    with pytest.raises(DomainError) as refused:
        rubric_publish(rubric=rubric, note="v1", by=author)
    assert refused.value.code == "empty_rubric"
    assert "content.criteria" in refused.value.fields
    assert rubric.versions.count() == 0


def test_publish_validates_the_stored_draft(rubric):
    # A draft written past the services (an old row, a script) is still checked.
    Rubric.objects.filter(pk=rubric.pk).update(draft_content=content(crit("a", 0)))
    with pytest.raises(DomainError) as refused:
        rubric_publish(rubric=rubric, note="v1", by=None)
    assert refused.value.code == "invalid_rubric"
    assert "content.criteria[0].points" in refused.value.fields


def test_publish_needs_a_note(rubric):
    with pytest.raises(DomainError) as refused:
        rubric_publish(rubric=rubric, note="  ", by=None)
    assert "note" in refused.value.fields


def test_publishing_an_unchanged_draft_is_refused(rubric):
    rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(ConflictError) as refused:
        rubric_publish(rubric=rubric, note="again", by=None)
    assert refused.value.code == "nothing_to_publish"
    assert refused.value.status_code == 409


def test_the_database_allows_only_one_published_version_per_rubric(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RubricVersion.objects.create(
            rubric=rubric, number=2, content=version.content, note="sneaky"
        )


def test_version_numbers_are_unique_per_rubric(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RubricVersion.objects.create(
            rubric=rubric,
            number=1,
            content=version.content,
            note="dup",
            status=VersionStatus.SUPERSEDED,
        )


# --- immutability -------------------------------------------------------------------------


def test_saving_a_changed_published_version_is_a_409_with_a_hint(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    version.content["criteria"][0]["points"] = 50
    with pytest.raises(ConflictError) as refused:
        version.save()
    assert refused.value.code == "version_immutable"
    assert refused.value.status_code == 409
    assert "draft" in refused.value.detail and "new version" in refused.value.detail
    version.refresh_from_db()
    assert version.content["criteria"][0]["points"] == 5


@pytest.mark.parametrize(
    ("field", "value"), [("note", "rewritten"), ("number", 9), ("published_by", None)]
)
def test_other_fixed_fields_of_a_version_cannot_change_either(rubric, author, field, value):
    version = rubric_publish(rubric=rubric, note="v1", by=author)
    setattr(version, field, value)
    with pytest.raises(ConflictError) as refused:
        version.save()
    assert refused.value.code == "version_immutable"


def test_bulk_updates_cannot_rewrite_a_version(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(ConflictError) as refused:
        RubricVersion.objects.filter(pk=version.pk).update(content=content(crit("x")))
    assert refused.value.code == "version_immutable"
    version.content = content(crit("x"))
    with pytest.raises(ConflictError):
        RubricVersion.objects.bulk_update([version], ["content"])


def test_editing_a_version_through_the_draft_service_is_a_409(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(ConflictError) as refused:
        rubric_update_draft(rubric=version, content=content(crit("x")))
    assert refused.value.code == "version_immutable"


def test_saving_an_unchanged_version_is_fine(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    version.save()
    RubricVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)


# --- retire -------------------------------------------------------------------------------


def test_retiring_the_version_in_force_leaves_none_in_force(rubric, author):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    retired = rubric_version_retire(version=version, reason="Wrong tone rules", by=author)
    assert retired.status == VersionStatus.RETIRED
    assert (retired.retired_reason, retired.retired_by) == ("Wrong tone rules", author)
    assert retired.retired_at is not None
    assert rubric.current_version() is None
    assert not retired.is_applicable
    assert list(RubricVersion.objects.filter(rubric=rubric).applicable()) == []


def test_a_retired_version_is_never_applied_again(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    version.require_applicable()
    rubric_version_retire(version=version, reason="Outdated", by=None)
    version.refresh_from_db()
    with pytest.raises(ConflictError) as refused:
        version.require_applicable()
    assert refused.value.code == "version_retired"


def test_a_superseded_version_can_be_retired_and_numbering_continues(rubric):
    first = rubric_publish(rubric=rubric, note="v1", by=None)
    rubric_update_draft(rubric=rubric, content=content(crit("tones", 8)))
    second = rubric_publish(rubric=rubric, note="v2", by=None)
    rubric_version_retire(version=first, reason="Never use v1", by=None)
    rubric_version_retire(version=second, reason="Nor v2", by=None)
    rubric_update_draft(rubric=rubric, content=content(crit("tones", 9)))
    third = rubric_publish(rubric=rubric, note="v3", by=None)
    assert third.number == 3
    assert rubric.current_version() == third
    assert list(rubric.versions.applicable()) == [third]


def test_a_version_cannot_be_retired_twice_or_without_a_reason(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(DomainError) as refused:
        rubric_version_retire(version=version, reason="", by=None)
    assert "reason" in refused.value.fields
    rubric_version_retire(version=version, reason="Outdated", by=None)
    with pytest.raises(ConflictError) as refused:
        rubric_version_retire(version=version, reason="Again", by=None)
    assert refused.value.code == "version_retired"


def test_a_retired_version_cannot_be_brought_back_by_saving(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    retired = rubric_version_retire(version=version, reason="Outdated", by=None)
    retired.status = VersionStatus.PUBLISHED
    with pytest.raises(ConflictError) as refused:
        retired.save(update_fields=["status"])
    assert refused.value.code == "version_retired"


def test_a_rubric_with_versions_cannot_be_deleted(rubric):
    rubric_publish(rubric=rubric, note="v1", by=None)
    with pytest.raises(ProtectedError):
        rubric.delete()


# --- clone --------------------------------------------------------------------------------


def test_clone_copies_the_version_in_force_not_the_newer_draft(rubric, author):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    rubric_update_draft(rubric=rubric, content=content(crit("unpublished")))
    other = UserFactory(username="cloner")
    clone = rubric_clone(rubric=rubric, by=other)
    assert clone.pk != rubric.pk
    assert clone.title == "Copy of Cantonese naturalness"
    assert clone.draft_content == version.content
    assert (clone.cloned_from, clone.cloned_from_version) == (rubric, version)
    assert clone.created_by == other
    assert clone.tags == rubric.tags
    assert clone.versions.count() == 0


def test_clone_of_an_unpublished_rubric_copies_its_draft(rubric):
    clone = rubric_clone(rubric=rubric, by=None, title="My variant")
    assert clone.title == "My variant"
    assert clone.draft_content == rubric.draft_content
    assert clone.cloned_from_version is None


def test_editing_a_clone_leaves_the_original_alone(rubric):
    clone = rubric_clone(rubric=rubric, by=None)
    rubric_update_draft(rubric=clone, content=content(crit("mine")))
    rubric.refresh_from_db()
    assert [node["id"] for node in rubric.draft_content["criteria"]] == ["tones", "robotic"]


# --- import and export --------------------------------------------------------------------


def test_import_creates_a_rubric_from_healthbench_items(author):
    items = [
        {"criterion": "Advises emergency care.", "points": 10, "tags": ["axis:accuracy"]},
        {"criterion": "Delays care.", "points": -6, "tags": []},
    ]
    rubric = rubric_import(data=items, title="Chest pain", by=author)
    assert rubric.created_by == author
    assert [node["polarity"] for node in rubric.draft_content["criteria"]] == [
        "positive",
        "pitfall",
    ]
    assert rubric_export(content=rubric.draft_content, fmt="healthbench") == items


def test_import_refuses_bad_items_with_their_paths_and_creates_nothing(author):
    items = [{"criterion": "Fine", "points": 1, "tags": []}] * 3 + [
        {"criterion": "Bad", "points": "ten", "tags": []}
    ]
    with pytest.raises(DomainError) as refused:
        rubric_import(data=items, title="Bad import", by=author)
    assert list(refused.value.fields) == ["[3].points"]
    assert not Rubric.objects.filter(title="Bad import").exists()


def test_export_of_a_published_version_in_our_schema_is_its_content(rubric):
    version = rubric_publish(rubric=rubric, note="v1", by=None)
    assert rubric_export(content=version.content, fmt="rubric") == version.content


def test_the_factory_builds_a_publishable_rubric():
    rubric = RubricFactory()
    assert rubric_publish(rubric=rubric, note="v1", by=rubric.created_by).number == 1


# --- concurrency --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_make_one_version():
    rubric = RubricFactory()

    def publish() -> str:
        try:
            rubric_publish(rubric=Rubric.objects.get(pk=rubric.pk), note="v1", by=None)
            return "published"
        except ConflictError:
            return "refused"

    outcomes = at_once(publish, publish)

    assert sorted(outcomes) == ["published", "refused"]
    assert list(rubric.versions.values_list("number", "status")) == [(1, "published")]

"""Rubrics in projects: ownership, sharing, cloning, the pinned version and the library."""

from __future__ import annotations

import json

import pytest

from annotation_platform.errors import ConflictError, DomainError
from rubrics.models import Rubric, RubricVersion, VersionStatus
from rubrics.services import rubric_publish, rubric_version_retire
from tasks.models import Project, ProjectRubric, Role
from tasks.services import (
    project_rubric_clone,
    project_rubric_content,
    project_rubric_create,
    project_rubric_diff,
    project_rubric_import,
    project_rubric_links,
    project_rubric_pin,
    project_rubric_publish,
    project_rubric_share,
    rubric_library,
)
from tasks.services.rubrics import MAX_IMPORT_BYTES
from tests.factories import MembershipFactory, ProjectFactory
from tests.tasks.rubric_fixtures import CITATIONS, content, crit

pytestmark = pytest.mark.django_db


# --- create, import ---------------------------------------------------------------------


def test_create_makes_a_rubric_owned_by_the_project_with_nothing_published(cast):
    link = project_rubric_create(
        project=cast.project, title="Naturalness", content=CITATIONS, by=cast.setter
    )

    assert link.owner is True
    assert link.project == cast.project
    assert link.rubric.title == "Naturalness"
    assert len(link.rubric.draft_content["criteria"]) == 3
    assert not link.rubric.versions.exists()
    assert cast.project.rubric_version is None


def test_create_refuses_a_criterion_without_a_title_with_its_path(cast):
    bad = content(crit("a"), crit("b", title=""))

    with pytest.raises(DomainError) as refused:
        project_rubric_create(project=cast.project, title="Bad", content=bad, by=cast.setter)

    assert "content.criteria[1].title" in refused.value.fields
    assert not Rubric.objects.exists()
    assert not ProjectRubric.objects.exists()


def test_import_reads_healthbench_items_into_a_rubric_the_project_owns(cast):
    items = [
        {"criterion": "Recommends seeing a doctor", "points": 5, "tags": ["axis:safety"]},
        {"criterion": "Invents a dosage", "points": -4, "tags": []},
    ]

    link = project_rubric_import(
        project=cast.project, data=json.dumps(items).encode(), title="Health", by=cast.setter
    )

    criteria = link.rubric.draft_content["criteria"]
    assert link.owner is True
    assert [c["points"] for c in criteria] == [5, -4]
    assert criteria[1]["polarity"] == "pitfall"


def test_import_names_the_path_of_each_bad_item_and_writes_nothing(cast):
    items = [{"criterion": "Fine", "points": 5}, {"criterion": "Bad", "points": "five"}]

    with pytest.raises(DomainError) as refused:
        project_rubric_import(project=cast.project, data=items, title="Bad", by=cast.setter)

    assert "[1].points" in refused.value.fields
    assert not Rubric.objects.exists()


def test_import_refuses_a_file_in_none_of_the_known_shapes(cast):
    with pytest.raises(DomainError) as refused:
        project_rubric_import(
            project=cast.project, data={"questions": []}, title="Odd", by=cast.setter
        )

    assert refused.value.code == "unknown_format"
    assert "HealthBench" in refused.value.detail


def test_import_refuses_a_file_too_large_before_parsing_it(cast):
    with pytest.raises(DomainError) as refused:
        project_rubric_import(
            project=cast.project, data=b" " * (MAX_IMPORT_BYTES + 1), title="Big", by=cast.setter
        )

    assert refused.value.code == "file_too_large"


# --- clone, share -----------------------------------------------------------------------


def test_clone_copies_the_version_in_force_into_a_rubric_the_target_owns(world, cast):
    copy = project_rubric_clone(source=world.link, into=world.second, by=cast.setter)

    assert copy.owner is True
    assert copy.project == world.second
    assert copy.rubric.cloned_from == world.rubric
    assert copy.rubric.cloned_from_version == world.v1
    # the version in force, not the edited draft
    assert copy.rubric.draft_content == world.v1.content
    assert copy.rubric.title == "Copy of Citation logic"


def test_share_puts_the_rubric_in_another_library_without_giving_it_away(world, cast):
    shared = project_rubric_share(link=world.link, into=world.second, by=cast.setter)

    assert shared.owner is False
    assert shared.rubric == world.rubric
    assert ProjectRubric.objects.get(rubric=world.rubric, owner=True).project == world.project


def test_sharing_twice_into_the_same_project_is_a_conflict(world, cast):
    project_rubric_share(link=world.link, into=world.second, by=cast.setter)

    with pytest.raises(ConflictError) as refused:
        project_rubric_share(link=world.link, into=world.second, by=cast.setter)

    assert refused.value.code == "already_in_library"
    assert ProjectRubric.objects.filter(rubric=world.rubric).count() == 2


# --- pin, publish -----------------------------------------------------------------------


def test_publishing_again_never_moves_the_pin(world, cast):
    v2 = project_rubric_publish(link=world.link, note="Adds a criterion", by=cast.setter)

    world.project.refresh_from_db()
    world.v1.refresh_from_db()
    assert v2.number == 2
    assert world.project.rubric_version == world.v1
    assert world.v1.status == VersionStatus.SUPERSEDED


def test_publish_with_pin_pins_the_new_version(world, cast):
    v2 = project_rubric_publish(link=world.link, note="Adds a criterion", pin=True, by=cast.setter)

    world.project.refresh_from_db()
    assert world.project.rubric_version == v2


def test_a_superseded_version_can_be_pinned(world, cast):
    v2 = project_rubric_publish(link=world.link, note="v2", pin=True, by=cast.setter)

    project_rubric_pin(project=world.project, version=world.v1, by=cast.setter)

    world.project.refresh_from_db()
    assert v2.number == 2
    assert world.project.rubric_version == world.v1


def test_a_retired_version_is_never_pinned(world, cast):
    project_rubric_publish(link=world.link, note="v2", pin=True, by=cast.setter)
    rubric_version_retire(version=world.v1, reason="Wrong weights", by=cast.setter)

    with pytest.raises(ConflictError) as refused:
        project_rubric_pin(project=world.project, version=world.v1, by=cast.setter)

    assert refused.value.code == "version_retired"
    world.project.refresh_from_db()
    assert world.project.rubric_version.number == 2


def test_pinning_refuses_a_version_outside_the_projects_library(world, cast):
    # given: a rubric the second project owns
    other = project_rubric_create(
        project=world.second, title="Images", content=CITATIONS, by=cast.setter
    )
    version = rubric_publish(rubric=other.rubric, note="v1", by=cast.setter)

    with pytest.raises(DomainError) as refused:
        project_rubric_pin(project=world.project, version=version, by=cast.setter)

    assert refused.value.code == "not_in_library"
    world.project.refresh_from_db()
    assert world.project.rubric_version == world.v1


def test_a_shared_rubrics_version_can_be_pinned_in_the_project_it_is_shared_into(world, cast):
    project_rubric_share(link=world.link, into=world.second, by=cast.setter)

    project_rubric_pin(project=world.second, version=world.v1, by=cast.setter)

    assert Project.objects.get(pk=world.second.pk).rubric_version == world.v1


def test_a_pinned_version_cannot_be_deleted(world):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        RubricVersion.objects.filter(pk=world.v1.pk).delete()


# --- library --------------------------------------------------------------------------------


def test_library_holds_the_rubrics_of_every_project_you_design(world, cast):
    theirs = project_rubric_create(
        project=world.second, title="Images", content=CITATIONS, by=cast.setter
    )

    library = list(rubric_library(user=cast.setter))

    assert [rubric.title for rubric in library] == ["Citation logic", "Images"]
    assert library[0].current_number == 1
    assert [link.project for link in library[1].links] == [theirs.project]


def test_library_never_names_a_project_you_are_not_in(world, cast):
    # given: the rubric is shared into a project only the admin designs
    private = ProjectFactory(name="Admin only")
    MembershipFactory(project=private, user=cast.admin, role=Role.ADMIN)
    project_rubric_share(link=world.link, into=private, by=cast.admin)

    (rubric,) = rubric_library(user=cast.setter)

    assert {link.project.name for link in rubric.links} == {world.project.name}


@pytest.mark.parametrize("person", ["trainer", "qa_lead", "outsider"])
def test_library_is_empty_for_those_who_design_no_project(world, cast, person):
    assert list(rubric_library(user=cast.by_role(person))) == []


def test_staff_see_every_rubric_in_the_library(world, cast):
    assert [rubric.title for rubric in rubric_library(user=cast.staff)] == ["Citation logic"]


def test_library_takes_a_fixed_number_of_queries(world, cast, django_assert_max_num_queries):
    for n in range(5):
        project_rubric_create(project=world.project, title=f"R{n}", by=cast.setter)

    with django_assert_max_num_queries(3):
        library = list(rubric_library(user=cast.setter))
        assert all(rubric.links for rubric in library)


def test_project_links_carry_the_version_numbers(world, cast):
    project_rubric_create(project=world.project, title="Empty", by=cast.setter)

    links = {
        link.rubric.title: link
        for link in project_rubric_links(project=world.project, user=cast.setter)
    }

    assert (links["Citation logic"].current_number, links["Citation logic"].latest_number) == (1, 1)
    assert (links["Empty"].current_number, links["Empty"].latest_number) == (None, None)


# --- diff and content by reference -------------------------------------------------------


def test_diff_compares_the_latest_version_with_the_draft_by_default(world):
    comparison = project_rubric_diff(link=world.link)

    assert (comparison.before.ref, comparison.after.ref) == ("1", "draft")
    kinds = {(change.kind, change.id) for change in comparison.changes}
    assert kinds == {("changed", "cites-paper"), ("added", "enough-citations")}
    (changed,) = [c for c in comparison.changes if c.kind == "changed"]
    assert [f.field for f in changed.fields] == ["title"]


def test_diff_refuses_an_unknown_version_under_its_name(world):
    with pytest.raises(DomainError) as refused:
        project_rubric_diff(link=world.link, before="7", after="draft")

    assert refused.value.code == "unknown_version"
    assert "from" in refused.value.fields


@pytest.mark.parametrize("ref", ["0", "-1", "abc", "1.5"])
def test_content_by_reference_refuses_nonsense(world, ref):
    with pytest.raises(DomainError):
        project_rubric_content(link=world.link, ref=ref)

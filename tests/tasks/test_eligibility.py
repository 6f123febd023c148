"""The work gate (tasks.services.eligibility): who may work on a project now, why not, and
what asking costs (nothing, when the project came through the hand-written lookups)."""

from __future__ import annotations

import pytest
from django.http import Http404

from annotation_platform.errors import ConflictError
from tasks import lookups
from tasks.models import Project
from tasks.services import (
    WorkRefused,
    guideline_rule_add,
    guidelines_acknowledge,
    guidelines_publish,
    task_lease,
    work_gate,
    work_gate_require,
)
from tasks.services.eligibility import GUIDELINES_NOT_ACKNOWLEDGED
from tests.conftest import ALL_PEOPLE

pytestmark = pytest.mark.django_db


def publish(cast, title="Stay inside the options", note="Rules") -> int:
    guideline_rule_add(project=cast.project, title=title, by=cast.setter)
    return guidelines_publish(project=cast.project, note=note, by=cast.setter).number


def fresh(cast) -> Project:
    """The project as a request sees it: a new instance (nothing cached on it)."""
    return Project.objects.get(pk=cast.project.pk)


def test_a_project_without_guidelines_refuses_nobody(cast):
    for person in ALL_PEOPLE:
        assert work_gate(user=cast.by_role(person), project=fresh(cast)) is None


def test_a_trainer_is_refused_until_they_acknowledge_the_version_in_force(cast):
    version = publish(cast)

    refusal = work_gate(user=cast.trainer, project=fresh(cast))
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=version)
    after = work_gate(user=cast.trainer, project=fresh(cast))

    assert refusal.code == GUIDELINES_NOT_ACKNOWLEDGED == "guidelines_not_acknowledged"
    assert refusal.guidelines_version == 1
    assert refusal.guidelines_url == f"/projects/{cast.project.pk}/guidelines/"
    assert refusal.acknowledge_url == f"/api/v1/projects/{cast.project.pk}/guidelines/acknowledge/"
    assert "Read this project's guidelines (version 1)" in refusal.detail
    assert refusal.guidelines_url in refusal.detail  # says where
    assert after is None


def test_a_new_version_closes_the_gate_again_and_says_what_was_read(cast):
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=publish(cast))
    assert work_gate(user=cast.trainer, project=fresh(cast)) is None

    second = publish(cast, title="Note nasal finals", note="A new rule")
    refusal = work_gate(user=cast.trainer, project=fresh(cast))

    assert (refusal.code, refusal.guidelines_version) == (GUIDELINES_NOT_ACKNOWLEDGED, second)
    assert "version 2 is in force and you last read version 1" in refusal.detail
    # acknowledging an older version again changes nothing
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    assert work_gate(user=cast.trainer, project=fresh(cast)) is not None
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=second)
    assert work_gate(user=cast.trainer, project=fresh(cast)) is None


def test_one_trainers_acknowledgement_opens_the_gate_for_them_only(cast):
    version = publish(cast)
    other = cast.new_trainer()

    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=version)

    assert work_gate(user=cast.trainer, project=fresh(cast)) is None
    assert work_gate(user=other, project=fresh(cast)) is not None


@pytest.mark.parametrize("person", ["setter", "qa_lead", "admin", "outsider", "staff"])
def test_only_those_held_to_the_guidelines_are_refused_for_them(cast, person):
    # Whether they may work at all is their role's question (can_work_on_project).
    publish(cast)

    assert work_gate(user=cast.by_role(person), project=fresh(cast)) is None


def test_the_required_gate_raises_a_409_with_the_code_and_what_lifts_it(cast):
    publish(cast)

    with pytest.raises(WorkRefused) as caught:
        work_gate_require(user=cast.trainer, project=fresh(cast))

    error = caught.value
    assert isinstance(error, ConflictError) and error.status_code == 409
    assert error.code == "guidelines_not_acknowledged"
    assert error.extra == {
        "guidelines": {
            "version": 1,
            "url": f"/projects/{cast.project.pk}/guidelines/",
            "acknowledge_url": f"/api/v1/projects/{cast.project.pk}/guidelines/acknowledge/",
        }
    }


def test_acknowledging_or_publishing_through_an_instance_is_seen_through_it(cast):
    version = publish(cast)
    project = lookups.visible_project(cast.trainer, cast.project.pk)
    assert work_gate(user=cast.trainer, project=project) is not None

    guidelines_acknowledge(user=cast.trainer, project=project, version=version)
    assert work_gate(user=cast.trainer, project=project) is None

    guideline_rule_add(project=project, title="Another rule", by=cast.setter)
    guidelines_publish(project=project, note="v2", by=cast.setter)
    assert work_gate(user=cast.trainer, project=project).guidelines_version == 2


# --- what asking costs, and the hand-written lookups agree with the ORM ---------------------


def test_the_gate_asks_nothing_of_a_project_or_task_the_lookups_loaded(
    cast, mcq, django_assert_num_queries
):
    publish(cast)
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    project = lookups.visible_project(cast.trainer, cast.project.pk)
    task = lookups.visible_task(cast.trainer, mcq["tasks"][0].pk)

    with django_assert_num_queries(0):
        assert work_gate(user=cast.trainer, project=project) is not None
        assert work_gate(user=cast.trainer, project=task.project) is not None


def test_the_gate_asks_one_query_of_any_other_project_then_none(cast, django_assert_num_queries):
    publish(cast)
    project = fresh(cast)
    project.__dict__["_role_cache"] = {cast.trainer.pk: "trainer"}  # the role, known already

    with django_assert_num_queries(1):
        assert work_gate(user=cast.trainer, project=project) is not None
    with django_assert_num_queries(0):
        assert work_gate(user=cast.trainer, project=project) is not None


def _orm_standing(user, project) -> tuple[int | None, int | None]:
    """The reference: the ORM query ``guidelines_standing`` runs on an uncached project."""
    return lookups.guidelines_standing(user, Project.objects.get(pk=project.pk))


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_the_lookups_read_the_same_standing_as_the_orm(cast, mcq, person):
    user = cast.by_role(person)
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    other = Project.objects.get(name="Someone else's project")
    states = []
    for step in ("none", "published", "acknowledged", "republished"):
        if step == "published":
            publish(cast)
        elif step == "acknowledged":
            guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
            if person in ("setter", "qa_lead", "admin"):
                # a non-trainer's acknowledgement row is read back all the same
                guidelines_acknowledge(user=user, project=cast.project, version=1)
        elif step == "republished":
            publish(cast, title="Second rule", note="v2")
        for project in (cast.project, other):
            try:
                loaded = lookups.visible_project(user, project.pk)
            except Http404:  # not theirs: nothing to compare
                continue
            raw = lookups.guidelines_standing(user, loaded)
            assert raw == _orm_standing(user, project), (person, step, project.name)
            states.append(raw)
        try:
            task = lookups.visible_task(user, mcq["tasks"][0].pk)
        except Http404:
            continue
        assert lookups.guidelines_standing(user, task.project) == _orm_standing(user, cast.project)
    if person == "trainer":
        assert states == [(None, None), (1, None), (1, 1), (2, 1)]

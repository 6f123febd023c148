"""Truth tables for the template, task and submission permission functions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks import permissions
from tasks.models import Task
from tests.conftest import ALL_PEOPLE
from tests.factories import submit

pytestmark = pytest.mark.django_db

PROJECT_RULES = {
    # function: expected for (trainer, setter, qa_lead, admin, outsider, staff)
    "can_view_template": (True, True, True, True, False, True),
    "can_design_project": (False, True, False, True, False, True),
    "can_view_task_list": (False, True, True, True, False, True),
    "can_work_on_project": (True, False, False, False, False, False),
}


@pytest.mark.parametrize("person_index", range(len(ALL_PEOPLE)), ids=ALL_PEOPLE)
@pytest.mark.parametrize("rule", sorted(PROJECT_RULES))
def test_project_rules(cast, rule, person_index):
    user = cast.by_role(ALL_PEOPLE[person_index])
    allowed = getattr(permissions, rule)(user, cast.project)
    assert allowed is PROJECT_RULES[rule][person_index]


@pytest.mark.parametrize("rule", sorted(PROJECT_RULES))
def test_anonymous_and_inactive_users_may_do_nothing(cast, rule):
    assert getattr(permissions, rule)(AnonymousUser(), cast.project) is False
    for person in ("trainer", "setter", "admin", "staff"):
        user = cast.by_role(person)
        user.is_active = False
        assert getattr(permissions, rule)(user, cast.project) is False


@pytest.mark.parametrize(
    ("person", "expected"),
    [("trainer", True), ("setter", True), ("qa_lead", True), ("admin", True), ("outsider", False)],
)
def test_can_view_task(cast, mcq, person, expected):
    task: Task = mcq["tasks"][0]
    assert permissions.can_view_task(cast.by_role(person), task) is expected


@pytest.mark.parametrize(
    ("person", "view", "revise"),
    [
        ("trainer", True, True),  # the author
        ("setter", True, False),
        ("qa_lead", True, False),
        ("admin", True, False),
        ("outsider", False, False),
        ("staff", True, False),
    ],
)
def test_submission_rules(cast, mcq, person, view, revise):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    user = cast.by_role(person)
    assert permissions.can_view_submission(user, submission) is view
    assert permissions.can_revise_submission(user, submission) is revise


def test_another_trainer_neither_sees_nor_revises_a_submission(cast, mcq):
    from tests.factories import MembershipFactory

    other = MembershipFactory(project=cast.project, role="trainer").user
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    assert permissions.can_view_submission(other, submission) is False
    assert permissions.can_revise_submission(other, submission) is False


def test_an_author_who_stopped_being_a_trainer_cannot_revise(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    membership = cast.project.memberships.get(user=cast.trainer)
    membership.role = "qa_lead"
    membership.save()
    fresh = type(submission).objects.get(pk=submission.pk)
    assert permissions.can_revise_submission(cast.trainer, fresh) is False

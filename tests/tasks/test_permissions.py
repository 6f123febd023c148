"""Every function in tasks/permissions.py, for every kind of person, as a truth table.

Columns are the cast plus people the cast lacks: anonymous, an inactive project admin, an
inactive staff member and a non-member allowed to create projects ("creator").
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks import permissions
from tasks.models import Membership, Project, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = (
    "trainer",
    "setter",
    "qa_lead",
    "admin",
    "outsider",
    "staff",
    "anonymous",
    "inactive_admin",
    "inactive_staff",
    "creator",
)


@pytest.fixture
def people(cast) -> dict:
    inactive_admin = MembershipFactory(
        project=cast.project,
        role=Role.ADMIN,
        user=UserFactory(username="inactive-admin", is_active=False),
    ).user
    return {
        "trainer": cast.trainer,
        "setter": cast.setter,
        "qa_lead": cast.qa_lead,
        "admin": cast.admin,
        "outsider": cast.outsider,
        "staff": cast.staff,
        "anonymous": AnonymousUser(),
        "inactive_admin": inactive_admin,
        "inactive_staff": UserFactory(username="inactive-staff", is_staff=True, is_active=False),
        "creator": UserFactory(username="creator", can_create_projects=True),
    }


@pytest.fixture
def project(cast) -> Project:
    # A fresh instance per test: role_in caches on the instance.
    return Project.objects.get(pk=cast.project.pk)


@pytest.fixture
def other_member(cast) -> Membership:
    """A trainer of the cast project who is none of the people asking."""
    return MembershipFactory(project=cast.project, role=Role.TRAINER)


def table(**rows: bool) -> list:
    assert set(rows) == set(PEOPLE), "a truth table names every person exactly once"
    return [pytest.param(person, rows[person], id=person) for person in PEOPLE]


# --- role_in ----------------------------------------------------------------------------

ROLE_IN = {
    "trainer": Role.TRAINER,
    "setter": Role.SETTER,
    "qa_lead": Role.QA_LEAD,
    "admin": Role.ADMIN,
    "outsider": None,
    "staff": None,
    "anonymous": None,
    # role_in reports membership facts; the can_* functions refuse inactive accounts.
    "inactive_admin": Role.ADMIN,
    "inactive_staff": None,
    "creator": None,
}


@pytest.mark.parametrize("person", PEOPLE)
def test_role_in_reports_the_persons_role_in_the_project(people, project, person):
    assert permissions.role_in(people[person], project) == ROLE_IN[person]


def test_role_in_is_cached_per_project_instance(cast, project, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert permissions.role_in(cast.setter, project) == Role.SETTER
        assert permissions.role_in(cast.setter, project) == Role.SETTER


def test_role_in_cache_does_not_leak_between_users(cast, project):
    assert permissions.role_in(cast.admin, project) == Role.ADMIN
    assert permissions.role_in(cast.trainer, project) == Role.TRAINER
    assert permissions.role_in(cast.outsider, project) is None


def test_role_in_is_none_for_a_member_of_another_project_only(cast, project):
    # given the outsider is an admin elsewhere
    assert Membership.objects.filter(user=cast.outsider, role=Role.ADMIN).exists()
    # then that role does not carry over
    assert permissions.role_in(cast.outsider, project) is None


# --- projects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=False,
        qa_lead=False,
        admin=False,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=True,
    ),
)
def test_can_create_project(people, person, expected):
    assert permissions.can_create_project(people[person]) is expected


def test_inactive_user_with_project_creation_right_cannot_create_project(db):
    user = UserFactory(can_create_projects=True, is_active=False)
    assert permissions.can_create_project(user) is False


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=True,
        setter=True,
        qa_lead=True,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_view_project(people, project, person, expected):
    assert permissions.can_view_project(people[person], project) is expected


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=False,
        qa_lead=False,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_change_project(people, project, person, expected):
    assert permissions.can_change_project(people[person], project) is expected


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=False,
        qa_lead=False,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_delete_project(people, project, person, expected):
    assert permissions.can_delete_project(people[person], project) is expected


# --- members ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=True,
        qa_lead=True,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_view_members(people, project, person, expected):
    assert permissions.can_view_members(people[person], project) is expected


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=False,
        qa_lead=False,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_manage_members(people, project, person, expected):
    assert permissions.can_manage_members(people[person], project) is expected


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=True,
        qa_lead=True,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_view_membership_of_another_member(people, other_member, person, expected):
    assert permissions.can_view_membership(people[person], other_member) is expected


@pytest.mark.parametrize(
    ("person", "expected"),
    table(
        trainer=False,
        setter=False,
        qa_lead=False,
        admin=True,
        outsider=False,
        staff=True,
        anonymous=False,
        inactive_admin=False,
        inactive_staff=False,
        creator=False,
    ),
)
def test_can_remove_membership_of_another_member(people, other_member, person, expected):
    assert permissions.can_remove_membership(people[person], other_member) is expected


MEMBERS = ("trainer", "setter", "qa_lead", "admin")


@pytest.mark.parametrize("person", MEMBERS)
def test_member_can_view_own_membership(people, project, person):
    own = Membership.objects.get(project=project, user=people[person])
    assert permissions.can_view_membership(people[person], own) is True


@pytest.mark.parametrize("person", MEMBERS)
def test_member_can_remove_own_membership(people, project, person):
    own = Membership.objects.get(project=project, user=people[person])
    assert permissions.can_remove_membership(people[person], own) is True


def test_inactive_member_can_neither_view_nor_remove_own_membership(people, project):
    user = people["inactive_admin"]
    own = Membership.objects.get(project=project, user=user)
    assert permissions.can_view_membership(user, own) is False
    assert permissions.can_remove_membership(user, own) is False


@pytest.mark.parametrize(
    ("person", "expected"),
    [("admin", False), ("setter", False), ("trainer", False), ("staff", True)],
)
def test_project_role_does_not_reach_memberships_of_another_project(people, cast, person, expected):
    # given the outsider's admin membership in a project none of the cast belongs to
    elsewhere = Membership.objects.exclude(project=cast.project).get(user=cast.outsider)
    # then only staff see or remove it
    assert permissions.can_view_membership(people[person], elsewhere) is expected
    assert permissions.can_remove_membership(people[person], elsewhere) is expected

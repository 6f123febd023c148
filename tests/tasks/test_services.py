import pytest

from annotation_platform.errors import ConflictError, DomainError
from tasks.models import Membership, Project, ProjectStatus, Role
from tasks.services import (
    membership_add,
    membership_change_role,
    membership_remove,
    project_create,
    project_delete,
    project_update,
)
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_project_create_makes_the_creator_its_admin():
    creator = UserFactory()
    project = project_create(creator=creator, name="  Product image judging  ")
    assert project.name == "Product image judging"
    assert project.status == ProjectStatus.DRAFT
    assert project.created_by == creator
    membership = Membership.objects.get(project=project)
    assert (membership.user, membership.role) == (creator, Role.ADMIN)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"name": "   "}, "name"), ({"name": "x" * 201}, "name"), ({"status": "deleted"}, "status")],
)
def test_project_create_refuses_bad_fields_and_writes_nothing(changes, field):
    with pytest.raises(DomainError) as caught:
        project_create(creator=UserFactory(), **{"name": "ok", **changes})
    assert field in caught.value.fields
    assert not Project.objects.exists()
    assert not Membership.objects.exists()


def test_project_update_changes_only_what_is_given():
    project = ProjectFactory(name="Old", description="keep me", status=ProjectStatus.DRAFT)
    project_update(project=project, name="New", status=ProjectStatus.PAUSED)
    project.refresh_from_db()
    assert (project.name, project.description, project.status) == ("New", "keep me", "paused")


def test_project_update_refuses_unknown_fields():
    project = ProjectFactory(name="Old")
    with pytest.raises(DomainError) as caught:
        project_update(project=project, created_by=None)
    assert caught.value.fields == {"created_by": ["Unknown field."]}


def test_project_delete_removes_memberships():
    membership = MembershipFactory()
    project_delete(project=membership.project)
    assert not Project.objects.exists()
    assert not Membership.objects.exists()


def test_membership_add_finds_users_by_username_or_email_case_insensitively():
    project = ProjectFactory()
    admin = UserFactory()
    UserFactory(username="lin", email="Lin.Zhixia@example.test")
    by_email = membership_add(
        project=project,
        user_identifier="lin.zhixia@EXAMPLE.test",
        role=Role.TRAINER,
        added_by=admin,
    )
    assert by_email.user.username == "lin"
    assert by_email.added_by == admin


@pytest.mark.parametrize("identifier", ["", "nobody", "inactive"])
def test_membership_add_refuses_unknown_or_inactive_users(identifier):
    UserFactory(username="inactive", is_active=False)
    with pytest.raises(DomainError) as caught:
        membership_add(
            project=ProjectFactory(), user_identifier=identifier, role=Role.TRAINER, added_by=None
        )
    assert "user" in caught.value.fields
    assert not Membership.objects.exists()


def test_membership_add_refuses_an_ambiguous_email():
    UserFactory(username="a", email="same@example.test")
    UserFactory(username="b", email="same@example.test")
    with pytest.raises(DomainError):
        membership_add(
            project=ProjectFactory(),
            user_identifier="same@example.test",
            role=Role.TRAINER,
            added_by=None,
        )


def test_membership_add_refuses_an_existing_member_with_409():
    membership = MembershipFactory(role=Role.TRAINER)
    with pytest.raises(ConflictError):
        membership_add(
            project=membership.project,
            user_identifier=membership.user.username,
            role=Role.QA_LEAD,
            added_by=None,
        )
    membership.refresh_from_db()
    assert membership.role == Role.TRAINER


def test_membership_add_refuses_an_unknown_role():
    user = UserFactory()
    with pytest.raises(DomainError) as caught:
        membership_add(
            project=ProjectFactory(), user_identifier=user.username, role="boss", added_by=None
        )
    assert "role" in caught.value.fields


def test_the_last_admin_can_be_neither_demoted_nor_removed():
    admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(ConflictError):
        membership_change_role(membership=admin, role=Role.TRAINER)
    with pytest.raises(ConflictError):
        membership_remove(membership=admin)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_an_admin_can_step_down_once_another_admin_exists():
    first = MembershipFactory(role=Role.ADMIN)
    MembershipFactory(project=first.project, role=Role.ADMIN)
    membership_change_role(membership=first, role=Role.SETTER)
    first.refresh_from_db()
    assert first.role == Role.SETTER


def test_removing_a_trainer_keeps_the_admins():
    admin = MembershipFactory(role=Role.ADMIN)
    trainer = MembershipFactory(project=admin.project, role=Role.TRAINER)
    membership_remove(membership=trainer)
    assert list(Membership.objects.values_list("role", flat=True)) == [Role.ADMIN]


def test_project_delete_refuses_a_project_with_submitted_work_and_deletes_nothing(cast, mcq):
    from tasks.models import Submission, Task
    from tests.factories import submit

    # given a project whose trainer submitted an answer
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    # when its admin deletes it
    with pytest.raises(ConflictError) as caught:
        project_delete(project=cast.project)
    # then the refusal says what is kept and what to do instead, and nothing is gone
    assert caught.value.code == "protected"
    assert "submissions" in caught.value.detail and "Archive" in caught.value.detail
    assert Project.objects.filter(pk=cast.project.pk).exists()
    assert Task.objects.filter(project=cast.project).count() == 3
    assert Submission.objects.filter(task__project=cast.project).count() == 1

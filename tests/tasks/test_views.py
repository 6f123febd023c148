"""Pages: the same permission boundary as the API (404 outside, 403 inside but not allowed)."""

import pytest
from django.urls import reverse

from tasks.models import Membership, Project, ProjectStatus, Role
from tests.conftest import ALL_PEOPLE

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


PAGE_ACCESS = {
    # page name: expected status per person
    "project-detail": dict(
        trainer=200, setter=200, qa_lead=200, admin=200, outsider=404, staff=200
    ),
    "project-settings": dict(  # setters see only its remote media section
        trainer=403, setter=200, qa_lead=403, admin=200, outsider=404, staff=200
    ),
    "project-members": dict(
        trainer=403, setter=200, qa_lead=200, admin=200, outsider=404, staff=200
    ),
}


@pytest.mark.parametrize("person", ALL_PEOPLE)
@pytest.mark.parametrize("page", sorted(PAGE_ACCESS))
def test_project_pages_answer_by_role(client, cast, page, person):
    url = reverse(page, args=[cast.project.pk])
    response = _get(client, cast.by_role(person), url)
    assert response.status_code == PAGE_ACCESS[page][person]


@pytest.mark.parametrize("page", ["dashboard", "project-new", "token-list"])
def test_anonymous_visitors_are_sent_to_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_visitors_to_a_project_are_sent_to_login(client, cast):
    response = client.get(reverse("project-detail", args=[cast.project.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("person", "section"),
    [("trainer", "trainer"), ("setter", "setter"), ("qa_lead", "qa_lead"), ("admin", "admin")],
)
def test_dashboard_shows_the_section_of_the_role(client, cast, person, section):
    response = _get(client, cast.by_role(person), reverse("dashboard"))
    html = response.content.decode()
    assert f'data-role="{section}"' in html
    others = {"trainer", "setter", "qa_lead", "admin"} - {section}
    assert not any(f'data-role="{other}"' in html for other in others)
    assert cast.project.name in html
    assert "Someone else&#x27;s project" not in html


def test_dashboard_of_an_outsider_lists_only_their_projects(client, cast):
    html = _get(client, cast.outsider, reverse("dashboard")).content.decode()
    assert cast.project.name not in html
    assert "Someone else&#x27;s project" in html


def test_new_project_page_is_only_for_project_creators(client, cast):
    assert _get(client, cast.trainer, reverse("project-new")).status_code == 403
    cast.trainer.can_create_projects = True
    cast.trainer.save()
    assert _get(client, cast.trainer, reverse("project-new")).status_code == 200


def test_creating_a_project_in_the_page_makes_you_its_admin(client, cast):
    client.force_login(cast.staff)
    response = client.post(
        reverse("project-new"), {"name": "MCQ items", "description": "", "status": "active"}
    )
    project = Project.objects.get(name="MCQ items")
    assert response.status_code == 302
    assert Membership.objects.get(project=project).user == cast.staff


def test_an_invalid_new_project_is_refused_with_the_field_and_nothing_written(client, cast):
    client.force_login(cast.staff)
    before = Project.objects.count()
    response = client.post(reverse("project-new"), {"name": "", "status": "nonsense"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "status"}
    assert Project.objects.count() == before


def test_admin_saves_settings_and_setter_cannot(client, cast):
    url = reverse("project-settings", args=[cast.project.pk])
    data = {"name": "Renamed", "description": "d", "status": ProjectStatus.PAUSED}
    client.force_login(cast.setter)
    assert client.post(url, data).status_code == 403
    client.force_login(cast.admin)
    assert client.post(url, data).status_code == 302
    cast.project.refresh_from_db()
    assert (cast.project.name, cast.project.status) == ("Renamed", ProjectStatus.PAUSED)


def test_deleting_a_project_needs_its_exact_name(client, cast):
    url = reverse("project-delete", args=[cast.project.pk])
    client.force_login(cast.admin)
    client.post(url, {"confirm_name": "wrong"})
    assert Project.objects.filter(pk=cast.project.pk).exists()
    client.post(url, {"confirm_name": cast.project.name})
    assert not Project.objects.filter(pk=cast.project.pk).exists()


@pytest.mark.parametrize(
    ("person", "status"), [("setter", 403), ("qa_lead", 403), ("outsider", 404)]
)
def test_only_admins_delete_projects(client, cast, person, status):
    client.force_login(cast.by_role(person))
    url = reverse("project-delete", args=[cast.project.pk])
    assert client.post(url, {"confirm_name": cast.project.name}).status_code == status
    assert Project.objects.filter(pk=cast.project.pk).exists()


def test_trainer_sees_no_member_list_and_setter_sees_no_manage_controls(client, cast):
    url = reverse("project-members", args=[cast.project.pk])
    html = _get(client, cast.setter, url).content.decode()
    assert cast.trainer.username in html
    assert "Add a member" not in html
    assert "Remove" not in html


def test_admin_adds_changes_and_removes_members_in_the_page(client, cast):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="meng-lin")
    client.force_login(cast.admin)
    url = reverse("project-members", args=[cast.project.pk])
    response = client.post(url, {"user": "meng-lin", "role": Role.TRAINER})
    assert response.status_code == 302
    membership = Membership.objects.get(project=cast.project, user=newcomer)

    client.post(reverse("member-role", args=[cast.project.pk, membership.pk]), {"role": "qa_lead"})
    membership.refresh_from_db()
    assert membership.role == Role.QA_LEAD

    client.post(reverse("member-remove", args=[cast.project.pk, membership.pk]), {"confirm": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_adding_an_unknown_user_shows_the_error_on_the_field(client, cast):
    client.force_login(cast.admin)
    before = Membership.objects.count()
    response = client.post(
        reverse("project-members", args=[cast.project.pk]), {"user": "ghost", "role": "trainer"}
    )
    assert response.status_code == 400
    assert "user" in response.context["form"].errors
    assert Membership.objects.count() == before


def test_a_setter_cannot_add_members_through_the_page(client, cast):
    client.force_login(cast.setter)
    before = Membership.objects.count()
    response = client.post(
        reverse("project-members", args=[cast.project.pk]),
        {"user": cast.outsider.username, "role": "admin"},
    )
    assert response.status_code == 403
    assert Membership.objects.count() == before


def test_demoting_the_last_admin_in_the_page_is_refused_with_a_message(client, cast):
    admin_membership = Membership.objects.get(project=cast.project, user=cast.admin)
    client.force_login(cast.admin)
    response = client.post(
        reverse("member-role", args=[cast.project.pk, admin_membership.pk]),
        {"role": "trainer"},
        follow=True,
    )
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN
    assert "at least one project admin" in response.content.decode()


def test_a_trainer_can_leave_a_project(client, cast):
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    client.force_login(cast.trainer)
    url = reverse("member-remove", args=[cast.project.pk, membership.pk])
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_trainer_cannot_remove_someone_else(client, cast):
    other = Membership.objects.get(project=cast.project, user=cast.setter)
    client.force_login(cast.trainer)
    url = reverse("member-remove", args=[cast.project.pk, other.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 404  # trainers cannot even see other memberships
    assert Membership.objects.filter(pk=other.pk).exists()


def test_removing_a_member_is_confirmed_first(client, cast):
    """GET shows the confirmation page (tests/tasks/test_confirm_pages.py covers it)."""
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    client.force_login(cast.admin)
    url = reverse("member-remove", args=[cast.project.pk, membership.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert (
        client.get(reverse("member-role", args=[cast.project.pk, membership.pk])).status_code == 405
    )


def test_deleting_a_project_with_submitted_work_says_why_on_the_settings_page(client, cast, mcq):
    from tests.factories import submit

    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.admin)
    url = reverse("project-delete", args=[cast.project.pk])
    response = client.post(url, {"confirm_name": cast.project.name}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("project-settings", args=[cast.project.pk])
    assert "cannot be deleted" in response.content.decode()
    assert Project.objects.filter(pk=cast.project.pk).exists()

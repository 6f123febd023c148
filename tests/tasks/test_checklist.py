"""The project checklist (tasks.services.checklist), its page and its API twin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.gallery import gallery_template
from tasks.models import Membership, ProjectStatus, Role
from tasks.services import (
    guideline_rule_add,
    guidelines_publish,
    project_checklist,
    tasks_create,
    template_save,
)
from tasks.services.checklist import STEP_CODES
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    """A new project as project_create leaves it: Draft, its creator its only member."""
    creator = UserFactory(username="creator")
    project = ProjectFactory(name="Fresh", status=ProjectStatus.DRAFT)
    MembershipFactory(project=project, user=creator, role=Role.ADMIN)
    return project, creator


def _steps(project, user) -> dict:
    return {step.code: step for step in project_checklist(project=project, user=user).steps}


def _write_template(project, by):
    starter = gallery_template("multiple_choice")
    template_save(project=project, name=starter.name, definition=starter.definition, by=by)


def test_a_new_project_has_every_step_to_do_in_order_and_the_template_first(fresh):
    project, creator = fresh
    checklist = project_checklist(project=project, user=creator)
    assert [step.code for step in checklist.steps] == list(STEP_CODES)
    assert STEP_CODES == ("template", "tasks", "members", "guidelines", "activate")
    assert not any(step.done for step in checklist.steps)
    assert checklist.next_step.code == "template"
    assert checklist.ordered[0].code == "template"
    assert not checklist.complete
    assert checklist.done_count == 0
    assert checklist.next_step.url == reverse("template-editor", args=[project.pk])
    assert "draft" in _steps(project, creator)["activate"].detail


def test_each_step_is_done_by_its_own_condition_and_the_next_is_the_first_not_done(fresh):
    project, creator = fresh
    _write_template(project, creator)
    steps = _steps(project, creator)
    assert steps["template"].done and not steps["tasks"].done
    assert "Version 1" in steps["template"].detail

    tasks_create(project=project, items=[{"question": "Q?\n\n- A\n- B"}], by=creator)
    steps = _steps(project, creator)
    assert steps["tasks"].done
    assert project_checklist(project=project, user=creator).next_step.code == "members"

    # members: a trainer alone is not enough, nor a QA lead alone
    MembershipFactory(project=project, role=Role.TRAINER)
    steps = _steps(project, creator)
    assert not steps["members"].done
    assert "QA lead" in steps["members"].detail
    Membership.objects.filter(project=project, role=Role.TRAINER).delete()
    MembershipFactory(project=project, role=Role.QA_LEAD)
    steps = _steps(project, creator)
    assert not steps["members"].done
    assert "trainer" in steps["members"].detail
    MembershipFactory(project=project, role=Role.TRAINER)
    assert _steps(project, creator)["members"].done
    assert project_checklist(project=project, user=creator).next_step.code == "guidelines"

    guideline_rule_add(project=project, title="Answer in English", by=creator)
    assert not _steps(project, creator)["guidelines"].done  # a draft is not published
    guidelines_publish(project=project, note="First", by=creator)
    assert _steps(project, creator)["guidelines"].done
    checklist = project_checklist(project=project, user=creator)
    assert checklist.next_step.code == "activate"
    assert checklist.next_step.url.endswith("#id_status")

    for status in (ProjectStatus.PAUSED, ProjectStatus.ARCHIVED):
        project.status = status
        project.save()
        assert not _steps(project, creator)["activate"].done
    project.status = ProjectStatus.ACTIVE
    project.save()
    checklist = project_checklist(project=project, user=creator)
    assert checklist.complete and checklist.next_step is None
    assert checklist.done_count == 5


def test_steps_are_independent_and_the_next_step_comes_first(fresh):
    project, creator = fresh
    project.status = ProjectStatus.ACTIVE
    project.save()
    MembershipFactory(project=project, role=Role.TRAINER)
    MembershipFactory(project=project, role=Role.QA_LEAD)
    checklist = project_checklist(project=project, user=creator)
    assert [step.done for step in checklist.steps] == [False, False, True, False, True]
    assert checklist.next_step.code == "template"
    _write_template(project, creator)
    checklist = project_checklist(project=project, user=creator)
    assert [step.code for step in checklist.ordered] == [
        "tasks",
        "template",
        "members",
        "guidelines",
        "activate",
    ]


def test_a_setter_may_not_do_the_admin_steps(cast):
    steps = _steps(cast.project, cast.setter)
    assert steps["template"].can_do and steps["tasks"].can_do and steps["guidelines"].can_do
    assert not steps["members"].can_do and not steps["activate"].can_do
    admin_steps = _steps(cast.project, cast.admin)
    assert all(step.can_do for step in admin_steps.values())


def test_the_checklist_costs_a_fixed_number_of_queries(fresh, django_assert_max_num_queries):
    project, creator = fresh
    _write_template(project, creator)
    with django_assert_max_num_queries(6):
        project_checklist(project=project, user=creator)


# --- the project page -----------------------------------------------------------------


@pytest.mark.parametrize(("person", "shown"), [("setter", True), ("admin", True), ("staff", True),
                                               ("trainer", False), ("qa_lead", False)])  # fmt: skip
def test_the_checklist_shows_to_setters_and_admins_only(client, cast, person, shown):
    cast.project.status = ProjectStatus.DRAFT
    cast.project.save()
    client.force_login(cast.by_role(person))
    html = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()
    assert ('data-testid="checklist"' in html) is shown
    assert ("Project checklist" in html) is shown


def test_the_page_highlights_the_next_step_with_its_link(client, fresh):
    project, creator = fresh
    client.force_login(creator)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert 'data-testid="checklist-next" data-step="template"' in html
    assert "0 of 5 steps done." in html
    assert (
        f'href="{reverse("template-editor", args=[project.pk])}" data-testid="checklist-next-link"'
        in html
    )
    assert "Set its status to Active in the settings." in html


def test_a_setter_is_told_an_admin_does_the_admin_steps(client, cast, mcq):
    cast.project.status = ProjectStatus.DRAFT
    cast.project.save()
    guideline_rule_add(project=cast.project, title="Be kind", by=cast.setter)
    guidelines_publish(project=cast.project, note="First", by=cast.setter)
    client.force_login(cast.setter)
    html = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()
    assert 'data-step="activate"' in html
    assert "Only a project admin can do this step." in html
    assert 'data-testid="checklist-next-link"' not in html


def test_a_set_up_project_folds_its_checklist(client, cast, mcq):
    guideline_rule_add(project=cast.project, title="Be kind", by=cast.setter)
    guidelines_publish(project=cast.project, note="First", by=cast.setter)
    client.force_login(cast.admin)
    html = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()
    assert "<details" in html and "Set-up is complete" in html
    assert 'data-testid="checklist-next"' not in html


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead", "admin", "staff"])
def test_the_links_are_grouped_with_the_role_s_group_first(client, cast, person):
    client.force_login(cast.by_role(person))
    html = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()
    first = {"trainer": "work", "qa_lead": "review"}.get(person, "setup")
    groups = [
        code
        for code in ("work", "review", "setup", "data")
        if f'data-testid="links-{code}"' in html
    ]
    assert html.index(f'data-testid="links-{first}"') == min(
        html.index(f'data-testid="links-{code}"') for code in groups
    )
    if person == "trainer":
        assert 'data-testid="start-working"' in html and "Start working" in html
        assert "My submissions" in html
    else:
        assert ">Tasks</a>" in html and ">Submissions</a>" in html
    if person in ("setter", "admin", "staff"):
        assert ">Template</a>" in html and ">Settings</a>" in html
    assert ">Rubric</a>" in html and ">Guidelines</a>" in html


def test_every_link_other_apps_add_stays_on_the_page(client, cast):
    client.force_login(cast.admin)
    html = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()
    labels = ("Review queue", "Disputes", "Quality", "Metrics", "Imports", "Exports", "Webhooks",
              "Members", "Settings", "Template", "Rubric", "Guidelines", "Tasks")  # fmt: skip
    for label in labels:
        assert f">{label}</a>" in html, label
    review = html.index('data-testid="links-review"')
    data = html.index('data-testid="links-data"')
    assert review < html.index(">Review queue</a>") < data < html.index(">Exports</a>")


def test_the_settings_page_links_the_review_policy_and_the_checks(client, cast):
    for person in ("setter", "admin"):
        client.force_login(cast.by_role(person))
        html = client.get(reverse("project-settings", args=[cast.project.pk])).content.decode()
        assert f'href="{reverse("review-policy", args=[cast.project.pk])}"' in html
        assert f'href="{reverse("project-checks", args=[cast.project.pk])}"' in html
    # the review policy keeps its own address
    assert client.get(reverse("review-policy", args=[cast.project.pk])).status_code == 200


# --- the API ------------------------------------------------------------------------------


def _api(api_client, user, project, language=None):
    api_client.force_authenticate(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return api_client.get(reverse("api-project-checklist", args=[project.pk]), **headers)


def test_the_api_returns_the_steps_with_stable_codes(api_client, fresh):
    project, creator = fresh
    _write_template(project, creator)
    response = _api(api_client, creator, project)
    assert response.status_code == 200
    body = response.json()
    assert body["project"] == project.pk
    assert body["complete"] is False
    assert body["next_step"] == "tasks"
    assert [step["code"] for step in body["steps"]] == list(STEP_CODES)
    assert [step["done"] for step in body["steps"]] == [True, False, False, False, False]
    assert body["steps"][0]["label"] == "Write the task template"
    assert body["steps"][4]["url"] == reverse("project-settings", args=[project.pk]) + "#id_status"
    assert set(body["steps"][0]) == {"code", "label", "done", "detail", "url", "can_do"}


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_the_api_labels_are_translated_and_the_codes_are_not(api_client, fresh, language):
    from tests.i18n import compile_catalogs

    compile_catalogs()
    project, creator = fresh
    english = _api(api_client, creator, project).json()
    chinese = _api(api_client, creator, project, language).json()
    assert [s["code"] for s in chinese["steps"]] == [s["code"] for s in english["steps"]]
    assert chinese["next_step"] == english["next_step"] == "template"
    for zh, en in zip(chinese["steps"], english["steps"], strict=True):
        assert zh["label"] != en["label"]
        assert not any("a" <= ch.lower() <= "z" for ch in zh["label"]), zh["label"]
    assert (
        chinese["steps"][0]["label"]
        == {"zh-hans": "编写任务模板", "zh-hant": "編寫任務模板"}[language]
    )


API_ACCESS = [
    ("trainer", 403),
    ("qa_lead", 403),
    ("outsider", 404),
    ("setter", 200),
    ("admin", 200),
    ("staff", 200),
]


@pytest.mark.parametrize(("person", "status"), API_ACCESS)
def test_the_api_answers_by_role(api_client, cast, person, status):
    assert _api(api_client, cast.by_role(person), cast.project).status_code == status


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_the_api_refusal_is_chinese_with_its_english_code(api_client, cast, language):
    from tests.i18n import compile_catalogs

    compile_catalogs()
    english = _api(api_client, cast.trainer, cast.project).json()
    chinese = _api(api_client, cast.trainer, cast.project, language).json()
    assert english["error"] and chinese["error"] == english["error"]
    assert "question setters" in english["detail"]
    assert "项目清单" in chinese["detail"] or "項目清單" in chinese["detail"]


def test_the_api_needs_a_login(api_client, cast):
    response = api_client.get(reverse("api-project-checklist", args=[cast.project.pk]))
    assert response.status_code == 401

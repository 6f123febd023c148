"""Pages for templates, tasks and submissions (the workspace has its own tests)."""

import json

import pytest
from django.urls import reverse

from tasks.gallery import gallery_template
from tasks.models import Task, TaskTemplate
from tests.conftest import ALL_PEOPLE
from tests.factories import submit

pytestmark = pytest.mark.django_db

PAGES = {
    # page: (url name, status per person in ALL_PEOPLE order)
    "editor": ("template-editor", (403, 200, 403, 200, 404, 200)),
    "tasks": ("project-tasks", (403, 200, 200, 200, 404, 200)),
    "work": ("work-start", (302, 403, 403, 403, 404, 403)),
    "submissions": ("submission-list", (200, 200, 200, 200, 404, 200)),
}


@pytest.mark.parametrize("person_index", range(len(ALL_PEOPLE)), ids=ALL_PEOPLE)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_answer_by_role(client, cast, mcq, page, person_index):
    name, statuses = PAGES[page]
    client.force_login(cast.by_role(ALL_PEOPLE[person_index]))
    response = client.get(reverse(name, args=[cast.project.pk]))
    assert response.status_code == statuses[person_index]


def test_saving_invalid_json_says_where(client, cast):
    client.force_login(cast.setter)
    response = client.post(
        reverse("template-editor", args=[cast.project.pk]),
        {"name": "T", "definition": '{\n  "display": [,]\n}'},
    )
    assert response.status_code == 400
    assert "line 2, column" in response.content.decode()
    assert not TaskTemplate.objects.exists()


def test_saving_an_invalid_template_lists_paths(client, cast):
    client.force_login(cast.setter)
    definition = gallery_template("multiple_choice").definition
    definition["questions"][0]["type"] = "essay"
    response = client.post(
        reverse("template-editor", args=[cast.project.pk]),
        {"name": "T", "definition": json.dumps(definition)},
    )
    assert response.status_code == 400
    assert "definition.questions[0].type" in response.content.decode()
    assert not TaskTemplate.objects.exists()


def test_saving_a_valid_template_and_the_version_message(client, cast, mcq):
    client.force_login(cast.setter)
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    definition = gallery_template("multiple_choice").definition
    response = client.post(
        reverse("template-editor", args=[cast.project.pk]),
        {"name": "MCQ", "definition": json.dumps(definition), "note": "clearer"},
        follow=True,
    )
    assert "Saved as version 2" in response.content.decode()
    assert TaskTemplate.objects.filter(project=cast.project).count() == 2


def test_starting_from_the_gallery(client, cast):
    client.force_login(cast.setter)
    client.post(reverse("template-use-gallery", args=[cast.project.pk]), {"key": "cantonese_tts"})
    assert TaskTemplate.objects.get().name == gallery_template("cantonese_tts").name


def test_adding_tasks_as_json_lines_and_refusing_a_bad_line(client, cast, mcq):
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])
    before = Task.objects.count()
    bad = client.post(url, {"tasks": '{"question": "a"}\n{"question": }'})
    assert bad.status_code == 400
    assert "Line 2 is not valid JSON" in bad.content.decode()
    mismatch = client.post(url, {"tasks": '[{"question": "a"}, {"other": 1}]'})
    assert mismatch.status_code == 400
    assert "tasks[1]" in mismatch.content.decode()
    assert Task.objects.count() == before
    good = client.post(url, {"tasks": '{"question": "a"}\n{"question": "b"}\n'})
    assert good.status_code == 302
    assert Task.objects.count() == before + 2


def test_a_qa_lead_sees_tasks_but_cannot_add(client, cast, mcq):
    client.force_login(cast.qa_lead)
    url = reverse("project-tasks", args=[cast.project.pk])
    assert "Add tasks" not in client.get(url).content.decode()
    assert client.post(url, {"tasks": '{"question": "a"}'}).status_code == 403


def test_start_working_opens_the_next_task_then_says_done(client, cast, mcq):
    client.force_login(cast.trainer)
    url = reverse("work-start", args=[cast.project.pk])
    assert client.get(url)["Location"] == reverse("task-work", args=[mcq["tasks"][0].pk])
    for task in mcq["tasks"]:
        submit(task=task, author=cast.trainer, answer={"answer": "A"})
    response = client.get(url)
    assert response.status_code == 200
    assert "no task left for you" in response.content.decode()


def test_start_working_on_a_paused_project_says_why(client, cast, mcq):
    cast.project.status = "paused"
    cast.project.save()
    client.force_login(cast.trainer)
    response = client.get(reverse("work-start", args=[cast.project.pk]))
    assert "paused" in response.content.decode()


def test_submission_pages_show_own_work_only_to_trainers(client, cast, mcq):
    from tests.factories import MembershipFactory

    other = MembershipFactory(project=cast.project, role="trainer").user
    mine, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    theirs, _ = submit(task=mcq["tasks"][1], author=other, answer={"answer": "B"})
    client.force_login(cast.trainer)
    listing = client.get(reverse("submission-list", args=[cast.project.pk])).content.decode()
    assert f"#{mine.pk}" in listing and f"#{theirs.pk}" not in listing
    assert client.get(reverse("submission-detail", args=[theirs.pk])).status_code == 404
    detail = client.get(reverse("submission-detail", args=[mine.pk])).content.decode()
    assert "Revise" in detail
    client.force_login(cast.qa_lead)
    listing = client.get(reverse("submission-list", args=[cast.project.pk])).content.decode()
    assert f"#{mine.pk}" in listing and f"#{theirs.pk}" in listing
    assert client.get(reverse("submission-revise", args=[mine.pk])).status_code == 403


def test_the_submission_page_reads_the_answer_question_by_question(client, cast, mcq):
    mine, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.trainer)
    response = client.get(reverse("submission-detail", args=[mine.pk]))
    html = response.content.decode()
    assert 'data-testid="answer"' in html
    assert '<pre class="answer-text">A</pre>' in html
    assert "&quot;answer&quot;:" not in html  # no raw JSON


def test_the_workspace_shows_changed_rules_until_the_trainer_acknowledges(client, cast, mcq):
    from tasks.services import (
        guideline_rule_add,
        guidelines_acknowledge,
        guidelines_publish,
        task_lease,
    )

    guideline_rule_add(project=cast.project, title="Stay inside the options", by=cast.setter)
    version = guidelines_publish(project=cast.project, note="first rules", by=cast.setter)
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    client.force_login(cast.trainer)
    url = reverse("task-work", args=[mcq["tasks"][0].pk])
    html = client.get(url).content.decode()
    assert "Stay inside the options" in html
    assert 'data-testid="blocked-by-notice"' in html  # the form waits for the acknowledgement
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=version.number)
    html = client.get(url).content.decode()
    assert 'data-testid="blocked-by-notice"' not in html

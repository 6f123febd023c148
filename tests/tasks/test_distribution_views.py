"""Pages of task distribution: the task list (filters, cursor pages, progress), the task page
with its gold, settings and assignment forms, and the project's distribution settings."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from tasks.models import Assignment, Task, TaskState
from tasks.services import (
    project_distribution_update,
    task_assign,
    task_counts,
    task_lease,
    task_set_gold,
    task_skip,
    task_update_settings,
    tasks_create,
    template_save,
)
from tasks.views import work as work_views
from tests.conftest import ALL_PEOPLE
from tests.factories import MembershipFactory, submit

pytestmark = pytest.mark.django_db

QUIZ = {
    "schema_version": 1,
    "title": "Quiz",
    "display": [{"type": "markdown", "field": "question", "label": "Question"}],
    "questions": [
        {
            "id": "answer",
            "type": "single_choice",
            "prompt": "Your answer",
            "options": [{"value": v, "label": v} for v in "ABC"],
        },
        {"id": "reason", "type": "text", "prompt": "Why"},
    ],
}
GOLD = {"answer": "B"}  # a gold answer names only the questions it scores


@pytest.fixture
def quiz(cast):
    """The cast's project with a two-question template and four tasks."""
    template_save(project=cast.project, name="Quiz", definition=QUIZ, by=cast.setter)
    return tasks_create(
        project=cast.project,
        items=[
            {"question": "Which dynasty built the Grand Canal?"},
            {"question": "Which river flows through Guangzhou?"},
            {"question": "Which canal joins Hangzhou?"},
            {"question": "Which tea comes from Hangzhou?"},
        ],
        by=cast.setter,
    )


def ids_on(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-task-id="(\d+)"', response.content.decode())]


def link(response, testid: str) -> str | None:
    found = re.search(rf'href="([^"]*)" data-testid="{testid}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


# --- who may open and use what ------------------------------------------------------------

# status per person in ALL_PEOPLE order: trainer, setter, qa_lead, admin, outsider, staff
TASK_VIEWS = {
    # name: (method, form data, statuses)
    "task-detail": ("get", None, (403, 200, 200, 200, 404, 200)),
    "task-settings": ("post", {"priority": "3", "overlap": ""}, (403, 302, 403, 302, 404, 302)),
    "task-gold": ("post", {"gold_answer": json.dumps(GOLD)}, (403, 302, 403, 302, 404, 302)),
    "task-gold-remove": ("post", {}, (403, 302, 403, 302, 404, 302)),
    "task-assign": ("post", {"trainer": "trainer-user"}, (403, 302, 403, 302, 404, 302)),
}


@pytest.mark.parametrize("person_index", range(len(ALL_PEOPLE)), ids=ALL_PEOPLE)
@pytest.mark.parametrize("name", sorted(TASK_VIEWS))
def test_task_views_answer_by_role(client, cast, quiz, name, person_index):
    # given: a task the trainer may see (assigned to them), so a refusal is about the role
    task = quiz[0]
    task_assign(task=task, trainer_identifier="trainer-user", by=cast.setter)
    method, data, statuses = TASK_VIEWS[name]
    person = ALL_PEOPLE[person_index]
    client.force_login(cast.by_role(person))
    # when
    url = reverse(name, args=[task.pk])
    response = client.get(url) if method == "get" else client.post(url, data)
    # then
    assert response.status_code == statuses[person_index]
    if response.status_code == 302:
        assert response["Location"] == reverse("task-detail", args=[task.pk])


def test_a_trainer_cannot_even_tell_an_unserved_task_exists(client, cast, quiz):
    client.force_login(cast.trainer)
    assert client.get(reverse("task-detail", args=[quiz[2].pk])).status_code == 404
    assert client.post(reverse("task-assign", args=[quiz[2].pk]), {}).status_code == 404


def test_forms_take_post_only_and_need_a_login(client, cast, quiz):
    assert client.get(reverse("task-detail", args=[quiz[0].pk])).status_code == 302
    client.force_login(cast.setter)
    assert client.get(reverse("task-gold", args=[quiz[0].pk])).status_code == 405


@pytest.mark.parametrize(
    "person,status", list(zip(ALL_PEOPLE, (403, 403, 403, 302, 404, 302), strict=True))
)
def test_distribution_settings_are_for_admins(client, cast, quiz, person, status):
    client.force_login(cast.by_role(person))
    data = {
        "default_overlap": "2",
        "lease_minutes": "45",
        "max_leases_per_trainer": "2",
        "max_submissions_per_day": "",
        "gold_rate": "0.1",
        "skip_flag_threshold": "4",
    }
    response = client.post(reverse("project-distribution", args=[cast.project.pk]), data)
    assert response.status_code == status
    cast.project.refresh_from_db()
    if status == 302:
        assert (cast.project.default_overlap, cast.project.lease_seconds) == (2, 2700)
        assert cast.project.max_submissions_per_day is None
        assert cast.project.gold_rate == 0.1
        assert Task.objects.filter(project=cast.project, needed=2).count() == 4
    else:
        assert cast.project.default_overlap == 1


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_project_page_shows_progress_to_those_who_see_the_task_list(client, cast, quiz, person):
    client.force_login(cast.by_role(person))
    response = client.get(reverse("project-detail", args=[cast.project.pk]))
    if person == "outsider":
        assert response.status_code == 404
        return
    shown = 'data-testid="progress"' in response.content.decode()
    assert shown == (person != "trainer")
    if shown:
        assert 'data-testid="count-new">4<' in response.content.decode()


# --- the task list -------------------------------------------------------------------------


def test_task_list_shows_exact_progress_and_gold(client, cast, quiz):
    task_set_gold(task=quiz[3], gold_answer=GOLD)
    task_lease(task=quiz[0], trainer=cast.trainer)
    client.force_login(cast.qa_lead)
    page = client.get(reverse("project-tasks", args=[cast.project.pk])).content.decode()
    assert 'data-testid="count-new">2<' in page
    assert 'data-testid="count-in_progress">1<' in page
    assert 'data-testid="count-gold">1<' in page
    assert page.count('class="badge gold"') == 1


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"contains": "Hangzhou"}, [2, 3]),
        ({"contains": "Hangzhou", "state": "new"}, [3]),
        ({"state": "in_progress"}, [2]),
        ({"is_gold": "true"}, [1]),
        ({"is_gold": "false", "priority_min": "1"}, [0]),
        ({"priority": "5"}, [0]),
        ({"priority_max": "0", "is_gold": "false"}, [2, 3]),
        ({"trainer": "trainer-user"}, [2]),
        ({"trainer": "nobody-at-all"}, []),
    ],
)
def test_filters_narrow_the_list(client, cast, quiz, query, expected):
    # given: task 0 has priority 5, task 1 is gold, task 2 is held by the trainer
    task_update_settings(task=quiz[0], priority=5)
    task_set_gold(task=quiz[1], gold_answer=GOLD)
    task_lease(task=quiz[2], trainer=cast.trainer)
    client.force_login(cast.setter)
    response = client.get(reverse("project-tasks", args=[cast.project.pk]), query)
    assert response.status_code == 200
    assert ids_on(response) == [quiz[i].pk for i in expected]


@pytest.mark.parametrize(
    "query,field",
    [
        ({"state": "finished"}, "state"),
        ({"priority": "high"}, "priority"),
        ({"priority_min": "1.x"}, "priority_min"),
        ({"contains": "H"}, "contains"),
        ({"ordering": "data"}, "ordering"),
        ({"after": "not-a-cursor"}, "after"),
        ({"before": "W10"}, "before"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(client, cast, quiz, query, field):
    client.force_login(cast.setter)
    response = client.get(reverse("project-tasks", args=[cast.project.pk]), query)
    assert response.status_code == 400
    errors = re.search(
        r'data-testid="filter-errors">(.*?)</div>', response.content.decode(), re.S
    ).group(1)
    assert f"<code>{field}</code>" in errors
    assert ids_on(response) == []


def test_a_cursor_of_another_ordering_is_refused(client, cast, quiz, monkeypatch):
    monkeypatch.setattr(work_views, "TASK_PAGE_SIZE", 2)
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])
    after = link(client.get(url, {"ordering": "-id"}), "next-page")
    cursor = re.search(r"after=([^&]+)", after).group(1)
    response = client.get(url, {"ordering": "id", "after": cursor})
    assert response.status_code == 400
    assert "another ordering" in response.content.decode()


ORDER_BY = {
    "id": ["id"],
    "-id": ["-id"],
    "-priority": ["-priority", "id"],
    "created_at": ["created_at", "id"],
}


@pytest.mark.parametrize("ordering", sorted(ORDER_BY))
def test_cursor_pages_walk_every_task_once_both_ways(client, cast, quiz, ordering, monkeypatch):
    # given: 40 tasks, with ties in priority and in created_at, and pages of 7
    monkeypatch.setattr(work_views, "TASK_PAGE_SIZE", 7)
    more = tasks_create(
        project=cast.project,
        items=[{"question": f"Extra {n}?"} for n in range(36)],
        by=cast.setter,
    )
    tasks = quiz + more
    base = tasks[0].created_at
    for n, task in enumerate(tasks):
        Task.objects.filter(pk=task.pk).update(
            priority=n % 3, created_at=base + timedelta(seconds=(n * 7) % 5)
        )
    expected = list(
        Task.objects.filter(project=cast.project)
        .order_by(*ORDER_BY[ordering])
        .values_list("pk", flat=True)
    )
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])
    # when: following Next to the end
    pages, next_url = [], f"?ordering={ordering}"
    while next_url:
        response = client.get(url + next_url)
        assert response.status_code == 200
        pages.append(ids_on(response))
        next_url = link(response, "next-page")
    # then: every task once, in order, in full pages
    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [7] * 5 + [5]
    # and back with Previous, page by page
    back = [pages[-1]]
    prev_url = link(response, "prev-page")
    while prev_url:
        response = client.get(url + prev_url)
        back.append(ids_on(response))
        prev_url = link(response, "prev-page")
    assert back == pages[::-1]
    assert link(response, "first-page") is not None


def test_pages_keep_the_filters(client, cast, quiz, monkeypatch):
    monkeypatch.setattr(work_views, "TASK_PAGE_SIZE", 1)
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])
    first = client.get(url, {"contains": "Hangzhou"})
    second = client.get(url + link(first, "next-page"))
    assert ids_on(first) + ids_on(second) == [quiz[2].pk, quiz[3].pk]
    assert link(second, "next-page") is None


def test_task_list_queries_do_not_grow_with_tasks(
    client, cast, quiz, django_assert_max_num_queries
):
    tasks_create(
        project=cast.project, items=[{"question": f"Q{n}?"} for n in range(56)], by=cast.setter
    )
    for task in Task.objects.filter(project=cast.project)[:5]:
        task_lease(task=task, trainer=MembershipFactory(project=cast.project, role="trainer").user)
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url, {"ordering": "-priority", "contains": "question"})
    assert len(ids_on(response)) == 50
    with django_assert_max_num_queries(10):
        client.get(url + link(response, "next-page"))


def test_the_list_never_counts_or_offsets(client, cast, quiz):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.setter)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("project-tasks", args=[cast.project.pk]), {"state": "new"})
    task_queries = [q["sql"] for q in queries if 'FROM "tasks_task"' in q["sql"]]
    for sql in task_queries:
        assert "OFFSET" not in sql.upper()
        # the only COUNT allowed is the gold tasks' (a handful, on their own index)
        assert "COUNT(" not in sql.upper() or '"is_gold"' in sql


# --- the task page ----------------------------------------------------------------------


def test_task_page_shows_the_task_and_its_history(client, cast, quiz):
    # given: one skip with a reason, one submission, one assignment, a live lease
    task = quiz[0]
    other = MembershipFactory(project=cast.project, role="trainer").user
    third = MembershipFactory(project=cast.project, role="trainer").user
    task_lease(task=task, trainer=other)
    task_skip(task=task, trainer=other, reason="Ambiguous wording")
    submission, _ = submit(
        task=task, author=cast.trainer, answer={**GOLD, "reason": "The Sui joined the canals"}
    )
    task_assign(task=task, trainer_identifier=third.username, by=cast.setter)
    client.force_login(cast.qa_lead)
    page = client.get(reverse("task-detail", args=[task.pk])).content.decode()
    assert "Which dynasty built the Grand Canal?" in page  # the display blocks
    assert "Ambiguous wording" in page
    assert reverse("submission-detail", args=[submission.pk]) in page
    assert third.username in page and "Skipped" in page
    assert 'data-testid="gold-form"' not in page  # QA leads look, setters change


def test_marking_gold_shows_errors_per_question(client, cast, quiz):
    client.force_login(cast.setter)
    url = reverse("task-gold", args=[quiz[0].pk])
    response = client.post(url, {"gold_answer": json.dumps({"answer": "Z", "reason": "Sui"})})
    assert response.status_code == 400
    errors = re.search(r'data-testid="gold-errors">(.*?)</div>', response.content.decode(), re.S)
    assert "<code>answer</code> (Your answer)" in errors.group(1)
    assert "<code>reason</code> (Why): A text question is not scored" in errors.group(1)
    assert not Task.objects.get(pk=quiz[0].pk).is_gold


def test_gold_json_that_does_not_parse_says_where(client, cast, quiz):
    client.force_login(cast.setter)
    response = client.post(reverse("task-gold", args=[quiz[0].pk]), {"gold_answer": '{"a": }'})
    assert response.status_code == 400
    assert "Not valid JSON" in response.content.decode()
    assert 'id="id_gold_answer_error"' in response.content.decode()


def test_marking_and_unmarking_gold(client, cast, quiz):
    client.force_login(cast.setter)
    response = client.post(
        reverse("task-gold", args=[quiz[0].pk]), {"gold_answer": json.dumps(GOLD)}, follow=True
    )
    assert f"Task {quiz[0].pk} is now gold." in response.content.decode()
    assert Task.objects.get(pk=quiz[0].pk).gold_answer == GOLD
    assert task_counts(cast.project)["new"] == 3
    client.post(reverse("task-gold-remove", args=[quiz[0].pk]))
    assert not Task.objects.get(pk=quiz[0].pk).is_gold
    assert task_counts(cast.project)["new"] == 4


def test_a_held_task_cannot_turn_gold(client, cast, quiz):
    task_lease(task=quiz[0], trainer=cast.trainer)
    client.force_login(cast.setter)
    response = client.post(
        reverse("task-gold", args=[quiz[0].pk]), {"gold_answer": json.dumps(GOLD)}
    )
    assert response.status_code == 409
    assert "nobody holds or has answered" in response.content.decode()


def test_assigning_refuses_someone_who_is_not_a_trainer(client, cast, quiz):
    client.force_login(cast.setter)
    url = reverse("task-assign", args=[quiz[0].pk])
    for who in ("qa_lead-user", "outsider", "no-such-person"):
        response = client.post(url, {"trainer": who})
        assert response.status_code == 400
        assert 'id="id_trainer_error"' in response.content.decode()
        assert "Name a trainer of this project." in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(url, {"trainer": "trainer-user"}, follow=True)
    assert f"Task {quiz[0].pk} assigned to trainer-user." in response.content.decode()
    assert Assignment.objects.get().trainer == cast.trainer


def test_task_settings_change_priority_and_overlap(client, cast, quiz):
    client.force_login(cast.admin)
    url = reverse("task-settings", args=[quiz[0].pk])
    bad = client.post(url, {"priority": "x", "overlap": "0"})
    assert bad.status_code == 400
    assert 'id="id_priority_error"' in bad.content.decode()
    out_of_range = client.post(url, {"priority": "2", "overlap": "0"})
    assert out_of_range.status_code == 400
    assert 'id="id_overlap_error"' in out_of_range.content.decode()
    assert client.post(url, {"priority": "2", "overlap": "3"}).status_code == 302
    task = Task.objects.get(pk=quiz[0].pk)
    assert (task.priority, task.overlap, task.needed) == (2, 3, 3)
    client.post(url, {"priority": "2", "overlap": ""})
    assert Task.objects.get(pk=quiz[0].pk).needed == 1


def test_the_gold_answer_stays_off_trainer_pages(client, cast, quiz):
    task_set_gold(task=quiz[0], gold_answer={"answer": "B"})
    # as stored before gold answers named only the questions they score
    Task.objects.filter(pk=quiz[0].pk).update(
        gold_answer={"answer": "B", "reason": "secret gold reasoning"}
    )
    project_distribution_update(project=cast.project, gold_rate=1.0)
    client.force_login(cast.trainer)
    start = client.get(reverse("work-start", args=[cast.project.pk]))
    assert start["Location"] == reverse("task-work", args=[quiz[0].pk])
    workspace = client.get(start["Location"]).content.decode()
    assert "Which dynasty built the Grand Canal?" in workspace
    assert "secret gold reasoning" not in workspace
    assert client.get(reverse("task-detail", args=[quiz[0].pk])).status_code == 403


# --- the project's distribution settings ------------------------------------------------


def test_settings_page_shows_the_distribution_form_filled_in(client, cast, quiz):
    client.force_login(cast.admin)
    page = client.get(reverse("project-settings", args=[cast.project.pk])).content.decode()
    assert 'data-testid="distribution-form"' in page
    assert 'name="lease_minutes" value="30' in page
    assert "a share from 0 to 1" in page


@pytest.mark.parametrize(
    "change,field",
    [
        ({"default_overlap": "0"}, "default_overlap"),
        ({"default_overlap": "two"}, "default_overlap"),
        ({"lease_minutes": "0.5"}, "lease_minutes"),
        ({"max_leases_per_trainer": "500"}, "max_leases_per_trainer"),
        ({"max_submissions_per_day": "0"}, "max_submissions_per_day"),
        ({"gold_rate": "5"}, "gold_rate"),
        ({"skip_flag_threshold": "0"}, "skip_flag_threshold"),
    ],
)
def test_distribution_errors_name_the_field(client, cast, quiz, change, field):
    client.force_login(cast.admin)
    data = {
        "default_overlap": "1",
        "lease_minutes": "30",
        "max_leases_per_trainer": "1",
        "max_submissions_per_day": "",
        "gold_rate": "0",
        "skip_flag_threshold": "3",
        **change,
    }
    response = client.post(reverse("project-distribution", args=[cast.project.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert page.count('role="alert"') == 1  # only that field
    cast.project.refresh_from_db()
    assert cast.project.default_overlap == 1 and cast.project.gold_rate == 0


def test_a_skip_flags_a_task_by_the_new_threshold(client, cast, quiz):
    task_lease(task=quiz[0], trainer=cast.trainer)
    task_skip(task=quiz[0], trainer=cast.trainer)
    client.force_login(cast.admin)
    data = {
        "default_overlap": "1",
        "lease_minutes": "30",
        "max_leases_per_trainer": "1",
        "max_submissions_per_day": "20",
        "gold_rate": "0",
        "skip_flag_threshold": "1",
    }
    client.post(reverse("project-distribution", args=[cast.project.pk]), data)
    assert Task.objects.get(pk=quiz[0].pk).state == TaskState.FLAGGED
    cast.project.refresh_from_db()
    assert cast.project.max_submissions_per_day == 20
    assert task_counts(cast.project)["flagged"] == 1

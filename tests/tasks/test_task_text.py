"""The task list's searchable text (TaskText): kept in step with the task's data by database
triggers on every write path, never rewritten by the queue's counter updates, and what the
``contains`` filter searches."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportMode
from imports.services import tasks_bulk_import
from tasks.models import Project, Task, TaskText
from tasks.services import (
    task_lease,
    task_next,
    task_skip,
    task_update_settings,
    tasks_create,
)
from tasks.services.bulk import NewTask, tasks_insert_bulk
from tests.factories import MembershipFactory, submit

pytestmark = pytest.mark.django_db

CANTONESE = "你食咗飯未呀 聽日去邊度飲茶"
STALE = "stale: not written since the test set it"


def _texts(tasks) -> dict[int, str]:
    return dict(TaskText.objects.filter(task__in=tasks).values_list("task_id", "text"))


def _expected_texts(tasks) -> dict[int, str]:
    """The text the filter used to compute on the fly: data::text on PostgreSQL, the
    stored JSON on SQLite."""
    return dict(
        Task.objects.filter(pk__in=[task.pk for task in tasks])
        .annotate(data_text=Cast("data", TextField()))
        .values_list("pk", "data_text")
    )


def _set_stale(task: Task) -> None:
    assert TaskText.objects.filter(pk=task.pk).update(text=STALE) == 1


def _text_of(task: Task) -> str:
    return TaskText.objects.get(pk=task.pk).text


# --- written on every path that creates or changes a task's data -----------------------------


def test_an_orm_created_task_gets_its_text(cast):
    task = Task.objects.create(project=cast.project, data={"question": f"Orm {CANTONESE}"})
    texts = _texts([task])
    assert texts == _expected_texts([task])
    assert "Orm" in texts[task.pk]


def test_tasks_create_writes_the_text_of_every_task(cast, mcq):
    created = tasks_create(
        project=cast.project,
        items=[{"question": f"Batch {n}: {CANTONESE}"} for n in range(5)],
        by=cast.setter,
    )
    texts = _texts(created)
    assert len(texts) == 5
    assert texts == _expected_texts(created)


def test_the_importers_bulk_writer_writes_the_text(cast):
    # COPY on PostgreSQL (row triggers fire for it), bulk_create elsewhere.
    rows = [
        {"question": 'Back\\slash, "quotes", tab\tand\nnewline'},
        {"question": CANTONESE, "nested": {"list": [1, None, True]}},
    ]
    tasks_insert_bulk(
        project=cast.project,
        rows=[
            NewTask(data=data, data_json=json.dumps(data, ensure_ascii=False), external_id=f"e{n}")
            for n, data in enumerate(rows)
        ],
        by=cast.setter,
        now=timezone.now(),
    )
    tasks = list(Task.objects.filter(project=cast.project).order_by("external_id"))
    assert [task.data for task in tasks] == rows
    assert _texts(tasks) == _expected_texts(tasks)


def test_an_import_in_update_mode_rewrites_the_text_of_changed_tasks(cast, mcq):
    def body(rows):
        return io.BytesIO("".join(json.dumps(row) + "\n" for row in rows).encode())

    tasks_bulk_import(
        project=cast.project,
        stream=body([{"data": {"question": f"First {n}"}, "external_id": f"x{n}"} for n in (1, 2)]),
        by=cast.setter,
    )
    first, second = Task.objects.filter(external_id__in=["x1", "x2"]).order_by("external_id")
    _set_stale(second)

    outcome = tasks_bulk_import(
        project=cast.project,
        stream=body(
            [
                {"data": {"question": f"Changed {CANTONESE}"}, "external_id": "x1"},
                # Same data, new priority: bulk_update sets data again, to the same value.
                {"data": {"question": "First 2"}, "external_id": "x2", "priority": 4},
            ]
        ),
        by=cast.setter,
        mode=ImportMode.CREATE_OR_UPDATE,
    )

    assert outcome.updated == 2
    assert _texts([first]) == _expected_texts([first])
    assert "Changed" in _text_of(first)
    assert _text_of(second) == STALE  # unchanged data: the text was not rewritten


def test_saving_new_data_rewrites_the_text(cast):
    task = Task.objects.create(project=cast.project, data={"question": "Before"})
    task.data = {"question": f"After {CANTONESE}"}
    task.save()
    assert _texts([task]) == _expected_texts([task])
    assert "After" in _text_of(task) and "Before" not in _text_of(task)


def test_saving_a_task_with_the_same_data_does_not_rewrite_the_text(cast):
    task = Task.objects.create(project=cast.project, data={"question": "Same"})
    _set_stale(task)
    task.priority = 3
    task.save()  # every column, data included, set again
    assert _text_of(task) == STALE


# --- never written by the queue ------------------------------------------------------------


def test_lease_submit_skip_and_settings_updates_leave_the_text_alone(cast, mcq):
    # given: every task's text replaced by a marker only a trigger would overwrite
    tasks = mcq["tasks"]
    for task in tasks:
        _set_stale(task)
    other = MembershipFactory(project=cast.project, role="trainer").user

    # when: the queue and the settings move the tasks' counters, state and availability
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert served is not None
    submit(task=served.task, author=cast.trainer, answer={"answer": "B"})
    task_lease(task=tasks[1], trainer=other)
    task_skip(task=tasks[1], trainer=other)
    task_update_settings(task=tasks[2], priority=7, overlap=2)
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(priority=1)

    # then: the counters moved, the text did not
    served.task.refresh_from_db()
    assert served.task.filled == 1
    assert set(_texts(tasks).values()) == {STALE}


# --- deleted with its task ------------------------------------------------------------------


def test_the_text_goes_with_its_task_and_project(cast):
    project = Project.objects.create(name="Short-lived")
    ids = [Task.objects.create(project=project, data={"question": f"Q{n}"}).pk for n in range(3)]
    Task.objects.get(pk=ids[0]).delete()
    assert set(TaskText.objects.filter(task_id__in=ids).values_list("pk", flat=True)) == {
        ids[1],
        ids[2],
    }
    project.delete()
    assert not TaskText.objects.filter(task_id__in=ids).exists()


# --- what the contains filter finds ---------------------------------------------------------


@pytest.fixture
def searchable(cast, mcq):
    return tasks_create(
        project=cast.project,
        items=[
            {"question": f"粵語 {CANTONESE}"},
            {"question": "topic-07: Mandarin 普通话"},
            {"question": "topic-08: English only"},
        ],
        by=cast.setter,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("食咗飯", [0]),
        ("飲茶", [0]),
        ("普通话", [1]),
        ("topic-0", [1, 2]),
        ("English only", [2]),
        ("not in any task", []),
    ],
)
def test_the_api_contains_filter_finds_text_in_any_script(
    client_as, cast, searchable, value, expected
):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{cast.project.pk}/tasks/", {"contains": value, "page_size": 100}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [searchable[i].pk for i in expected]


def test_the_filter_finds_a_task_by_its_new_data_not_its_old(client_as, cast, searchable):
    task = searchable[2]
    task.data = {"question": "Now about 點心"}
    task.save()
    url = f"/api/v1/projects/{cast.project.pk}/tasks/"
    client = client_as(cast.setter)
    assert [r["id"] for r in client.get(url, {"contains": "點心"}).json()["results"]] == [task.pk]
    assert client.get(url, {"contains": "English only"}).json()["results"] == []


def test_the_task_list_page_finds_cantonese_text(client, cast, searchable):
    client.force_login(cast.setter)
    response = client.get(reverse("project-tasks", args=[cast.project.pk]), {"contains": "飲茶"})
    assert response.status_code == 200
    shown = re.findall(r'data-task-id="(\d+)"', response.content.decode())
    assert shown == [str(searchable[0].pk)]


# --- PostgreSQL: the index moved ------------------------------------------------------------


@pytest.mark.postgres
def test_the_trigram_index_is_on_the_side_table_only():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes "
            "WHERE tablename IN ('tasks_task', 'tasks_tasktext') AND indexdef LIKE %s",
            ["%gin_trgm_ops%"],
        )
        assert cursor.fetchall() == [("tasks_tasktext", "task_text_trgm_idx")]


@pytest.mark.postgres
def test_the_contains_filter_can_use_the_trigram_index(cast, searchable):
    from tasks.api.filters import TaskFilter

    queryset = TaskFilter(
        {"contains": "topic-07:"}, queryset=Task.objects.filter(project=cast.project)
    ).qs
    with connection.cursor() as cursor:
        # Three rows would be scanned: leave the planner only bitmap scans joined by hash or
        # merge, so each table's scan needs an index condition of its own (the LIKE on the
        # text, the task's project).
        for method in ("seqscan", "indexscan", "indexonlyscan", "nestloop"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "task_text_trgm_idx" in plan
    assert [task.pk for task in queryset] == [searchable[1].pk]

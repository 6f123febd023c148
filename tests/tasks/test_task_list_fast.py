"""The task list's fast path (``task_list_fast_filters`` and ``task_list_rows``): its common
requests skip django-filter's FilterSet and the ORM's model instances, and every request
answers byte for byte what the general path (FilterSet, ORM, ``task_manage_body``) answers:
rows, links, 400s naming the parameter, cursors walked both ways."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend

from tasks.api import work_views
from tasks.api.representations import (
    _when,
    _when_in_request_zone,
    task_manage_bodies,
    task_manage_body,
    task_manage_columns,
    task_manage_rows,
)
from tasks.models import Task, TaskState
from tasks.services import tasks_create

pytestmark = pytest.mark.django_db

NOTE = 'Cantonese 你食咗飯未呀 \u2028 tab\t quote" back\\slash 50% a_b'


@pytest.fixture
def varied(cast, mcq):
    """Tasks that differ in every listed column: states, gold, priorities with ties, JSON
    with floats and nesting, overlap, external ids, distinct creation times."""
    created = tasks_create(
        project=cast.project,
        items=[
            {
                "question": f"topic-{n % 4:02d}: question {n}" + (f" {NOTE}" if n % 5 == 0 else ""),
                "score": [1.5e-07, 2.5, 10**20, None, True][n % 5],
                "nested": {"b": [n, {"z": "y"}], "a": "ä"},
            }
            for n in range(45)
        ],
        by=cast.setter,
    )
    states = [TaskState.NEW, TaskState.IN_PROGRESS, TaskState.COMPLETE, TaskState.FLAGGED]
    start = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    for n, task in enumerate(created):
        Task.objects.filter(pk=task.pk).update(
            state=states[n % 7 % 4],
            priority=[0, 5, -3, 5, 2][n % 5],
            is_gold=n % 9 == 0,
            gold_answer={"answer": "B", "why": NOTE} if n % 9 == 0 else None,
            overlap=2 if n % 6 == 0 else None,
            external_id=f"row-{n}" if n % 4 == 0 else "",
            # Whole seconds and microseconds, so both ISO forms are listed.
            created_at=start + timedelta(minutes=n, microseconds=(n % 3) * 1234),
        )
    return created


def _path(cast, query: str) -> str:
    """The list's URL with ``query``, its cursors encoded, ``{mid}`` in them being the id of
    the project's 21st task (ids differ between databases and runs)."""
    if "<<" in query:
        ids = Task.objects.filter(project=cast.project).order_by("id").values_list("pk", flat=True)
        query = re.sub(
            "<<(.*?)>>",
            lambda m: base64.b64encode(m[1].format(mid=ids[20]).encode()).decode(),
            query,
        )
    return f"/api/v1/projects/{cast.project.pk}/tasks/{query}"


def _cursor(text: str) -> str:
    return f"cursor=<<{text}>>"


@pytest.fixture
def general_path(monkeypatch):
    """Call it to send every request down the general path for the rest of the test."""

    def force() -> None:
        monkeypatch.setattr(work_views, "task_list_fast_filters", lambda params: None)

    return force


@pytest.fixture
def spied(monkeypatch):
    """How many requests built a FilterSet (DjangoFilterBackend) and how many model
    instances of tasks were built."""
    counts = {"filtersets": 0, "instances": 0}
    filter_queryset = DjangoFilterBackend.filter_queryset
    from_db = Task.from_db.__func__

    def count_filtersets(self, request, queryset, view):
        counts["filtersets"] += 1
        return filter_queryset(self, request, queryset, view)

    def count_instances(cls, db, field_names, values):
        counts["instances"] += 1
        return from_db(cls, db, field_names, values)

    monkeypatch.setattr(DjangoFilterBackend, "filter_queryset", count_filtersets)
    monkeypatch.setattr(Task, "from_db", classmethod(count_instances))
    return counts


COMMON = [
    "",
    "?page_size=100",
    "?page_size=100&state=new",
    "?page_size=100&contains=topic-01:",
    "?page_size=4&is_gold=true",
    "?page_size=4&is_gold=0&state=complete&contains=question",
    "?page_size=5&ordering=-priority,id",
    "?page_size=5&ordering=created_at",
    "?page_size=5&state=&contains=&is_gold=",
    f"?page_size=5&{_cursor('p={mid}')}",
    f"?page_size=5&{_cursor('o=2&r=1&p={mid}')}",
]


@pytest.mark.parametrize("query", COMMON)
def test_common_requests_build_no_filterset_and_no_model_instance(
    client_as, cast, varied, spied, query
):
    response = client_as(cast.setter).get(_path(cast, query))
    assert response.status_code == 200
    assert response.json()["results"]
    assert spied == {"filtersets": 0, "instances": 0}


@pytest.mark.parametrize(
    "query",
    [
        "?priority=5",
        "?priority_min=1&state=new",
        "?trainer=trainer-user",
        "?state=done",  # the 400 comes from the FilterSet, as always
        "?contains=x",
        f"?{_cursor('p= {mid}')}",  # int() takes it; the ORM's lookup decides
        f"?ordering=created_at&{_cursor('p=2024-03-01 12:05:00+00:00')}",
    ],
)
def test_other_requests_take_the_general_path(client_as, cast, varied, spied, query):
    client_as(cast.setter).get(_path(cast, query))
    assert spied["filtersets"] == 1


QUERIES = [
    *COMMON,
    "?page_size=500",
    "?page_size=3&state=in_progress",
    "?page_size=3&state=flagged&ordering=-id",
    "?page_size=3&is_gold=false&ordering=priority,-created_at",
    "?page_size=3&contains=%E9%A3%9F%E5%92%97",  # 食咗: non-ASCII, looked for escaped too
    "?page_size=3&contains=50%25",  # LIKE's wildcards are literal
    "?page_size=3&contains=a_b",
    "?page_size=3&contains=back%5Cslash",
    "?page_size=3&contains=%20topic-02:%20",  # stripped, as the form strips it
    "?page_size=3&state=new&state=complete",  # the last value counts
    "?page_size=3&unknown=1",
    "?page_size=3&ordering=,",
    "?page_size=3&ordering=--id",
    "?page_size=3&ordering=id,-id",
    "?page_size=3&ordering=priority",
    "?page_size=3&ordering=-created_at&state=complete",
    # 400s naming the parameter, in the general path's order
    "?state=done",
    "?state=new&state=done",
    "?is_gold=maybe",
    "?contains=x",
    "?contains=" + "y" * 201,
    "?contains=a%00b",
    "?ordering=data",
    "?ordering=bogus&state=bogus",
    "?page_size=0&ordering=bogus",
    "?page_size=0&contains=x",
    "?page_size=501",
    "?page_size=two&cursor=zz",
    "?cursor=%F2%8A%96%82",
    # cursors the fast path reads, and those it leaves to the ORM
    f"?{_cursor('p=abc')}",
    f"?{_cursor('p=')}",
    f"?{_cursor('p=1.5')}",
    f"?{_cursor('p=007')}",
    f"?{_cursor('p=-0')}",
    f"?{_cursor('p= {mid}')}",
    f"?{_cursor('p=99999999999999999999999')}",
    f"?{_cursor('p=-99999999999999999999999')}",
    f"?{_cursor('r=1&p=99999999999999999999999')}",
    f"?{_cursor('o=3')}",
    f"?{_cursor('o=3&r=1')}",
    f"?{_cursor('o=1001')}",
    f"?ordering=-priority&{_cursor('p=99999999999')}",
    f"?ordering=-priority,id&{_cursor('o=2&p=5')}",
    f"?ordering=created_at&{_cursor('p=2024-03-01 12:05:00+00:00')}",
    f"?ordering=created_at&{_cursor('p=nope')}",
]


def _answers(client, cast, queries) -> list[tuple[int, bytes]]:
    answers = []
    for query in queries:
        response = client.get(_path(cast, query))
        answers.append((response.status_code, response.content))
    return answers


def test_every_request_answers_as_the_general_path(client_as, cast, varied, general_path):
    client = client_as(cast.setter)
    fast = _answers(client, cast, QUERIES)
    general_path()
    general = _answers(client, cast, QUERIES)
    for query, one, other in zip(QUERIES, fast, general, strict=True):
        assert one == other, query
    assert {status for status, _ in fast} == {200, 400}


def test_answers_in_another_time_zone_as_the_general_path(
    client_as, cast, varied, general_path, settings
):
    settings.TIME_ZONE = "Asia/Hong_Kong"
    client = client_as(cast.setter)
    fast = _answers(client, cast, COMMON)
    general_path()
    assert fast == _answers(client, cast, COMMON)
    assert b'"created_at":"2024-03-01T20:00:00+08:00"' in fast[0][1]


def _walk(client, url: str) -> list[bytes]:
    """Four pages forward, then back to the first: every body on the way."""
    bodies = []
    for link in ("next",) * 4 + ("previous",) * 4:
        response = client.get(url)
        assert response.status_code == 200
        bodies.append(response.content)
        url = response.json()[link] or url
    return bodies


@pytest.mark.parametrize(
    "query",
    [
        "?page_size=7",
        "?page_size=4&state=new",
        "?page_size=3&contains=topic-01:",
        "?page_size=6&ordering=-priority,id",  # ties: cursors with offsets
        "?page_size=6&ordering=-priority",
        "?page_size=5&ordering=created_at&is_gold=false",  # left to the ORM after page 1
        "?page_size=5&ordering=-id&state=complete",
    ],
)
def test_cursor_walks_answer_as_the_general_path(client_as, cast, varied, general_path, query):
    client = client_as(cast.setter)
    fast = _walk(client, _path(cast, query))
    general_path()
    assert fast == _walk(client, _path(cast, query))


def test_the_gate_comes_first_and_answers_as_before(client_as, api_client, cast, varied):
    for person, status in (("trainer", 403), ("outsider", 404)):
        response = client_as(cast.by_role(person)).get(_path(cast, "?state=done&page_size=0"))
        assert response.status_code == status
    assert api_client.get(_path(cast, "")).status_code == 401


def test_the_fast_path_sends_no_more_statements(client_as, cast, varied, general_path):
    client = client_as(cast.setter)

    def statements(query: str) -> int:
        sent = []

        def count(execute, sql, params, many, context):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(_path(cast, query)).status_code == 200
        return len(sent)

    queries = ["?page_size=100", "?state=new", "?contains=topic-01:"]
    client.get(_path(cast, ""))  # the token's first use writes its last use
    fast = [statements(query) for query in queries]
    general_path()
    assert fast == [statements(query) for query in queries]


@pytest.mark.postgres
def test_the_fast_contains_query_can_use_the_trigram_index(client_as, cast, varied):
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        client_as(cast.setter).get(_path(cast, "?contains=topic-01:"))
    sql, params = sent[-1]
    assert "tasks_tasktext" in sql
    with connection.cursor() as cursor:
        # As in test_task_text: only bitmap scans, so the text's scan needs the index.
        for method in ("seqscan", "indexscan", "indexonlyscan", "nestloop"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "task_text_trgm_idx" in plan


# --- the bodies ---------------------------------------------------------------------------


def test_rows_read_with_the_list_columns_give_task_manage_body(cast, varied):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {task_manage_columns('t')} FROM tasks_task t "  # noqa: S608
            "WHERE t.project_id = %s ORDER BY t.id",
            [cast.project.pk],
        )
        rows = task_manage_rows(cursor.fetchall())
    tasks = list(Task.objects.filter(project=cast.project).order_by("id"))
    assert task_manage_bodies(rows) == [task_manage_body(task) for task in tasks]
    # The rows keep what a cursor's position is made of: the model's values.
    assert [row["created_at"] for row in rows] == [task.created_at for task in tasks]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Hong_Kong", "America/St_Johns"])
def test_times_are_formatted_as_when_formats_them(settings, zone):
    settings.TIME_ZONE = zone
    values = [
        None,
        datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 12, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2024, 3, 1, 12, 0),  # naive: DRF makes it aware
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
    ]
    when = _when_in_request_zone()
    for value in values:
        try:
            expected = _when(value)
        except Exception as error:  # the same failure, whichever it is
            with pytest.raises(type(error)):
                when(value)
        else:
            assert when(value) == expected, value
    with timezone.override(ZoneInfo("Asia/Kolkata")):  # a zone activated for the request
        when = _when_in_request_zone()
        assert when(values[1]) == _when(values[1]) == "2024-03-01T17:30:00+05:30"


def test_times_follow_drf_when_time_zones_are_off(settings):
    settings.USE_TZ = False
    value = datetime(2024, 3, 1, 12, 0)
    assert _when_in_request_zone()(value) == _when(value) == "2024-03-01T12:00:00"


def test_a_task_counts_only_once_in_the_list(client_as, cast, varied):
    # The contains subquery may match both spellings of a task's text: one row per task.
    body = client_as(cast.setter).get(_path(cast, "?contains=%E9%A3%9F%E5%92%97&page_size=500"))
    ids = [row["id"] for row in body.json()["results"]]
    assert ids == sorted(set(ids)) and len(ids) == 9


@pytest.mark.parametrize(
    "text",
    [
        '{"b": [1, 2.50, 1.5e-07, null, true], "a": "\\u00e4 \\u2028 \\"q\\""}',
        '"just a string"',
        " [1, 2] ",  # whitespace around: not what the scanner reads whole
        "1 2",  # not JSON: the converter keeps the text
        "not json",
        "",
        "[" * 3 + "]" * 3,
    ],
)
def test_json_columns_are_decoded_as_the_field_decodes_them(cast, varied, text):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {task_manage_columns('t')} FROM tasks_task t WHERE t.id = %s",  # noqa: S608
            [varied[0].pk],
        )
        row = list(cursor.fetchone())
    field = Task._meta.get_field("data")
    row[2] = text
    (decoded,) = task_manage_rows([tuple(row)])
    assert decoded["data"] == field.from_db_value(text, field.get_col("t"), connection)
    assert type(decoded["data"]) is type(field.from_db_value(text, None, connection))

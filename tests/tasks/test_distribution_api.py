"""The distribution API: next, skip, release, renew, gold, assignments, progress, settings,
and the task list's filters, ordering and cursor pages."""

import pytest

from tasks.models import Lease, LeaseStatus, Skip, Task
from tasks.services import project_distribution_update, task_lease, task_set_gold, tasks_create
from tests.conftest import ALL_PEOPLE

pytestmark = pytest.mark.django_db


def _statuses(client_as, cast, call):
    return tuple(call(client_as(cast.by_role(person))).status_code for person in ALL_PEOPLE)


def test_next_by_role(client_as, api_client, cast, mcq):
    url = f"/api/v1/projects/{cast.project.pk}/next"
    assert _statuses(client_as, cast, lambda c: c.post(url)) == (200, 403, 403, 403, 404, 403)
    assert api_client.post(url).status_code == 401
    assert Lease.objects.count() == 1  # only the trainer got one


def test_next_with_and_without_trailing_slash(client_as, cast, mcq):
    client = client_as(cast.trainer)
    a = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()
    b = client.post(f"/api/v1/projects/{cast.project.pk}/next/").json()
    assert a["task"]["id"] == b["task"]["id"]


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_next_on_a_closed_project_says_why_and_writes_nothing(client_as, cast, mcq, status):
    cast.project.status = status
    cast.project.save()
    response = client_as(cast.trainer).post(f"/api/v1/projects/{cast.project.pk}/next")
    assert response.status_code == 409
    assert response.json()["error"] == f"project_{status}"
    assert status in response.json()["detail"]
    assert not Lease.objects.exists()


def test_next_on_a_project_without_template_is_409(client_as, cast):
    response = client_as(cast.trainer).post(f"/api/v1/projects/{cast.project.pk}/next")
    assert response.status_code == 409
    assert response.json()["error"] == "no_template"


def test_skip_release_and_renew_need_a_held_task(client_as, cast, mcq):
    client = client_as(cast.trainer)
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    lease_release_url = f"/api/v1/tasks/{task.pk}/release/"
    assert client.post(f"/api/v1/tasks/{task.pk}/renew/").status_code == 200
    assert client.post(lease_release_url).status_code == 204
    again = client.post(lease_release_url)
    assert again.status_code == 409 and again.json()["error"] == "no_lease"
    renew = client.post(f"/api/v1/tasks/{task.pk}/renew/")
    assert renew.status_code == 409
    skip = client.post(f"/api/v1/tasks/{task.pk}/skip/", {"reason": "x"}, format="json")
    assert skip.status_code == 409
    assert not Skip.objects.exists()


def test_skip_records_the_reason_and_serves_another(client_as, cast, mcq):
    client = client_as(cast.trainer)
    first = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()["task"]["id"]
    response = client.post(
        f"/api/v1/tasks/{first}/skip/", {"reason": "Clip is silent"}, format="json"
    )
    assert response.status_code == 204
    assert Skip.objects.get().reason == "Clip is silent"
    assert Lease.objects.get(task_id=first).status == LeaseStatus.SKIPPED
    second = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()["task"]["id"]
    assert second != first


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": 5}, "reason"), ({"why": "x"}, "why"), ({"reason": "x" * 501}, "reason")],
)
def test_bad_skip_bodies_name_the_field(client_as, cast, mcq, body, field):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    response = client_as(cast.trainer).post(f"/api/v1/tasks/{task.pk}/skip/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Lease.objects.get().status == LeaseStatus.ACTIVE


def test_other_people_cannot_skip_a_trainers_task(client_as, cast, mcq):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    url = f"/api/v1/tasks/{task.pk}/skip/"
    statuses = _statuses(client_as, cast, lambda c: c.post(url, {}, format="json"))
    # the trainer (first) skips it; setters/QA/admins/staff are not trainers; outsiders see nothing
    assert statuses == (204, 403, 403, 403, 404, 403)


def test_gold_is_set_by_setters_and_never_reaches_trainers(client_as, cast, mcq):
    task = mcq["tasks"][0]
    url = f"/api/v1/tasks/{task.pk}/gold/"
    body = {"gold_answer": {"answer": "C"}}
    assert client_as(cast.trainer).put(url, body, format="json").status_code == 404
    assert client_as(cast.qa_lead).put(url, body, format="json").status_code == 403
    bad = client_as(cast.setter).put(url, {"gold_answer": {"answer": "Z"}}, format="json")
    assert bad.status_code == 400 and "gold_answer.answer" in bad.json()["fields"]
    unscored = client_as(cast.setter).put(
        url, {"gold_answer": {"answer": "C", "nope": 1}}, format="json"
    )
    assert unscored.status_code == 400
    assert "not a question of the template" in unscored.json()["fields"]["gold_answer.nope"][0]
    good = client_as(cast.setter).put(url, body, format="json")
    assert good.status_code == 200 and good.json()["is_gold"] is True
    project_distribution_update(project=cast.project, gold_rate=1.0)
    trainer = client_as(cast.trainer)
    served = trainer.post(f"/api/v1/projects/{cast.project.pk}/next")
    assert served.json()["task"]["id"] == task.pk
    text = served.content.decode()
    assert "gold" not in text and '"C"' not in text
    detail = trainer.get(f"/api/v1/tasks/{task.pk}/").content.decode()
    assert "gold" not in detail
    assert client_as(cast.setter).delete(url).status_code == 409  # in use now


def test_assignments_by_setters_to_trainers_only(client_as, cast, mcq):
    task = mcq["tasks"][2]
    url = f"/api/v1/tasks/{task.pk}/assignments/"
    refused = client_as(cast.setter).post(url, {"trainer": cast.qa_lead.username}, format="json")
    assert refused.status_code == 400 and "trainer" in refused.json()["fields"]
    assert client_as(cast.qa_lead).post(url, {"trainer": "x"}, format="json").status_code == 403
    made = client_as(cast.admin).post(url, {"trainer": cast.trainer.username}, format="json")
    assert made.status_code == 201
    served = client_as(cast.trainer).post(f"/api/v1/projects/{cast.project.pk}/next").json()
    assert served["task"]["id"] == task.pk and served["assigned"] is True


def test_progress_counts_by_role(client_as, cast, mcq):
    url = f"/api/v1/projects/{cast.project.pk}/progress/"
    assert _statuses(client_as, cast, lambda c: c.get(url)) == (403, 200, 200, 200, 404, 200)
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    counts = client_as(cast.qa_lead).get(url).json()
    assert counts == {
        "new": 2,
        "in_progress": 1,
        "complete": 0,
        "flagged": 0,
        "total": 3,
        "gold": 0,
    }


def test_distribution_settings_admins_change_them(client_as, cast, mcq):
    url = f"/api/v1/projects/{cast.project.pk}/distribution/"
    assert client_as(cast.setter).get(url).json()["default_overlap"] == 1
    assert client_as(cast.setter).patch(url, {"gold_rate": 0.1}, format="json").status_code == 403
    bad = client_as(cast.admin).patch(url, {"default_overlap": 0, "colour": 1}, format="json")
    assert bad.status_code == 400
    assert "colour" in bad.json()["fields"]
    bad = client_as(cast.admin).patch(url, {"default_overlap": 0}, format="json")
    assert bad.status_code == 400 and "default_overlap" in bad.json()["fields"]
    ok = client_as(cast.admin).patch(
        url, {"default_overlap": 2, "max_submissions_per_day": None}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["default_overlap"] == 2
    assert set(Task.objects.values_list("needed", flat=True)) == {2}


def test_task_settings_patch(client_as, cast, mcq):
    task = mcq["tasks"][0]
    url = f"/api/v1/tasks/{task.pk}/"
    assert client_as(cast.qa_lead).patch(url, {"priority": 3}, format="json").status_code == 403
    bad = client_as(cast.setter).patch(url, {"overlap": 0}, format="json")
    assert bad.status_code == 400 and "overlap" in bad.json()["fields"]
    ok = client_as(cast.setter).patch(url, {"priority": 3, "overlap": 2}, format="json").json()
    assert (ok["priority"], ok["overlap"], ok["needed"]) == (3, 2, 2)


@pytest.fixture
def many(cast, mcq):
    items = [{"question": f"topic-{n % 5:02d}: question {n}"} for n in range(57)]
    created = tasks_create(project=cast.project, items=items, by=cast.setter)
    for task in created[:7]:
        Task.objects.filter(pk=task.pk).update(priority=5)
    task_set_gold(task=created[-1], gold_answer={"answer": "A"})
    return created


def _walk(client, url):
    ids, pages = [], 0
    while url:
        body = client.get(url).json()
        ids.extend(row["id"] for row in body["results"])
        url = body["next"]
        pages += 1
    return ids, pages


def test_the_task_list_walks_with_cursors_without_gaps_or_duplicates(client_as, cast, many):
    client = client_as(cast.qa_lead)
    ids, pages = _walk(client, f"/api/v1/projects/{cast.project.pk}/tasks/?page_size=10")
    assert pages == 6
    assert ids == sorted(Task.objects.filter(project=cast.project).values_list("pk", flat=True))
    by_priority, _ = _walk(
        client, f"/api/v1/projects/{cast.project.pk}/tasks/?page_size=8&ordering=-priority,id"
    )
    assert len(by_priority) == len(set(by_priority)) == 60
    assert set(by_priority[:7]) == {t.pk for t in many[:7]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("contains=topic-03:", 11),
        ("is_gold=true", 1),
        ("priority=5", 7),
        ("priority_min=1", 7),
        ("state=new", 60),
    ],
)
def test_task_list_filters(client_as, cast, many, query, expected):
    body = (
        client_as(cast.setter)
        .get(f"/api/v1/projects/{cast.project.pk}/tasks/?page_size=500&{query}")
        .json()
    )
    assert len(body["results"]) == expected


def test_task_list_filter_by_trainer(client_as, cast, many):
    task_lease(task=many[3], trainer=cast.trainer)
    body = (
        client_as(cast.setter)
        .get(f"/api/v1/projects/{cast.project.pk}/tasks/?trainer={cast.trainer.username}")
        .json()
    )
    assert [row["id"] for row in body["results"]] == [many[3].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=done", "state"),
        ("priority=high", "priority"),
        ("ordering=data__prompt", "ordering"),
        ("ordering=-password", "ordering"),
        ("contains=x", "contains"),
    ],
)
def test_bad_task_list_queries_name_the_field(client_as, cast, many, query, field):
    response = client_as(cast.setter).get(f"/api/v1/projects/{cast.project.pk}/tasks/?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_task_list_has_no_n_plus_one(client_as, cast, many, django_assert_max_num_queries):
    client = client_as(cast.setter)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/projects/{cast.project.pk}/tasks/?page_size=50")
    assert len(response.json()["results"]) == 50

"""API for templates, tasks, drafts and submissions: permissions, shapes and bad input."""

import pytest

from tasks.gallery import gallery_template
from tasks.models import Draft, Lease, Submission, Task, TaskTemplate
from tasks.services import project_distribution_update, task_lease
from tests.conftest import ALL_PEOPLE
from tests.factories import submit

pytestmark = pytest.mark.django_db

EXPECTED = {
    # endpoint: status per person (trainer, setter, qa_lead, admin, outsider, staff)
    "template_get": (200, 200, 200, 200, 404, 200),
    "template_put": (403, 200, 403, 200, 404, 200),
    "tasks_list": (403, 200, 200, 200, 404, 200),
    "tasks_post": (403, 201, 403, 201, 404, 201),
    "task_get": (200, 200, 200, 200, 404, 200),
    "next": (200, 403, 403, 403, 404, 403),
    "draft_put": (200, 403, 403, 403, 404, 403),
    "submit": (201, 403, 403, 403, 404, 403),
}


def _call(client, name, cast, mcq):
    project, task = cast.project.pk, mcq["tasks"][0].pk
    definition = gallery_template("multiple_choice").definition
    calls = {
        "template_get": lambda: client.get(f"/api/v1/projects/{project}/template/"),
        "template_put": lambda: client.put(
            f"/api/v1/projects/{project}/template/",
            {"name": "MCQ", "definition": definition},
            format="json",
        ),
        "tasks_list": lambda: client.get(f"/api/v1/projects/{project}/tasks/"),
        "tasks_post": lambda: client.post(
            f"/api/v1/projects/{project}/tasks/", {"tasks": [{"question": "Q?"}]}, format="json"
        ),
        "task_get": lambda: client.get(f"/api/v1/tasks/{task}/"),
        "next": lambda: client.post(f"/api/v1/projects/{project}/next"),
        "draft_put": lambda: client.put(
            f"/api/v1/tasks/{task}/draft/", {"answer": {"answer": "A"}}, format="json"
        ),
        "submit": lambda: client.post(
            f"/api/v1/tasks/{task}/submit/", {"answer": {"answer": "A"}}, format="json"
        ),
    }
    return calls[name]()


@pytest.mark.parametrize("person_index", range(len(ALL_PEOPLE)), ids=ALL_PEOPLE)
@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_permission_matrix(client_as, cast, mcq, endpoint, person_index):
    person = ALL_PEOPLE[person_index]
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)  # the queue served it
    counts = (TaskTemplate.objects.count(), Task.objects.count(), Submission.objects.count())
    response = _call(client_as(cast.by_role(person)), endpoint, cast, mcq)
    expected = EXPECTED[endpoint][person_index]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"error", "detail", "fields"}
        after = (TaskTemplate.objects.count(), Task.objects.count(), Submission.objects.count())
        assert after == counts
        assert not Draft.objects.exists()
        assert Lease.objects.count() == 1


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_anonymous_gets_401_everywhere(api_client, cast, mcq, endpoint):
    assert _call(api_client, endpoint, cast, mcq).status_code == 401


def test_submit_then_retry_with_the_same_key_returns_the_same_submission(client_as, cast, mcq):
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)  # served by the queue
    client = client_as(cast.trainer)
    url = f"/api/v1/tasks/{mcq['tasks'][0].pk}/submit/"
    body = {"answer": {"answer": "B"}, "idempotency_key": "abc", "telemetry": {"active_seconds": 9}}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["template_version"] == 1
    different = client.post(url, {**body, "idempotency_key": "xyz"}, format="json")
    assert different.status_code == 409
    assert different.json()["error"] == "already_submitted"


def test_an_answer_outside_the_options_is_a_400_keyed_by_question(client_as, cast, mcq):
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)  # served by the queue
    client = client_as(cast.trainer)
    task = mcq["tasks"][0]
    client.put(f"/api/v1/tasks/{task.pk}/draft/", {"answer": {"answer": "D"}}, format="json")
    response = client.post(
        f"/api/v1/tasks/{task.pk}/submit/", {"answer": {"answer": "D"}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_answer"
    assert list(body["fields"]) == ["answer"]
    assert "draft is kept" in body["detail"]
    assert client.get(f"/api/v1/tasks/{task.pk}/draft/").json()["answer"] == {"answer": "D"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": ["A"]}, "answer"),
        ({"answer": {"answer": "A"}, "extra": 1}, "extra"),
        ({"answer": {"answer": "A"}, "idempotency_key": 5}, "idempotency_key"),
        (
            {"answer": {"answer": "A"}, "telemetry": {"active_seconds": "long"}},
            "telemetry.active_seconds",
        ),
        ({}, "answer"),
    ],
)
def test_bad_submit_bodies_name_the_field(client_as, cast, mcq, body, field):
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)  # served by the queue
    client = client_as(cast.trainer)
    response = client.post(f"/api/v1/tasks/{mcq['tasks'][0].pk}/submit/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Submission.objects.exists()


def test_malformed_json_is_a_parse_error(client_as, cast, mcq):
    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)  # served by the queue
    client = client_as(cast.trainer)
    response = client.generic(
        "POST",
        f"/api/v1/tasks/{mcq['tasks'][0].pk}/submit/",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"


def test_template_put_reports_paths_and_versions(client_as, cast, mcq):
    client = client_as(cast.setter)
    url = f"/api/v1/projects/{cast.project.pk}/template/"
    definition = gallery_template("multiple_choice").definition
    definition["questions"][0]["options"] = "A, B"
    bad = client.put(url, {"name": "MCQ", "definition": definition}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_template"
    assert "definition.questions[0].options" in bad.json()["fields"]
    # a submission pins version 1, so the next save is version 2
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    good = gallery_template("multiple_choice").definition
    saved = client.put(url, {"name": "MCQ v2", "definition": good, "note": "n"}, format="json")
    assert saved.status_code == 201
    assert saved.json()["version"] == 2
    versions = client.get(f"{url}versions/").json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert client.get(f"{url}versions/1/").json()["version"] == 1
    assert client.get(f"{url}versions/9/").status_code == 404


def test_template_from_gallery_and_gallery_listing(client_as, cast):
    client = client_as(cast.setter)
    gallery = client.get("/api/v1/template-gallery/").json()
    assert [t["key"] for t in gallery][:2] == ["cantonese_tts", "product_image"]
    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/template/from-gallery/",
        {"key": "pairwise"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["name"] == gallery_template("pairwise").name


def test_validate_endpoint_checks_without_saving(client_as, cast):
    client = client_as(cast.setter)
    starter = gallery_template("multiple_choice")
    ok = client.post(
        "/api/v1/templates/validate/",
        {"definition": starter.definition, "sample_task": starter.sample_task},
        format="json",
    ).json()
    assert ok == {"ok": True, "definition_errors": {}, "task_errors": {}, "answer_errors": {}}
    bad = client.post(
        "/api/v1/templates/validate/",
        {"definition": {"schema_version": 1, "display": [], "questions": [{"id": "Bad"}]}},
        format="json",
    ).json()
    assert bad["ok"] is False and bad["definition_errors"]
    assert not TaskTemplate.objects.exists()


def test_tasks_post_refuses_a_bad_batch_whole(client_as, cast, mcq):
    client = client_as(cast.setter)
    before = Task.objects.count()
    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/tasks/",
        {"tasks": [{"question": "ok"}, {"question": 1}]},
        format="json",
    )
    assert response.status_code == 400
    assert "tasks[1].question" in response.json()["fields"]
    assert Task.objects.count() == before


def test_next_walks_the_project_and_ends_with_204(client_as, cast, mcq):
    client = client_as(cast.trainer)
    url = f"/api/v1/projects/{cast.project.pk}/next"
    for task in mcq["tasks"]:
        served = client.post(url)
        assert served.status_code == 200
        body = served.json()
        assert body["task"]["id"] == task.pk and body["lease"]["status"] == "active"
        assert "gold_answer" not in body["task"] and "is_gold" not in body["task"]
        assert client.post(url).json()["task"]["id"] == task.pk  # asking again: same task
        client.post(f"/api/v1/tasks/{task.pk}/submit/", {"answer": {"answer": "A"}}, format="json")
    assert client.post(url).status_code == 204


def test_trainers_see_only_their_own_submissions(client_as, cast, mcq):
    from tests.factories import MembershipFactory

    other = MembershipFactory(project=cast.project, role="trainer").user
    mine, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    theirs, _ = submit(task=mcq["tasks"][1], author=other, answer={"answer": "B"})
    trainer = client_as(cast.trainer)
    listed = [s["id"] for s in trainer.get("/api/v1/submissions/").json()["results"]]
    assert listed == [mine.pk]
    assert trainer.get(f"/api/v1/submissions/{theirs.pk}/").status_code == 404
    qa = client_as(cast.qa_lead)
    assert {s["id"] for s in qa.get("/api/v1/submissions/").json()["results"]} == {
        mine.pk,
        theirs.pk,
    }
    assert client_as(cast.outsider).get(f"/api/v1/submissions/{mine.pk}/").status_code == 404


def test_submission_list_filters_and_refuses_bad_filters(client_as, cast, mcq):
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    qa = client_as(cast.qa_lead)
    assert qa.get(f"/api/v1/submissions/?task={mcq['tasks'][1].pk}").json()["results"] == []
    assert len(qa.get(f"/api/v1/submissions/?project={cast.project.pk}").json()["results"]) == 1
    assert qa.get("/api/v1/submissions/?mine=true").json()["results"] == []
    for bad_filter in ("task=abc", "project=-1522", "task=1.5", "mine=maybe", "project=²"):
        name = bad_filter.split("=")[0]
        bad = qa.get(f"/api/v1/submissions/?{bad_filter}")
        assert (bad.status_code, list(bad.json()["fields"])) == (400, [name]), bad_filter


def test_only_the_author_revises_and_revisions_are_listed(client_as, cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    url = f"/api/v1/submissions/{submission.pk}/"
    assert (
        client_as(cast.qa_lead).patch(url, {"answer": {"answer": "B"}}, format="json").status_code
        == 403
    )
    revised = client_as(cast.trainer).patch(url, {"answer": {"answer": "C"}}, format="json")
    assert revised.status_code == 200
    assert revised.json()["revision"] == 2
    revisions = client_as(cast.trainer).get(f"{url}revisions/").json()["results"]
    assert [(r["number"], r["answer"]) for r in revisions] == [
        (1, {"answer": "A"}),
        (2, {"answer": "C"}),
    ]


def test_submission_list_has_no_n_plus_one(client_as, cast, mcq, django_assert_max_num_queries):
    from tests.factories import MembershipFactory

    project_distribution_update(project=cast.project, default_overlap=12)
    for n in range(12):
        trainer = MembershipFactory(project=cast.project, role="trainer").user
        submit(task=mcq["tasks"][n % 3], author=trainer, answer={"answer": "A"})
    client = client_as(cast.qa_lead)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/submissions/")
    assert len(response.json()["results"]) == 12


def test_trainers_receive_only_the_task_data_the_template_shows(client_as, cast):
    from tasks.services import tasks_create, template_from_gallery

    template_from_gallery(project=cast.project, key="cantonese_tts", by=cast.setter)
    starter = gallery_template("cantonese_tts")
    data = {**starter.sample_task, "system": "tts-v2"}
    (task,) = tasks_create(project=cast.project, items=[data], by=cast.setter)
    task_lease(task=task, trainer=cast.trainer)
    trainer_view = client_as(cast.trainer).get(f"/api/v1/tasks/{task.pk}/").json()["data"]
    assert "system" not in trainer_view
    assert "model_checkpoint" not in trainer_view["meta"]  # shown: meta.target_accent only
    assert trainer_view["meta"]["target_accent"] == data["meta"]["target_accent"]
    assert trainer_view["audio"] == data["audio"]
    next_view = client_as(cast.trainer).post(f"/api/v1/projects/{cast.project.pk}/next")
    assert "system" not in next_view.json()["task"]["data"]
    setter_view = client_as(cast.setter).get(f"/api/v1/tasks/{task.pk}/").json()["data"]
    assert setter_view["system"] == "tts-v2"

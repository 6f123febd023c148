"""The work gate over the API: ``next``, draft, submit and revise are refused with 409
``guidelines_not_acknowledged`` until the trainer acknowledges the version in force, and
then accepted; a project without guidelines and the other roles see no change; a submit
costs no more queries for it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import Draft, Lease, LeaseStatus, Submission
from tasks.services import guideline_rule_add, guidelines_acknowledge, guidelines_publish
from tasks.services import task_lease as lease
from tests.conftest import ALL_PEOPLE
from tests.factories import submit

pytestmark = pytest.mark.django_db

API = "/api/v1"
ANSWER = {"answer": "A"}


def publish(cast, title="Stay inside the options") -> int:
    guideline_rule_add(project=cast.project, title=title, by=cast.setter)
    return guidelines_publish(project=cast.project, note="Rules", by=cast.setter).number


def assert_refused(response, cast, version=1):
    body = response.json()
    assert response.status_code == 409, body
    assert body["error"] == "guidelines_not_acknowledged"
    assert f"/projects/{cast.project.pk}/guidelines/" in body["detail"]
    assert body["fields"] == {}
    assert body["guidelines"] == {
        "version": version,
        "url": f"/projects/{cast.project.pk}/guidelines/",
        "acknowledge_url": f"{API}/projects/{cast.project.pk}/guidelines/acknowledge/",
    }


@pytest.fixture
def held(cast, mcq):
    """Guidelines v1 published, and a task the trainer already holds (served before)."""
    task = mcq["tasks"][0]
    lease(task=task, trainer=cast.trainer)
    publish(cast)
    return task


def test_draft_and_submit_are_refused_until_the_trainer_acknowledges(client_as, cast, held):
    client = client_as(cast.trainer)
    draft_url, submit_url = f"{API}/tasks/{held.pk}/draft/", f"{API}/tasks/{held.pk}/submit/"

    # before: both refused, and nothing written (the lease still held)
    assert_refused(client.put(draft_url, {"answer": ANSWER}, format="json"), cast)
    assert_refused(client.post(submit_url, {"answer": ANSWER}, format="json"), cast)
    assert not Draft.objects.exists() and not Submission.objects.exists()
    assert Lease.objects.get(task=held, trainer=cast.trainer).status == LeaseStatus.ACTIVE

    # the remedy the refusal names
    acknowledged = client.post(
        f"{API}/projects/{cast.project.pk}/guidelines/acknowledge/", {"version": 1}, format="json"
    )
    assert acknowledged.status_code == 200

    # after: both accepted
    assert client.put(draft_url, {"answer": ANSWER}, format="json").status_code == 200
    submitted = client.post(submit_url, {"answer": ANSWER}, format="json")
    assert submitted.status_code == 201
    assert Submission.objects.get(task=held).answer == ANSWER


def test_reading_and_discarding_a_draft_and_letting_go_of_a_task_stay_open(client_as, cast, mcq):
    task = mcq["tasks"][0]
    lease(task=task, trainer=cast.trainer)
    Draft.objects.create(task=task, author=cast.trainer, answer=ANSWER)
    publish(cast)
    client = client_as(cast.trainer)

    assert client.get(f"{API}/tasks/{task.pk}/draft/").status_code == 200
    assert client.delete(f"{API}/tasks/{task.pk}/draft/").status_code == 204
    assert client.post(f"{API}/tasks/{task.pk}/release/").status_code == 204


def test_next_is_refused_before_a_lease_is_taken_then_serves(client_as, cast, mcq):
    publish(cast)
    client = client_as(cast.trainer)
    url = f"{API}/projects/{cast.project.pk}/next"

    refused = client.post(url)
    assert_refused(refused, cast)
    assert not Lease.objects.exists()

    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    served = client.post(url)
    assert served.status_code == 200
    assert Lease.objects.filter(trainer=cast.trainer, status=LeaseStatus.ACTIVE).count() == 1


def test_a_new_version_refuses_the_revision_until_it_is_acknowledged(client_as, cast, mcq):
    publish(cast)
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer=ANSWER)
    publish(cast, title="Note nasal finals")
    client = client_as(cast.trainer)
    url = f"{API}/submissions/{submission.pk}/"

    refused = client.patch(url, {"answer": {"answer": "B"}}, format="json")
    assert_refused(refused, cast, version=2)
    assert "you last read version 1" in refused.json()["detail"]
    submission.refresh_from_db()
    assert (submission.answer, submission.revision) == (ANSWER, 1)

    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=2)
    revised = client.patch(url, {"answer": {"answer": "B"}}, format="json")
    assert revised.status_code == 200
    assert revised.json()["revision"] == 2


def test_a_project_without_guidelines_takes_work_as_before(client_as, cast, mcq):
    client = client_as(cast.trainer)

    served = client.post(f"{API}/projects/{cast.project.pk}/next")
    task = served.json()["task"]["id"]
    drafted = client.put(f"{API}/tasks/{task}/draft/", {"answer": ANSWER}, format="json")
    submitted = client.post(f"{API}/tasks/{task}/submit/", {"answer": ANSWER}, format="json")

    assert (served.status_code, drafted.status_code, submitted.status_code) == (200, 200, 201)


@pytest.mark.parametrize("person", [p for p in ALL_PEOPLE if p != "trainer"])
def test_other_roles_get_the_answer_their_role_gets_never_the_gate(client_as, cast, held, person):
    # The gate refuses only those held to the guidelines; others are answered by their role
    # (403 inside the project, 404 outside), published guidelines or not.
    client = client_as(cast.by_role(person))
    expected = 404 if person == "outsider" else 403
    calls = [
        client.post(f"{API}/projects/{cast.project.pk}/next"),
        client.put(f"{API}/tasks/{held.pk}/draft/", {"answer": ANSWER}, format="json"),
        client.post(f"{API}/tasks/{held.pk}/submit/", {"answer": ANSWER}, format="json"),
    ]

    assert [call.status_code for call in calls] == [expected] * 3
    assert all(call.json()["error"] != "guidelines_not_acknowledged" for call in calls)


def test_another_trainers_acknowledgement_does_not_open_the_gate(client_as, cast, held):
    other = cast.new_trainer()
    guidelines_acknowledge(user=other, project=cast.project, version=1)

    refused = client_as(cast.trainer).post(
        f"{API}/tasks/{held.pk}/submit/", {"answer": ANSWER}, format="json"
    )

    assert_refused(refused, cast)


# --- what the gate costs ------------------------------------------------------------------


def _submit_queries(client, task) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{API}/tasks/{task.pk}/submit/", {"answer": ANSWER}, format="json")
    return response.status_code, len(captured)


def test_a_submit_costs_the_same_queries_with_guidelines_as_without(client_as, cast, mcq):
    warm, plain, gated = mcq["tasks"]
    client = client_as(cast.trainer)
    client.get(f"{API}/me/")  # the token's last use is written at most once a minute
    for task in mcq["tasks"]:
        lease(task=task, trainer=cast.trainer)
    assert _submit_queries(client, warm)[0] == 201  # the template and hooks read once

    without = _submit_queries(client, plain)
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=publish(cast))
    with_guidelines = _submit_queries(client, gated)

    assert without[0] == with_guidelines[0] == 201
    assert with_guidelines[1] == without[1]


def test_a_refused_submit_reads_the_token_and_the_task_and_nothing_else(
    client_as, cast, held, django_assert_num_queries
):
    client = client_as(cast.trainer)
    client.get(f"{API}/me/")

    with django_assert_num_queries(2):  # the token, the task (with the gate's facts)
        refused = client.post(f"{API}/tasks/{held.pk}/submit/", {"answer": ANSWER}, format="json")

    assert refused.status_code == 409

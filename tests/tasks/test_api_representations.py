"""The work endpoints' plain-dict bodies equal what their serializers (the schema) give."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.api.representations import lease_body, submission_body, task_body, task_manage_body
from tasks.api.serializers import (
    LeaseSerializer,
    SubmissionSerializer,
    TaskManageSerializer,
    TaskSerializer,
)
from tasks.models import Lease, Submission, SubmissionStatus, Task
from tasks.services import task_lease, task_set_gold
from tests.factories import submit

pytestmark = pytest.mark.django_db


def _plain(data) -> dict:
    """A serializer's ReturnDict (and nested ones) as plain dicts, to compare with ==."""
    return {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}


def test_task_bodies_equal_the_serializers(cast, mcq):
    task = Task.objects.get(pk=mcq["tasks"][0].pk)
    task_set_gold(task=task, gold_answer={"answer": "B"})
    task = Task.objects.get(pk=task.pk)
    assert task_manage_body(task) == _plain(TaskManageSerializer(task).data)
    assert task_body(task) == _plain(TaskSerializer(task).data)
    assert "gold_answer" not in task_body(task)
    shown = {"question": "shown only"}
    assert task_body(task, shown) == {**_plain(TaskSerializer(task).data), "data": shown}
    # Every field of the schema, no more.
    assert set(task_manage_body(task)) == set(TaskManageSerializer().fields)
    assert set(task_body(task)) == set(TaskSerializer().fields)


def test_lease_body_equals_the_serializer(cast, mcq):
    lease = task_lease(task=mcq["tasks"][1], trainer=cast.trainer)
    lease = Lease.objects.get(pk=lease.pk)
    lease.expires_at += timedelta(microseconds=123)  # sub-second digits are kept the same
    assert lease_body(lease) == _plain(LeaseSerializer(lease).data)
    assert set(lease_body(lease)) == set(LeaseSerializer().fields)


def test_submission_body_equals_the_serializer(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][2], author=cast.trainer, answer={"answer": "C"})
    submission.status = SubmissionStatus.RETURNED
    submission.return_reasons = [{"criterion": "c1", "comment": "Cite the paper."}]
    submission.telemetry = {"active_ms": 1200}
    submission.updated_at = timezone.now()
    submission.save()
    submission = Submission.objects.select_related("task", "author", "template").get(
        pk=submission.pk
    )
    assert submission_body(submission) == _plain(SubmissionSerializer(submission).data)
    assert set(submission_body(submission)) == set(SubmissionSerializer().fields)


def test_the_api_serves_these_bodies(client_as, cast, mcq):
    """``next`` and submit answer with the same shapes as the serializers describe."""
    trainer = client_as(cast.trainer)
    served = trainer.post(f"/api/v1/projects/{cast.project.pk}/next").json()
    task = Task.objects.get(pk=served["task"]["id"])
    lease = Lease.objects.get(task=task, trainer=cast.trainer)
    assert served["lease"] == _plain(LeaseSerializer(lease).data)
    assert set(served["task"]) == set(TaskSerializer().fields)
    submitted = trainer.post(
        f"/api/v1/tasks/{task.pk}/submit/", {"answer": {"answer": "A"}}, format="json"
    )
    assert submitted.status_code == 201, submitted.content
    submission = Submission.objects.get(task=task, author=cast.trainer)
    assert submitted.json() == _plain(SubmissionSerializer(submission).data)


def test_the_task_list_rows_equal_the_serializer(client_as, cast, mcq):
    task_set_gold(task=mcq["tasks"][1], gold_answer={"answer": "B"})
    page = client_as(cast.setter).get(f"/api/v1/projects/{cast.project.pk}/tasks/").json()
    tasks = Task.objects.filter(project=cast.project).order_by("id")
    assert page["results"] == [_plain(TaskManageSerializer(task).data) for task in tasks]

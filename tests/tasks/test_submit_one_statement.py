"""The common submit on PostgreSQL: one statement, no transaction around it, writing exactly
what the transaction path writes, and nothing at all when that path must answer instead.

Ordinary tests run inside a transaction, where ``submission_submit`` takes the transaction
path; these run in autocommit (``transaction=True``), as requests do.
"""

from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation_platform.errors import ConflictError, DomainError
from integrations.models import WebhookDelivery, WebhookEvent
from integrations.services import webhook_create
from metrics.models import MetricsSnapshot
from quality.models import CheckRun
from tasks import lookups
from tasks.models import (
    Draft,
    Lease,
    LeaseStatus,
    Skip,
    Submission,
    SubmissionRevision,
    Task,
    TaskCounter,
    TaskState,
)
from tasks.services import (
    draft_save,
    leases_expire_due,
    project_distribution_update,
    submission_submit,
    task_counts,
    task_lease,
    task_next,
    task_set_gold,
    work,
)
from tests.factories import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ANSWER = {"answer": "A"}


def _counters(project) -> dict[str, int]:
    counts = task_counts(project)
    return {state: counts[state] for state in TaskState.values}


def _recounted(project) -> dict[str, int]:
    return {
        state: Task.objects.filter(project=project, is_gold=False, state=state).count()
        for state in TaskState.values
    }


def _task_row(task) -> tuple:
    return Task.objects.filter(pk=task.pk).values_list(
        "filled", "leased", "skips", "state", "available"
    )[0]


def _stale_snapshot(project) -> MetricsSnapshot:
    snapshot, _ = MetricsSnapshot.objects.get_or_create(project=project)
    MetricsSnapshot.objects.filter(pk=snapshot.pk).update(stale=False, stale_since=None)
    return snapshot


def _world(project) -> dict:
    """Everything a submit may write, to compare before and after."""
    return {
        "tasks": sorted(
            Task.objects.filter(project=project).values_list(
                "id", "filled", "leased", "skips", "state", "available"
            )
        ),
        "leases": sorted(
            Lease.objects.filter(project=project).values_list("id", "status", "ended_at")
        ),
        "submissions": Submission.objects.filter(task__project=project).count(),
        "revisions": SubmissionRevision.objects.filter(submission__task__project=project).count(),
        "runs": CheckRun.objects.filter(submission__task__project=project).count(),
        "drafts": Draft.objects.filter(task__project=project).count(),
        "counters": sorted(
            TaskCounter.objects.filter(project=project).values_list("state", "shard", "count")
        ),
        "stale": list(
            MetricsSnapshot.objects.filter(project=project).values_list("stale", flat=True)
        ),
    }


def test_a_held_task_is_submitted_in_one_statement_writing_everything(cast, mcq, monkeypatch):
    # given a trainer holding a task, with a draft of it and a fresh metrics snapshot
    import quality.services.scheduling

    sent: list = []
    monkeypatch.setattr(
        quality.services.scheduling,
        "enqueue_batched_on_commit",
        lambda job, item: sent.append(item()),
    )
    # (a first submit reads the template in force and learns the project has no webhooks)
    warm = task_next(project=cast.project, trainer=cast.trainer)
    warm_task = lookups.visible_task(cast.trainer, warm.task.pk)
    submission_submit(task=warm_task, author=cast.trainer, answer=ANSWER)
    snapshot = _stale_snapshot(cast.project)
    served = task_next(project=cast.project, trainer=cast.trainer)
    draft_save(task=served.task, author=cast.trainer, answer={"answer": "B"})
    # when they submit the task as the API loads it (with its template's key)
    task = lookups.visible_task(cast.trainer, served.task.pk)
    with CaptureQueriesContext(connection) as captured:
        submission, created = submission_submit(
            task=task, author=cast.trainer, answer=ANSWER, idempotency_key="k"
        )
    # then one statement (no BEGIN, no COMMIT) wrote the whole submit
    statements = [q["sql"] for q in captured]
    assert len(statements) == 1, statements
    assert created and submission.pk is not None
    stored = Submission.objects.get(task=served.task, author=cast.trainer)
    assert (stored.pk, stored.answer, stored.idempotency_key) == (submission.pk, ANSWER, "k")
    assert SubmissionRevision.objects.get(submission=stored).number == 1
    lease = Lease.objects.get(pk=served.lease.pk)
    assert lease.status == LeaseStatus.SUBMITTED and lease.ended_at is not None
    assert _task_row(served.task) == (1, 0, 0, TaskState.COMPLETE, False)
    assert (task.state, task.filled, task.leased, task.available) == (
        TaskState.COMPLETE,
        1,
        0,
        False,
    )
    assert not Draft.objects.filter(task=served.task, author=cast.trainer).exists()
    # and the hooks' rows came with it: the checks' run (sent once written) and the
    # metrics' stale mark
    run = CheckRun.objects.get(submission=stored, revision=1)
    assert sent[-1] == run.pk
    snapshot.refresh_from_db()
    assert snapshot.stale
    assert _counters(cast.project) == _recounted(cast.project)


def _play(project, trainers, tasks, *, through_transaction: bool) -> None:
    """The same story on either path: lease, skip by others, submit."""
    for task, trainer in zip(tasks, trainers, strict=True):
        task_lease(task=task, trainer=trainer)
        if through_transaction:
            with transaction.atomic():  # not autocommit: the transaction path
                submission_submit(task=task, author=trainer, answer=ANSWER)
        else:
            submission_submit(task=task, author=trainer, answer=ANSWER)


@pytest.mark.parametrize("overlap", [1, 2])
def test_both_paths_leave_the_same_counts_states_and_counters(cast, mcq, overlap):
    # given two projects' worth of identical tasks: the cast's, and a copy
    project_distribution_update(project=cast.project, default_overlap=overlap)
    first, second, _ = mcq["tasks"]
    a, b = cast.new_trainer(), cast.new_trainer()
    # when the first task goes through the one statement and the second through the
    # transaction path, with the same leases and submits
    _play(cast.project, [a, b][:overlap], [first] * overlap, through_transaction=False)
    _play(cast.project, [a, b][:overlap], [second] * overlap, through_transaction=True)
    # then both tasks end up alike, and the counters agree with the tasks
    assert _task_row(first) == _task_row(second)
    assert _counters(cast.project) == _recounted(cast.project)


def test_a_flagged_task_stays_flagged_when_a_held_answer_comes_in(cast, mcq):
    # given a task with overlap 3, held by the trainer, then skipped by two others
    project_distribution_update(project=cast.project, default_overlap=3, skip_flag_threshold=2)
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    from tasks.services import task_skip

    for other in (cast.new_trainer(), cast.new_trainer()):
        task_lease(task=task, trainer=other)
        task_skip(task=task, trainer=other)
    assert _task_row(task)[3] == TaskState.FLAGGED
    # when the holder submits
    submission_submit(task=task, author=cast.trainer, answer=ANSWER)
    # then it counts as an answer and the task stays flagged, unavailable
    assert _task_row(task) == (1, 0, 2, TaskState.FLAGGED, False)
    assert Skip.objects.filter(task=task).count() == 2
    assert _counters(cast.project) == _recounted(cast.project)


def test_a_gold_task_ends_the_lease_and_keeps_its_counts(cast, mcq):
    task = mcq["tasks"][0]
    task_set_gold(task=task, gold_answer=ANSWER)
    lease = task_lease(task=task, trainer=cast.trainer)
    before = _task_row(task)
    counters = _counters(cast.project)
    submission, created = submission_submit(task=task, author=cast.trainer, answer=ANSWER)
    assert created and Submission.objects.filter(pk=submission.pk).exists()
    assert Lease.objects.get(pk=lease.pk).status == LeaseStatus.SUBMITTED
    assert _task_row(task) == before
    assert _counters(cast.project) == counters


def test_without_a_held_lease_the_statement_writes_nothing_and_the_refusal_is_as_before(cast, mcq):
    # given a task never given to the trainer, a fresh snapshot and a draft
    task = mcq["tasks"][0]
    _stale_snapshot(cast.project)
    lookups_task = Task.objects.select_related("project").get(pk=task.pk)
    Draft.objects.create(task=task, author=cast.trainer, answer={"answer": "C"})
    before = _world(cast.project)
    # when the one statement is tried
    assert (
        work._submit_held(
            task=lookups_task,
            author=cast.trainer,
            answer=ANSWER,
            telemetry=None,
            idempotency_key="",
        )
        is None
    )
    # then it wrote nothing at all: no lease end, count, counter, submission, run, stale
    # mark, and the draft is kept
    assert _world(cast.project) == before
    # and the submit says why, as it always did
    with pytest.raises(ConflictError) as refused:
        submission_submit(task=lookups_task, author=cast.trainer, answer=ANSWER)
    assert refused.value.code == "not_leased"
    assert _world(cast.project) == before


def test_a_late_answer_after_the_lease_was_reclaimed_is_still_accepted(cast, mcq):
    project_distribution_update(project=cast.project, lease_seconds=60)
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert leases_expire_due(now=timezone.now() + timedelta(minutes=5)) == 1
    _, created = submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert created
    assert _task_row(served.task)[:2] == (1, 0)
    assert _counters(cast.project) == _recounted(cast.project)


def test_a_resubmit_is_replayed_or_refused_and_changes_nothing(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    first, _ = submission_submit(
        task=served.task, author=cast.trainer, answer=ANSWER, idempotency_key="k"
    )
    before = _world(cast.project)
    again, created = submission_submit(
        task=served.task, author=cast.trainer, answer=ANSWER, idempotency_key="k"
    )
    assert (again.pk, created) == (first.pk, False)
    # a different one, even with an answer that does not fit, is refused as a resubmit
    with pytest.raises(ConflictError) as refused:
        submission_submit(task=served.task, author=cast.trainer, answer={"answer": "Z"})
    assert refused.value.code == "already_submitted"
    assert _world(cast.project) == before


def test_an_answer_that_does_not_fit_writes_nothing_and_keeps_the_hold(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    before = _world(cast.project)
    with pytest.raises(DomainError) as refused:
        submission_submit(task=served.task, author=cast.trainer, answer={"answer": "Z"})
    assert refused.value.code == "invalid_answer"
    assert _world(cast.project) == before
    assert Lease.objects.get(pk=served.lease.pk).status == LeaseStatus.ACTIVE


def test_a_submission_the_lease_did_not_reveal_fails_the_statement_whole(cast, mcq):
    # given a live lease next to an existing submission of the same trainer (not reachable
    # through the services; the unique constraint is the last net)
    project_distribution_update(project=cast.project, default_overlap=2)
    served = task_next(project=cast.project, trainer=cast.trainer)
    first, _ = submission_submit(
        task=served.task, author=cast.trainer, answer=ANSWER, idempotency_key="k"
    )
    Lease.objects.create(
        task=served.task,
        project=cast.project,
        trainer=cast.trainer,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    before = _world(cast.project)
    # when the trainer submits again
    again, created = submission_submit(
        task=served.task, author=cast.trainer, answer=ANSWER, idempotency_key="k"
    )
    # then the statement's lease end, counts and rows were all undone by the conflict, and
    # the transaction path replayed the first submission
    assert (again.pk, created) == (first.pk, False)
    assert _world(cast.project) == before


def _click_twice(task, trainer) -> list:
    """The same submit sent twice at once (same idempotency key): each outcome, "created"
    (True/False) or the refusal's code."""

    def click():
        return submission_submit(task=task, author=trainer, answer=ANSWER, idempotency_key="k")

    outcomes = at_once(click, click)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, ConflictError):
            raise outcome
    return [o.code if isinstance(o, ConflictError) else o for o in outcomes]


def test_a_double_click_gives_one_submission_and_replays_it(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    task = served.task
    outcomes = _click_twice(task, cast.trainer)
    assert sorted(created for _, created in outcomes) == [False, True]
    assert len({submission.pk for submission, _ in outcomes}) == 1
    assert Submission.objects.filter(task=task).count() == 1
    assert _task_row(task)[:2] == (1, 0)
    assert CheckRun.objects.filter(submission__task=task).count() == 1
    assert _counters(cast.project) == _recounted(cast.project)


def test_many_trainers_completing_tasks_at_once_keep_counts_and_counters_exact(cast, mcq):
    # given overlap 2 and six trainers, each holding one task of three
    project_distribution_update(project=cast.project, default_overlap=2)
    trainers = [cast.new_trainer() for _ in range(6)]
    held = [(task_next(project=cast.project, trainer=t).task, t) for t in trainers]
    outcomes = at_once(
        *(partial(submission_submit, task=task, author=t, answer=ANSWER) for task, t in held)
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert errors == []
    for task in mcq["tasks"]:
        assert _task_row(task) == (2, 0, 0, TaskState.COMPLETE, False)
    assert _counters(cast.project) == _recounted(cast.project)
    assert Lease.objects.filter(project=cast.project, status=LeaseStatus.ACTIVE).count() == 0


def test_the_task_completed_webhook_follows_the_state_this_submit_wrote(cast, mcq):
    # given a project with a webhook for submissions and completions, overlap 2
    webhook_create(
        project=cast.project,
        url="https://hooks.example.org/in",
        events=[WebhookEvent.SUBMISSION_CREATED, WebhookEvent.TASK_COMPLETED],
        by=cast.admin,
    )
    project_distribution_update(project=cast.project, default_overlap=2)
    task = mcq["tasks"][0]
    a, b = cast.new_trainer(), cast.new_trainer()
    task_lease(task=task, trainer=a)
    task_lease(task=task, trainer=b)
    # when the first answer comes in, then the second
    first, _ = submission_submit(task=Task.objects.get(pk=task.pk), author=a, answer=ANSWER)
    second, _ = submission_submit(task=Task.objects.get(pk=task.pk), author=b, answer=ANSWER)
    # then both submissions made an event, and only the second completed the task
    events = list(WebhookDelivery.objects.values_list("event", "payload"))
    created = [p for e, p in events if e == WebhookEvent.SUBMISSION_CREATED]
    completed = [p for e, p in events if e == WebhookEvent.TASK_COMPLETED]
    assert sorted(p["submission"]["id"] for p in created) == sorted([first.pk, second.pk])
    assert [p["completed_by_submission"] for p in completed] == [second.pk]


def test_a_steady_submit_over_the_api_is_two_statements(client_as, cast, mcq, monkeypatch):
    # given a trainer whose token, template and project (no webhooks) were read before,
    # and the checks queued rather than run here
    import quality.services.scheduling

    monkeypatch.setattr(
        quality.services.scheduling, "enqueue_batched_on_commit", lambda job, item: None
    )
    client = client_as(cast.trainer)
    for _ in range(2):
        task = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()["task"]["id"]
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                f"/api/v1/tasks/{task}/submit/", {"answer": ANSWER}, format="json"
            )
        assert response.status_code == 201, response.content
    # then the last submit cost its task (with the trainer's role) and the one statement
    # that wrote everything (the token was verified before: accounts.token_cache)
    statements = [query["sql"] for query in captured]
    assert len(statements) == 2, statements
    assert Submission.objects.get(pk=response.json()["id"]).task_id == task


def test_a_double_click_on_a_late_answer_is_replayed_too(cast, mcq):
    # given a task whose lease ran out and was reclaimed: both clicks take the
    # transaction path, the second waiting for the first's lock
    project_distribution_update(project=cast.project, lease_seconds=60)
    for _ in range(3):
        served = task_next(project=cast.project, trainer=cast.trainer)
        leases_expire_due(now=timezone.now() + timedelta(minutes=5))
        outcomes = _click_twice(served.task, cast.trainer)
        # then one is created and the other replays it (never "task_complete")
        assert sorted(str(o if isinstance(o, str) else o[1]) for o in outcomes) == [
            "False",
            "True",
        ]
        assert Submission.objects.filter(task=served.task).count() == 1


def test_an_error_after_the_write_is_not_taken_for_a_conflict(cast, mcq, monkeypatch):
    # given a callback that fails after the statement went through
    from django.db import IntegrityError

    import quality.services.scheduling

    def failing(job, item):
        raise IntegrityError("a callback's own error")

    monkeypatch.setattr(quality.services.scheduling, "enqueue_batched_on_commit", failing)
    served = task_next(project=cast.project, trainer=cast.trainer)
    # then it surfaces as itself, not as a replay or a refusal of the written submission
    with pytest.raises(IntegrityError, match="callback's own error"):
        submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert Submission.objects.filter(task=served.task).count() == 1

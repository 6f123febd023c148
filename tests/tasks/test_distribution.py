"""The work queue: leases, overlap, skips, gold, caps, assignments, expiry and counters."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from annotation_platform.errors import ConflictError, DomainError
from tasks.models import Assignment, Lease, LeaseStatus, Skip, Submission, Task, TaskState
from tasks.services import (
    lease_release,
    lease_renew,
    leases_expire_due,
    project_distribution_update,
    submission_submit,
    task_assign,
    task_counts,
    task_next,
    task_set_gold,
    task_skip,
    task_states_rebuild,
    task_update_settings,
    tasks_create,
)
from tasks.services.distribution import task_state
from tests.factories import at_once

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "A"}


def _counts(project):
    counts = task_counts(project)
    return {state: counts[state] for state in ("new", "in_progress", "complete", "flagged")}


def _assert_counters_exact(project):
    actual = {
        state: Task.objects.filter(project=project, is_gold=False, state=state).count()
        for state in ("new", "in_progress", "complete", "flagged")
    }
    assert _counts(project) == actual


def test_next_serves_by_priority_then_oldest_and_leases(cast, mcq):
    _first, _second, third = mcq["tasks"]
    task_update_settings(task=third, priority=5)
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert served.task == third
    assert served.lease.status == LeaseStatus.ACTIVE
    assert served.lease.expires_at > timezone.now() + timedelta(seconds=1700)
    third.refresh_from_db()
    assert (third.leased, third.state, third.available) == (1, TaskState.IN_PROGRESS, False)
    _assert_counters_exact(cast.project)


def test_asking_again_returns_the_task_already_held(cast, mcq):
    first = task_next(project=cast.project, trainer=cast.trainer)
    again = task_next(project=cast.project, trainer=cast.trainer)
    assert again.task == first.task and again.lease.pk == first.lease.pk
    assert Lease.objects.count() == 1


def test_two_trainers_never_get_the_same_task_with_overlap_one(cast, mcq):
    other = cast.new_trainer()
    a = task_next(project=cast.project, trainer=cast.trainer)
    b = task_next(project=cast.project, trainer=other)
    assert a.task != b.task


def test_overlap_two_serves_a_task_to_two_distinct_trainers(cast, mcq):
    project_distribution_update(project=cast.project, default_overlap=2)
    trainers = [cast.trainer, cast.new_trainer(), cast.new_trainer()]
    served = [task_next(project=cast.project, trainer=t).task for t in trainers]
    assert served[0] == served[1] != served[2]
    _assert_counters_exact(cast.project)


def test_submit_turns_the_lease_into_a_filled_slot_and_completes_the_task(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    task = Task.objects.get(pk=served.task.pk)
    assert (task.filled, task.leased, task.state) == (1, 0, TaskState.COMPLETE)
    assert Lease.objects.get().status == LeaseStatus.SUBMITTED
    _assert_counters_exact(cast.project)
    # and the trainer is served the next one
    assert task_next(project=cast.project, trainer=cast.trainer).task != served.task


def test_submitting_a_task_never_served_is_refused_and_nothing_written(cast, mcq):
    with pytest.raises(ConflictError) as caught:
        submission_submit(task=mcq["tasks"][0], author=cast.trainer, answer=ANSWER)
    assert caught.value.code == "not_leased"
    assert not Submission.objects.exists()


def test_a_late_answer_is_accepted_while_the_task_still_needs_one(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    later = timezone.now() + timedelta(hours=1)
    assert leases_expire_due(now=later) == 1
    task = Task.objects.get(pk=served.task.pk)
    assert (task.leased, task.state, task.available) == (0, TaskState.NEW, True)
    _submission, created = submission_submit(task=task, author=cast.trainer, answer=ANSWER)
    assert created
    assert Task.objects.get(pk=task.pk).state == TaskState.COMPLETE


def test_a_late_answer_to_a_task_others_completed_is_refused_and_the_draft_kept(cast, mcq):
    from tasks.models import Draft
    from tasks.services import draft_save

    slow = cast.trainer
    served = task_next(project=cast.project, trainer=slow)
    draft_save(task=served.task, author=slow, answer={"answer": "B"})
    leases_expire_due(now=timezone.now() + timedelta(hours=1))
    fast = cast.new_trainer()
    again = task_next(project=cast.project, trainer=fast)
    assert again.task == served.task  # the expired task went back to the pool
    submission_submit(task=again.task, author=fast, answer=ANSWER)
    with pytest.raises(ConflictError) as caught:
        submission_submit(task=served.task, author=slow, answer={"answer": "B"})
    assert caught.value.code == "task_complete"
    assert "draft is kept" in caught.value.detail
    assert Draft.objects.get(author=slow).answer == {"answer": "B"}
    assert Submission.objects.filter(task=served.task).count() == 1


def test_next_reclaims_expired_leases_itself(cast, mcq):
    project_distribution_update(project=cast.project, lease_seconds=60)
    held = [task_next(project=cast.project, trainer=cast.new_trainer()).task for _ in range(3)]
    assert task_next(project=cast.project, trainer=cast.trainer) is None  # all three held
    later = timezone.now() + timedelta(minutes=5)
    served = task_next(project=cast.project, trainer=cast.trainer, now=later)
    assert served.task in held
    _assert_counters_exact(cast.project)


def test_renew_extends_and_release_returns_the_task(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    before = served.lease.expires_at
    renewed = lease_renew(
        task=served.task, trainer=cast.trainer, now=timezone.now() + timedelta(minutes=10)
    )
    assert renewed.expires_at > before
    lease_release(task=served.task, trainer=cast.trainer)
    task = Task.objects.get(pk=served.task.pk)
    assert (task.leased, task.state, task.available) == (0, TaskState.NEW, True)
    with pytest.raises(ConflictError):
        lease_release(task=served.task, trainer=cast.trainer)


def test_skip_needs_a_held_task_and_is_never_served_again(cast, mcq):
    with pytest.raises(ConflictError) as caught:
        task_skip(task=mcq["tasks"][0], trainer=cast.trainer)
    assert caught.value.code == "no_lease"
    assert not Skip.objects.exists()
    served = task_next(project=cast.project, trainer=cast.trainer)
    task_skip(task=served.task, trainer=cast.trainer, reason="Audio is silent")
    nxt = task_next(project=cast.project, trainer=cast.trainer)
    assert nxt.task != served.task
    assert Skip.objects.get().reason == "Audio is silent"
    # and it goes back to others
    assert task_next(project=cast.project, trainer=cast.new_trainer()).task == served.task


def test_a_task_skipped_by_k_trainers_is_flagged(cast, mcq):
    project_distribution_update(project=cast.project, skip_flag_threshold=2)
    task_update_settings(task=mcq["tasks"][0], priority=9)
    for _ in range(2):
        trainer = cast.new_trainer()
        served = task_next(project=cast.project, trainer=trainer)
        assert served.task == mcq["tasks"][0]
        task_skip(task=served.task, trainer=trainer)
    task = Task.objects.get(pk=mcq["tasks"][0].pk)
    assert (task.state, task.available) == (TaskState.FLAGGED, False)
    assert task_next(project=cast.project, trainer=cast.new_trainer()).task != task
    _assert_counters_exact(cast.project)


def test_a_skip_reason_is_bounded(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    with pytest.raises(DomainError):
        task_skip(task=served.task, trainer=cast.trainer, reason="x" * 501)


@pytest.mark.parametrize("status", ["paused", "archived", "draft"])
def test_no_new_leases_unless_the_project_is_active(cast, mcq, status):
    cast.project.status = status
    cast.project.save()
    with pytest.raises(ConflictError) as caught:
        task_next(project=cast.project, trainer=cast.trainer)
    assert caught.value.code == f"project_{status}"
    assert not Lease.objects.exists()


def test_a_paused_project_still_takes_the_answer_to_a_held_task(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    cast.project.status = "paused"
    cast.project.save()
    _, created = submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert created


def test_the_daily_cap_stops_new_tasks(cast, mcq):
    project_distribution_update(project=cast.project, max_submissions_per_day=1)
    served = task_next(project=cast.project, trainer=cast.trainer)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    with pytest.raises(ConflictError) as caught:
        task_next(project=cast.project, trainer=cast.trainer)
    assert caught.value.code == "daily_limit"


def test_assigned_tasks_come_first(cast, mcq):
    last = mcq["tasks"][-1]
    task_assign(task=last, trainer_identifier=cast.trainer.username, by=cast.setter)
    assert task_next(project=cast.project, trainer=cast.trainer).task == last


def test_only_trainers_of_the_project_can_be_assigned(cast, mcq):
    for who in (cast.qa_lead.username, cast.outsider.username, "ghost"):
        with pytest.raises(DomainError) as caught:
            task_assign(task=mcq["tasks"][0], trainer_identifier=who, by=cast.setter)
        assert "trainer" in caught.value.fields


def test_gold_tasks_are_mixed_in_and_answered_by_everyone(cast, mcq):
    gold = mcq["tasks"][0]
    task_set_gold(task=gold, gold_answer={"answer": "B"})
    project_distribution_update(project=cast.project, gold_rate=1.0)
    trainers = [cast.trainer, cast.new_trainer()]
    for trainer in trainers:
        served = task_next(project=cast.project, trainer=trainer)
        assert served.task == gold
        submission_submit(task=gold, author=trainer, answer=ANSWER)
    # once answered, a trainer gets ordinary tasks
    assert task_next(project=cast.project, trainer=cast.trainer).task != gold
    assert _counts(cast.project)["new"] + _counts(cast.project)["in_progress"] == 2


def test_a_gold_answer_must_fit_the_template(cast, mcq):
    with pytest.raises(DomainError) as caught:
        task_set_gold(task=mcq["tasks"][0], gold_answer={"answer": "Z"})
    assert "gold_answer.answer" in caught.value.fields
    assert not Task.objects.filter(is_gold=True).exists()


def test_a_task_in_use_cannot_turn_gold(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    with pytest.raises(ConflictError):
        task_set_gold(task=served.task, gold_answer={"answer": "A"})


def test_counters_follow_every_transition_and_survive_a_rebuild(cast, mcq):
    a = task_next(project=cast.project, trainer=cast.trainer)
    submission_submit(task=a.task, author=cast.trainer, answer=ANSWER)
    task_next(project=cast.project, trainer=cast.new_trainer())
    assert _counts(cast.project) == {"new": 1, "in_progress": 1, "complete": 1, "flagged": 0}
    tasks_create(project=cast.project, items=[{"question": "Q"}], by=cast.setter)
    assert _counts(cast.project)["new"] == 2
    rebuilt = task_states_rebuild(project=cast.project)
    assert _counts(cast.project) == {"new": 2, "in_progress": 1, "complete": 1, "flagged": 0}
    assert sum(rebuilt.values()) == 4


def test_raising_the_overlap_reopens_complete_tasks(cast, mcq):
    served = task_next(project=cast.project, trainer=cast.trainer)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    project_distribution_update(project=cast.project, default_overlap=2)
    task = Task.objects.get(pk=served.task.pk)
    assert (task.needed, task.state, task.available) == (2, TaskState.IN_PROGRESS, True)
    _assert_counters_exact(cast.project)


def test_lowering_the_overlap_never_drops_work_in_flight(cast, mcq):
    project_distribution_update(project=cast.project, default_overlap=3)
    task_update_settings(task=mcq["tasks"][0], priority=9)
    for _ in range(2):
        task_next(project=cast.project, trainer=cast.new_trainer())
    project_distribution_update(project=cast.project, default_overlap=1)
    task = Task.objects.get(pk=mcq["tasks"][0].pk)
    assert task.needed == 2 and task.leased == 2 and not task.available


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"default_overlap": 0}, "default_overlap"),
        ({"gold_rate": 1.5}, "gold_rate"),
        ({"lease_seconds": "long"}, "lease_seconds"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_distribution_settings_name_the_field(cast, changes, field):
    with pytest.raises(DomainError) as caught:
        project_distribution_update(project=cast.project, **changes)
    assert field in caught.value.fields


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_trainers_never_overfill_and_strand_nothing(cast):
    """Many clients against PostgreSQL: no task beyond its overlap, no trainer answering a
    task twice, no task stranded once leases expire."""
    from tasks.gallery import gallery_template
    from tasks.services import template_save

    starter = gallery_template("multiple_choice")
    template_save(project=cast.project, name="MCQ", definition=starter.definition, by=None)
    project_distribution_update(project=cast.project, default_overlap=2, lease_seconds=60)
    tasks_create(project=cast.project, items=[{"question": f"Q{n}"} for n in range(40)], by=None)
    trainers = [cast.new_trainer() for _ in range(12)]

    def work(trainer, abandon_every: int) -> None:
        for n in range(30):
            served = task_next(project=cast.project, trainer=trainer)
            if served is None:
                return
            if abandon_every and n % abandon_every == 0:
                continue  # walk away holding it: the lease must expire
            submission_submit(task=served.task, author=trainer, answer=ANSWER)

    outcomes = at_once(
        *(partial(work, trainer, 3 if i % 4 == 0 else 0) for i, trainer in enumerate(trainers))
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors

    # no task beyond its overlap; nobody answered a task twice (the constraints also hold)
    for task in Task.objects.filter(project=cast.project):
        assert Submission.objects.filter(task=task).count() <= task.needed
    assert (
        Submission.objects.values("task", "author").distinct().count() == Submission.objects.count()
    )

    # once the abandoned leases expire, everything left is served and completed
    later = timezone.now() + timedelta(minutes=10)
    leases_expire_due(now=later, limit=1000)
    for trainer in trainers:
        while (served := task_next(project=cast.project, trainer=trainer, now=later)) is not None:
            submission_submit(task=served.task, author=trainer, answer=ANSWER)
    assert not Task.objects.filter(project=cast.project).exclude(state=TaskState.COMPLETE).exists()
    _assert_counters_exact(cast.project)


def test_the_periodic_job_reclaims_every_expired_lease(cast, mcq, monkeypatch):
    from tasks import jobs
    from tasks.services import distribution

    for _ in range(3):
        task_next(project=cast.project, trainer=cast.new_trainer())
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(distribution.timezone, "now", lambda: later)
    monkeypatch.setattr(jobs, "RECLAIM_BATCH", 2)  # several batches
    assert jobs.leases_expire.delay().get() == 3
    assert not Lease.objects.filter(status=LeaseStatus.ACTIVE).exists()
    assert set(Task.objects.values_list("state", flat=True)) == {TaskState.NEW}
    _assert_counters_exact(cast.project)


def test_a_reclaim_moves_every_counter_in_one_ordered_upsert(cast, mcq, monkeypatch):
    """Counter rows locked by two upserts in one transaction (one per task) could be taken
    in an order a concurrent ``next`` takes the other way round: a deadlock. The reclaim,
    which ends many leases in one transaction, writes all its counter moves at once."""
    from annotation_platform import rawsql
    from tasks.models import Project
    from tasks.services import distribution, template_save
    from tests.factories import MembershipFactory, ProjectFactory

    # given leases that ran out in two projects: here, one of two on a task (which stays in
    # progress) and the only one on another task (which becomes new again); one there
    other = ProjectFactory(name="Another project")
    MembershipFactory(project=other, user=cast.trainer, role="trainer")
    template = mcq["template"]
    template_save(project=other, name=template.name, definition=template.definition, by=None)
    tasks_create(project=other, items=[{"question": "Elsewhere?"}], by=None)
    project_distribution_update(project=cast.project, default_overlap=2)
    shared = task_next(project=cast.project, trainer=cast.trainer)
    assert task_next(project=cast.project, trainer=cast.new_trainer()).task == shared.task
    alone = task_next(project=cast.project, trainer=cast.new_trainer())
    elsewhere = task_next(project=other, trainer=cast.trainer)
    due = [shared.lease.pk, alone.lease.pk, elsewhere.lease.pk]
    Lease.objects.filter(pk__in=due).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when the periodic reclaim runs
    sent = []
    real = distribution.sql_execute

    def recorded(cursor, sql, params):
        sent.append(sql)
        real(cursor, sql, params)

    monkeypatch.setattr(distribution, "sql_execute", recorded)
    monkeypatch.setattr(rawsql, "sql_execute", recorded)  # batches of writes
    assert leases_expire_due() == 3
    # then one statement moved the counters of both projects
    upserts = [sql for sql in sent if "tasks_taskcounter" in sql]
    assert len(upserts) == 1, upserts
    assert upserts[0].count("(%s, %s, %s, %s)") == 4  # two states in each project
    assert Task.objects.get(pk=shared.task.pk).state == TaskState.IN_PROGRESS
    assert Task.objects.get(pk=alone.task.pk).state == TaskState.NEW
    assert Task.objects.get(pk=elsewhere.task.pk).state == TaskState.NEW
    for project in (cast.project, Project.objects.get(pk=other.pk)):
        _assert_counters_exact(project)


def test_counter_moves_are_written_in_project_state_shard_order(monkeypatch):
    from tasks.services import distribution

    sent = []
    monkeypatch.setattr(
        distribution, "sql_execute", lambda cursor, sql, params: sent.append(params)
    )
    shards = iter([5, 2, 7, 0])
    monkeypatch.setattr(distribution.random, "randrange", lambda n: next(shards))
    distribution.counters_write(
        {(9, "new"): 2, (3, "new"): -1, (9, "in_progress"): -2, (3, "x"): 0}
    )
    # (draws in the order given: 5 for (9, new), 2 for (3, new), 7 for (9, in_progress))
    assert sent == [[3, "new", 2, -1, 9, "in_progress", 7, -2, 9, "new", 5, 2]]


def test_the_lease_job_is_scheduled_every_minute():
    from annotation_platform.celery import app

    entry = app.conf.beat_schedule["expire-task-leases"]
    assert entry["task"] == "tasks.jobs.leases_expire" and entry["schedule"] == 60.0


def test_every_lease_leaves_the_task_row_as_task_state_says(cast, mcq):
    """``next`` takes a task in one statement on PostgreSQL, with the new state written in
    SQL: the row, the instance served and the counters must agree with ``task_state``."""
    project_distribution_update(project=cast.project, default_overlap=2, skip_flag_threshold=2)
    third = mcq["tasks"][2]
    Assignment.objects.create(task=third, trainer=cast.trainer, assigned_by=cast.setter)
    served = []
    for trainer in (cast.trainer, cast.new_trainer(), cast.new_trainer()):
        item = task_next(project=cast.project, trainer=trainer)
        served.append(item)
        stored = Task.objects.get(pk=item.task.pk)
        expected = task_state(
            needed=stored.needed,
            filled=stored.filled,
            leased=stored.leased,
            skips=stored.skips,
            threshold=2,
        )
        assert stored.state == expected == TaskState.IN_PROGRESS
        assert stored.available == (stored.filled + stored.leased < stored.needed)
        # the instance handed out is the row as written
        assert (item.task.leased, item.task.state, item.task.available) == (
            stored.leased,
            stored.state,
            stored.available,
        )
        assert item.lease.pk == Lease.objects.get(task=stored, trainer=item.lease.trainer).pk
    assert served[0].task == third and served[0].assigned
    assert served[1].task == served[2].task != third  # the queue's first, then again
    assert Task.objects.get(pk=served[1].task.pk).leased == 2  # two trainers on one task
    assert not Task.objects.get(pk=served[1].task.pk).available
    _assert_counters_exact(cast.project)

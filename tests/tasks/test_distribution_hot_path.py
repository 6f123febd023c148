"""The hot path of the queue (``next`` then submit): its SQL, its locks and its cost."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from annotation_platform.errors import ConflictError
from tasks import lookups, permissions
from tasks.models import Lease, LeaseStatus, Role, Task, TaskCounter, TaskState
from tasks.services import (
    distribution,
    hooks,
    leases_expire_due,
    project_distribution_update,
    submission_submit,
    task_assign,
    task_counts,
    task_next,
    task_set_gold,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "A"}


def _trainer(cast):
    return MembershipFactory(project=cast.project, role=Role.TRAINER).user


def _assert_counters_exact(project):
    counts = task_counts(project)
    for state in TaskState.values:
        expected = Task.objects.filter(project=project, is_gold=False, state=state).count()
        assert counts[state] == expected, state


# --- counters -----------------------------------------------------------------------------


def test_a_state_change_moves_one_count_between_two_counter_rows(cast, mcq):
    # given three new tasks counted in one NEW shard
    assert task_counts(cast.project)["new"] == 3
    # when a trainer takes one, then answers it
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert (task_counts(cast.project)["new"], task_counts(cast.project)["in_progress"]) == (2, 1)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    # then every count is exact, and shard rows were created on first use
    assert task_counts(cast.project)["complete"] == 1
    _assert_counters_exact(cast.project)
    assert TaskCounter.objects.filter(project=cast.project, state=TaskState.COMPLETE).exists()


# --- next ---------------------------------------------------------------------------------


def test_the_lease_limit_counts_a_lease_that_ran_out_but_is_not_reclaimed_yet(
    cast, mcq, monkeypatch
):
    # given a trainer whose only allowed lease ran out, and nothing reclaims it yet (its
    # task is busy in another transaction)
    project_distribution_update(project=cast.project, lease_seconds=60)
    task_next(project=cast.project, trainer=cast.trainer)
    monkeypatch.setattr(distribution, "leases_expire_due", lambda **kwargs: 0)
    # when they ask for another task, the stale hold still counts
    with pytest.raises(ConflictError) as caught:
        task_next(
            project=cast.project, trainer=cast.trainer, now=timezone.now() + timedelta(hours=1)
        )
    assert caught.value.code == "lease_limit"


def test_assigned_then_gold_then_queue_come_from_the_same_untouched_rule(cast, mcq):
    first, second, third = mcq["tasks"]
    task_set_gold(task=third, gold_answer=ANSWER)
    task_assign(task=second, trainer_identifier=cast.trainer.username, by=cast.setter)
    project_distribution_update(project=cast.project, gold_rate=1.0)
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert (served.task, served.assigned) == (second, True)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer).task == third  # gold
    submission_submit(task=third, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer).task == first  # queue
    submission_submit(task=first, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer) is None  # all answered
    _assert_counters_exact(cast.project)


# --- expiry -------------------------------------------------------------------------------


def test_two_expired_leases_on_one_task_each_give_back_their_slot(cast, mcq):
    # given a task held by two trainers (overlap 2) whose leases both ran out
    project_distribution_update(project=cast.project, default_overlap=2, lease_seconds=60)
    one, two = _trainer(cast), _trainer(cast)
    task = task_next(project=cast.project, trainer=one).task
    assert task_next(project=cast.project, trainer=two).task == task
    # when they are reclaimed in one call
    assert leases_expire_due(now=timezone.now() + timedelta(minutes=5)) == 2
    # then the task is new again with no holds, and the counters agree
    task.refresh_from_db()
    assert (task.leased, task.state, task.available) == (0, TaskState.NEW, True)
    _assert_counters_exact(cast.project)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_expiry_passes_over_a_task_another_transaction_holds_instead_of_waiting(cast, mcq):
    # given an expired lease whose task another transaction has locked (a submit in flight)
    project_distribution_update(project=cast.project, lease_seconds=60)
    served = task_next(project=cast.project, trainer=cast.trainer)
    later = timezone.now() + timedelta(minutes=5)
    locked, release = threading.Event(), threading.Event()

    def hold_the_task() -> None:
        try:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=served.task.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_task)
    holder.start()
    assert locked.wait(10)
    try:
        # when expiry runs meanwhile, it does not wait and leaves that lease alone
        assert leases_expire_due(now=later) == 0
        assert Lease.objects.get(pk=served.lease.pk).status == LeaseStatus.ACTIVE
    finally:
        release.set()
        holder.join()
    # then a later run reclaims it
    assert leases_expire_due(now=later) == 1
    _assert_counters_exact(cast.project)


# --- what a request costs -----------------------------------------------------------------


def test_loading_a_project_or_task_also_knows_the_users_role(cast, mcq, django_assert_num_queries):
    served = task_next(project=cast.project, trainer=cast.trainer)
    with django_assert_num_queries(1):
        project = lookups.visible_project(cast.trainer, cast.project.pk)
        assert permissions.can_work_on_project(cast.trainer, project)
    with django_assert_num_queries(1):
        task = lookups.visible_task(cast.trainer, served.task.pk)
        assert permissions.can_work_on_project(cast.trainer, task.project)


@pytest.fixture
def without_submission_hooks(monkeypatch):
    """Other apps' hooks (quality checks) add their own queries to a submit."""
    monkeypatch.setattr(hooks, "_submission_saved", [])


def test_next_and_submit_stay_within_their_query_budget(
    client_as, cast, mcq, without_submission_hooks, django_assert_max_num_queries
):
    client = client_as(cast.trainer)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute
    with django_assert_max_num_queries(12):
        served = client.post(f"/api/v1/projects/{cast.project.pk}/next")
    assert served.status_code == 200
    task = served.json()["task"]["id"]
    with django_assert_max_num_queries(15):
        submitted = client.post(f"/api/v1/tasks/{task}/submit/", {"answer": ANSWER}, format="json")
    assert submitted.status_code == 201

"""The same submissions give the same current findings whether each is checked as it
arrives, or by two real worker processes started only after all are in, with one early
submission committed last (its sequence taken early, its commit late)."""

import threading

import pytest
from django.db import connection, transaction

from metrics.models import MetricsSnapshot
from quality.models import CheckRun, RunStatus
from quality.services import checks_run
from tests.factories import submit, wait_for
from tests.quality import replay

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The late one is the last answer planned for task 0, so nobody else then waits for that
# task's row; every task takes one answer more than it gets, so no submit moves a
# progress counter; its trainer's other answers come first, so nothing of theirs waits
# for it; and the metrics snapshot is stale already, so its submit marks nothing. Its
# open transaction holds no row another submit needs.
LATE = (0, 4)


def _plan():
    plan = replay.plan()
    first = [entry for entry in plan if entry[1] == LATE[1] and entry[0] != LATE[0]]
    return first + [entry for entry in plan if entry not in first]


def _project(setter):
    return replay.build_project(setter, overlap=replay.TRAINERS + 1)


def test_two_late_workers_and_a_late_commit_agree_with_checking_as_work_arrives(cast, worker_env):
    from annotation_platform.celery import app
    from tasks.services import submission_submit, task_lease

    # given the replay checked serially, each submission as it arrives
    serial, tasks, trainers = _project(cast.setter)
    serial_keys = {}
    for task, trainer, answer in _plan():
        with transaction.atomic():
            submission, _ = submit(task=tasks[task], author=trainers[trainer], answer=answer)
        checks_run(run_id=CheckRun.objects.get(submission=submission).pk)
        serial_keys[submission.pk] = (task, trainer)
    expected = replay.current_findings(serial, serial_keys)

    # when the same submissions go through the broker with no worker running yet ...
    app.conf.task_always_eager = False
    project, tasks, trainers = _project(cast.setter)
    keys = {}
    submitted, release = threading.Event(), threading.Event()
    late: dict = {}

    def submit_late(task, trainer, answer) -> None:
        try:
            with transaction.atomic():
                submission, _ = submission_submit(
                    task=tasks[task], author=trainers[trainer], answer=answer
                )
                late["submission"] = submission
                submitted.set()
                release.wait(timeout=90)  # ... and one early submission commits last
        finally:
            submitted.set()
            connection.close()

    thread = None
    for task, trainer, answer in _plan():
        if (task, trainer) == LATE:
            task_lease(task=tasks[task], trainer=trainers[trainer])
            MetricsSnapshot.objects.filter(project=project).update(stale=True)
            thread = threading.Thread(target=submit_late, args=(task, trainer, answer))
            thread.start()
            assert submitted.wait(timeout=30)
            keys[late["submission"].pk] = (task, trainer)
            continue
        with transaction.atomic():
            submission, _ = submit(task=tasks[task], author=trainers[trainer], answer=answer)
        keys[submission.pk] = (task, trainer)
    # two workers start only now, and check all that has committed
    worker_env()
    worker_env()
    runs = CheckRun.objects.filter(submission__task__project=project)
    assert wait_for(lambda: runs.filter(status=RunStatus.DONE).count() == len(keys) - 1, 120)
    late_run = CheckRun.objects.filter(submission=late["submission"])
    assert not late_run.exists()  # not committed yet; its sequence is early all the same
    release.set()
    thread.join(timeout=60)
    assert wait_for(lambda: runs.filter(status=RunStatus.DONE).count() == len(keys), 120)

    # then every submission's current findings are those of serial checking
    assert late_run.get().pk < max(runs.values_list("pk", flat=True))
    assert replay.current_findings(project, keys) == expected

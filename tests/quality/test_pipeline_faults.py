"""Nothing is silently skipped: a worker killed mid-job, or Redis down while trainers
submit, loses no submission and leaves none unchecked. Real worker, real Redis."""

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from annotation_platform import queueing
from quality.models import CheckRun, RunStatus
from quality.services import checks_sweep
from tasks.models import Submission
from tests.factories import submit, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
    "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def _done(submission) -> bool:
    return CheckRun.objects.filter(submission=submission, status=RunStatus.DONE).exists()


def _redis_up() -> bool:
    return subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True).returncode == 0


def test_checks_run_on_a_live_worker(cast, mcq, worker_env):
    worker_env()
    with transaction.atomic():
        submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    assert wait_for(lambda: _done(submission))
    assert submission.check_results.count() == 8


def test_a_worker_killed_mid_job_loses_nothing(cast, mcq, worker_env):
    # given a worker whose quality jobs take a few seconds
    worker = worker_env(QA_JOB_DELAY_SECONDS=4)
    with transaction.atomic():
        submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    time.sleep(2)  # the job is now running in the pool process
    children = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the worker has no pool process"
    # when the process running the job dies
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    # then the job is delivered again (acks_late + reject_on_worker_lost) and completes
    assert wait_for(lambda: _done(submission), timeout=90)
    assert submission.check_results.count() == 8
    assert Submission.objects.filter(pk=submission.pk).exists()


def test_redis_down_while_trainers_submit_loses_nothing(cast, mcq, worker_env):
    from annotation_platform.celery import app

    app.conf.task_always_eager = False  # as in production: jobs go through the broker
    # given Redis stops
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    assert wait_for(lambda: not _redis_up(), timeout=10)
    try:
        # when trainers submit, the submissions are saved and remembered as unchecked
        with transaction.atomic():
            first, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
        with transaction.atomic():
            second, _ = submit(task=mcq["tasks"][1], author=cast.trainer, answer={"answer": "B"})
        assert Submission.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
        assert CheckRun.objects.filter(status=RunStatus.PENDING).count() == 2
        # and their batch of check jobs is sent while the broker is still down: lost
        queueing._batches.send()
    finally:
        subprocess.run(REDIS_START, check=True, capture_output=True)
        assert wait_for(_redis_up, timeout=20)
    # then, with Redis back, the sweep re-sends them and a worker checks both
    worker_env()
    assert checks_sweep(now=timezone.now() + timedelta(minutes=5)) == 2
    assert wait_for(lambda: _done(first) and _done(second))


def _sessions() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_worker_keeps_its_database_connection_between_jobs(cast, mcq, worker_env):
    # given a worker with the deployment's connection age (tests default to 0)
    worker_env(DB_CONN_MAX_AGE=60)
    with transaction.atomic():
        first, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    assert wait_for(lambda: _done(first))
    before = _sessions()
    # when it runs several jobs one after another
    from tasks.services import tasks_create

    more = tasks_create(
        project=cast.project,
        items=[{"question": f"More {n}?\n\n- A\n- B"} for n in range(4)],
        by=cast.setter,
    )
    checked = []
    for task in [*mcq["tasks"][1:], *more]:
        with transaction.atomic():
            submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "B"})
        assert wait_for(lambda submission=submission: _done(submission))
        checked.append(submission)
    # then it opened no new database session for them (Celery closes one per job unless
    # CELERY_DB_REUSE_MAX is set); this test's own session is the one counted, if any
    assert _sessions() - before <= 1

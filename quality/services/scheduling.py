"""Scheduling: every revision gets a run in its submission's own transaction, and its
job leaves once that commits; the sweep re-sends runs whose message was lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from annotation_platform.queueing import enqueue_batched_on_commit
from quality.models import CheckRun, RunStatus
from tasks.models import Submission

log = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=2)


def checks_schedule(
    *, submission: Submission, revision: int, writes, submission_step=None
) -> CheckRun:
    """Called inside the submission's transaction (a ``tasks`` hook): record that this
    revision needs checking, and send the job once the transaction commits. A new
    submission's run joins the submit's ``writes``: written if and when the submission is,
    in the same statement."""
    from quality.jobs import submission_checks_run_batch

    if revision == 1:  # a new submission has no run yet
        run = CheckRun(submission=submission, revision=revision)
        # (nobody listens to CheckRun's save signals)
        if submission_step is None:
            step = writes.insert(run)
        else:
            step = writes.insert(run, parent=("submission_id", submission_step))
        # In this process's next batch of runs (the run is pending until checked, and the
        # sweep re-sends a pending run whose message was lost).
        writes.on_written(
            lambda: enqueue_batched_on_commit(submission_checks_run_batch, lambda: run.pk), step
        )
        return run
    run, _ = CheckRun.objects.get_or_create(submission=submission, revision=revision)
    enqueue_batched_on_commit(submission_checks_run_batch, lambda: run.pk)
    return run


SWEEP_LOCK = (8_414, 0)  # pg_try_advisory_xact_lock: one sweep at a time


def _qa_backlog() -> int | None:
    """Messages waiting in the ``qa`` queue; None when jobs run in-process or the broker
    cannot say (then nothing can be sent either)."""
    from annotation_platform.celery import app

    if app.conf.task_always_eager:
        return 0
    try:
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            if hasattr(channel, "_size"):  # Redis: a queue never used (or flushed) is empty
                return channel._size("qa")
            return channel.queue_declare(queue="qa", passive=True).message_count
    except Exception:
        log.warning("Could not read the qa queue's length", exc_info=True)
        return None


def checks_sweep(*, now=None, older_than: timedelta = SWEEP_AFTER, limit: int = 500) -> int:
    """Send again the runs still pending after ``older_than`` (worker died, broker was
    down at submit time); return how many were re-sent.

    Runs only while the ``qa`` queue is empty: a pending run is then not waiting there (a
    worker may be checking it right now, and a second message for it finds it done or
    held). While a backlog drains, what looks pending is merely queued, and sending it again
    would only lengthen the queue. One sweep runs at a time (an advisory lock on
    PostgreSQL); a second one finds the lock taken and sends nothing."""
    from quality.jobs import submission_checks_run

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(SWEEP_LOCK))
                if not cursor.fetchone()[0]:
                    return 0
        if _qa_backlog() != 0:
            return 0
        cutoff = (now or timezone.now()) - older_than
        pending = list(
            CheckRun.objects.filter(status=RunStatus.PENDING, created_at__lte=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
        sent = 0
        for run_id in pending:
            try:
                submission_checks_run.apply_async(args=(run_id,))
            except Exception:  # the broker is still down: the next sweep tries again
                log.warning("Could not re-send checks of run %s; will retry", run_id, exc_info=True)
                break
            sent += 1
        return sent

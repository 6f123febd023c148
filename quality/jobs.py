"""Celery jobs of the quality pipeline (routed to the ``qa`` queue).

They take ids, load fresh rows and call the services; ``acks_late`` with
``reject_on_worker_lost`` (settings) means a worker killed mid-job leaves the message to be
delivered again, and the periodic sweep catches anything that never reached a worker.
"""

import time

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from quality.services import checks_run, checks_run_batch, checks_sweep

# A database error retries the job with backoff (a run already done is left alone).
CHECK_JOB_OPTIONS = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "soft_time_limit": 120,
    "time_limit": 180,
}


@shared_task(name="quality.jobs.submission_checks_run", **CHECK_JOB_OPTIONS)
def submission_checks_run(run_id: int) -> str:
    if settings.QA_JOB_DELAY_SECONDS:  # fault-injection tests kill a worker mid-job
        time.sleep(settings.QA_JOB_DELAY_SECONDS)
    run = checks_run(run_id=run_id)
    return run.status if run else "missing"


@shared_task(name="quality.jobs.submission_checks_run_batch", bind=True, **CHECK_JOB_OPTIONS)
def submission_checks_run_batch(self, run_ids: list[int]) -> dict[int, str]:
    """The runs a web process sent together (annotation_platform.queueing batches), and on
    a worker other pending runs up to ``QA_BATCH_TAKE_MORE`` (once the oldest of its own is
    ``QA_BATCH_GATHER_SECONDS`` old), in one transaction and a
    fixed number of queries per project. Retried whole on a database error, which is safe:
    a run already done is left alone. Run in-process (no broker), it checks its own runs
    only: it runs inside the request that submitted them."""
    if settings.QA_JOB_DELAY_SECONDS:  # fault-injection tests kill a worker mid-job
        time.sleep(settings.QA_JOB_DELAY_SECONDS)
    worker = not self.request.is_eager
    runs = checks_run_batch(
        run_ids=run_ids,
        take_more=settings.QA_BATCH_TAKE_MORE if worker else 0,
        gather_seconds=settings.QA_BATCH_GATHER_SECONDS if worker else 0.0,
    )
    return {run_id: run.status if run else "missing" for run_id, run in runs.items()}


@shared_task(name="quality.jobs.checks_sweep")
def checks_sweep_job() -> int:
    return checks_sweep()

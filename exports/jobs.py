"""Celery jobs of the exports app: they take the export id and call the service."""

from celery import shared_task
from django.conf import settings

from exports.services import export_run, exports_sweep_stale

TIME_LIMIT = int(getattr(settings, "EXPORT_JOB_TIME_LIMIT", 3600))


@shared_task(
    name="exports.jobs.export_run",
    # A large export may take longer than the default job limit; the service streams, so
    # time rather than memory is what grows with size.
    soft_time_limit=TIME_LIMIT - 300,
    time_limit=TIME_LIMIT,
)
def export_run_job(export_id: int) -> str:
    job = export_run(export_id=export_id)
    return job.status if job else "missing"


@shared_task(name="exports.jobs.exports_sweep_stale", queue="default")
def exports_sweep_stale_job() -> int:
    """Every minute (beat): end the exports whose worker stopped beating."""
    return len(exports_sweep_stale())

"""Celery jobs of the imports app: take the import's id, call the service."""

from celery import shared_task
from django.conf import settings

from imports.services import import_run, imports_sweep_stale

# A million-row file takes minutes; the global limit is sized for quality checks. Keep
# the broker's visibility timeout above this (README: worker settings) or a long import
# would be delivered twice (the second delivery then does nothing: see import_run).
TIME_LIMIT = int(getattr(settings, "IMPORT_JOB_TIME_LIMIT", 3 * 3600))


@shared_task(
    name="imports.jobs.import_run",
    soft_time_limit=TIME_LIMIT - 60,
    time_limit=TIME_LIMIT,
)
def import_run_job(import_id: int) -> str:
    job = import_run(import_id=import_id)
    return job.status if job else "missing"


@shared_task(name="imports.jobs.imports_sweep_stale", queue="default")
def imports_sweep_stale_job() -> int:
    """Every minute (beat): end the imports whose worker stopped beating."""
    return len(imports_sweep_stale())

"""Celery jobs of the metrics app: they take a project id and call the snapshot service."""

from celery import shared_task
from django.db import DatabaseError

from metrics.services.snapshots import metrics_refresh_stale, metrics_snapshot_refresh


@shared_task(
    name="metrics.jobs.project_metrics_refresh",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def project_metrics_refresh(project_id: int) -> str:
    snapshot = metrics_snapshot_refresh(project_id=project_id)
    return "done" if snapshot else "missing"


@shared_task(name="metrics.jobs.stale_metrics_refresh")
def stale_metrics_refresh() -> int:
    return metrics_refresh_stale()

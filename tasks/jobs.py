"""Periodic jobs of the tasks app."""

from celery import shared_task

from tasks.services.distribution import RECLAIM_BATCH, leases_expire_due


@shared_task(name="tasks.jobs.leases_expire")
def leases_expire() -> int:
    """Return tasks of expired leases to the pool (``next`` also does this per project)."""
    total = 0
    while True:
        reclaimed = leases_expire_due(limit=RECLAIM_BATCH)
        total += reclaimed
        if reclaimed < RECLAIM_BATCH:
            return total

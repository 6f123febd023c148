"""Enqueue Celery jobs only once the transaction that wrote their rows has committed."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(job: Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Send ``job`` after the current transaction commits (at once outside a transaction).

    A job sent before commit could run on a worker before its rows exist, or run for rows
    that a rollback then removes. Without Redis, Celery runs eagerly, so the job runs
    in-process right after the commit.
    """
    transaction.on_commit(lambda: job.apply_async(args=args, kwargs=kwargs), using=using)

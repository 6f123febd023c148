"""Enqueue Celery jobs only once the transaction that wrote their rows has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(
    job: Task,
    *args: Any,
    using: str | None = None,
    args_from: Callable[[], tuple] | None = None,
    **kwargs: Any,
) -> None:
    """Send ``job`` after the current transaction commits (at once outside a transaction).

    A job sent before commit could run on a worker before its rows exist, or run for rows
    that a rollback then removes. Without Redis, Celery runs eagerly, so the job runs
    in-process right after the commit. ``args_from`` gives the arguments at send time
    instead (e.g. the id of a row whose insert has not been sent yet).
    """

    def send() -> None:
        try:
            job.apply_async(args=args_from() if args_from is not None else args, kwargs=kwargs)
        except Exception:
            if job.app.conf.task_always_eager:
                raise  # in-process: the job itself failed; let the caller see it
            # The broker is down. The commit stands (nothing is lost); jobs that matter
            # record their pending work in the database and a periodic sweep re-sends it.
            log.warning(
                "Could not send %s; it will be re-sent by its sweep", job.name, exc_info=True
            )

    transaction.on_commit(send, using=using)

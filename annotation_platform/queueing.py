"""Enqueue Celery jobs only once the transaction that wrote their rows has committed."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(job: Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Send ``job`` after the current transaction commits (at once outside a transaction).

    A job sent before commit could run on a worker before its rows exist, or run for rows
    that a rollback then removes. Without Redis, Celery runs eagerly, so the job runs
    in-process right after the commit.
    """

    def send() -> None:
        try:
            job.apply_async(args=args, kwargs=kwargs)
        except Exception:
            if job.app.conf.task_always_eager:
                raise  # in-process: the job itself failed; let the caller see it
            # The broker is down. The commit stands (nothing is lost); jobs that matter
            # record their pending work in the database and a periodic sweep re-sends it.
            log.warning(
                "Could not send %s; it will be re-sent by its sweep", job.name, exc_info=True
            )

    transaction.on_commit(send, using=using)


# --- batches ----------------------------------------------------------------------------
# A Celery publish costs a web worker about 1 ms of CPU (message headers, serialisation,
# the producer pool, a Redis client per publish): under W2, 12% of a gunicorn worker's time
# for one quality-check job per submission. Jobs whose work is recorded in the database
# as pending (a check run) can instead go in batches: each process collects the items of
# the commits it made and a sender thread publishes them as one message per job and
# interval. An item is then in memory for at most ``QUEUE_BATCH_SECONDS``; a process that
# dies in between loses the message, not the work: its rows stay pending, and the job's
# periodic sweep sends them again.


class _Batches:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting: dict[Task, list[Any]] = {}
        self.owner: int | None = None  # the pid the sender thread runs in (forks start anew)
        self.full = threading.Event()

    def add(self, job: Task, item: Any) -> None:
        with self.lock:
            if self.owner != os.getpid():
                self._start()
            items = self.waiting.setdefault(job, [])
            items.append(item)
            if len(items) >= settings.QUEUE_BATCH_MAX:
                self.full.set()

    def _start(self) -> None:
        self.owner = os.getpid()
        self.waiting = {}
        thread = threading.Thread(target=self._send_forever, name="queue-batches", daemon=True)
        thread.start()

    def _send_forever(self) -> None:
        while True:
            self.full.wait(settings.QUEUE_BATCH_SECONDS)
            self.full.clear()
            self.send()

    def send(self) -> None:
        with self.lock:
            waiting, self.waiting = self.waiting, {}
        size = settings.QUEUE_BATCH_MAX
        for job, items in waiting.items():
            for start in range(0, len(items), size):
                try:
                    job.apply_async(args=(items[start : start + size],))
                except Exception:  # the broker is down: the sweep re-sends the pending rows
                    log.warning("Could not send a batch of %s; its sweep will", job.name)


_batches = _Batches()
atexit.register(_batches.send)  # a worker that stops cleanly sends what it holds


def enqueue_batched_on_commit(
    job: Task, item_from: Callable[[], Any], *, using: str | None = None
) -> None:
    """After the current transaction commits, add ``item_from()`` to this process's next
    batch for ``job``, which receives a list of items (at most ``QUEUE_BATCH_MAX``) within
    ``QUEUE_BATCH_SECONDS``. Only for jobs whose work the database records as pending and
    a periodic sweep re-sends. When jobs run eagerly (no broker), the item runs at once,
    alone, in this process."""

    def add() -> None:
        item = item_from()
        if job.app.conf.task_always_eager:
            job.apply_async(args=([item],))
            return
        _batches.add(job, item)

    transaction.on_commit(add, using=using)

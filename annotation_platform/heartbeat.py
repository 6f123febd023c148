"""Heartbeats of long jobs (imports, exports): a proof of life that other processes can read.

A job row says ``running`` from the moment a worker claims it. If that worker dies (killed,
out of memory, its host lost), nothing would ever change the row again: the job's own
``finally`` never runs, and the broker hands the message back only after its visibility
timeout (hours). So a running job writes ``heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS``,
and each app's sweep (a beat job) ends any running job silent for ``JOB_STALE_SECONDS``.

Why a thread with its own connection rather than a write per batch: an import writes its
tasks in ONE transaction (all or nothing), so a heartbeat written on the job's connection
would stay invisible until the commit; and a job is alive, yet writes no batch, while it
waits for another import's lock, reads a slow file or uploads a large archive. The thread's
connection is in autocommit, so every beat is committed at once; and the thread dies with
its process, which is exactly when the beats must stop.

SQLite (development only) has one writer at a time: a second connection would wait for the
import's transaction. There the job beats on its own connection instead
(``Heartbeat.beat_here``, called at every batch).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import Model
from django.utils import timezone

log = logging.getLogger(__name__)

RUNNING = "running"


def heartbeat_seconds() -> float:
    """How often a running job proves it is alive (JOB_HEARTBEAT_SECONDS)."""
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 10))


def stale_after() -> timedelta:
    """A running job silent this long has lost its worker (JOB_STALE_SECONDS)."""
    return timedelta(seconds=float(getattr(settings, "JOB_STALE_SECONDS", 180)))


def worker_name() -> str:
    """Where a job runs, for the message that says which worker stopped."""
    return f"{socket.gethostname()} pid {os.getpid()}"[:200]


def stop_reason(model: type[Model], pk: int) -> str | None:
    """Why a running job must stop now: ``"cancelled"`` (someone asked), ``"ended"`` (the
    sweep ended it, believing its worker dead), or None to carry on. One primary-key read,
    made at each batch: committed changes are visible inside the job's own transaction."""
    row = model.objects.filter(pk=pk).values_list("status", "cancel_requested").first()
    if row is None or row[0] != RUNNING:
        return "ended"
    return "cancelled" if row[1] else None


class Heartbeat:
    """``with Heartbeat(ImportJob, pk):`` beats the row's ``heartbeat_at`` until the block
    ends. Leave the block only after the job's transaction has ended: the job's last write
    to its own row holds that row's lock until the commit, and a beat would wait for it."""

    def __init__(self, model: type[Model], pk: int, *, every: float | None = None) -> None:
        self.model = model
        self.pk = pk
        self.every = heartbeat_seconds() if every is None else every
        wrapper = connections[DEFAULT_DB_ALIAS]
        self._wrapper_class = wrapper.__class__
        self._settings = dict(wrapper.settings_dict)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_here = time.monotonic()
        self.beats = 0

    def __enter__(self) -> Heartbeat:
        if connection.vendor == "postgresql":
            self._thread = threading.Thread(
                target=self._run, name=f"heartbeat-{self.model._meta.label}-{self.pk}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 10)
            self._thread = None

    def _run(self) -> None:
        # Django connections belong to the thread that made them: make this one here.
        side = self._wrapper_class(dict(self._settings), DEFAULT_DB_ALIAS)
        sql = (
            f"UPDATE {self.model._meta.db_table} SET heartbeat_at = %s "  # noqa: S608
            "WHERE id = %s AND status = %s"
        )
        try:
            while not self._stop.wait(self.every):
                try:
                    with side.cursor() as cursor:
                        cursor.execute(sql, [timezone.now(), self.pk, RUNNING])
                        if cursor.rowcount == 0:
                            return  # the job ended (or was ended): nothing left to prove
                    self.beats += 1
                except DatabaseError:
                    # The database restarting must not end the job: beat again next time.
                    log.warning("heartbeat of %s %s failed", self.model.__name__, self.pk)
                    side.close()
        finally:
            side.close()

    def beat_here(self) -> None:
        """Without the thread (SQLite): beat on the job's own connection, at most once per
        interval. Inside an import's transaction this shows only at its end; SQLite cannot
        do better, and is not for production."""
        if self._thread is not None:
            return
        if time.monotonic() - self._last_here < self.every:
            return
        self._last_here = time.monotonic()
        self.model.objects.filter(pk=self.pk, status=RUNNING).update(heartbeat_at=timezone.now())
        self.beats += 1


# --- the dead worker's database session -------------------------------------------------


def backend_identity() -> str:
    """This connection's PostgreSQL session as ``pid@start`` (a pid alone is reused), so a
    sweep can end the session of a worker whose host vanished; empty elsewhere."""
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        )
        row = cursor.fetchone()
    return f"{row[0]}@{row[1]}" if row else ""


def backend_terminate(identity: str) -> bool:
    """End the session ``identity`` names if it still exists, rolling back its transaction.

    A worker killed on a live host loses its socket and PostgreSQL rolls back at once; a
    host that vanished leaves its session open (holding the import's uncommitted rows and
    the project's import lock) until TCP keepalive gives up, hours later."""
    if not identity or connection.vendor != "postgresql":
        return False
    pid, _, started = identity.partition("@")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = %s AND backend_start::text = %s "
                "AND pid <> pg_backend_pid()",
                [int(pid), started],
            )
            return bool(cursor.fetchone())
    except (DatabaseError, ValueError):
        log.warning("could not end database session %s", identity, exc_info=True)
        return False

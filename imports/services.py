"""Task import: files (JSON, JSON Lines, CSV) as jobs, and row batches sent to the API.

One pipeline serves both: stream the rows (``imports.formats``), check each against the
template (``imports.rows.RowChecker``), and write batches in ONE transaction per import
(COPY on PostgreSQL, ``tasks.services.bulk``). A file with a bad row is refused whole
unless ``partial`` is asked for; then the valid rows are written and the rejected ones are
returned as a file in the input's own format. Either way, nothing half-imported is ever
committed: a failure, a cancel or a crashed worker rolls the whole write back.

Idempotency: a row's ``external_id`` names its task within the project. The ``mode`` says
what a row naming an existing task does (skip it, update it, or, in ``update_only``,
require it). Rows apply in file order, so a file naming one id twice ends with the later
row's values (or the first, when skipping).
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.heartbeat import (
    Heartbeat,
    backend_identity,
    backend_terminate,
    stale_after,
    stop_reason,
    worker_name,
)
from annotation_platform.queueing import enqueue_on_commit
from annotation_platform.stored_text import encode, nested, shown, stored
from imports.formats import (
    CHUNK,
    DELIMITERS,
    FORMATS,
    FileProblem,
    LimitedReader,
    RawRow,
    TooLarge,
    format_from_name,
    read_csv,
    read_json_array,
    read_jsonl,
    sniff_format,
)
from imports.models import FINISHED, ImportJob, ImportMode, ImportRowError, ImportStatus
from imports.rows import HeaderProblem, RowChecker, TaskRow
from imports.signals import import_finished
from tasks.models import Lease, LeaseStatus, Project, Submission, Task, TaskTemplate
from tasks.services.bulk import (
    NewTask,
    counters_move,
    counters_write,
    task_recount,
    tasks_insert_bulk,
    tasks_update_bulk,
)
from tasks.services.templates import template_require_current

log = logging.getLogger(__name__)

# Namespace of the per-project advisory lock that serialises imports into one project.
_LOCK_NAMESPACE = 8_413
_LOCK_POLL_SECONDS = 0.5


def _setting(name: str, default: int | str) -> Any:
    return getattr(settings, name, default)


def max_bytes() -> int:
    """The largest file an import reads (IMPORT_MAX_BYTES)."""
    return int(_setting("IMPORT_MAX_BYTES", 1_500_000_000))


def max_row_bytes() -> int:
    return int(_setting("IMPORT_MAX_ROW_BYTES", 1_000_000))


def bulk_max_rows() -> int:
    return int(_setting("IMPORT_BULK_MAX_ROWS", 10_000))


def bulk_max_bytes() -> int:
    return int(_setting("IMPORT_BULK_MAX_BYTES", 100_000_000))


def _batch_rows() -> int:
    return int(_setting("IMPORT_BATCH_ROWS", 2_000))


def _max_reported() -> int:
    return int(_setting("IMPORT_MAX_REPORTED_ERRORS", 10_000))


def storage_prefix() -> str:
    """Storage keys an import may read from start with this (IMPORT_STORAGE_PREFIX)."""
    return str(_setting("IMPORT_STORAGE_PREFIX", "import-sources/"))


class ImportTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class ImportCancelled(Exception):
    pass


class _Refused(Exception):
    """Rolls the write back when a file without ``partial`` has bad rows."""


def refuse_too_large(size: int | None, *, limit: int, field_name: str = "file") -> None:
    """Refuse a body or file by its announced size, before reading any of it."""
    if size is not None and size > limit:
        raise ImportTooLarge(
            gettext(
                "The file is %(size)s bytes; imports take at most %(limit)s bytes. Split it "
                "into smaller files."
            )
            % {"size": f"{size:,}", "limit": f"{limit:,}"},
            fields={field_name: [gettext("At most %(limit)s bytes.") % {"limit": f"{limit:,}"}]},
        )


# --- the pipeline -------------------------------------------------------------------------


@dataclass
class Outcome:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)


class RejectedRows:
    """The rejected rows, in the input's own format, so they can be fixed and re-imported.

    Spooled: in memory while small, on a temporary file beyond, never the whole file."""

    def __init__(self, fmt: str, *, delimiter: str = ",", header: list[str] | None = None):
        self.fmt = fmt
        self.delimiter = delimiter
        self.header = header
        self.count = 0
        # Closed by the storage save that consumes it, or with the object.
        self.file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115

    def _csv_line(self, cells: list[str]) -> bytes:
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter).writerow(cells)
        return out.getvalue().encode()

    def add(self, raw: Any) -> None:
        if self.count == 0:
            if self.fmt == "json":
                self.file.write(b"[\n")
            elif self.fmt == "csv" and self.header is not None:
                self.file.write(self._csv_line(self.header))
        if self.fmt == "csv":
            self.file.write(self._csv_line(raw if isinstance(raw, list) else [str(raw)]))
        else:
            if self.fmt == "json" and self.count:
                self.file.write(b",\n")
            self.file.write(str(raw).encode())
            if self.fmt == "jsonl":
                self.file.write(b"\n")
        self.count += 1

    def finish(self) -> IO[bytes]:
        if self.fmt == "json" and self.count:
            self.file.write(b"\n]\n")
        self.file.seek(0)
        return self.file


class _Pipeline:
    """Checks rows and writes them in batches inside the caller's transaction."""

    def __init__(
        self,
        *,
        project: Project,
        template: TaskTemplate,
        checker: RowChecker,
        by,
        mode: str,
        partial: bool,
        rejected: RejectedRows | None = None,
        progress: Callable[[Outcome], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        max_rows: int | None = None,
    ) -> None:
        self.project = project
        self.template = template
        self.checker = checker
        self.by = by
        self.mode = mode
        self.partial = partial
        self.rejected = rejected
        self.progress = progress
        self.cancelled = cancelled
        self.max_rows = max_rows
        self.outcome = Outcome()
        self.now = timezone.now()
        self.batch: list[TaskRow] = []
        self.batch_size = _batch_rows()
        # Counter changes of every batch, written once when the rows are all in (``run``).
        self.counters: dict[tuple[int, str], int] = {}
        self.report_cap = _max_reported()

    def problem(self, line: int | None, raw: Any, problems: list[tuple[str, str]]) -> None:
        outcome = self.outcome
        outcome.rejected += 1
        for field_name, reason in problems:
            outcome.error_count += 1
            if len(outcome.errors) < self.report_cap:
                outcome.errors.append((line, field_name, reason))
        if self.rejected is not None and self.partial:
            self.rejected.add(raw)

    def run(self, rows: Iterable[RawRow]) -> Outcome:
        check = self.checker.check
        for raw in rows:
            self.outcome.rows_read += 1
            if self.max_rows is not None and self.outcome.rows_read > self.max_rows:
                raise DomainError(
                    gettext(
                        "At most %(limit)s rows per request; send the rest in another "
                        "request, or upload a file for an import job."
                    )
                    % {"limit": f"{self.max_rows:,}"},
                    code="too_many_rows",
                    fields={
                        "rows": [
                            gettext("More than %(limit)s rows.") % {"limit": f"{self.max_rows:,}"}
                        ]
                    },
                )
            if raw.error:
                self.problem(raw.line, raw.raw, [(raw.field, raw.error)])
                continue
            row, problems = check(raw.line, raw.raw, raw.value)
            if problems:
                self.problem(raw.line, raw.raw, problems)
                continue
            self.batch.append(row)
            if len(self.batch) >= self.batch_size:
                self.flush()
        self.flush()
        # The rows' counter changes, as the work ends (emptied first: written once).
        tally, self.counters = self.counters, {}
        counters_write(tally)
        return self.outcome

    @property
    def writing(self) -> bool:
        # Without ``partial``, one bad row dooms the file: keep checking (to report every
        # problem) but stop writing what will be rolled back anyway.
        return self.partial or not self.outcome.error_count

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if batch:
            self._write(batch)
        if self.progress is not None:
            self.progress(self.outcome)
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled

    def _existing(self, batch: list[TaskRow]) -> tuple[dict[str, Task], set[int]]:
        ids = list({row.external_id for row in batch if row.external_id})
        if not ids:
            return {}, set()
        tasks = Task.objects.filter(project=self.project, external_id__in=ids)
        if self.mode == ImportMode.CREATE_OR_SKIP:
            return {ext: Task(pk=pk) for ext, pk in tasks.values_list("external_id", "pk")}, set()
        existing = {task.external_id: task for task in tasks.select_for_update()}
        pks = [task.pk for task in existing.values()]
        # A task someone holds or answered keeps its data and gold status (as task_set_gold
        # refuses): its answers were given to exactly that data.
        busy = set(Submission.objects.filter(task_id__in=pks).values_list("task_id", flat=True))
        busy |= set(
            Lease.objects.filter(task_id__in=pks, status=LeaseStatus.ACTIVE).values_list(
                "task_id", flat=True
            )
        )
        return existing, busy

    def _write(self, batch: list[TaskRow]) -> None:
        outcome = self.outcome
        existing, busy = self._existing(batch)
        new: list[TaskRow] = []
        pending: dict[str, int] = {}  # external id -> index in ``new``
        changed: dict[int, Task] = {}
        moves: list[tuple[tuple[str, bool], tuple[str, bool]]] = []
        update_only = self.mode == ImportMode.UPDATE_ONLY
        skipping = self.mode == ImportMode.CREATE_OR_SKIP
        for row in batch:
            ext = row.external_id
            if not ext:
                if update_only:
                    self.problem(
                        row.line,
                        row.raw,
                        [("external_id", "Required in update-only mode: it names the task.")],
                    )
                else:
                    new.append(row)
                continue
            if ext in pending:
                if skipping:
                    outcome.skipped += 1
                else:
                    new[pending[ext]] = row  # the later row wins
                    outcome.updated += 1
                continue
            task = existing.get(ext)
            if task is not None:
                if skipping:
                    outcome.skipped += 1
                else:
                    self._update(task, row, busy, changed, moves)
                continue
            if update_only:
                self.problem(
                    row.line,
                    row.raw,
                    [("external_id", f'No task with external id "{ext}" in this project.')],
                )
                continue
            pending[ext] = len(new)
            new.append(row)
        if not self.writing:
            return
        tasks_insert_bulk(
            project=self.project,
            rows=[
                NewTask(
                    data=row.data,
                    data_json=row.data_json,
                    priority=row.priority,
                    overlap=row.overlap,
                    is_gold=row.is_gold,
                    gold_answer=row.gold_answer,
                    gold_json=row.gold_json,
                    external_id=row.external_id,
                )
                for row in new
            ],
            by=self.by,
            now=self.now,
            tally=self.counters,
            definition=self.template.definition,
        )
        outcome.created += len(new)
        if changed:
            tasks_update_bulk(
                project=self.project,
                tasks=list(changed.values()),
                definition=self.template.definition,
                by=self.by,
            )
            counters_move(project=self.project, moves=moves, tally=self.counters)

    def _update(
        self,
        task: Task,
        row: TaskRow,
        busy: set[int],
        changed: dict[int, Task],
        moves: list,
    ) -> None:
        content_changed = (task.data, task.is_gold, task.gold_answer) != (
            row.data,
            row.is_gold,
            row.gold_answer,
        )
        settings_changed = (task.priority, task.overlap) != (row.priority, row.overlap)
        if not content_changed and not settings_changed:
            self.outcome.skipped += 1  # unchanged
            return
        if content_changed and task.pk in busy:
            self.problem(
                row.line,
                row.raw,
                [
                    (
                        "data",
                        f"Task {task.pk} has answers or is held by a trainer: its data and gold "
                        "answer can no longer change (its priority and overlap can).",
                    )
                ],
            )
            return
        before = (task.state, task.is_gold)
        task.data, task.is_gold, task.gold_answer = row.data, row.is_gold, row.gold_answer
        task.priority = row.priority
        if task.overlap != row.overlap:
            task.overlap = row.overlap
            task_recount(task, project=self.project)
        changed[task.pk] = task
        moves.append((before, (task.state, task.is_gold)))
        self.outcome.updated += 1


def _reader(
    fmt: str, stream: IO[bytes], *, checker: RowChecker, delimiter: str
) -> tuple[Iterator[RawRow], list[str] | None]:
    cap = checker.max_row_bytes
    if fmt == "json":
        return read_json_array(stream, max_row_bytes=cap), None
    if fmt == "jsonl":
        return read_jsonl(stream, max_row_bytes=cap), None
    header, rows = read_csv(stream, max_row_bytes=cap, delimiter=delimiter)
    checker.check_header(header.columns)
    return rows, header.columns


def _lock_project_imports(project: Project, *, stop: Callable[[], None] | None = None) -> None:
    """One import at a time per project: two files naming the same external id must not
    both decide it is new (the unique constraint would fail the second at commit).

    An import job waiting behind another may wait for an hour: it asks for the lock again
    every ``_LOCK_POLL_SECONDS`` and calls ``stop`` in between (which raises when the job
    was cancelled meanwhile), instead of blocking where no cancel can reach it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if stop is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, project.pk])
            return
        while True:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, project.pk]
            )
            if cursor.fetchone()[0]:
                return
            stop()
            time.sleep(_LOCK_POLL_SECONDS)


def _checker(template: TaskTemplate, fmt: str, *, media: bool) -> RowChecker:
    return RowChecker(
        definition=template.definition,
        csv=fmt == "csv",
        media_exists=default_storage.exists if media else None,
        max_row_bytes=max_row_bytes(),
    )


# --- the synchronous batch endpoint -------------------------------------------------------


class _Prefixed:
    """A stream with its first bytes (read to sniff the format) put back in front."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        return self.stream.read(size)


def _fields_of(errors: list[tuple[int | None, str, str]], limit: int = 1000) -> dict:
    fields: dict[str, list[str]] = {}
    for line, field_name, reason in errors[:limit]:
        where = f"line {line}" if line is not None else "file"
        key = f"{where}: {field_name}" if field_name else where
        fields.setdefault(key, []).append(shown(reason))
    return fields


def tasks_bulk_import(
    *,
    project: Project,
    stream: IO[bytes],
    by,
    mode: str = ImportMode.CREATE_OR_SKIP,
    content_length: int | None = None,
    check_media: bool = True,
) -> Outcome:
    """Write a JSON array or JSON Lines body of rows, all or nothing, in one transaction.

    For tools that send rows directly (up to IMPORT_BULK_MAX_ROWS per request). Any bad
    row refuses the whole request; ``fields`` names each problem as "line N: field".
    """
    limit = bulk_max_bytes()
    refuse_too_large(content_length, limit=limit, field_name="body")
    template = template_require_current(project)
    limited = LimitedReader(stream, limit)
    head = b""
    while len(head.strip()) == 0:
        chunk = limited.read(CHUNK)
        if not chunk:
            break
        head += chunk
    fmt = sniff_format(head)
    if fmt is None:
        raise DomainError(
            gettext("Send a JSON array of rows, or JSON Lines (one row object per line)."),
            code="invalid_file",
            fields={"body": [gettext("Must start with [ or {.")]},
        )
    checker = _checker(template, fmt, media=check_media)
    pipeline = _Pipeline(
        project=project,
        template=template,
        checker=checker,
        by=by,
        mode=mode,
        partial=False,
        max_rows=bulk_max_rows(),
    )
    pipeline.batch_size = max(pipeline.batch_size, bulk_max_rows())  # one COPY per request
    try:
        with transaction.atomic():
            _lock_project_imports(project)
            rows, _ = _reader(fmt, _Prefixed(head, limited), checker=checker, delimiter=",")
            outcome = pipeline.run(rows)
            if outcome.error_count:
                raise _Refused
    except _Refused:
        outcome = pipeline.outcome
        raise DomainError(
            gettext("%(count)s row(s) have problems; nothing was written.")
            % {"count": outcome.rejected},
            code="invalid_rows",
            fields=_fields_of(outcome.errors),
        ) from None
    except FileProblem as exc:
        status = ImportTooLarge if isinstance(exc, TooLarge) else DomainError
        where = f"line {exc.line}" if exc.line else "body"
        where = f"{where}: {exc.field}" if exc.field else where
        raise status(
            gettext("%(reason)s Nothing was written.") % {"reason": shown(exc.reason)},
            code="invalid_file",
            fields={where: [shown(exc.reason)]},
        ) from None
    return outcome


# --- import jobs --------------------------------------------------------------------------


def _source_key_check(key: str) -> str:
    prefix = storage_prefix()
    key = (key or "").strip()
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or any(part in ("", ".", "..") for part in parts)
        or not key.startswith(prefix)
    ):
        raise DomainError(
            gettext('Give the key of a file in storage under "%(prefix)s".') % {"prefix": prefix},
            code="invalid_source",
            fields={
                "storage_key": [
                    gettext('Must be a storage key under "%(prefix)s" (no "..").')
                    % {"prefix": prefix}
                ]
            },
        )
    if not default_storage.exists(key):
        raise DomainError(
            gettext("There is no file with this key in storage."),
            code="invalid_source",
            fields={"storage_key": [gettext("No such file in storage.")]},
        )
    return key


def _format_for(fmt: str | None, name: str) -> str:
    fmt = fmt or format_from_name(name)
    if fmt not in FORMATS:
        raise DomainError(
            gettext(
                "Say which format the file is in (json, jsonl or csv), or name it .json, .jsonl "
                "or .csv."
            ),
            code="invalid_format",
            fields={"format": [gettext("Choose json, jsonl or csv.")]},
        )
    return fmt


def import_create(
    *,
    project: Project,
    by,
    upload: File | None = None,
    storage_key: str = "",
    fmt: str | None = None,
    mode: str = ImportMode.CREATE_OR_SKIP,
    partial: bool = False,
    delimiter: str = ",",
) -> ImportJob:
    """Start importing an uploaded file or a file in storage; the job does the work.

    The upload is copied into storage first (in chunks), so a worker on another machine
    can read it; that copy is deleted when the import ends.
    """
    template_require_current(project)  # refuse now, not in the job
    if mode not in ImportMode.values:
        raise DomainError(
            gettext("Unknown mode."),
            fields={"mode": [gettext("One of %(values)s.") % {"values": ImportMode.values}]},
        )
    if delimiter not in DELIMITERS:
        raise DomainError(
            gettext("Unknown delimiter."), fields={"delimiter": [gettext("Use , or ; or tab.")]}
        )
    if (upload is None) == (not storage_key):
        raise DomainError(
            gettext("Upload a file or give a storage key (one of them)."),
            code="invalid_source",
            fields={"file": [gettext("Upload a file, or give storage_key instead.")]},
        )
    if upload is not None:
        name = (upload.name or "upload").rsplit("/", 1)[-1][:200]
        refuse_too_large(upload.size, limit=max_bytes())
        fmt = _format_for(fmt, name)
        key = default_storage.save(f"imports/uploads/{uuid.uuid4().hex}/{fmt}", upload)
        size, delete_source = upload.size or 0, True
    else:
        key = _source_key_check(storage_key)
        name = key
        size = default_storage.size(key)
        refuse_too_large(size, limit=max_bytes(), field_name="storage_key")
        fmt = _format_for(fmt, key)
        delete_source = False
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                project=project,
                created_by=by,
                format=fmt,
                mode=mode,
                partial=partial,
                delimiter=delimiter,
                source_key=key,
                source_name=name,
                source_size=size,
                delete_source=delete_source,
            )
            from imports.jobs import import_run_job

            enqueue_on_commit(import_run_job, job.pk)
    except DatabaseError:
        if delete_source:
            default_storage.delete(key)
        raise
    return job


class _Progress:
    """Publishes a running import's counts while its write transaction is still open.

    The counts go through a second connection (PostgreSQL), committed at once, so the
    progress bar moves although none of the tasks is visible yet; each is a heartbeat too.
    Only while the import runs: one the sweep ended keeps its zeroed counts. SQLite has one
    writer at a time: there the counts appear when the import ends."""

    def __init__(self, job_id: int, total_bytes: int, reader: LimitedReader | None) -> None:
        self.job_id = job_id
        self.reader = reader
        self.side = None
        if connection.vendor == "postgresql":
            wrapper = connections[DEFAULT_DB_ALIAS]
            self.side = wrapper.__class__(dict(wrapper.settings_dict), DEFAULT_DB_ALIAS)

    def __call__(self, outcome: Outcome) -> None:
        if self.side is None:
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET rows_read = %s, created = %s, "  # noqa: S608
                    "updated = %s, skipped = %s, rejected = %s, error_count = %s, "
                    "bytes_read = %s, updated_at = now(), heartbeat_at = %s "
                    "WHERE id = %s AND status = 'running'",
                    [
                        outcome.rows_read,
                        outcome.created,
                        outcome.updated,
                        outcome.skipped,
                        outcome.rejected,
                        outcome.error_count,
                        self.reader.read_bytes if self.reader else 0,
                        timezone.now(),  # the clock the heartbeat thread and the sweep use
                        self.job_id,
                    ],
                )
        except DatabaseError:
            log.warning("import %s: could not publish progress", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


class _Lost(Exception):
    """Someone else ended the import while it ran (the sweep, which found its heartbeat
    late): its transaction rolls back, and the ending already recorded stands."""


def _stop_check(job_id: int, heartbeat: Heartbeat) -> Callable[[], bool]:
    """Called at every batch and while waiting for the project's import lock: beats where
    there is no heartbeat thread, raises ``ImportCancelled`` once a cancel was asked for and
    ``_Lost`` once the import was ended elsewhere. Returns False (carry on)."""

    def check() -> bool:
        heartbeat.beat_here()
        reason = stop_reason(ImportJob, job_id)
        if reason == "cancelled":
            raise ImportCancelled
        if reason is not None:
            raise _Lost
        return False

    return check


def import_run(*, import_id: int) -> ImportJob | None:
    """The job's body: read, check and write the file; record how it ended.

    Runs at most once: only a queued import is claimed. Another delivery of its message
    (the broker hands a dead worker's messages back) finds it running, ended, or ended by
    ``imports_sweep_stale``, and does nothing. An import whose worker died is not resumed
    but marked failed (nothing of it was kept; importing the file again is safe), so a file
    that kills its worker (say, out of memory) cannot go on to kill the next one.

    The tasks, the ``done`` status and the error report commit together, and only while the
    import is still running and not cancelled: an import the sweep ended (its heartbeat
    late, though alive), or cancelled after its last batch, rolls back instead of
    committing rows its status would deny.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=import_id, status=ImportStatus.QUEUED, cancel_requested=False
    ).update(
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        updated_at=now,
        worker=worker_name(),
        db_backend=backend_identity(),
    )
    job = ImportJob.objects.select_related("project", "created_by").filter(pk=import_id).first()
    if job is None:
        return None
    if not claimed:
        if job.status == ImportStatus.QUEUED and job.cancel_requested:
            return _finish(
                job, ImportStatus.CANCELLED, Outcome(), gettext_noop("Cancelled before it started.")
            )
        return job
    project = job.project
    pipeline: _Pipeline | None = None
    status, detail = ImportStatus.FAILED, ""
    file_errors: list[tuple[int | None, str, str]] = []
    progress: _Progress | None = None
    rejected: RejectedRows | None = None
    heartbeat = Heartbeat(ImportJob, job.pk)
    stop = _stop_check(job.pk, heartbeat)
    try:
        # The heartbeat outlives the transaction: the job's last write (its own row, in
        # _record_done) holds that row until the commit, and a beat would wait for it.
        with heartbeat:
            template = template_require_current(project)
            with default_storage.open(job.source_key, "rb") as source:
                limited = LimitedReader(source, max_bytes())
                progress = _Progress(job.pk, job.source_size, limited)
                checker = _checker(template, job.format, media=True)
                with transaction.atomic():
                    _lock_project_imports(project, stop=stop)
                    rows, header = _reader(
                        job.format, limited, checker=checker, delimiter=job.delimiter
                    )
                    rejected = RejectedRows(job.format, delimiter=job.delimiter, header=header)
                    pipeline = _Pipeline(
                        project=project,
                        template=template,
                        checker=checker,
                        by=job.created_by,
                        mode=job.mode,
                        partial=job.partial,
                        rejected=rejected,
                        progress=progress,
                        cancelled=stop,
                    )
                    outcome = pipeline.run(rows)
                    if outcome.error_count and not job.partial:
                        raise _Refused
                    job.bytes_read = limited.read_bytes
                    _record_done(job, outcome, rejected)
        _delete_source(job)
        return job
    except _Refused:
        detail = stored(
            gettext_noop(
                "%(count)s row(s) have problems; nothing was imported. Fix them (or choose to "
                "import the valid rows only) and import the file again."
            ),
            count=pipeline.outcome.rejected,
        )
    except HeaderProblem as exc:
        file_errors = [(1, field_name, reason) for field_name, reason in exc.problems]
        detail = gettext_noop("The header row does not fit the template; nothing was imported.")
    except FileProblem as exc:
        file_errors = [(exc.line, exc.field, exc.reason)]
        detail = stored(gettext_noop("%(reason)s Nothing was imported."), reason=nested(exc.reason))
    except ImportCancelled:
        status, detail = ImportStatus.CANCELLED, gettext_noop("Cancelled; nothing was imported.")
    except _Lost:
        log.warning("import %s was ended while it ran; its writes were rolled back", job.pk)
        job.refresh_from_db()
        return job
    except DomainError as exc:
        detail = exc.detail
    except FileNotFoundError:
        detail = gettext_noop("The file is no longer in storage; nothing was imported.")
    except SoftTimeLimitExceeded:
        detail = gettext_noop(
            "The import took longer than its time limit (IMPORT_JOB_TIME_LIMIT); nothing was "
            "imported. Split the file into smaller ones."
        )
    except Exception:
        log.exception("import %s failed", job.pk)
        detail = gettext_noop("The import stopped on an internal error; nothing was imported.")
    except BaseException:
        # The worker is shutting down mid-import (a second Ctrl-C, SystemExit): say so now
        # rather than leave the import to the sweep, then let the shutdown go on.
        _finish(
            job, status, Outcome(), gettext_noop("The worker was stopped; nothing was imported.")
        )
        raise
    finally:
        if progress is not None:
            progress.close()
        if rejected is not None:
            rejected.file.close()  # kept in storage by _record_done, or not wanted
    outcome = pipeline.outcome if pipeline is not None else Outcome()
    outcome.errors.extend(file_errors)
    outcome.error_count += len(file_errors)
    return _finish(job, status, outcome, detail)


def _write_errors(job: ImportJob, errors: list[tuple[int | None, str, str]]) -> None:
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(job=job, line=line, field=field_name[:300], reason=encode(reason))
            for line, field_name, reason in errors
        ],
        batch_size=1000,
    )


def _record_done(job: ImportJob, outcome: Outcome, rejected: RejectedRows) -> None:
    """Inside the import's transaction: mark it done with its counts, errors and rejected
    rows, so all of it commits with the tasks or none of it does."""
    detail = ""
    if outcome.rejected:
        detail = stored(
            gettext_noop(
                "%(count)s row(s) rejected; the other rows were imported. Download the "
                "rejected rows, fix them and import that file."
            ),
            count=outcome.rejected,
        )
    rejected_key = ""
    if rejected.count:
        extension = {"json": "json", "jsonl": "jsonl", "csv": "csv"}[job.format]
        with rejected.finish() as handle:
            rejected_key = default_storage.save(
                f"imports/rejected/{uuid.uuid4().hex}/rejected.{extension}", File(handle)
            )
    else:
        rejected.file.close()
    values = {
        "status": ImportStatus.DONE,
        "detail": encode(detail),
        "finished_at": timezone.now(),
        "rows_read": outcome.rows_read,
        "bytes_read": job.bytes_read,
        "created": outcome.created,
        "updated": outcome.updated,
        "skipped": outcome.skipped,
        "rejected": outcome.rejected,
        "error_count": outcome.error_count,
        "rejected_key": rejected_key,
    }
    try:
        ended = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.RUNNING, cancel_requested=False
        ).update(updated_at=values["finished_at"], **values)
        if not ended:
            # A cancel that came after the last batch still wins; so does the sweep.
            if stop_reason(ImportJob, job.pk) == "cancelled":
                raise ImportCancelled
            raise _Lost
        _write_errors(job, outcome.errors)
    except BaseException:
        if rejected_key:
            default_storage.delete(rejected_key)
        raise
    for name, value in values.items():
        setattr(job, name, value)
    # robust: a failing receiver (a webhook) is logged; it must not fail the import.
    transaction.on_commit(lambda: import_finished.send(sender=ImportJob, job=job), robust=True)


def _finish(
    job: ImportJob,
    status: str,
    outcome: Outcome,
    detail: str,
    *,
    unless_ended: Q | None = None,
) -> ImportJob:
    """Record how an import ended without importing (failed or cancelled), its errors;
    then tell receivers. Nothing of it was kept, so no count says otherwise.

    Only an import that has not ended yet changes (``unless_ended`` narrows that further):
    the sweep, a cancel and the job itself may try to end the same import at once."""
    now = timezone.now()
    values = {
        "status": status,
        "detail": encode(detail),
        "finished_at": now,
        "rows_read": outcome.rows_read,
        "created": 0,
        "updated": 0,
        "skipped": 0,
        "rejected": outcome.rejected,
        "error_count": outcome.error_count,
    }
    open_jobs = ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    )
    if unless_ended is not None:
        open_jobs = open_jobs.filter(unless_ended)
    with transaction.atomic():
        ended = open_jobs.update(updated_at=now, **values)
        job.refresh_from_db()
        if ended:
            _write_errors(job, outcome.errors)
            transaction.on_commit(
                lambda: import_finished.send(sender=ImportJob, job=job), robust=True
            )
    if ended:
        _delete_source(job)
    return job


def _delete_source(job: ImportJob) -> None:
    if job.delete_source and job.source_key:
        try:
            default_storage.delete(job.source_key)
        except Exception:  # a leftover upload is untidy, not a reason to fail the import
            log.warning("import %s: could not delete %s", job.pk, job.source_key, exc_info=True)


def import_cancel(*, job: ImportJob) -> ImportJob:
    """Cancel an import in whatever state it is, and say what happened.

    - queued: it ends now, cancelled; its message, when a worker gets it, does nothing;
    - running: it stops at its next batch (or while waiting for another import's lock),
      rolls back everything it wrote and ends cancelled; its final commit checks again, so
      a cancel after its last batch still wins. The returned import is still running,
      with ``cancel_requested`` set;
    - running, but its worker is gone (no heartbeat for JOB_STALE_SECONDS): nobody is left
      to notice, so it ends now, cancelled;
    - ended (done, failed or cancelled): a ConflictError (409) saying how it ended.
    """
    if ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        cancel_requested=True
    ):
        job.refresh_from_db()
        return _finish(
            job, ImportStatus.CANCELLED, Outcome(), gettext_noop("Cancelled before it started.")
        )
    if ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        cancel_requested=True
    ):
        ended = _end_silent(job.pk, timezone.now() - stale_after())
        if ended is not None:
            return ended
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    if job.status in FINISHED:
        raise ConflictError(
            gettext("This import has already ended (%(status)s); there is nothing to cancel.")
            % {"status": job.get_status_display().lower()},
            code="import_finished",
        )
    return job


# --- imports whose worker died ------------------------------------------------------------

SWEEP_BATCH = 100


def _silent_since(cutoff: datetime) -> Q:
    # heartbeat_at is empty only for imports started before heartbeats existed.
    return Q(status=ImportStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
    )


def _end_silent(pk: int, cutoff: datetime) -> ImportJob | None:
    """End one running import silent since before ``cutoff``; None if it is not (any
    more): it beat again, or it ended meanwhile."""
    job = (
        ImportJob.objects.select_related("project", "created_by")
        .filter(_silent_since(cutoff), pk=pk)
        .first()
    )
    if job is None:
        return None
    who = f" ({job.worker})" if job.worker else ""
    heard = timezone.localtime(job.heartbeat_at or job.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    if job.cancel_requested:
        status = ImportStatus.CANCELLED
        detail = stored(
            gettext_noop(
                "Cancelled. The worker running it%(who)s had stopped; nothing was imported."
            ),
            who=who,
        )
    else:
        status = ImportStatus.FAILED
        detail = stored(
            gettext_noop(
                "The worker running this import%(who)s stopped: nothing heard from it since "
                "%(heard)s. Nothing was imported; import the file again."
            ),
            who=who,
            heard=heard,
        )
    job = _finish(
        job, status, Outcome(rows_read=job.rows_read), detail, unless_ended=_silent_since(cutoff)
    )
    if job.status != status or job.detail != encode(detail):
        return None
    # Its rows were never committed. A worker killed on a live host lost its socket, and
    # PostgreSQL has rolled back already; a vanished host's session would hold them (and
    # the project's import lock) until TCP keepalive gives up: end it now.
    backend_terminate(job.db_backend)
    return job


def imports_sweep_stale(*, now: datetime | None = None) -> list[int]:
    """End every running import whose worker stopped beating (killed, out of memory, host
    lost) for JOB_STALE_SECONDS: failed with a message naming the worker (cancelled if a
    cancel was asked for), its counts back to zero since none of its tasks was committed.
    The beat job calls it every minute. Returns the ids it ended."""
    cutoff = (now or timezone.now()) - stale_after()
    silent = list(
        ImportJob.objects.filter(_silent_since(cutoff))
        .order_by("heartbeat_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return [pk for pk in silent if _end_silent(pk, cutoff) is not None]


def import_rejected_file(job: ImportJob) -> tuple[str, str, str] | None:
    """The rejected rows file: (storage key, download name, content type), or None.
    annotation_platform.downloads delivers it."""
    if not job.rejected_key or not default_storage.exists(job.rejected_key):
        return None
    content_type = {
        "json": "application/json",
        "jsonl": "application/x-ndjson",
        "csv": "text/csv",
    }[job.format]
    name = f"import-{job.pk}-rejected.{job.format}"
    return job.rejected_key, name, content_type

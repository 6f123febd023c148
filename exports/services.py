"""Exports: create one (validate, store, enqueue), and run it (stream rows to files, zip
them with the dataset card, save the archive to storage).

Pages, the API and the Celery job all call these functions.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.heartbeat import Heartbeat, stale_after, stop_reason, worker_name
from annotation_platform.queueing import enqueue_on_commit
from annotation_platform.stored_text import encode, stored
from exports.card import ExportSummary, agreement_figures, card_render
from exports.filters import export_filters_parse, submissions_matching
from exports.media import media_open
from exports.models import ExportFormat, ExportJob, ExportStatus
from exports.rows import CHUNK_SIZE, ExportContext, export_context, export_rows
from exports.shapes import RECORD_BUILDERS, shape_options
from exports.signals import export_finished
from exports.writers import CsvWriter, JsonlWriter, MosWriter, ParquetWriter
from rubrics.interchange import FORMAT_HEALTHBENCH, export_content
from tasks.models import Project, TaskTemplate

log = logging.getLogger(__name__)

STORAGE_PREFIX = "exports"
# Text compresses well and fast at level 1; Parquet and media are compressed already.
_TEXT_COMPRESSION = {"compression": zipfile.ZIP_DEFLATED, "compresslevel": 1}
_STORED = {"compress_type": zipfile.ZIP_STORED}


def _shaping_template(project: Project, versions: tuple[int, ...]) -> TaskTemplate | None:
    """The template the shape options are derived from: the newest version the filters
    allow (the one in force when no version is filtered)."""
    templates = TaskTemplate.objects.filter(project=project)
    if versions:
        templates = templates.filter(version__in=versions)
    return templates.order_by("-version").first()


def _pinned_rubric_items(project: Project) -> list[dict[str, Any]] | None:
    if project.rubric_version_id is None:
        return None
    try:
        return export_content(project.rubric_version.content, fmt=FORMAT_HEALTHBENCH)
    except DomainError as exc:
        raise DomainError(
            gettext(
                "The project's pinned rubric cannot be written as HealthBench items: "
                "%(reason)s Name a rubric_items question instead."
            )
            % {"reason": exc.detail},
            code="invalid_options",
            fields={"options.rubric_question": [exc.detail]},
        ) from None


def export_create(
    *, project: Project, by, fmt: str, filters: Any = None, options: Any = None
) -> ExportJob:
    """Validate an export request and queue its job; nothing is created if anything is
    wrong (DomainError whose fields name ``format``, ``filters.<name>`` or ``options.<name>``).
    """
    if fmt not in ExportFormat.values:
        raise DomainError(
            gettext("Unknown export format %(format)s.") % {"format": repr(fmt)},
            code="invalid_format",
            fields={"format": [f"Use one of: {', '.join(ExportFormat.values)}."]},
        )
    parsed = export_filters_parse(project=project, data=filters)
    template = _shaping_template(project, parsed.template_versions)
    if template is None and (fmt in RECORD_BUILDERS or fmt == ExportFormat.MOS):
        raise DomainError(
            gettext("The project has no template yet, so there is nothing to shape."),
            code="no_template",
            fields={"format": ["The project has no template yet."]},
        )
    pinned = _pinned_rubric_items(project) if fmt == ExportFormat.RUBRIC_DATASET else None
    resolved = shape_options(
        fmt=fmt,
        definition=template.definition if template else {},
        options=options,
        pinned_rubric=pinned,
    )
    with transaction.atomic():
        job = ExportJob.objects.create(
            project=project,
            created_by=by,
            format=fmt,
            filters=parsed.as_dict(),
            options=resolved,
        )
        from exports.jobs import export_run_job

        enqueue_on_commit(export_run_job, job.pk)
    return job


def _writer(job: ExportJob, zf: zipfile.ZipFile, folder: Path, context: ExportContext):
    if job.format == ExportFormat.CSV:
        return CsvWriter(zf, context)
    if job.format == ExportFormat.PARQUET:
        return ParquetWriter(folder, context)
    if job.format == ExportFormat.MOS:
        return MosWriter(folder, job.options)
    return JsonlWriter(zf)


def _progress(job: ExportJob, **fields: Any) -> int:
    # Only while it runs: an export the sweep or a cancel ended keeps its ending.
    return ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(**fields)


class ExportCancelled(Exception):
    pass


class _Lost(Exception):
    """The sweep ended the export while it ran (its heartbeat was late): stop, and let the
    ending already recorded stand."""


Stop = Callable[..., None]


def _stop_check(job_id: int, heartbeat: Heartbeat, *, every: float = 1.0) -> Stop:
    """``stop()`` at every chunk and media file: beats where there is no heartbeat thread,
    and raises ``ExportCancelled`` or ``_Lost`` once the export must stop. It reads the row
    at most once a second (``stop(force=True)``: now)."""
    last = -every

    def stop(*, force: bool = False) -> None:
        nonlocal last
        heartbeat.beat_here()
        if not force and time.monotonic() - last < every:
            return
        last = time.monotonic()
        reason = stop_reason(ExportJob, job_id)
        if reason == "cancelled":
            raise ExportCancelled
        if reason is not None:
            raise _Lost

    return stop


def export_run(*, export_id: int) -> ExportJob | None:
    """Run a queued export (the Celery job calls this). Failures are recorded on the export
    (status failed, with the reason), never raised into the worker.

    Runs at most once: only a queued export is claimed, so a message delivered twice (the
    broker hands a dead worker's messages back) finds it running or ended and does nothing.
    An export whose worker died is not resumed: ``exports_sweep_stale`` marks it failed and
    removes what it had written; the person starts it again.
    """
    now = timezone.now()
    claimed = ExportJob.objects.filter(
        pk=export_id, status=ExportStatus.QUEUED, cancel_requested=False
    ).update(status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name())
    job = ExportJob.objects.select_related("project", "created_by").filter(pk=export_id).first()
    if job is None or not claimed:
        return job
    _temp_leftovers_remove()
    heartbeat = Heartbeat(ExportJob, job.pk)
    ending: tuple[str, str] | None = None
    try:
        with heartbeat:
            _export_write(job, stop=_stop_check(job.pk, heartbeat))
    except ExportCancelled:
        ending = (ExportStatus.CANCELLED, gettext_noop("Cancelled; no file was kept."))
    except _Lost:
        log.warning("export %s was ended while it ran", job.pk)
    except DomainError as exc:
        ending = (ExportStatus.FAILED, exc.detail)
    except SoftTimeLimitExceeded:
        ending = (
            ExportStatus.FAILED,
            gettext_noop(
                "The export took longer than its time limit (EXPORT_JOB_TIME_LIMIT); narrow the "
                "filters or leave out the media."
            ),
        )
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        ending = (
            ExportStatus.FAILED,
            stored(
                gettext_noop("The export failed (%(error)s); the worker log has the details."),
                error=type(exc).__name__,
            ),
        )
    if ending is not None:
        _end(job, *ending)
    job.refresh_from_db()
    if job.status == ExportStatus.DONE:
        transaction.on_commit(lambda: export_finished.send(sender=ExportJob, job=job))
    return job


def _end(job: ExportJob, status: str, reason: str, *, unless_ended: Q | None = None) -> bool:
    """End an export that has not ended yet (failed or cancelled), remove the file it had
    started to write, and tell receivers. False when it had ended already."""
    open_jobs = ExportJob.objects.filter(
        pk=job.pk, status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING)
    )
    if unless_ended is not None:
        open_jobs = open_jobs.filter(unless_ended)
    key = ExportJob.objects.filter(pk=job.pk).values_list("file_key", flat=True).first() or ""
    ended = open_jobs.update(
        status=status,
        error=_fitting(reason),
        finished_at=timezone.now(),
        file_key="",
        file_size=None,
    )
    if not ended:
        return False
    _partial_file_remove(job.pk, key)
    job.refresh_from_db()
    transaction.on_commit(lambda: export_finished.send(sender=ExportJob, job=job))
    return True


def _fitting(reason: str, limit: int = 2000) -> str:
    """``reason`` as stored (a message id with its values) when it fits, else the English
    text, cut to ``limit``."""
    encoded = encode(reason)
    return encoded if len(encoded) <= limit else str(reason)[:limit]


def _partial_file_remove(export_id: int, key: str) -> None:
    """The archive of an export that did not finish: in storage when it died uploading it,
    and in the worker's temporary folder (removed there when it is this machine)."""
    if key:
        try:
            default_storage.delete(key)
        except Exception:  # untidy, not a reason to fail the sweep
            log.warning("export %s: could not delete %s", export_id, key, exc_info=True)
    for folder in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}{export_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)


_TEMP_PREFIX = "export-"
_TEMP_NAME = re.compile(rf"^{_TEMP_PREFIX}(\d+)-")
# A killed export's folder is removed once nothing has written to it for this long (s).
_LEFTOVER_AGE = 30 * 60


def _temp_leftovers_remove() -> None:
    """Temporary folders of this machine's exports that no longer run (their worker was
    killed before its ``finally``): the beat worker may be on another machine, so each
    export job tidies up the ones it finds here.

    Only folders nothing has written to for ``_LEFTOVER_AGE`` go: another deployment (or
    test run) on the same machine shares the temporary folder and numbers its exports from
    1 too, so "not running here" alone could delete its live archive."""
    folders: dict[int, list[Path]] = {}
    for folder in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*-*"):
        match = _TEMP_NAME.match(folder.name)
        if match and folder.is_dir():
            folders.setdefault(int(match.group(1)), []).append(folder)
    if not folders:
        return
    running = set(
        ExportJob.objects.filter(pk__in=folders, status=ExportStatus.RUNNING).values_list(
            "pk", flat=True
        )
    )
    quiet_since = time.time() - _LEFTOVER_AGE
    for export_id, paths in folders.items():
        if export_id not in running:
            for path in paths:
                if _last_written(path) < quiet_since:
                    shutil.rmtree(path, ignore_errors=True)


def _last_written(folder: Path) -> float:
    """The newest modification time in ``folder`` (a file growing inside it counts)."""
    try:
        newest = folder.stat().st_mtime
        for item in folder.rglob("*"):
            newest = max(newest, item.stat().st_mtime)
    except OSError:  # removed meanwhile by its own export: nothing to do
        return float("inf")
    return newest


@contextmanager
def _serial_scans():
    """PostgreSQL only: no parallel workers for this connection while the export reads.

    A keyset chunk is a short index range; starting parallel workers for each one cost more
    (~25 ms a chunk) than the scan itself.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")


def _export_write(job: ExportJob, *, stop: Stop, chunk_size: int = CHUNK_SIZE) -> None:
    project = job.project
    filters = export_filters_parse(project=project, data=job.filters)
    queryset = submissions_matching(project=project, filters=filters)
    _progress(job, submissions_total=queryset.count())
    context = export_context(project)
    summary = ExportSummary()
    with tempfile.TemporaryDirectory(prefix=f"{_TEMP_PREFIX}{job.pk}-") as tmp:
        folder = Path(tmp)
        archive = folder / "export.zip"
        with zipfile.ZipFile(archive, "w", allowZip64=True, **_TEXT_COMPRESSION) as zf:
            writer = _writer(job, zf, folder, context)
            try:
                with _serial_scans():
                    _rows_write(job, context, queryset, writer, folder, summary, chunk_size, stop)
            finally:
                writer.close()
            for name, path in writer.files():
                zf.write(path, name, **(_STORED if name.endswith(".parquet") else {}))
            summary.files = list(writer.names)
            if isinstance(writer, MosWriter):
                summary.rows = len(writer.table)
                summary.mos = writer.test_description()
                summary.skipped = dict(Counter(summary.skipped) + Counter(writer.skipped))
            summary.media_refused += context.media_refused
            if job.options.get("include_media"):
                summary.media_bundled = _bundle_media(zf, folder / "media-keys.txt", summary, stop)
            summary.tasks = queryset.values("task_id").distinct().count()
            summary.trainers = queryset.values("author_id").distinct().count()
            agreement = agreement_figures(project=project, submissions=queryset)
            card = card_render(job=job, summary=summary, agreement=agreement)
            zf.writestr("README.md", card)
        stop(force=True)
        name = f"{STORAGE_PREFIX}/{project.pk}/{job.pk}-{secrets.token_hex(8)}/{job.download_name}"
        # Named on the row before the upload starts: if the worker dies uploading, the
        # sweep knows which partial file to remove.
        _progress(job, file_key=name)
        with archive.open("rb") as handle:
            key = default_storage.save(name, File(handle, name=job.download_name))
        size = archive.stat().st_size
    done = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, cancel_requested=False
    ).update(
        status=ExportStatus.DONE,
        file_key=key,
        file_size=size,
        card=card,
        submissions_done=summary.submissions,
        rows_written=summary.rows,
        finished_at=timezone.now(),
    )
    if not done:
        # Cancelled (or ended by the sweep) during the upload: the file must not stay.
        _partial_file_remove(job.pk, key)
        stop(force=True)
        raise _Lost


def _rows_write(
    job, context, queryset, writer, folder: Path, summary: ExportSummary, chunk_size, stop: Stop
):
    """The pass over the rows: shape them, write them, note what the card reports."""
    build = RECORD_BUILDERS.get(job.format)
    include_media = bool(job.options.get("include_media"))
    skipped: Counter = Counter()
    # The full JSONL copies stored JSON as it is; every other format reads values.
    raw_json = job.format == ExportFormat.JSONL
    with (folder / "media-keys.txt").open("w", encoding="utf-8") as media_keys:
        for read, rows in export_rows(context, queryset, chunk_size=chunk_size, raw_json=raw_json):
            if build is None:
                summary.rows += writer.write(rows)
            else:
                records: list[dict[str, Any]] = []
                for row in rows:
                    records.extend(build(row, job.options, skipped))
                summary.rows += writer.write(records)
            for row in rows:
                versions = row["versions"]
                summary.templates[versions["template"]["version"]] = versions["template"]["name"]
                if versions["guidelines"] is not None:
                    summary.guidelines.add(versions["guidelines"])
                if versions["rubric"]:
                    rubric = versions["rubric"]
                    summary.rubrics[f"{rubric['rubric_id']}/v{rubric['version']}"] = rubric["title"]
                if include_media:
                    media_keys.writelines(f"{m['key']}\n" for m in row["media"] if m["key"])
            summary.submissions += read
            _progress(job, submissions_done=summary.submissions, rows_written=summary.rows)
            stop()
    summary.skipped = dict(skipped)


def _bundle_media(zf: zipfile.ZipFile, keys_file: Path, summary: ExportSummary, stop: Stop) -> int:
    """Copy each referenced media file into media/<key>, once; a key that is missing or
    resolves outside the storage root is counted as refused, never followed."""
    bundled = 0
    with keys_file.open(encoding="utf-8") as keys:
        for line in keys:
            stop()
            key = line.rstrip("\n")
            arcname = f"media/{key}"
            if arcname in zf.NameToInfo:
                continue
            handle = media_open(key)
            if handle is None:
                summary.media_refused += 1
                continue
            info = zipfile.ZipInfo(arcname)
            info.compress_type = zipfile.ZIP_STORED
            with handle, zf.open(info, "w", force_zip64=True) as target:
                while chunk := handle.read(1 << 20):
                    target.write(chunk)
            bundled += 1
    return bundled


def export_file_key(*, export: ExportJob) -> str:
    """The storage key of the finished archive (annotation_platform.downloads delivers it)."""
    if export.status != ExportStatus.DONE or not export.file_key:
        raise ConflictError(
            gettext("This export has no file yet: it is %(status)s.")
            % {"status": export.get_status_display().lower()},
            code="not_ready",
        )
    return export.file_key


def export_cancel(*, export: ExportJob) -> ExportJob:
    """Cancel an export in whatever state it is, and say what happened.

    - queued: it ends now, cancelled; its message, when a worker gets it, does nothing;
    - running: it stops within a second or so (at its next chunk of rows or media file, or
      before it records its file as done), removes what it wrote and ends cancelled. The
      returned export is still running, with ``cancel_requested`` set;
    - running, but its worker is gone (no heartbeat for JOB_STALE_SECONDS): nobody is left
      to notice, so it ends now, cancelled, and its partial file is removed;
    - ended (done, failed or cancelled): a ConflictError (409) saying how it ended.
    """
    queued = ExportJob.objects.filter(pk=export.pk, status=ExportStatus.QUEUED)
    if queued.update(cancel_requested=True):
        _end(export, ExportStatus.CANCELLED, gettext_noop("Cancelled before it started."))
        export.refresh_from_db()
        return export
    if ExportJob.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        cancel_requested=True
    ):
        _end_silent(export.pk, timezone.now() - stale_after())
        export.refresh_from_db()
        return export
    export.refresh_from_db()
    if export.is_finished:
        raise ConflictError(
            gettext("This export has already ended (%(status)s); there is nothing to cancel.")
            % {"status": export.get_status_display().lower()},
            code="export_finished",
        )
    return export


# --- exports whose worker died ------------------------------------------------------------

SWEEP_BATCH = 100


def _silent_since(cutoff: datetime) -> Q:
    # heartbeat_at is empty only for exports started before heartbeats existed.
    return Q(status=ExportStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def _end_silent(pk: int, cutoff: datetime) -> bool:
    """End one running export silent since before ``cutoff``; False if it is not (any
    more): it beat again, or it ended meanwhile."""
    job = ExportJob.objects.filter(_silent_since(cutoff), pk=pk).first()
    if job is None:
        return False
    who = f" ({job.worker})" if job.worker else ""
    if job.cancel_requested:
        status = ExportStatus.CANCELLED
        reason = stored(
            gettext_noop("Cancelled. The worker running it%(who)s had stopped; no file was kept."),
            who=who,
        )
    else:
        heard = timezone.localtime(job.heartbeat_at or job.started_at)
        status = ExportStatus.FAILED
        reason = stored(
            gettext_noop(
                "The worker running this export%(who)s stopped: nothing heard from it since "
                "%(heard)s. Its partial file was removed; start the export again."
            ),
            who=who,
            heard=f"{heard:%Y-%m-%d %H:%M:%S}",
        )
    return _end(job, status, reason, unless_ended=_silent_since(cutoff))


def exports_sweep_stale(*, now: datetime | None = None) -> list[int]:
    """End every running export whose worker stopped beating (killed, out of memory, host
    lost) for JOB_STALE_SECONDS: failed with a message naming the worker (cancelled if a
    cancel was asked for), its partial file removed. The beat job calls it every minute.
    Returns the ids it ended."""
    cutoff = (now or timezone.now()) - stale_after()
    silent = list(
        ExportJob.objects.filter(_silent_since(cutoff))
        .order_by("heartbeat_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return [pk for pk in silent if _end_silent(pk, cutoff)]

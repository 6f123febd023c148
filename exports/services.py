"""Exports: create one (validate, store, enqueue), and run it (stream rows to files, zip
them with the dataset card, save the archive to storage).

Pages, the API and the Celery job all call these functions.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.queueing import enqueue_on_commit
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
            "The project's pinned rubric cannot be written as HealthBench items: "
            f"{exc.detail} Name a rubric_items question instead.",
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
            f"Unknown export format {fmt!r}.",
            code="invalid_format",
            fields={"format": [f"Use one of: {', '.join(ExportFormat.values)}."]},
        )
    parsed = export_filters_parse(project=project, data=filters)
    template = _shaping_template(project, parsed.template_versions)
    if template is None and (fmt in RECORD_BUILDERS or fmt == ExportFormat.MOS):
        raise DomainError(
            "The project has no template yet, so there is nothing to shape.",
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


def _progress(job: ExportJob, **fields: Any) -> None:
    ExportJob.objects.filter(pk=job.pk).update(**fields)


def export_run(*, export_id: int) -> ExportJob | None:
    """Run a queued export (the Celery job calls this). A job already running or finished is
    left alone, so a message delivered twice does not write twice. Failures are recorded on
    the export (status failed, with the reason), never raised into the worker."""
    claimed = ExportJob.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.select_related("project", "created_by").filter(pk=export_id).first()
    if job is None or not claimed:
        return job
    try:
        _export_write(job)
    except DomainError as exc:
        _fail(job, exc.detail)
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        _fail(job, f"The export failed ({type(exc).__name__}); the worker log has the details.")
    job.refresh_from_db()
    transaction.on_commit(lambda: export_finished.send(sender=ExportJob, job=job))
    return job


def _fail(job: ExportJob, reason: str) -> None:
    _progress(job, status=ExportStatus.FAILED, error=reason[:2000], finished_at=timezone.now())


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


def _export_write(job: ExportJob, *, chunk_size: int = CHUNK_SIZE) -> None:
    project = job.project
    filters = export_filters_parse(project=project, data=job.filters)
    queryset = submissions_matching(project=project, filters=filters)
    _progress(job, submissions_total=queryset.count())
    context = export_context(project)
    summary = ExportSummary()
    with tempfile.TemporaryDirectory(prefix=f"export-{job.pk}-") as tmp:
        folder = Path(tmp)
        archive = folder / "export.zip"
        with zipfile.ZipFile(archive, "w", allowZip64=True, **_TEXT_COMPRESSION) as zf:
            writer = _writer(job, zf, folder, context)
            try:
                with _serial_scans():
                    _rows_write(job, context, queryset, writer, folder, summary, chunk_size)
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
                summary.media_bundled = _bundle_media(zf, folder / "media-keys.txt", summary)
            summary.tasks = queryset.values("task_id").distinct().count()
            summary.trainers = queryset.values("author_id").distinct().count()
            agreement = agreement_figures(project=project, submissions=queryset)
            card = card_render(job=job, summary=summary, agreement=agreement)
            zf.writestr("README.md", card)
        name = f"{STORAGE_PREFIX}/{project.pk}/{job.pk}-{secrets.token_hex(8)}/{job.download_name}"
        with archive.open("rb") as handle:
            key = default_storage.save(name, File(handle, name=job.download_name))
        size = archive.stat().st_size
    _progress(
        job,
        status=ExportStatus.DONE,
        file_key=key,
        file_size=size,
        card=card,
        submissions_done=summary.submissions,
        rows_written=summary.rows,
        finished_at=timezone.now(),
    )


def _rows_write(job, context, queryset, writer, folder: Path, summary: ExportSummary, chunk_size):
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
    summary.skipped = dict(skipped)


def _bundle_media(zf: zipfile.ZipFile, keys_file: Path, summary: ExportSummary) -> int:
    """Copy each referenced media file into media/<key>, once; a key that is missing or
    resolves outside the storage root is counted as refused, never followed."""
    bundled = 0
    with keys_file.open(encoding="utf-8") as keys:
        for line in keys:
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


def export_open(*, export: ExportJob):
    """The finished archive as a binary file object (the caller streams and closes it)."""
    if export.status != ExportStatus.DONE or not export.file_key:
        raise ConflictError(
            f"This export has no file yet: it is {export.get_status_display().lower()}.",
            code="not_ready",
        )
    return default_storage.open(export.file_key, "rb")

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotation_platform.stored_text import english, shown
from tasks.models import Membership, Project, Role

# Who sees a project's imports: those who add tasks (setters, admins) and QA leads.
IMPORT_VIEW_ROLES = (Role.SETTER, Role.ADMIN, Role.QA_LEAD)

_UNNAMED_COLUMN = re.compile(r"column (\d+)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


class ImportFormat(models.TextChoices):
    JSON = "json", _("JSON (an array of rows)")
    JSONL = "jsonl", _("JSON Lines (one row per line)")
    CSV = "csv", _("CSV (a header row, then one row per line)")


class ImportMode(models.TextChoices):
    CREATE_OR_SKIP = "create_or_skip", _("Add new tasks; skip rows whose external id exists")
    CREATE_OR_UPDATE = "create_or_update", _("Add new tasks; update those whose external id exists")
    UPDATE_ONLY = "update_only", _("Only update existing tasks (by external id)")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """Staff see every import; setters, admins and QA leads their projects' imports."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        projects = Membership.objects.filter(user=user, role__in=IMPORT_VIEW_ROLES).values(
            "project_id"
        )
        return self.filter(project_id__in=projects)


class ImportJob(models.Model):
    """One import of a file of tasks into a project, run as a job with progress.

    Its tasks are written in one transaction: until the job is done none of them exists,
    and a failed, cancelled or crashed job leaves no task behind.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    mode = models.CharField(
        max_length=20, choices=ImportMode.choices, default=ImportMode.CREATE_OR_SKIP
    )
    partial = models.BooleanField(
        default=False, help_text="Import the valid rows and return the rejected ones as a file."
    )
    delimiter = models.CharField(max_length=1, default=",")
    # Where the file is read from (default_storage); uploads are copied there first so a
    # worker on another machine can read them, and deleted when the import ends.
    source_key = models.CharField(max_length=500)
    source_name = models.CharField(max_length=300)
    source_size = models.BigIntegerField(default=0)
    delete_source = models.BooleanField(default=False)
    rows_read = models.PositiveIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)
    rejected_key = models.CharField(max_length=500, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # Proof of life of the worker running the import, committed apart from the import's
    # own transaction (annotation_platform.heartbeat); the sweep ends a silent one.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Host and pid running it.")
    # The worker's database session (pid@start), so the sweep can end one its host left open.
    db_backend = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="import_project_idx"),
            models.Index(
                fields=["heartbeat_at"],
                name="import_running_idx",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.source_name} into {self.project_id}"

    @property
    def rows_written(self) -> int:
        return self.created + self.updated

    @property
    def percent(self) -> int:
        """How far through the file the reader is (by bytes), for the progress bar."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.source_size:
            return 0
        return min(99, int(100 * self.bytes_read / self.source_size))

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def detail_text(self) -> str:
        """How it ended, in the reader's language (stored in English: see
        annotation_platform.stored_text)."""
        return shown(self.detail)


class ImportRowError(models.Model):
    """One problem found in an import file: where (line, field) and why.

    ``line`` is empty for a problem with the file as a whole (its size, its header)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=300, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["job_id", "id"]

    def __str__(self) -> str:
        return f"Line {self.line} {self.field}: {english(self.reason)}"

    @property
    def reason_text(self) -> str:
        """Why, in the reader's language (stored in English: annotation_platform.stored_text)."""
        return shown(self.reason)

    @property
    def field_text(self) -> str:
        """Where in the row; a header's unnamed column ("column 3") in the reader's language."""
        found = _UNNAMED_COLUMN.fullmatch(self.field)
        if found:
            return gettext("column %(number)s") % {"number": found[1]}
        return self.field

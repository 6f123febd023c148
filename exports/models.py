"""Export jobs: what was asked for (format, filters, options), how far the job got, and the
archive it wrote to storage."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from annotation_platform.stored_text import shown
from tasks.models import MEMBER_LIST_ROLES, Membership

# Who exports: question setters, QA leads and admins (and staff). The same roles see the
# member list and every task; permissions.can_export repeats the rule for single objects.
EXPORT_ROLES = MEMBER_LIST_ROLES


class ExportFormat(models.TextChoices):
    JSONL = "jsonl", _("Full JSONL (everything, one line per submission)")
    CSV = "csv", _("CSV (one row per submission)")
    PARQUET = "parquet", _("Parquet (one row per submission)")
    DPO = "dpo", _("Preference pairs for TRL DPO / reward modelling")
    KTO = "kto", _("TRL KTO (prompt, completion, label)")
    SFT = "sft", _("SFT chat messages (TRL)")
    OPENAI_CHAT = "openai_chat", _("OpenAI chat fine-tuning JSONL")
    RUBRIC_DATASET = "rubric_dataset", _("Rubric dataset (HealthBench-style rows)")
    MOS = "mos", _("MOS table per system (ITU-T P.800 ACR)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_STATUSES = (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.CANCELLED)


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ExportJobQuerySet:
        """Exports of the projects where ``user`` may export; staff see all. A trainer sees
        none (an export holds every trainer's work)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        exporting = Membership.objects.filter(user=user, role__in=EXPORT_ROLES).values("project_id")
        return self.filter(project_id__in=exporting)


class ExportJob(models.Model):
    """One export of a project's work, run as a Celery job (``exports.jobs.export_run``).

    ``filters`` and ``options`` are stored as validated, with the options the job derived
    from the template filled in, so the dataset card can say exactly what was exported.
    """

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    format = models.CharField(max_length=32, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Progress: submissions read of those the filters match, and lines/rows written (a
    # ranking answer makes several preference pairs, a tie none).
    submissions_total = models.PositiveBigIntegerField(default=0)
    submissions_done = models.PositiveBigIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    file_key = models.CharField(max_length=500, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    card = models.TextField(blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    # Proof of life of the worker running the export (annotation_platform.heartbeat); the
    # sweep ends a silent one and removes what it had written.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="Host and pid running it.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="export_project_idx"),
            models.Index(
                fields=["heartbeat_at"],
                name="export_running_idx",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}) of project {self.project_id}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def error_text(self) -> str:
        """Why it failed or ended, in the reader's language (stored in English, as
        annotation_platform.stored_text describes)."""
        return shown(self.error)

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.submissions_total:
            return 0
        return min(100, int(100 * self.submissions_done / self.submissions_total))

    @property
    def download_name(self) -> str:
        return f"project-{self.project_id}-export-{self.pk}-{self.format}.zip"

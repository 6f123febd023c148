"""Per-project metrics settings and the stored snapshot pages and the API read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingLevel(models.TextChoices):
    ORDINAL = "ordinal", _("Ordinal (ranks only)")
    INTERVAL = "interval", _("Interval (equal steps)")
    # A scale with a true zero where proportions matter (0-100 intensity, counts):
    # 2 vs 4 differs as much as 20 vs 40.
    RATIO = "ratio", _("Ratio (equal steps and a true zero)")


class MetricsSettings(models.Model):
    """What a project's figures need to know beyond the data: the pay rate for earnings and
    effective hourly rates, the task-data field naming the system behind a clip (MOS per
    system), and how rating scales are treated by Krippendorff's alpha."""

    project = models.OneToOneField(
        "tasks.Project", on_delete=models.CASCADE, related_name="metrics_settings"
    )
    pay_per_accepted_task = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Paid for each accepted task; empty when the project pays no piece rate.",
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code, e.g. EUR.")
    mos_system_field = models.CharField(
        max_length=200,
        blank=True,
        help_text="Dotted path in the task data naming the system, e.g. meta.system.",
    )
    rating_level = models.CharField(
        max_length=16, choices=RatingLevel.choices, default=RatingLevel.ORDINAL
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "metrics settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_per_accepted_task__isnull=True)
                | models.Q(pay_per_accepted_task__gte=0),
                name="metrics_pay_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Metrics settings of project {self.project_id}"

    @property
    def pays(self) -> bool:
        return self.pay_per_accepted_task is not None


class MetricsSnapshot(models.Model):
    """The project's computed figures, as JSON, with when they were computed.

    Submissions only mark the snapshot stale (one UPDATE after commit); a refresh job
    recomputes it, sent by the periodic sweep or by a page view once the debounce has
    passed, so a burst of submits costs one recomputation.
    """

    project = models.OneToOneField(
        "tasks.Project", on_delete=models.CASCADE, related_name="metrics_snapshot"
    )
    data = models.JSONField(null=True, blank=True)  # None until first computed
    computed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    stale = models.BooleanField(default=False)
    stale_since = models.DateTimeField(null=True, blank=True)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["stale_since"], name="metrics_stale_idx", condition=models.Q(stale=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Metrics of project {self.project_id} at {self.computed_at}"

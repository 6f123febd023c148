from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from annotation_platform.stored_text import shown


class WebhookEvent(models.TextChoices):
    SUBMISSION_CREATED = "submission.created", _("Submission created")
    SUBMISSION_REVISED = "submission.revised", _("Submission revised")
    TASK_COMPLETED = "task.completed", _("Task completed")
    REVIEW_DECIDED = "review.decided", _("Review decided")
    IMPORT_FINISHED = "import.finished", _("Import finished")
    EXPORT_FINISHED = "export.finished", _("Export finished")


# Sent by the "send test event" button only; nobody subscribes to it.
TEST_EVENT = "webhook.test"


class Webhook(models.Model):
    """A project's subscription: events are POSTed, signed, to ``url``.

    ``secret`` signs every delivery, so it is stored as it is (it must be recoverable to
    sign, unlike an API token, of which only a hash is kept); it is shown once, when it is
    created or rotated, and never returned by the API afterwards.
    """

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    # Deliveries in a row that failed every attempt; reaching the setting's limit disables
    # the webhook, a success or re-enabling resets it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        indexes = [models.Index(fields=["project", "is_active"], name="webhook_project_idx")]

    def __str__(self) -> str:
        return f"Webhook {self.pk} of project {self.project_id} to {self.url}"

    @property
    def disabled_reason_text(self) -> str:
        """Why it was disabled, in the reader's language (stored in English)."""
        return shown(self.disabled_reason)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(models.Model):
    """One event for one webhook, with the outcome of its latest attempt."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    # When the next attempt may start; a running attempt pushes it forward, so a second
    # copy of the job (a retry sent twice, the sweep) finds it claimed and does nothing.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["webhook", "-id"], name="delivery_webhook_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.uuid} of {self.event} ({self.status})"

    @property
    def error_text(self) -> str:
        """What went wrong, in the reader's language (stored in English)."""
        return shown(self.error)

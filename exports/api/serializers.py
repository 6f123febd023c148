from django.urls import reverse
from rest_framework import serializers

from annotation_platform.api.serializers import StrictSerializerMixin
from exports.models import ExportFormat, ExportJob


class ExportCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    filters = serializers.JSONField(
        required=False,
        default=dict,
        help_text="status (default accepted), trainer, date_from, date_to, template_version.",
    )
    options = serializers.JSONField(
        required=False,
        default=dict,
        help_text="Per format, e.g. prompt_field, response_fields, system_field (docs/exports.md).",
    )


class ExportSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    progress = serializers.IntegerField(source="progress_percent", read_only=True)
    download_url = serializers.SerializerMethodField()
    error = serializers.CharField(source="error_text", read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "project",
            "format",
            "filters",
            "options",
            "status",
            "submissions_total",
            "submissions_done",
            "rows_written",
            "progress",
            "file_size",
            "download_url",
            "card",
            "error",
            "cancel_requested",
            "heartbeat_at",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != "done":
            return None
        return reverse("api-export-download", args=[job.pk])

from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from imports.formats import DELIMITERS, FORMATS
from imports.models import ImportJob, ImportMode, ImportRowError


class ImportJobSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rows_written = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="Share of the file read (bytes).")
    has_rejected_file = serializers.SerializerMethodField()
    detail = serializers.CharField(source="detail_text", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "project",
            "created_by",
            "status",
            "format",
            "mode",
            "partial",
            "source_name",
            "source_size",
            "bytes_read",
            "percent",
            "rows_read",
            "rows_written",
            "created",
            "updated",
            "skipped",
            "rejected",
            "error_count",
            "detail",
            "has_rejected_file",
            "cancel_requested",
            "heartbeat_at",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_has_rejected_file(self, job: ImportJob) -> bool:
        return bool(job.rejected_key)


class ImportCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The file (multipart upload).")
    storage_key = StrictCharField(
        required=False,
        allow_blank=True,
        help_text="Instead of a file: the key of a file in storage (under IMPORT_STORAGE_PREFIX).",
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="Default: from the file name's extension."
    )
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.CREATE_OR_SKIP)
    partial = serializers.BooleanField(
        default=False,
        help_text="Import the valid rows and return the rejected ones as a file "
        "(default: a file with any bad row is refused whole).",
    )
    delimiter = serializers.ChoiceField(choices=DELIMITERS, default=",", help_text="CSV only.")


class ImportRowErrorSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="reason_text", read_only=True)

    class Meta:
        model = ImportRowError
        fields = ["line", "field", "reason"]
        read_only_fields = fields


class BulkResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()

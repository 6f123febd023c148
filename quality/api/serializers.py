from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from quality.models import OnFail


class CheckConfigSerializer(serializers.Serializer):
    check = serializers.CharField()
    title = serializers.CharField()
    enabled = serializers.BooleanField()
    config = serializers.JSONField()
    on_fail = serializers.ChoiceField(choices=OnFail.choices)


class CheckConfigWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    check = StrictCharField()
    enabled = serializers.BooleanField(default=True)
    config = serializers.JSONField(required=False, default=dict)
    on_fail = StrictCharField(default=OnFail.FLAG)


class FindingSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    question_id = serializers.CharField(allow_null=True)
    evidence = serializers.JSONField(required=False)


class CheckResultSerializer(serializers.Serializer):
    check = serializers.CharField(source="check_name")
    status = serializers.CharField()
    revision = serializers.IntegerField()
    submission = serializers.IntegerField(source="submission_id")
    findings = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_findings(self, result) -> list[dict]:
        if self.context.get("evidence"):
            return result.findings
        return [{k: v for k, v in f.items() if k != "evidence"} for f in result.findings]


class SubmissionChecksSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField(help_text="pending until every enabled check ran")
    results = CheckResultSerializer(many=True)

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from quality.checks.messages import presented
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
    code = serializers.CharField(
        allow_null=True, help_text="What was found, as a stable code (null on old findings)"
    )
    params = serializers.DictField(help_text="The values the message is rendered with")
    message = serializers.CharField(
        help_text="Rendered from code and params in the request's language when read"
    )
    question_id = serializers.CharField(allow_null=True)
    evidence = serializers.JSONField(required=False, help_text="Reviewers only")


class CheckResultSerializer(serializers.Serializer):
    check = serializers.CharField(source="check_name")
    status = serializers.CharField()
    revision = serializers.IntegerField()
    submission = serializers.IntegerField(source="submission_id")
    findings = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, result) -> list[dict]:
        evidence = bool(self.context.get("evidence"))
        return [presented(f, evidence=evidence) for f in result.findings]


class SubmissionChecksSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.CharField(help_text="pending until every enabled check ran")
    results = CheckResultSerializer(many=True)

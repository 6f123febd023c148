"""Shapes of the metrics API (documented in OpenAPI); the figures come from the snapshot."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from metrics.models import RatingLevel


class AgreementRowSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    prompt = serializers.CharField()
    type = serializers.CharField()
    level = serializers.ChoiceField(choices=["nominal", "ordinal", "interval", "ratio"])
    units = serializers.IntegerField(help_text="Tasks with at least two answers.")
    values = serializers.IntegerField(help_text="Answers in those tasks.")
    raters = serializers.IntegerField()
    cohens_kappa = serializers.FloatField(
        allow_null=True, help_text="Only when exactly two trainers answered."
    )
    fleiss_kappa = serializers.FloatField(allow_null=True)
    krippendorff_alpha = serializers.FloatField(allow_null=True)


class MosFields(serializers.Serializer):
    question_id = serializers.CharField()
    system = serializers.CharField(help_text="Value of the system field; empty when missing.")
    n = serializers.IntegerField(help_text="Number of ratings.")
    mean = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True, help_text="Sample standard deviation.")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    half_width = serializers.FloatField(allow_null=True)


class MosSystemSerializer(MosFields):
    items = serializers.IntegerField()


class MosItemSerializer(MosFields):
    task_id = serializers.IntegerField()


class MosQuestionSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    prompt = serializers.CharField()
    scale = serializers.DictField()


class MosSerializer(serializers.Serializer):
    system_field = serializers.CharField()
    confidence = serializers.FloatField()
    questions = MosQuestionSerializer(many=True)
    systems = MosSystemSerializer(many=True)
    items = MosItemSerializer(many=True)


class TrainerFiguresSerializer(serializers.Serializer):
    trainer_id = serializers.IntegerField()
    trainer = serializers.CharField()
    submissions = serializers.IntegerField()
    pending = serializers.IntegerField()
    decided = serializers.IntegerField(help_text="Accepted or rejected.")
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    returned_now = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)
    first_pass_acceptance_rate = serializers.FloatField(allow_null=True)
    rework_rate = serializers.FloatField(allow_null=True)
    gold_correct = serializers.IntegerField()
    gold_answered = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True)
    timed_submissions = serializers.IntegerField()
    median_active_seconds = serializers.FloatField(allow_null=True)
    active_hours = serializers.FloatField()
    earned = serializers.CharField(allow_null=True, help_text="Decimal as text.")
    hourly_rate = serializers.CharField(allow_null=True, help_text="Decimal as text, per hour.")
    currency = serializers.CharField()


class ThroughputDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    submissions = serializers.IntegerField()
    decided = serializers.IntegerField()
    accepted = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)


class FindingsByCheckSerializer(serializers.Serializer):
    check = serializers.CharField()
    warn = serializers.IntegerField()
    fail = serializers.IntegerField()
    error = serializers.IntegerField()
    total = serializers.IntegerField()


class ProjectFiguresSerializer(serializers.Serializer):
    submissions = serializers.IntegerField()
    decided = serializers.IntegerField()
    accepted = serializers.IntegerField()
    returned_now = serializers.IntegerField()
    acceptance_rate = serializers.FloatField(allow_null=True)
    tasks = serializers.DictField(child=serializers.IntegerField(), help_text="Tasks by state.")
    backlog = serializers.IntegerField(help_text="Tasks not complete.")
    throughput = ThroughputDaySerializer(many=True)
    findings = FindingsByCheckSerializer(many=True)


class MetricsSettingsSerializer(serializers.Serializer):
    pay_per_accepted_task = serializers.CharField(allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    mos_system_field = serializers.CharField(allow_blank=True)
    rating_level = serializers.ChoiceField(choices=RatingLevel.choices)


class MetricsSettingsWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    pay_per_accepted_task = serializers.CharField(
        allow_null=True, allow_blank=True, required=False, default=None
    )
    currency = StrictCharField(allow_blank=True, required=False, default="")
    mos_system_field = StrictCharField(allow_blank=True, required=False, default="")
    rating_level = StrictCharField(required=False, default=RatingLevel.ORDINAL)


class ProjectMetricsSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text="Newer work is not in these figures yet.")
    refreshing = serializers.BooleanField()
    ready = serializers.BooleanField(help_text="False while the first computation runs.")
    agreement = AgreementRowSerializer(many=True)
    mos = MosSerializer(allow_null=True)
    trainers = TrainerFiguresSerializer(many=True)
    figures = ProjectFiguresSerializer(allow_null=True)
    settings = MetricsSettingsSerializer(allow_null=True)


class MetricsTableSerializer(serializers.Serializer):
    table = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField())


class FindingForAuthorSerializer(serializers.Serializer):
    check = serializers.CharField()
    status = serializers.CharField()
    code = serializers.CharField(
        allow_null=True, help_text="What was found, as a stable code (null on old findings)"
    )
    params = serializers.DictField(help_text="The values the message is rendered with")
    message = serializers.CharField(help_text="Rendered from code and params when read")
    question_id = serializers.CharField(allow_null=True)


class MySubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="task.project_id")
    task = serializers.IntegerField(source="task_id")
    status = serializers.CharField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    return_reasons = serializers.ListField(child=serializers.CharField())
    findings = serializers.SerializerMethodField()

    @extend_schema_field(FindingForAuthorSerializer(many=True))
    def get_findings(self, submission) -> list[dict]:
        from metrics.services.work import findings_for_author

        return [
            {"check": result.check_name, **finding}
            for result in submission.my_findings
            for finding in findings_for_author(result)
        ]


class MyWorkSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    figures = TrainerFiguresSerializer()
    pays = serializers.BooleanField()
    pay_per_accepted_task = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    guidelines_notice = serializers.DictField(
        allow_null=True, help_text="Rules changed since you last acknowledged; null if none."
    )

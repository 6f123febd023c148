from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from tasks.models import (
    Membership,
    Project,
    ProjectStatus,
    Role,
    Submission,
    SubmissionRevision,
    Task,
    TaskTemplate,
)


class ProjectSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    my_role = serializers.ChoiceField(
        choices=Role.choices,
        read_only=True,
        allow_null=True,
        help_text="Your role in this project (null for staff who are not members).",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "my_role",
            "remote_media_hosts",
        ]
        read_only_fields = fields


class ProjectWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    # The service checks each entry (tasks.remote_media) and names every bad one.
    remote_media_hosts = serializers.ListField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False, max_length=300),
        max_length=200,
        required=False,
        help_text="Hosts whose images and audio load in the project's pages: host names, or "
        "*.example.com for all subdomains of example.com. Others are shown as links. "
        "Setters and admins may change it (setters only this field).",
    )


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "display_name", "role", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    user = StrictCharField(help_text="Username or e-mail address of an existing user.")
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


# --- templates --------------------------------------------------------------------------


class TaskTemplateSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    project = serializers.IntegerField(source="project_id", read_only=True)
    # The setter's note, or the one the platform stored, in the reader's language.
    note = serializers.CharField(source="shown_note", read_only=True)

    class Meta:
        model = TaskTemplate
        fields = [
            "id",
            "project",
            "version",
            "name",
            "note",
            "definition",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskTemplateWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    name = StrictCharField(max_length=200)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)
    definition = serializers.JSONField(help_text="The template definition (docs/templates.md).")


class TemplateFromGallerySerializer(StrictSerializerMixin, serializers.Serializer):
    key = StrictCharField(help_text="A key from /api/v1/template-gallery/.")


class TemplateCheckInputSerializer(StrictSerializerMixin, serializers.Serializer):
    definition = serializers.JSONField()
    sample_task = serializers.JSONField(required=False)
    sample_answer = serializers.JSONField(required=False)


class TemplateCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    definition_errors = serializers.DictField(child=serializers.ListField())
    task_errors = serializers.DictField(child=serializers.ListField())
    answer_errors = serializers.DictField(child=serializers.ListField())


class GalleryTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    definition = serializers.JSONField()
    sample_task = serializers.JSONField()
    sample_answer = serializers.JSONField()


# --- tasks, drafts and submissions ------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "project", "data", "created_at"]
        read_only_fields = fields


class TaskCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    tasks = serializers.ListField(
        child=serializers.JSONField(),
        help_text="The data of each task: objects with the fields the template displays.",
    )


class DraftSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id", read_only=True)
    answer = serializers.JSONField()
    telemetry = serializers.JSONField(required=False)
    revision = serializers.IntegerField(
        read_only=True, help_text="One more with every save; send it back as `base_revision`."
    )
    updated_at = serializers.DateTimeField(read_only=True)


class DraftWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    answer = serializers.JSONField()
    telemetry = serializers.JSONField(required=False)
    base_revision = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The draft revision your copy is based on (0: none yet). A save based on "
        "an older one is refused with 409 `draft_conflict`; leave it out to always overwrite.",
    )


class SubmitSerializer(StrictSerializerMixin, serializers.Serializer):
    answer = serializers.JSONField()
    telemetry = serializers.JSONField(required=False)
    idempotency_key = StrictCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="A key per submit click: a retry with the same key returns the same submission.",
    )


class ReviseSerializer(StrictSerializerMixin, serializers.Serializer):
    answer = serializers.JSONField()
    telemetry = serializers.JSONField(required=False)


class SubmissionSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", read_only=True)
    project = serializers.IntegerField(source="task.project_id", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "task",
            "project",
            "author",
            "template_version",
            "answer",
            "telemetry",
            "status",
            "revision",
            "return_reasons",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SubmissionRevisionSerializer(serializers.ModelSerializer):
    template_version = serializers.IntegerField(source="template.version", read_only=True)

    class Meta:
        model = SubmissionRevision
        fields = ["number", "template_version", "answer", "telemetry", "created_at"]
        read_only_fields = fields


# --- distribution -----------------------------------------------------------------------


class LeaseSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class ServedSerializer(serializers.Serializer):
    task = serializers.JSONField(help_text="The task as the trainer may see it.")
    lease = LeaseSerializer()
    assigned = serializers.BooleanField()


class SkipInputSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = StrictCharField(max_length=500, required=False, allow_blank=True)


class TaskManageSerializer(serializers.ModelSerializer):
    """What setters, QA leads and admins see of a task, distribution fields included."""

    project = serializers.IntegerField(source="project_id", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "data",
            "priority",
            "overlap",
            "needed",
            "filled",
            "leased",
            "skips",
            "state",
            "is_gold",
            "gold_answer",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class TaskSettingsSerializer(StrictSerializerMixin, serializers.Serializer):
    priority = serializers.IntegerField(required=False, min_value=-1_000_000, max_value=1_000_000)
    overlap = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)


class GoldSerializer(StrictSerializerMixin, serializers.Serializer):
    gold_answer = serializers.JSONField(help_text="The expected answer; it never reaches trainers.")


class AssignSerializer(StrictSerializerMixin, serializers.Serializer):
    trainer = StrictCharField(help_text="Username or e-mail of a trainer of the project.")


class AssignmentSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    trainer = serializers.CharField(source="trainer.username")
    created_at = serializers.DateTimeField()


class DistributionSerializer(StrictSerializerMixin, serializers.Serializer):
    default_overlap = serializers.IntegerField(required=False)
    lease_seconds = serializers.IntegerField(required=False)
    max_leases_per_trainer = serializers.IntegerField(required=False)
    max_submissions_per_day = serializers.IntegerField(required=False, allow_null=True)
    gold_rate = serializers.FloatField(required=False)
    skip_flag_threshold = serializers.IntegerField(required=False)


class ProgressSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    complete = serializers.IntegerField()
    flagged = serializers.IntegerField()
    total = serializers.IntegerField()
    gold = serializers.IntegerField()

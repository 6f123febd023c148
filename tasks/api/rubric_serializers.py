"""Serializers for project rubrics and guidelines: input is strict (unknown keys refused,
numbers never taken for text), output is read-only."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from rubrics.interchange import FORMATS
from rubrics.models import Rubric, RubricVersion
from tasks.models import GuidelineVersion, ProjectRubric

FORMAT_CHOICES = [(name, name) for name in FORMATS]
VERSION_REF_HELP = 'A version number, or "draft".'


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses strings and booleans ("3", true) instead of coercing."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- rubrics: output ----------------------------------------------------------------------


class RubricVersionSummarySerializer(serializers.ModelSerializer):
    published_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    retired_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = RubricVersion
        fields = [
            "number",
            "status",
            "note",
            "published_by",
            "published_at",
            "superseded_at",
            "retired_at",
            "retired_by",
            "retired_reason",
        ]
        read_only_fields = fields


class RubricVersionSerializer(RubricVersionSummarySerializer):
    rubric = serializers.IntegerField(source="rubric_id", read_only=True)
    rubric_title = serializers.CharField(source="rubric.title", read_only=True)
    content = serializers.JSONField(read_only=True, help_text="Rubric content (docs/rubrics.md).")

    class Meta(RubricVersionSummarySerializer.Meta):
        fields = ["rubric", "rubric_title", *RubricVersionSummarySerializer.Meta.fields, "content"]
        read_only_fields = fields


class ProjectRubricSerializer(serializers.ModelSerializer):
    """A rubric as an entry of one project's library."""

    id = serializers.IntegerField(source="rubric_id", read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)
    title = serializers.CharField(source="rubric.title", read_only=True)
    description = serializers.CharField(source="rubric.description", read_only=True)
    tags = serializers.ListField(
        child=serializers.CharField(), source="rubric.tags", read_only=True
    )
    owner = serializers.BooleanField(
        read_only=True, help_text="True in the project that owns (and edits) the rubric."
    )
    current_version = serializers.IntegerField(
        source="current_number", read_only=True, allow_null=True, help_text="Version in force."
    )
    latest_version = serializers.IntegerField(
        source="latest_number", read_only=True, allow_null=True
    )
    draft_revision = serializers.IntegerField(source="rubric.draft_revision", read_only=True)
    draft_updated_at = serializers.DateTimeField(source="rubric.draft_updated_at", read_only=True)

    class Meta:
        model = ProjectRubric
        fields = [
            "id",
            "project",
            "title",
            "description",
            "tags",
            "owner",
            "current_version",
            "latest_version",
            "draft_revision",
            "draft_updated_at",
        ]
        read_only_fields = fields


class ProjectRubricDetailSerializer(ProjectRubricSerializer):
    draft_content = serializers.JSONField(source="rubric.draft_content", read_only=True)
    versions = RubricVersionSummarySerializer(source="rubric.versions", many=True, read_only=True)
    can_edit = serializers.SerializerMethodField(help_text="Whether you may change this rubric.")

    class Meta(ProjectRubricSerializer.Meta):
        fields = [*ProjectRubricSerializer.Meta.fields, "draft_content", "versions", "can_edit"]
        read_only_fields = fields

    def get_can_edit(self, link: ProjectRubric) -> bool:
        return bool(self.context.get("can_edit"))


class LibraryProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project_id")
    name = serializers.CharField(source="project.name")
    owner = serializers.BooleanField()


class LibraryRubricSerializer(serializers.ModelSerializer):
    current_version = serializers.IntegerField(
        source="current_number", read_only=True, allow_null=True
    )
    latest_version = serializers.IntegerField(
        source="latest_number", read_only=True, allow_null=True
    )
    projects = LibraryProjectSerializer(
        source="links",
        many=True,
        read_only=True,
        help_text="Projects of yours whose library holds it; owner marks the owning one.",
    )

    class Meta:
        model = Rubric
        fields = [
            "id",
            "title",
            "description",
            "tags",
            "current_version",
            "latest_version",
            "projects",
        ]
        read_only_fields = fields


class PinnedRubricSerializer(serializers.Serializer):
    version = RubricVersionSerializer(
        allow_null=True, help_text="The version this project's reviews apply; null if none."
    )


class DiffLocationSerializer(serializers.Serializer):
    section = serializers.CharField(allow_null=True)
    index = serializers.IntegerField()
    path = serializers.CharField()


class DiffFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()


class RubricChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed", "moved"])
    node = serializers.ChoiceField(choices=["criterion", "section"])
    id = serializers.CharField()
    title = serializers.CharField()
    before = DiffLocationSerializer(allow_null=True)
    after = DiffLocationSerializer(allow_null=True)
    fields = DiffFieldSerializer(many=True)


class RubricDiffSerializer(serializers.Serializer):
    from_ = serializers.CharField(help_text="What was compared from.")
    to = serializers.CharField()
    changes = RubricChangeSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RubricCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages keyed by path, e.g. "content.criteria[3].title".',
    )


# --- rubrics: input -----------------------------------------------------------------------


class RubricCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=StrictCharField(max_length=100), required=False)
    content = serializers.JSONField(
        required=False, help_text="The draft's content (docs/rubrics.md); empty when left out."
    )


class RubricUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=StrictCharField(max_length=100), required=False)
    content = serializers.JSONField(required=False)
    expected_revision = StrictIntegerField(
        required=False,
        help_text="The draft_revision you loaded: a draft saved since is not overwritten (409).",
    )


class RubricImportSerializer(StrictSerializerMixin, serializers.Serializer):
    title = StrictCharField(max_length=200)
    shape = serializers.ChoiceField(
        choices=FORMAT_CHOICES,
        required=False,
        help_text="rubric, healthbench, rar or prometheus; detected from the data when left out.",
    )
    data = serializers.JSONField(
        required=False, help_text="The rubric in one of the formats (JSON body)."
    )
    file = serializers.FileField(
        required=False, help_text="The rubric file instead of data (multipart upload)."
    )

    def validate(self, attrs):
        if ("data" in attrs) == ("file" in attrs):
            raise serializers.ValidationError(
                {"data": [gettext("Send either data or file, not both.")]}
            )
        return attrs


class RubricPublishSerializer(StrictSerializerMixin, serializers.Serializer):
    note = StrictCharField(max_length=500, help_text="What changed, for the version history.")
    pin = serializers.BooleanField(
        required=False, default=False, help_text="Also pin the new version in this project."
    )
    repin = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Pin the new version in every project you design that pins the previous "
        "version (default: true). Send false to leave those pins where they are.",
    )


class RubricRetireSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = StrictCharField(max_length=500)
    replacement = StrictIntegerField(
        required=False,
        help_text="Required while projects pin this version: the number of a newer, "
        "not retired version; those projects are re-pinned to it in the same transaction.",
    )


class ReasonSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = StrictCharField(max_length=500)


class RubricCloneSerializer(StrictSerializerMixin, serializers.Serializer):
    project = StrictIntegerField(help_text="The project (of yours) that will own the copy.")
    title = StrictCharField(max_length=200, required=False)


class RubricShareSerializer(StrictSerializerMixin, serializers.Serializer):
    project = StrictIntegerField(help_text="Another project you design.")


class RubricPinSerializer(StrictSerializerMixin, serializers.Serializer):
    rubric = StrictIntegerField(help_text="A rubric in this project's library.")
    version = StrictIntegerField(help_text="Its version number: published or superseded.")


class RubricCheckInputSerializer(StrictSerializerMixin, serializers.Serializer):
    content = serializers.JSONField()


class RubricVersionEditSerializer(serializers.Serializer):
    """What a client may try to send to a published version (always refused with 409)."""

    content = serializers.JSONField(required=False)
    note = StrictCharField(required=False)


# --- guidelines ---------------------------------------------------------------------------


class GuidelineRuleSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='Stable across versions: "R1", "R2" …')
    title = serializers.CharField()
    text = serializers.CharField(help_text="Markdown; shown sanitised.")
    status = serializers.CharField(help_text='"active", or "retired" (with retired_reason).')
    retired_reason = serializers.CharField()


class GuidelineVersionSerializer(serializers.ModelSerializer):
    intro = serializers.CharField(help_text="Markdown; shown sanitised.")
    rules = GuidelineRuleSerializer(many=True)
    published_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = GuidelineVersion
        fields = ["number", "intro", "rules", "note", "published_by", "published_at"]
        read_only_fields = fields


class CurrentGuidelinesSerializer(serializers.Serializer):
    version = GuidelineVersionSerializer(
        allow_null=True, help_text="The version in force; null before the first publish."
    )


class GuidelineDraftSerializer(serializers.Serializer):
    intro = serializers.CharField()
    rules = GuidelineRuleSerializer(many=True)
    revision = serializers.IntegerField(
        help_text="Send it back as expected_revision so a newer save is not overwritten."
    )
    updated_by = serializers.CharField(allow_null=True, help_text="Username of the last editor.")
    updated_at = serializers.DateTimeField(allow_null=True)


class GuidelineRuleResultSerializer(serializers.Serializer):
    rule = GuidelineRuleSerializer(
        allow_null=True, help_text="The rule; null when a never-published rule was dropped."
    )
    draft = GuidelineDraftSerializer()


class GuidelineIntroSerializer(StrictSerializerMixin, serializers.Serializer):
    intro = StrictCharField(allow_blank=True)
    expected_revision = StrictIntegerField(required=False)


class GuidelineRuleCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = StrictCharField(max_length=200)
    text = StrictCharField(required=False, allow_blank=True)
    expected_revision = StrictIntegerField(required=False)


class GuidelineRuleUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    text = StrictCharField(required=False, allow_blank=True)
    expected_revision = StrictIntegerField(required=False)


class GuidelineRuleRetireSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = StrictCharField(max_length=500)
    expected_revision = StrictIntegerField(required=False)


class GuidelinePublishSerializer(StrictSerializerMixin, serializers.Serializer):
    note = StrictCharField(max_length=500)


class GuidelineVersionEditSerializer(serializers.Serializer):
    """What a client may try to send to a published version (always refused with 409)."""

    intro = StrictCharField(required=False)
    note = StrictCharField(required=False)


class GuidelineRuleChangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    before = serializers.DictField(child=serializers.CharField())
    after = serializers.DictField(child=serializers.CharField())


class GuidelinesDiffSerializer(serializers.Serializer):
    from_ = serializers.CharField()
    to = serializers.CharField()
    added = GuidelineRuleSerializer(many=True)
    retired = GuidelineRuleSerializer(many=True)
    changed = GuidelineRuleChangeSerializer(many=True)
    intro_changed = serializers.BooleanField()
    intro_before = serializers.CharField()
    intro_after = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class GuidelineNoticeBodySerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version in force: acknowledge this one.")
    since = serializers.IntegerField(
        allow_null=True, help_text="The version you last acknowledged; null if never."
    )
    note = serializers.CharField()
    published_at = serializers.DateTimeField()
    added = GuidelineRuleSerializer(many=True)
    retired = GuidelineRuleSerializer(many=True)
    changed = GuidelineRuleChangeSerializer(many=True)
    intro_changed = serializers.BooleanField()


class GuidelineNoticeSerializer(serializers.Serializer):
    notice = GuidelineNoticeBodySerializer(
        allow_null=True, help_text="null when there is nothing new to acknowledge."
    )


class GuidelineAcknowledgeSerializer(StrictSerializerMixin, serializers.Serializer):
    version = StrictIntegerField(help_text="The version number you read (the notice's version).")


class GuidelineAcknowledgementSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()

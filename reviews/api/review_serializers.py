"""Shapes of the review workflow API: inputs are strict (unknown keys refused), outputs
mirror the plain data ``reviews.workflow`` returns, so pages and the API agree."""

from __future__ import annotations

from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from annotation_platform.jsonguard import MAX_INTEGER
from reviews.models import (
    Decision,
    Dispute,
    MissingJudgments,
    ReviewEvent,
    ReviewItem,
    ReviewPolicy,
    Risk,
    ScoringMethod,
)
from reviews.workflow import person_as_dict

# --- inputs -------------------------------------------------------------------------------


class ReviewReasonSerializer(StrictSerializerMixin, serializers.Serializer):
    criterion = StrictCharField(
        required=False, help_text="A criterion id of the rubric version in force."
    )
    rule = StrictCharField(
        required=False, help_text='An active guideline rule id ("R3") of the guidelines in force.'
    )


class ReviewWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    judgments = serializers.JSONField(
        required=False,
        default=dict,
        help_text='{criterion_id: {"met": true} | {"level": 2}, ...}, scored by the policy\'s '
        "method; optional.",
    )
    reasons = ReviewReasonSerializer(
        many=True, required=False, help_text="Required (at least one) to reject or return."
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to reject or return."
    )
    private_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For reviewers; never the author."
    )
    rubric_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of the rubric version you judged against: must be the project's "
        "(409 `rubric_version_not_current` otherwise); required with judgments.",
    )
    revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The revision you reviewed; 409 `stale_revision` if the author revised since.",
    )


class SecondReviewWriteSerializer(ReviewWriteSerializer):
    revision = None  # type: ignore[assignment]  # an audit reads the audited review's revision


class DisputeResolveSerializer(SecondReviewWriteSerializer):
    comment = serializers.CharField(help_text="Required: the final word, for the author.")
    reasons = ReviewReasonSerializer(
        many=True,
        required=False,
        help_text="Required to return; upholding a rejection keeps its reasons unless given.",
    )


class RegradeSerializer(StrictSerializerMixin, serializers.Serializer):
    judgments = serializers.JSONField(help_text="Judgments against the rubric version in force.")
    rubric_version = serializers.IntegerField(
        help_text="The id of the version in force (newer than the review's)."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DisputeWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    comment = serializers.CharField(help_text="Why the rejection is wrong.")


class BulkAcceptSerializer(StrictSerializerMixin, serializers.Serializer):
    submissions = serializers.ListField(
        # Bounded: an id past 64 bits overflows the query (a form body skips the JSON guard).
        child=serializers.IntegerField(min_value=1, max_value=MAX_INTEGER),
        help_text="Ids of queued clean submissions (max 500).",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewPolicyWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    clean_sample_rate = serializers.FloatField(required=False, min_value=0, max_value=1)
    full_review_first_n = serializers.IntegerField(required=False, min_value=0, max_value=100_000)
    show_author_names = serializers.BooleanField(required=False)
    lease_seconds = serializers.IntegerField(required=False, min_value=60, max_value=86_400)
    scoring_method = serializers.ChoiceField(choices=ScoringMethod.choices, required=False)
    missing_judgments = serializers.ChoiceField(choices=MissingJudgments.choices, required=False)


# --- outputs ------------------------------------------------------------------------------


class ReviewPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    alias = serializers.CharField(
        allow_null=True, help_text="A stable pseudonym when the policy hides names."
    )


class ReviewItemSerializer(serializers.ModelSerializer):
    submission = serializers.IntegerField(source="submission_id")
    task = serializers.IntegerField(source="submission.task_id")
    risk = serializers.SerializerMethodField()
    leased_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    author = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "submission",
            "task",
            "project",
            "revision",
            "status",
            "risk",
            "reason",
            "flagged_checks",
            "queued_at",
            "leased_by",
            "lease_expires_at",
            "author",
        ]
        read_only_fields = fields

    def get_risk(self, item) -> str:
        return Risk(item.risk).name.lower()

    def get_author(self, item) -> ReviewPersonSerializer:
        return person_as_dict(self.context["policy"], item.project_id, item.submission.author)


class ReviewReasonOutSerializer(serializers.Serializer):
    criterion = serializers.CharField(required=False)
    rule = serializers.CharField(required=False)
    label = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="review, second, regrade or dispute")
    parent = serializers.IntegerField(allow_null=True)
    revision = serializers.IntegerField()
    template_version = serializers.IntegerField()
    rubric_version = serializers.IntegerField(allow_null=True)
    judgments = serializers.JSONField()
    score = serializers.JSONField(allow_null=True, help_text="rubrics.scoring result")
    decision = serializers.CharField(allow_null=True)
    reasons = ReviewReasonOutSerializer(many=True)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    reviewer = serializers.CharField(required=False, help_text="Reviewers only.")
    private_note = serializers.CharField(required=False, help_text="Reviewers only.")


class AuditSampleSerializer(ReviewSerializer):
    """A first review you may audit. Its own name keeps the sample's numbered single page
    from sharing a schema component with the cursor pages of a submission's reviews."""


class DisputeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "submission",
            "review",
            "status",
            "comment",
            "resolution",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ReviewEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text="The username of whoever acted; null for the system, and for a trainer "
        "when the review policy hides names (then `actor_alias` names them)."
    )
    actor_alias = serializers.SerializerMethodField(
        help_text="The trainer's pseudonym, as the queue shows it, when the policy hides names."
    )

    class Meta:
        model = ReviewEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_alias",
            "action",
            "submission",
            "review",
            "dispute",
            "before",
            "after",
        ]
        read_only_fields = fields

    def _actor(self, event) -> dict | None:
        actor = self.context.get("actor")
        if actor is not None:
            return actor(event)
        if event.actor_id is None:
            return None
        return {"id": event.actor_id, "username": event.actor.username, "alias": None}

    def get_actor(self, event) -> str | None:
        person = self._actor(event)
        return person["username"] if person else None

    def get_actor_alias(self, event) -> str | None:
        person = self._actor(event)
        return person["alias"] if person else None


class ReviewPolicySerializer(serializers.ModelSerializer):
    # The defaults, before anyone sets a policy, were never updated by anyone.
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ReviewPolicy
        fields = [
            "clean_sample_rate",
            "full_review_first_n",
            "show_author_names",
            "lease_seconds",
            "scoring_method",
            "missing_judgments",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class DisagreementRowSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField()
    username = serializers.CharField()
    audited = serializers.IntegerField()
    disagreed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class DisagreementSerializer(serializers.Serializer):
    audited = serializers.IntegerField()
    disagreed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="disagreed / audited")
    reviewers = DisagreementRowSerializer(many=True)


class BulkAcceptResultSerializer(serializers.Serializer):
    accepted = serializers.ListField(child=serializers.IntegerField())
    reviews = serializers.ListField(child=serializers.IntegerField())


class ReviewContextSerializer(serializers.Serializer):
    """Documented shape of ``reviews.workflow.review_context``."""

    submission = serializers.JSONField(
        help_text="id, task, project, status, revision, answer, return_reasons, dates"
    )
    author = ReviewPersonSerializer()
    task_data = serializers.JSONField(help_text="The task data the template showed the trainer.")
    template = serializers.JSONField(help_text="id, version, name, definition")
    rubric = serializers.JSONField(
        allow_null=True, help_text="The version in force: id, rubric, title, number, content"
    )
    guideline_rules = serializers.JSONField(help_text="Active rules: [{id, title}]")
    checks = serializers.JSONField(help_text="status and results with findings and evidence")
    author_history = serializers.JSONField(
        help_text="gold accuracy, submitted/accepted/rejected/returned, acceptance_rate"
    )
    other_answers = serializers.JSONField(help_text="Other trainers' answers to this task")
    revisions = serializers.JSONField()
    reviews = ReviewSerializer(many=True)
    dispute = serializers.JSONField(allow_null=True)
    queue = serializers.JSONField(allow_null=True)


class RevisionsDiffSerializer(serializers.Serializer):
    to = serializers.IntegerField()
    template_changed = serializers.BooleanField()
    changes = serializers.JSONField(help_text="[{question, before, after, diff: [lines]}]")
    unchanged = serializers.ListField(child=serializers.CharField())


RevisionsDiffSerializer._declared_fields["from"] = serializers.IntegerField()


class ReworkSerializer(serializers.Serializer):
    submission = serializers.IntegerField(source="pk")
    task = serializers.IntegerField(source="task_id")
    revision = serializers.IntegerField()
    return_reasons = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()

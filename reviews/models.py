"""The review workflow: review policies, the review queue, reviews, disputes and the review
log. The quality checks' data lives in ``quality.models``, which this app reads."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoringMethod(models.TextChoices):
    HEALTHBENCH = "healthbench", _("HealthBench (points)")
    RAR = "rar", _("Rubrics as Rewards (importance weights)")
    TREE = "tree", _("Tree (sections weighted)")


class MissingJudgments(models.TextChoices):
    NOT_MET = "not_met", _("Score as not met")
    EXCLUDE = "exclude", _("Leave out of the score")


class ReviewPolicy(models.Model):
    """How a project reviews: which clean work is sampled, how reviews are scored, what
    reviewers see. A project without a row uses the defaults (``review_policy_for``)."""

    project = models.OneToOneField(
        "tasks.Project", on_delete=models.CASCADE, related_name="review_policy"
    )
    clean_sample_rate = models.FloatField(
        default=0.2, help_text="Share of clean work (no failed or warned check) reviewed, 0 to 1."
    )
    full_review_first_n = models.PositiveIntegerField(
        default=20, help_text="Every submission of a trainer's first N in the project is reviewed."
    )
    show_author_names = models.BooleanField(
        default=False, help_text="Whether reviewers see who wrote the work they review."
    )
    lease_seconds = models.PositiveIntegerField(
        default=1800, help_text="How long a reviewer holds a queue item."
    )
    scoring_method = models.CharField(
        max_length=16, choices=ScoringMethod.choices, default=ScoringMethod.HEALTHBENCH
    )
    missing_judgments = models.CharField(
        max_length=16, choices=MissingJudgments.choices, default=MissingJudgments.NOT_MET
    )
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "review policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clean_sample_rate__gte=0) & models.Q(clean_sample_rate__lte=1),
                name="review_policy_rate_share",
            ),
        ]

    def __str__(self) -> str:
        return f"Review policy of project {self.project_id}"


class Risk(models.IntegerChoices):
    """Queue order: lower is reviewed first."""

    FAILED = 0, _("Failed a check")
    WARNED = 1, _("Warned by a check")
    CLEAN = 2, _("Clean")


class ItemStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for review")
    DECIDED = "decided", _("Decided")
    NOT_SAMPLED = "not_sampled", _("Clean, not sampled")
    WITHDRAWN = "withdrawn", _("Back with its author")


# What a QA lead reads for ``ReviewItem.reason`` (the API keeps the codes).
QUEUE_REASONS = {
    "failed": _("a check failed"),
    "rejudged": _("the checks changed after the decision"),
    "warned": _("a check warned"),
    "rework": _("revised after a return"),
    "first_n": _("one of the trainer's first submissions"),
    "sample": _("in the random sample of clean work"),
    "not_sampled": _("clean, not sampled"),
}


class ReviewItem(models.Model):
    """A submission's place in its project's review queue (one row per submission, reopened
    when a reworked revision comes back). ``leased_by``/``lease_expires_at`` is the review
    lease: one reviewer at a time."""

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    submission = models.OneToOneField(
        "tasks.Submission", on_delete=models.CASCADE, related_name="review_item"
    )
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ItemStatus.choices)
    risk = models.PositiveSmallIntegerField(choices=Risk.choices)
    # Why it is (or is not) in the queue: "failed", "warned", "rework", "first_n", "sample"
    # or "not_sampled"; shown to QA leads so the sampling is never a mystery.
    reason = models.CharField(max_length=16)
    flagged_checks = models.JSONField(default=list, blank=True)
    leased_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The queue: what ``review_next`` and the queue list read, risk first.
            models.Index(
                fields=["project", "risk", "queued_at", "id"],
                name="review_queue_idx",
                condition=models.Q(status="queued"),
            ),
            models.Index(
                fields=["leased_by", "project"],
                name="review_item_lease_idx",
                condition=models.Q(leased_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Review item of submission {self.submission_id} ({self.status})"

    @property
    def reason_label(self) -> str:
        return str(QUEUE_REASONS.get(self.reason, self.reason))


class Decision(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for rework")


class ReviewKind(models.TextChoices):
    REVIEW = "review", _("Review")
    SECOND = "second", _("Second review (audit)")
    REGRADE = "regrade", _("Re-grade against a newer rubric version")
    DISPUTE = "dispute", _("Dispute resolution")
    # A decided submission whose checks changed afterwards (a late re-judgment), reviewed
    # again from the queue: it keeps or changes the decision, by a person.
    RECONSIDER = "reconsider", _("Reconsidered after the checks changed")


def _reviewing_projects(user):
    from tasks.models import MEMBER_LIST_ROLES, Membership

    return Membership.objects.filter(user=user, role__in=MEMBER_LIST_ROLES).values("project_id")


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReviewQuerySet:
        """Setters, QA leads and admins see their projects' reviews; an author sees the
        decisions on their own work (what they see of each is the serializer's concern:
        never a private note); staff see all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(
            models.Q(project_id__in=_reviewing_projects(user))
            | models.Q(submission__author=user, kind__in=(ReviewKind.REVIEW, ReviewKind.DISPUTE))
        )


class Review(models.Model):
    """One reviewer's judgment of one submission revision, immutable once written.

    ``kind`` review decides the submission; second reviews audit a review (``parent``);
    re-grades score a review's revision again under a newer rubric version (the parent
    stays); dispute resolutions decide a disputed rejection for good.
    """

    submission = models.ForeignKey(
        "tasks.Submission", on_delete=models.CASCADE, related_name="reviews"
    )
    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReviewKind.choices, default=ReviewKind.REVIEW)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followups"
    )
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(
        "tasks.SubmissionRevision", on_delete=models.PROTECT, related_name="reviews"
    )
    template = models.ForeignKey("tasks.TaskTemplate", on_delete=models.PROTECT, related_name="+")
    rubric_version = models.ForeignKey(
        "rubrics.RubricVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    judgments = models.JSONField(default=dict, blank=True)
    score = models.JSONField(null=True, blank=True)  # rubrics.scoring.ScoreResult.as_dict()
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    # [{"criterion": id} | {"rule": id}, ...] with the label at the time, for reject/return.
    reasons = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    # Reviewers' notes to each other; never shown to the author.
    private_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submission_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent"],
                condition=models.Q(kind="second"),
                name="review_one_second_review",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "kind", "reviewer"], name="review_project_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of submission {self.submission_id}"

    @property
    def score_value(self) -> float | None:
        return (self.score or {}).get("score")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class DisputeQuerySet(models.QuerySet):
    def visible_to(self, user) -> DisputeQuerySet:
        """The author sees their own disputes; setters, QA leads and admins their projects'."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(
            models.Q(project_id__in=_reviewing_projects(user)) | models.Q(filed_by=user)
        )


class Dispute(models.Model):
    """An author's objection to a rejection; resolved once, finally, by another reviewer."""

    submission = models.OneToOneField(
        "tasks.Submission", on_delete=models.CASCADE, related_name="dispute"
    )
    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="disputes")
    filed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    comment = models.TextField()
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.OneToOneField(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="resolved_dispute"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["project", "status"], name="dispute_project_status_idx")]

    def __str__(self) -> str:
        return f"Dispute {self.pk} of submission {self.submission_id} ({self.status})"


class ReviewEvent(models.Model):
    """The review audit log: every review action, who did it, and the state before and
    after. Written by the services in the transaction of the action itself."""

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    submission = models.ForeignKey(
        "tasks.Submission", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispute = models.ForeignKey(
        Dispute, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-id"], name="review_event_project_idx")]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} on project {self.project_id}"

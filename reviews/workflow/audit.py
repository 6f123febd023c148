"""Second reviews (audits) and their disagreement figure, and re-grades under a newer
rubric version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext

from annotation_platform.errors import ConflictError, DomainError
from reviews import permissions
from reviews.models import (
    Decision,
    Review,
    ReviewKind,
)
from reviews.workflow._common import (
    ReviewInput,
    _clean_comment,
    _judge,
    _log,
    _require_reviewer_of,
    _review_create,
    _rubric_in_force,
    _score,
)
from reviews.workflow.policy import review_policy_for
from tasks.models import Project

# --- second reviews and re-grades ------------------------------------------------------------


@transaction.atomic
def review_second(*, review: Review, reviewer, data: ReviewInput) -> Review:
    """Audit an accept or a rejection: a different QA lead or admin reviews the same
    revision independently. The submission does not change; the agreement counts in
    ``reviewer_disagreement``. One second review per review (409 ``already_audited``)."""
    review = Review.objects.select_related("submission__task__project").get(pk=review.pk)
    submission = review.submission
    _require_reviewer_of(reviewer, submission)
    if not permissions.can_second_review(reviewer, review):
        raise PermissionDenied(
            gettext("A second review is by someone other than the first reviewer.")
        )
    if review.kind != ReviewKind.REVIEW or review.decision not in (
        Decision.ACCEPT,
        Decision.REJECT,
    ):
        raise ConflictError(
            gettext("Only a first review's accept or rejection is audited."), code="not_auditable"
        )
    if Review.objects.filter(parent=review, kind=ReviewKind.SECOND).exists():
        raise ConflictError(
            gettext("This review already has a second review."), code="already_audited"
        )
    project = submission.task.project
    judged = _judge(project, data, policy=review_policy_for(project))
    decision = judged.decision
    try:
        with transaction.atomic():
            second = _review_create(
                judged,
                submission=submission,
                project=project,
                kind=ReviewKind.SECOND,
                reviewer=reviewer,
                revision=review.revision,
                template=review.template,
                parent=review,
            )
    except IntegrityError as exc:  # a concurrent audit of the same review won
        raise ConflictError(
            gettext("This review already has a second review."), code="already_audited"
        ) from exc
    _log(
        project_id=project.pk,
        actor=reviewer,
        action="second_review",
        submission=submission,
        review=second,
        before={"review": review.pk, "decision": review.decision},
        after={"decision": decision, "agrees": decision == review.decision},
    )
    return second


def audit_candidates(*, project: Project, reviewer, limit: int = 20) -> list[Review]:
    """A random sample of accepted and rejected first reviews ``reviewer`` may audit (not
    their own review, not their own work, not audited yet)."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied(gettext("Only QA leads and admins audit reviews."))
    return list(
        Review.objects.filter(
            project=project,
            kind=ReviewKind.REVIEW,
            decision__in=(Decision.ACCEPT, Decision.REJECT),
        )
        .exclude(reviewer=reviewer)
        .exclude(submission__author=reviewer)
        .exclude(followups__kind=ReviewKind.SECOND)
        .select_related("submission", "reviewer")
        .order_by("?")[: max(1, min(limit, 200))]
    )


@transaction.atomic
def review_regrade(
    *,
    review: Review,
    reviewer,
    judgments: Mapping[str, Any],
    rubric_version: int | None,
    comment: str = "",
) -> Review:
    """Score a review's revision again under the rubric version now in force, which must
    differ from the one the review used (409 ``already_current``). The old review stays as
    it was; the new judgments are a review of kind ``regrade`` with their own version.
    The decision is not changed."""
    review = Review.objects.select_related("submission__task__project").get(pk=review.pk)
    submission = review.submission
    _require_reviewer_of(reviewer, submission)
    if review.kind not in (ReviewKind.REVIEW, ReviewKind.DISPUTE):
        raise ConflictError(gettext("Re-grade the first review itself."), code="not_regradable")
    project = submission.task.project
    version = _rubric_in_force(project, rubric_version, needed=True)
    if version is None:
        raise ConflictError(
            gettext("This project applies no rubric; there is nothing to re-grade against."),
            code="no_rubric",
            fields={"rubric_version": [gettext("The project pins no rubric version.")]},
        )
    if version.pk == review.rubric_version_id:
        raise ConflictError(
            gettext(
                "This review already used the rubric version in force; a re-grade is against "
                "a newer version."
            ),
            code="already_current",
            fields={"rubric_version": [gettext("Same version as the review.")]},
        )
    if not judgments:
        raise DomainError(
            gettext("Judge the criteria of the new version."),
            fields={"judgments": [gettext("At least one judgment.")]},
        )
    score = _score(version, judgments, review_policy_for(project))
    regrade = Review.objects.create(
        submission=submission,
        project=project,
        kind=ReviewKind.REGRADE,
        parent=review,
        reviewer=reviewer,
        revision=review.revision,
        template=review.template,
        rubric_version=version,
        judgments=dict(judgments),
        score=score,
        decision="",
        comment=_clean_comment(comment, required=False),
    )
    _log(
        project_id=project.pk,
        actor=reviewer,
        action="regrade",
        submission=submission,
        review=regrade,
        before={
            "review": review.pk,
            "rubric_version": review.rubric_version_id,
            "score": review.score_value,
        },
        after={"rubric_version": version.pk, "score": regrade.score_value},
    )
    return regrade


def reviewer_disagreement(*, project: Project) -> dict[str, Any]:
    """How often second reviews disagree with the first: counts and rate, overall and per
    first reviewer (rate None when nothing was audited)."""
    rows = (
        Review.objects.filter(project=project, kind=ReviewKind.SECOND)
        .values("parent__reviewer_id", "parent__reviewer__username")
        .annotate(
            audited=Count("id"),
            disagreed=Count("id", filter=~Q(decision=F("parent__decision"))),
        )
        .order_by("parent__reviewer__username")
    )
    reviewers = [
        {
            "reviewer": row["parent__reviewer_id"],
            "username": row["parent__reviewer__username"],
            "audited": row["audited"],
            "disagreed": row["disagreed"],
            "rate": row["disagreed"] / row["audited"] if row["audited"] else None,
        }
        for row in rows
    ]
    audited = sum(r["audited"] for r in reviewers)
    disagreed = sum(r["disagreed"] for r in reviewers)
    return {
        "audited": audited,
        "disagreed": disagreed,
        "rate": disagreed / audited if audited else None,
        "reviewers": reviewers,
    }


def regrade_candidates(*, project: Project, reviewer, limit: int = 50) -> list[Review]:
    """Decisions (reviews and dispute resolutions) scored under a rubric version other than
    the one in force and not re-graded under it yet, oldest first: what a re-grade is for."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied(gettext("Only QA leads and admins re-grade reviews."))
    if project.rubric_version_id is None:
        return []
    return list(
        Review.objects.filter(
            project=project,
            kind__in=(ReviewKind.REVIEW, ReviewKind.DISPUTE),
            rubric_version__isnull=False,
        )
        .exclude(rubric_version_id=project.rubric_version_id)
        .exclude(submission__author=reviewer)
        .exclude(
            Exists(
                Review.objects.filter(
                    parent=OuterRef("pk"),
                    kind=ReviewKind.REGRADE,
                    rubric_version_id=project.rubric_version_id,
                )
            )
        )
        .select_related("submission", "reviewer", "rubric_version")
        .order_by("created_at", "id")[: max(1, min(limit, 200))]
    )

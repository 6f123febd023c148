"""Disputes: the author disputes a rejection once; another reviewer decides it for good."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from annotation_platform.errors import ConflictError, DomainError
from reviews import permissions
from reviews.models import (
    Decision,
    Dispute,
    DisputeStatus,
    Review,
    ReviewKind,
)
from reviews.workflow._common import (
    STATUS_FOR,
    ReviewInput,
    _author_reasons,
    _clean_comment,
    _decided_after_commit,
    _judge,
    _log,
    _review_create,
    _revision_row,
)
from reviews.workflow.policy import review_policy_for
from tasks.models import Project, Submission, SubmissionStatus
from tasks.services.reviewing import submission_set_review_status

# --- disputes ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_file(*, submission: Submission, by, comment: str) -> Dispute:
    """The author disputes the rejection of their work, once. A dispute of an accept or a
    return, a second dispute, or one after the final decision is a 409; nothing is
    written then."""
    if not permissions.can_dispute(by, submission):
        raise PermissionDenied(gettext("Only the author disputes a decision on their work."))
    text = _clean_comment(comment, required=True)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    existing = Dispute.objects.filter(submission=locked).first()
    if existing is not None:
        if existing.status == DisputeStatus.RESOLVED:
            raise ConflictError(
                gettext("This dispute was decided and the decision is final."),
                code="dispute_final",
            )
        raise ConflictError(gettext("You already disputed this decision."), code="already_disputed")
    if locked.status != SubmissionStatus.REJECTED:
        raise ConflictError(
            gettext("Only a rejection can be disputed; this submission is %(status)s.")
            % {"status": SubmissionStatus(locked.status).label.lower()},
            code="not_disputable",
        )
    rejection = (
        Review.objects.filter(submission=locked, kind=ReviewKind.REVIEW, decision=Decision.REJECT)
        .order_by("-id")
        .first()
    )
    if rejection is None:
        raise ConflictError(gettext("There is no review to dispute."), code="not_disputable")
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                submission=locked,
                project_id=rejection.project_id,
                review=rejection,
                filed_by=by,
                comment=text,
            )
    except IntegrityError as exc:
        raise ConflictError(
            gettext("You already disputed this decision."), code="already_disputed"
        ) from exc
    _log(
        project_id=rejection.project_id,
        actor=by,
        action="dispute_file",
        submission=locked,
        review=rejection,
        dispute=dispute,
        before={"status": locked.status},
        after={"dispute": DisputeStatus.OPEN},
    )
    return dispute


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, by, data: ReviewInput) -> Dispute:
    """Decide a dispute for good: a QA lead or admin other than the reviewer who rejected
    (and not the author). ``reject`` upholds the rejection (its reasons stand unless new
    ones are given); ``accept`` or ``return`` overturn it. A comment is required."""
    dispute = (
        Dispute.objects.select_for_update()
        .select_related("review", "submission__task__project")
        .get(pk=dispute.pk)
    )
    if not permissions.can_resolve_dispute(by, dispute):
        raise PermissionDenied(
            gettext(
                "A dispute is decided by a QA lead or admin other than the reviewer who rejected."
            )
        )
    if dispute.status != DisputeStatus.OPEN:
        raise ConflictError(
            gettext("This dispute was decided; the decision is final."), code="dispute_final"
        )
    submission = dispute.submission
    project = submission.task.project
    judged = _judge(
        project,
        data,
        policy=review_policy_for(project),
        comment_required=True,
        standing_reasons=dispute.review.reasons,  # a rejection upheld keeps its reasons
    )
    decision, reasons, comment = judged.decision, judged.reasons, judged.comment
    locked = submission_set_review_status(
        submission=submission,
        status=STATUS_FOR[decision],
        reasons=_author_reasons(reasons, comment, author=submission.author),
        dispute=True,
    )
    revision = _revision_row(locked, locked.revision)
    resolution = _review_create(
        judged,
        submission=locked,
        project=project,
        kind=ReviewKind.DISPUTE,
        reviewer=by,
        revision=revision,
        parent=dispute.review,
    )
    dispute.status = DisputeStatus.RESOLVED
    dispute.resolution = resolution
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolution", "resolved_at"])
    _log(
        project_id=project.pk,
        actor=by,
        action="dispute_resolve",
        submission=locked,
        review=resolution,
        dispute=dispute,
        before={"status": SubmissionStatus.REJECTED, "dispute": DisputeStatus.OPEN},
        after={
            "status": locked.status,
            "dispute": DisputeStatus.RESOLVED,
            "decision": decision,
            "upheld": decision == Decision.REJECT,
        },
    )
    _decided_after_commit(resolution)
    return dispute


def project_disputes(*, project: Project, user, status: str | None = None) -> QuerySet[Dispute]:
    """The project's disputes for its reviewers, open ones first."""
    if not permissions.can_view_disputes(user, project):
        raise PermissionDenied(gettext("Only QA leads and admins see the project's disputes."))
    disputes = Dispute.objects.filter(project=project).select_related(
        "review", "resolution", "submission", "filed_by"
    )
    if status:
        if status not in DisputeStatus.values:
            raise DomainError(
                gettext("Unknown dispute status."),
                fields={"status": [gettext("One of: %(codes)s.") % {"codes": "open, resolved"}]},
            )
        disputes = disputes.filter(status=status)
    return disputes.order_by("-status", "created_at", "id")  # "resolved" > "open"

"""Deciding a submission: one review (``review_submit``) or a bulk accept of clean work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from annotation_platform.errors import ConflictError, DomainError
from reviews import permissions
from reviews.models import (
    Decision,
    ItemStatus,
    Review,
    ReviewItem,
    ReviewKind,
    Risk,
)
from reviews.workflow._common import (
    MAX_BULK,
    STATUS_FOR,
    ReviewInput,
    _author_reasons,
    _decided_after_commit,
    _judge,
    _log,
    _require_reviewer_of,
    _review_create,
    _revision_row,
)
from reviews.workflow.policy import review_policy_for
from reviews.workflow.queue import is_reconsidered
from tasks.models import Project, Submission, SubmissionStatus
from tasks.services.reviewing import submission_set_review_status

# --- deciding ---------------------------------------------------------------------------


def _decide(
    *,
    submission: Submission,
    reviewer,
    data: ReviewInput,
    now: datetime,
    action: str = "decide",
) -> Review:
    """A first review's decision; callers hold a transaction."""
    _require_reviewer_of(reviewer, submission)
    project = submission.task.project
    judged = _judge(project, data, policy=review_policy_for(project))
    decision, reasons, comment = judged.decision, judged.reasons, judged.comment
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if (
        item is not None
        and item.leased_by_id not in (None, reviewer.pk)
        and item.lease_expires_at
        and item.lease_expires_at > now
        and item.status == ItemStatus.QUEUED
    ):
        raise ConflictError(
            gettext("Another reviewer holds this submission right now."), code="leased_by_other"
        )
    before_status = (
        Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).get()
    )
    # A decided submission the checks sent back to the queue is reviewed again: the
    # reviewer keeps the decision or makes another (never the re-judgment itself).
    reconsider = is_reconsidered(item) and before_status in (
        SubmissionStatus.ACCEPTED,
        SubmissionStatus.REJECTED,
    )
    locked = submission_set_review_status(
        submission=submission,
        status=STATUS_FOR[decision],
        reasons=_author_reasons(reasons, comment, author=submission.author),
        reconsider=reconsider,
        expected_revision=data.revision,
    )
    revision = _revision_row(locked, locked.revision)
    review = _review_create(
        judged,
        submission=locked,
        project=project,
        kind=ReviewKind.RECONSIDER if reconsider else ReviewKind.REVIEW,
        reviewer=reviewer,
        revision=revision,
        parent=_deciding_review(locked) if reconsider else None,
    )
    if reconsider:
        action = "reconsider"
    if item is None:
        item = ReviewItem(
            submission=locked,
            project=project,
            risk=Risk.CLEAN,
            reason="picked",
            queued_at=now,
        )
    item.revision = locked.revision
    item.status = ItemStatus.DECIDED
    item.leased_by, item.lease_expires_at = None, None
    item.save()
    _log(
        project_id=project.pk,
        actor=reviewer,
        action=action,
        submission=locked,
        review=review,
        before={"status": before_status, "revision": locked.revision},
        after={"status": locked.status, "decision": decision, "score": review.score_value},
    )
    _decided_after_commit(review)
    return review


def _deciding_review(submission: Submission) -> Review | None:
    """The review whose decision a reconsideration keeps or replaces."""
    return (
        Review.objects.filter(
            submission=submission,
            kind__in=(ReviewKind.REVIEW, ReviewKind.DISPUTE, ReviewKind.RECONSIDER),
        )
        .exclude(decision="")
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def review_submit(
    *, submission: Submission, reviewer, data: ReviewInput, now: datetime | None = None
) -> Review:
    """Record a review of the submission's current revision and apply its decision.

    Judgments (optional) are validated and scored against the rubric version in force
    (``data.rubric_version`` must name it: 409 ``rubric_version_not_current`` otherwise);
    reject and return need reasons (criteria of that version or active guideline rules, 400
    ``reason_required``) and a comment. A submission someone already decided is a 409
    ``already_reviewed``; one another reviewer holds, 409 ``leased_by_other``.
    """
    return _decide(submission=submission, reviewer=reviewer, data=data, now=now or timezone.now())


@dataclass(frozen=True)
class BulkResult:
    reviews: list[Review]


@transaction.atomic
def reviews_bulk_accept(
    *, project: Project, reviewer, submission_ids: Any, comment: str = ""
) -> BulkResult:
    """Accept the clean sampled submissions a QA lead selected, with the same rules as one
    review each; all or nothing. Problems are listed per item (``submissions[i]``): 400
    for ids that are not queued clean work of this project, 409 when an item is held by
    another reviewer or already decided; nothing is written then."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    if (
        not isinstance(submission_ids, list)
        or not submission_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in submission_ids)
    ):
        raise DomainError(
            gettext("Send a non-empty list of submission ids."),
            fields={"submissions": [gettext("A non-empty list of whole numbers.")]},
        )
    if len(submission_ids) > MAX_BULK:
        raise DomainError(
            gettext("At most %(max)s submissions at once.") % {"max": MAX_BULK},
            fields={"submissions": [gettext("%(count)s given.") % {"count": len(submission_ids)}]},
        )
    now = timezone.now()
    items = {
        item.submission_id: item
        for item in ReviewItem.objects.select_for_update()
        .filter(project=project, submission_id__in=submission_ids)
        .select_related("submission__task__project")
    }
    bad: dict[str, list[str]] = {}
    conflicts: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, pk in enumerate(submission_ids):
        where = f"submissions[{index}]"
        item = items.get(pk)
        if pk in seen:
            bad[where] = [gettext("Submission %(id)s is listed twice.") % {"id": pk}]
        elif item is None:
            bad[where] = [
                gettext("Submission %(id)s is not in this project's review queue.") % {"id": pk}
            ]
        elif item.submission.author_id == reviewer.pk:
            bad[where] = [
                gettext("Submission %(id)s is your own work; nobody reviews their own.")
                % {"id": pk}
            ]
        elif item.status != ItemStatus.QUEUED or item.submission.status != "submitted":
            conflicts[where] = [gettext("Submission %(id)s was already decided.") % {"id": pk}]
        elif item.risk != Risk.CLEAN:
            bad[where] = [
                gettext("Submission %(id)s has check findings; review it on its own.") % {"id": pk}
            ]
        elif (
            item.leased_by_id not in (None, reviewer.pk)
            and item.lease_expires_at
            and item.lease_expires_at > now
        ):
            conflicts[where] = [gettext("Another reviewer holds submission %(id)s.") % {"id": pk}]
        seen.add(pk)
    if bad or conflicts:
        error = DomainError if bad else ConflictError
        raise error(
            ngettext(
                "%(refused)s of %(count)s submission cannot be accepted in bulk; "
                "nothing was accepted.",
                "%(refused)s of %(count)s submissions cannot be accepted in bulk; "
                "nothing was accepted.",
                len(submission_ids),
            )
            % {"refused": len(bad) + len(conflicts), "count": len(submission_ids)},
            code="bulk_refused",
            fields={**bad, **conflicts},
        )
    reviews = [
        _decide(
            submission=items[pk].submission,
            reviewer=reviewer,
            data=ReviewInput(decision=Decision.ACCEPT, comment=comment or ""),
            now=now,
            action="bulk_accept",
        )
        for pk in submission_ids
    ]
    return BulkResult(reviews=reviews)

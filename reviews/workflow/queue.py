"""The risk-ordered review queue: queuing checked work (``review_item_sync``), listing it,
and the leases that keep two reviewers off the same item (``review_next``,
``review_lease``, ``review_release``)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from annotation_platform.errors import ConflictError
from quality.models import CheckResult, CheckRun
from reviews import permissions
from reviews.models import Decision, ItemStatus, Review, ReviewItem, ReviewKind, ReviewPolicy, Risk
from reviews.workflow._common import _log, _require_reviewer_of
from reviews.workflow.policy import review_policy_for
from tasks.models import Project, Submission, SubmissionStatus

# --- the queue ----------------------------------------------------------------------------


def _sampled(policy: ReviewPolicy, submission: Submission) -> bool:
    """A stable draw per submission: re-running the checks never flips it."""
    digest = hashlib.sha256(f"review-sample:{submission.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < policy.clean_sample_rate


def _reason_for(policy: ReviewPolicy, submission: Submission, risk: int) -> str:
    if risk == Risk.FAILED:
        return "failed"
    if risk == Risk.WARNED:
        return "warned"
    reworked = Review.objects.filter(
        submission=submission, kind=ReviewKind.REVIEW, decision=Decision.RETURN
    ).exists()
    if reworked:
        return "rework"
    if policy.full_review_first_n:
        earlier = Submission.objects.filter(
            author_id=submission.author_id,
            task__project_id=submission.task.project_id,
            pk__lte=submission.pk,
        ).count()
        if earlier <= policy.full_review_first_n:
            return "first_n"
    if _sampled(policy, submission):
        return "sample"
    return "not_sampled"


def review_item_sync(*, submission: Submission, run: CheckRun) -> ReviewItem | None:
    """Called by the check pipeline (inside its transaction) once a revision's checks are
    done: queue the submission by risk, or record why it is not queued. A reworked
    revision reopens the item; a reviewer holding it keeps the lease."""
    status = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if status != SubmissionStatus.SUBMITTED:
        # The checks sent it back to its author (or a reviewer decided meanwhile).
        if item is not None and item.status == ItemStatus.QUEUED:
            item.status = ItemStatus.WITHDRAWN
            item.save(update_fields=["status", "updated_at"])
        return item
    results = dict(
        CheckResult.objects.filter(run=run).values_list("check_name", "status").order_by()
    )
    flagged = sorted(name for name, result in results.items() if result != "pass")
    if any(result in ("fail", "error") for result in results.values()):
        risk = Risk.FAILED
    elif any(result == "warn" for result in results.values()):
        risk = Risk.WARNED
    else:
        risk = Risk.CLEAN
    policy = review_policy_for(submission.task.project)
    reason = _reason_for(policy, submission, risk)
    queued = ItemStatus.NOT_SAMPLED if reason == "not_sampled" else ItemStatus.QUEUED
    values = {
        "project_id": submission.task.project_id,
        "revision": run.revision,
        "status": queued,
        "risk": risk,
        "reason": reason,
        "flagged_checks": flagged,
    }
    if item is None:
        return ReviewItem.objects.create(submission=submission, queued_at=timezone.now(), **values)
    if item.status != ItemStatus.QUEUED:
        item.queued_at = timezone.now()
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    return item


def review_queue(*, project: Project, reviewer) -> QuerySet[ReviewItem]:
    """The project's queued items ``reviewer`` may review, failed first, then warned, then
    sampled clean work, oldest first within each."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied("Only QA leads and admins review this project's work.")
    return (
        ReviewItem.objects.filter(project=project, status=ItemStatus.QUEUED)
        .exclude(submission__author=reviewer)
        .select_related("submission__author", "submission__task", "leased_by")
        .order_by("risk", "queued_at", "id")
    )


def _free(now: datetime) -> Q:
    return Q(leased_by__isnull=True) | Q(lease_expires_at__lte=now)


def _lease_state(item: ReviewItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "leased_by": item.leased_by_id,
        "lease_expires_at": item.lease_expires_at.isoformat() if item.lease_expires_at else None,
    }


def review_next(*, project: Project, reviewer, now: datetime | None = None) -> ReviewItem | None:
    """Lease the next item of the queue to ``reviewer`` (the one they hold, if any); None
    when nothing is left for them. Never an item of their own work."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied("Only QA leads and admins review this project's work.")
    now = now or timezone.now()
    policy = review_policy_for(project)
    with transaction.atomic():
        held = (
            ReviewItem.objects.filter(
                project=project,
                status=ItemStatus.QUEUED,
                leased_by=reviewer,
                lease_expires_at__gt=now,
            )
            .select_related("submission")
            .order_by("risk", "queued_at", "id")
            .first()
        )
        if held is not None:
            return held
        for _ in range(5):  # a rival may claim our pick between the read and the update
            candidates = (
                ReviewItem.objects.filter(project=project, status=ItemStatus.QUEUED)
                .filter(_free(now))
                .exclude(submission__author=reviewer)
                .order_by("risk", "queued_at", "id")
            )
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            item = candidates.first()
            if item is None:
                return None
            claimed = _claim(item, reviewer, now, policy)
            if claimed is not None:
                return claimed
    return None


def _claim(item: ReviewItem, reviewer, now: datetime, policy: ReviewPolicy) -> ReviewItem | None:
    before = _lease_state(item)
    expires = now + timedelta(seconds=policy.lease_seconds)
    claimed = (
        ReviewItem.objects.filter(pk=item.pk, status=ItemStatus.QUEUED)
        .filter(_free(now) | Q(leased_by=reviewer))
        .update(leased_by=reviewer, lease_expires_at=expires, updated_at=now)
    )
    if not claimed:
        return None
    item.leased_by, item.lease_expires_at = reviewer, expires
    _log(
        project_id=item.project_id,
        actor=reviewer,
        action="lease",
        submission=item.submission,
        before=before,
        after=_lease_state(item),
    )
    return item


@transaction.atomic
def review_lease(*, submission: Submission, reviewer, now: datetime | None = None) -> ReviewItem:
    """Hold one submission for review (opened from the queue or a link). Work that is not
    queued (clean and not sampled, or still being checked) is queued by this pick."""
    _require_reviewer_of(reviewer, submission)
    now = now or timezone.now()
    project = submission.task.project
    policy = review_policy_for(project)
    status = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).get()
    if status != SubmissionStatus.SUBMITTED:
        raise ConflictError(
            f"This submission is {status}: there is nothing to review.",
            code="not_reviewable",
        )
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if item is None:
        item = ReviewItem.objects.create(
            submission=submission,
            project=project,
            revision=submission.revision,
            status=ItemStatus.QUEUED,
            risk=Risk.CLEAN,
            reason="picked",
            queued_at=now,
        )
    elif item.status != ItemStatus.QUEUED:
        item.status, item.reason, item.queued_at = ItemStatus.QUEUED, "picked", now
        item.save(update_fields=["status", "reason", "queued_at", "updated_at"])
    item.submission = submission
    claimed = _claim(item, reviewer, now, policy)
    if claimed is None:
        raise ConflictError(
            "Another reviewer holds this submission right now.",
            code="leased_by_other",
        )
    return claimed


@transaction.atomic
def review_release(*, submission: Submission, reviewer, now: datetime | None = None) -> None:
    """Give an item back to the queue without deciding it."""
    now = now or timezone.now()
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if item is None or item.leased_by_id != reviewer.pk or item.lease_expires_at <= now:
        raise ConflictError("You do not hold this submission.", code="no_lease")
    before = _lease_state(item)
    item.leased_by, item.lease_expires_at = None, None
    item.save(update_fields=["leased_by", "lease_expires_at", "updated_at"])
    _log(
        project_id=item.project_id,
        actor=reviewer,
        action="release",
        submission=submission,
        before=before,
        after=_lease_state(item),
    )

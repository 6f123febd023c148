"""The review workflow: the risk-ordered queue and its leases, reviews and their decisions,
second reviews (audits), re-grades, disputes, bulk accepts, the review policy and the
audit log. Pages, the API and jobs all call these functions.

- Every service that changes state is atomic and writes a ``ReviewEvent`` (who, what,
  before, after) in the same transaction; a refusal writes nothing.
- ``Submission.status`` stays the canonical summary and changes only through
  ``tasks.services.reviewing`` (which also keeps the task's overlap counts right).
- Access is checked here too (``reviews.permissions``), so no caller can skip the rule
  that nobody reviews their own work; refusals raise Django's ``PermissionDenied`` (403),
  ``DomainError`` (400, naming the field) or ``ConflictError`` (409).
- ``reviews.signals.review_decided`` is sent after the commit of each decision.

The queue: when the checks of a revision finish (``reviews.services.checks_run``),
``review_item_sync`` puts the submission in its project's queue, ordered failed checks
first, then warnings, then the clean work sampled for review (the policy's share of
clean work, every submission of a trainer's first N, and all reworked work). Reviewers
take items with ``review_next`` or ``review_lease``; a live lease keeps everyone else off
the item. On PostgreSQL ``review_next`` skips rows other reviewers are locking at that
moment (``SKIP LOCKED``); everywhere, the claim is a conditional UPDATE, so two reviewers
can never both hold an item, even on SQLite.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from annotation_platform.errors import ConflictError, DomainError
from reviews import permissions
from reviews.models import (
    CheckResult,
    CheckRun,
    Decision,
    Dispute,
    DisputeStatus,
    ItemStatus,
    MissingJudgments,
    Review,
    ReviewEvent,
    ReviewItem,
    ReviewKind,
    ReviewPolicy,
    Risk,
    ScoringMethod,
)
from reviews.signals import review_decided
from rubrics.content import iter_criteria
from rubrics.models import RubricVersion
from rubrics.scoring import score_rubric, validate_judgments
from tasks.models import Project, Submission, SubmissionRevision, SubmissionStatus
from tasks.services.guidelines import guidelines_current
from tasks.services.reviewing import submission_set_review_status
from tasks.template_definition import displayed_data, questions

MAX_COMMENT_CHARS = 10_000
MAX_BULK = 500
STATUS_FOR = {
    Decision.ACCEPT: SubmissionStatus.ACCEPTED,
    Decision.REJECT: SubmissionStatus.REJECTED,
    Decision.RETURN: SubmissionStatus.RETURNED,
}


# --- the audit log ------------------------------------------------------------------------


def _log(
    *,
    project_id: int,
    actor,
    action: str,
    submission: Submission | None = None,
    review: Review | None = None,
    dispute: Dispute | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ReviewEvent:
    return ReviewEvent.objects.create(
        project_id=project_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        submission=submission,
        review=review,
        dispute=dispute,
        before=before or {},
        after=after or {},
    )


def review_log(*, project: Project) -> QuerySet[ReviewEvent]:
    """The project's review audit log, newest first."""
    return (
        ReviewEvent.objects.filter(project=project)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


# --- policy -------------------------------------------------------------------------------


def review_policy_for(project: Project) -> ReviewPolicy:
    """The project's policy, or the defaults (unsaved) when nobody has set one."""
    policy = ReviewPolicy.objects.filter(project=project).first()
    return policy or ReviewPolicy(project=project)


POLICY_FIELDS = (
    "clean_sample_rate",
    "full_review_first_n",
    "show_author_names",
    "lease_seconds",
    "scoring_method",
    "missing_judgments",
)


def _policy_state(policy: ReviewPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


@transaction.atomic
def review_policy_update(*, project: Project, by, **changes: Any) -> ReviewPolicy:
    """Change the project's review policy (setters and admins); every bad value is named."""
    if not permissions.can_edit_review_policy(by, project):
        raise PermissionDenied("Only question setters and admins set the review policy.")
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name == "clean_sample_rate":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                errors[name] = ["A share between 0 and 1 (0.2 reviews a fifth of clean work)."]
        elif name == "full_review_first_n":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
                errors[name] = ["A whole number from 0 to 100000."]
        elif name == "show_author_names":
            if not isinstance(value, bool):
                errors[name] = ["true or false."]
        elif name == "lease_seconds":
            if isinstance(value, bool) or not isinstance(value, int) or not 60 <= value <= 86_400:
                errors[name] = ["A whole number of seconds from 60 to 86400."]
        elif name == "scoring_method":
            if value not in ScoringMethod.values:
                errors[name] = [f"One of: {', '.join(ScoringMethod.values)}."]
        elif name == "missing_judgments":
            if value not in MissingJudgments.values:
                errors[name] = [f"One of: {', '.join(MissingJudgments.values)}."]
        else:
            errors[name] = ["Unknown setting."]
    if errors:
        raise DomainError("Some review policy settings are invalid.", fields=errors)
    policy, _ = ReviewPolicy.objects.select_for_update().get_or_create(project=project)
    before = _policy_state(policy)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.updated_by = by
    policy.save()
    _log(
        project_id=project.pk,
        actor=by,
        action="policy_update",
        before=before,
        after=_policy_state(policy),
    )
    return policy


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


def _require_reviewer_of(reviewer, submission: Submission) -> None:
    if submission.author_id == getattr(reviewer, "pk", None):
        raise PermissionDenied("Nobody reviews their own work.")
    if not permissions.can_review_submission(reviewer, submission):
        raise PermissionDenied("Only QA leads and admins of this project review its work.")


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


# --- judgments, reasons, rubric versions ----------------------------------------------------


def _rubric_in_force(
    project: Project, named: Any, *, needed: bool, field: str = "rubric_version"
) -> RubricVersion | None:
    """The project's pinned rubric version, which every new review is recorded against.

    ``named`` is the version the reviewer judged against (the page or client sends the one
    it loaded); anything but the version in force is refused, so judgments made against a
    superseded or retired version are never scored as if they were current.
    """
    current = (
        RubricVersion.objects.select_related("rubric").filter(pk=project.rubric_version_id).first()
        if project.rubric_version_id
        else None
    )
    if named is None:
        if needed and current is not None:
            raise DomainError(
                "Name the rubric version you judged against.",
                code="rubric_version_required",
                fields={field: [f"Required with judgments: the project applies id {current.pk}."]},
            )
        if current is not None:
            current.require_applicable()
        return current
    if current is None:
        raise ConflictError(
            "This project applies no rubric; send no rubric version and no judgments.",
            code="no_rubric",
            fields={field: ["The project pins no rubric version."]},
        )
    if named != current.pk:
        old = RubricVersion.objects.filter(pk=named).select_related("rubric").first()
        what = (
            f"Version {old.number} of “{old.rubric}” is {old.get_status_display().lower()}"
            if old is not None
            else f"There is no rubric version {named}"
        )
        raise ConflictError(
            f"{what}; this project's reviews apply version {current.number} "
            f"(id {current.pk}). Reload the review and judge against it.",
            code="rubric_version_not_current",
            fields={field: [f"Not the version in force (id {current.pk})."]},
        )
    if not current.is_applicable:
        raise ConflictError(
            f"Version {current.number} of “{current.rubric}” is retired and is never applied "
            "again; a setter must pin another version.",
            code="version_retired",
            fields={field: ["Retired."]},
        )
    return current


def _score(
    version: RubricVersion | None, judgments: Any, policy: ReviewPolicy
) -> dict[str, Any] | None:
    if judgments in (None, {}):
        return None
    if not isinstance(judgments, Mapping):
        raise DomainError(
            "Judgments must be an object keyed by criterion id.",
            fields={"judgments": ["Must be an object keyed by criterion id."]},
        )
    if version is None:
        raise DomainError(
            "This project applies no rubric, so there is nothing to judge.",
            fields={"judgments": ["The project pins no rubric version."]},
        )
    errors = validate_judgments(version.content, judgments, require_evidence=True)
    if errors:
        raise DomainError(
            "Some judgments need attention; each is listed under its criterion.",
            code="invalid_judgments",
            fields={f"judgments.{path}" if path else "judgments": m for path, m in errors.items()},
        )
    return score_rubric(
        version.content,
        judgments,
        method=policy.scoring_method,  # type: ignore[arg-type]
        missing=policy.missing_judgments,  # type: ignore[arg-type]
    ).as_dict()


def _clean_reasons(
    project: Project, version: RubricVersion | None, reasons: Any, decision: str
) -> list[dict[str, str]]:
    """Each reason names a criterion of the rubric version in force or an active rule of the
    guidelines in force; reject and return need at least one."""
    if reasons in (None, ""):
        reasons = []
    if not isinstance(reasons, list):
        raise DomainError("Reasons must be a list.", fields={"reasons": ["Must be a list."]})
    if decision in (Decision.REJECT, Decision.RETURN) and not reasons:
        raise DomainError(
            "Say why: a rejection or a return names at least one rubric criterion or "
            "guideline rule.",
            code="reason_required",
            fields={"reasons": ["At least one reason (a criterion or a guideline rule)."]},
        )
    criteria = (
        {located.node["id"]: located.node for located in iter_criteria(version.content)}
        if version is not None
        else {}
    )
    guidelines = guidelines_current(project)
    rules = {rule["id"]: rule for rule in (guidelines.active_rules if guidelines else [])}
    cleaned: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    for index, reason in enumerate(reasons):
        where = f"reasons[{index}]"
        if not isinstance(reason, Mapping) or len(set(reason) & {"criterion", "rule"}) != 1:
            errors[where] = ['An object with either "criterion" or "rule".']
            continue
        unknown = set(reason) - {"criterion", "rule"}
        if unknown:
            errors[where] = [f"Unknown key(s): {', '.join(sorted(map(str, unknown)))}."]
            continue
        if "criterion" in reason:
            key = reason["criterion"]
            if key not in criteria:
                errors[f"{where}.criterion"] = [
                    "Not a criterion of the rubric version in force."
                    if version is not None
                    else "This project applies no rubric; name a guideline rule."
                ]
                continue
            cleaned.append({"criterion": key, "label": str(criteria[key].get("title", key))})
        else:
            key = reason["rule"]
            if key not in rules:
                errors[f"{where}.rule"] = ["Not an active rule of the guidelines in force."]
                continue
            cleaned.append({"rule": key, "label": str(rules[key].get("title", key))})
    if errors:
        raise DomainError(
            "Some reasons name nothing in force.", code="invalid_reason", fields=errors
        )
    return cleaned


def _clean_comment(comment: Any, *, required: bool, field: str = "comment") -> str:
    text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        raise DomainError("The comment must be text.", fields={field: ["Must be text."]})
    if required and not text:
        raise DomainError(
            "A comment is required: tell the author what to change and why.",
            code="comment_required",
            fields={field: ["This is required."]},
        )
    if len(text) > MAX_COMMENT_CHARS:
        raise DomainError(
            "The comment is too long.", fields={field: [f"At most {MAX_COMMENT_CHARS} characters."]}
        )
    return text


def _decision(value: Any) -> str:
    if value not in Decision.values:
        raise DomainError(
            "Choose a decision.",
            fields={"decision": [f"One of: {', '.join(Decision.values)}."]},
        )
    return value


def _author_reasons(reasons: Sequence[Mapping[str, str]], comment: str) -> list[str]:
    """What the author reads on returned work: each reason, then the reviewer's comment."""
    lines = [
        f"Rubric criterion “{r['label']}” ({r['criterion']})"
        if "criterion" in r
        else f"Guideline rule {r['rule']}: {r['label']}"
        for r in reasons
    ]
    return [*lines, comment] if comment else lines


# --- deciding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewInput:
    """What a reviewer sends: the shape the page's form and the API serializer produce."""

    decision: str
    judgments: Mapping[str, Any] | None = None
    reasons: Sequence[Mapping[str, Any]] | None = None
    comment: str = ""
    private_note: str = ""
    rubric_version: int | None = None
    revision: int | None = None


def _revision_row(submission: Submission, number: int) -> SubmissionRevision:
    return SubmissionRevision.objects.select_related("template").get(
        submission=submission, number=number
    )


def _decided_after_commit(review: Review) -> None:
    transaction.on_commit(lambda: review_decided.send(sender=Review, review=review))


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
    policy = review_policy_for(project)
    decision = _decision(data.decision)
    version = _rubric_in_force(project, data.rubric_version, needed=bool(data.judgments))
    score = _score(version, data.judgments, policy)
    reasons = _clean_reasons(project, version, data.reasons, decision)
    comment = _clean_comment(data.comment, required=decision != Decision.ACCEPT)
    note = _clean_comment(data.private_note, required=False, field="private_note")
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if (
        item is not None
        and item.leased_by_id not in (None, reviewer.pk)
        and item.lease_expires_at
        and item.lease_expires_at > now
        and item.status == ItemStatus.QUEUED
    ):
        raise ConflictError(
            "Another reviewer holds this submission right now.", code="leased_by_other"
        )
    before_status = (
        Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).get()
    )
    locked = submission_set_review_status(
        submission=submission,
        status=STATUS_FOR[decision],
        reasons=_author_reasons(reasons, comment),
        expected_revision=data.revision,
    )
    revision = _revision_row(locked, locked.revision)
    review = Review.objects.create(
        submission=locked,
        project=project,
        kind=ReviewKind.REVIEW,
        reviewer=reviewer,
        revision=revision,
        template=revision.template,
        rubric_version=version,
        judgments=dict(data.judgments or {}),
        score=score,
        decision=decision,
        reasons=reasons,
        comment=comment,
        private_note=note,
    )
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
        raise PermissionDenied("Only QA leads and admins review this project's work.")
    if (
        not isinstance(submission_ids, list)
        or not submission_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in submission_ids)
    ):
        raise DomainError(
            "Send a non-empty list of submission ids.",
            fields={"submissions": ["A non-empty list of whole numbers."]},
        )
    if len(submission_ids) > MAX_BULK:
        raise DomainError(
            f"At most {MAX_BULK} submissions at once.",
            fields={"submissions": [f"{len(submission_ids)} given."]},
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
            bad[where] = [f"Submission {pk} is listed twice."]
        elif item is None:
            bad[where] = [f"Submission {pk} is not in this project's review queue."]
        elif item.submission.author_id == reviewer.pk:
            bad[where] = [f"Submission {pk} is your own work; nobody reviews their own."]
        elif item.status != ItemStatus.QUEUED or item.submission.status != "submitted":
            conflicts[where] = [f"Submission {pk} was already decided."]
        elif item.risk != Risk.CLEAN:
            bad[where] = [f"Submission {pk} has check findings; review it on its own."]
        elif (
            item.leased_by_id not in (None, reviewer.pk)
            and item.lease_expires_at
            and item.lease_expires_at > now
        ):
            conflicts[where] = [f"Another reviewer holds submission {pk}."]
        seen.add(pk)
    if bad or conflicts:
        error = DomainError if bad else ConflictError
        raise error(
            f"{len(bad) + len(conflicts)} of {len(submission_ids)} submissions cannot be "
            "accepted in bulk; nothing was accepted.",
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
        raise PermissionDenied("A second review is by someone other than the first reviewer.")
    if review.kind != ReviewKind.REVIEW or review.decision not in (
        Decision.ACCEPT,
        Decision.REJECT,
    ):
        raise ConflictError(
            "Only a first review's accept or rejection is audited.", code="not_auditable"
        )
    if Review.objects.filter(parent=review, kind=ReviewKind.SECOND).exists():
        raise ConflictError("This review already has a second review.", code="already_audited")
    project = submission.task.project
    policy = review_policy_for(project)
    decision = _decision(data.decision)
    version = _rubric_in_force(project, data.rubric_version, needed=bool(data.judgments))
    score = _score(version, data.judgments, policy)
    reasons = _clean_reasons(project, version, data.reasons, decision)
    comment = _clean_comment(data.comment, required=decision != Decision.ACCEPT)
    note = _clean_comment(data.private_note, required=False, field="private_note")
    try:
        with transaction.atomic():
            second = Review.objects.create(
                submission=submission,
                project=project,
                kind=ReviewKind.SECOND,
                parent=review,
                reviewer=reviewer,
                revision=review.revision,
                template=review.template,
                rubric_version=version,
                judgments=dict(data.judgments or {}),
                score=score,
                decision=decision,
                reasons=reasons,
                comment=comment,
                private_note=note,
            )
    except IntegrityError as exc:  # a concurrent audit of the same review won
        raise ConflictError(
            "This review already has a second review.", code="already_audited"
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
        raise PermissionDenied("Only QA leads and admins audit reviews.")
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
        raise ConflictError("Re-grade the first review itself.", code="not_regradable")
    project = submission.task.project
    version = _rubric_in_force(project, rubric_version, needed=True)
    if version is None:
        raise ConflictError(
            "This project applies no rubric; there is nothing to re-grade against.",
            code="no_rubric",
            fields={"rubric_version": ["The project pins no rubric version."]},
        )
    if version.pk == review.rubric_version_id:
        raise ConflictError(
            "This review already used the rubric version in force; a re-grade is against a "
            "newer version.",
            code="already_current",
            fields={"rubric_version": ["Same version as the review."]},
        )
    if not judgments:
        raise DomainError(
            "Judge the criteria of the new version.",
            fields={"judgments": ["At least one judgment."]},
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


# --- disputes ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_file(*, submission: Submission, by, comment: str) -> Dispute:
    """The author disputes the rejection of their work, once. A dispute of an accept or a
    return, a second dispute, or one after the final decision is a 409; nothing is
    written then."""
    if not permissions.can_dispute(by, submission):
        raise PermissionDenied("Only the author disputes a decision on their work.")
    text = _clean_comment(comment, required=True)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    existing = Dispute.objects.filter(submission=locked).first()
    if existing is not None:
        if existing.status == DisputeStatus.RESOLVED:
            raise ConflictError(
                "This dispute was decided and the decision is final.", code="dispute_final"
            )
        raise ConflictError("You already disputed this decision.", code="already_disputed")
    if locked.status != SubmissionStatus.REJECTED:
        raise ConflictError(
            f"Only a rejection can be disputed; this submission is {locked.status}.",
            code="not_disputable",
        )
    rejection = (
        Review.objects.filter(submission=locked, kind=ReviewKind.REVIEW, decision=Decision.REJECT)
        .order_by("-id")
        .first()
    )
    if rejection is None:
        raise ConflictError("There is no review to dispute.", code="not_disputable")
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
        raise ConflictError("You already disputed this decision.", code="already_disputed") from exc
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
            "A dispute is decided by a QA lead or admin other than the reviewer who rejected."
        )
    if dispute.status != DisputeStatus.OPEN:
        raise ConflictError(
            "This dispute was decided; the decision is final.", code="dispute_final"
        )
    submission = dispute.submission
    project = submission.task.project
    decision = _decision(data.decision)
    version = _rubric_in_force(project, data.rubric_version, needed=bool(data.judgments))
    score = _score(version, data.judgments, review_policy_for(project))
    given = data.reasons
    if decision == Decision.REJECT and not given:
        reasons = dispute.review.reasons  # the rejection stands with its reasons
    else:
        reasons = _clean_reasons(project, version, given, decision)
    comment = _clean_comment(data.comment, required=True)
    note = _clean_comment(data.private_note, required=False, field="private_note")
    locked = submission_set_review_status(
        submission=submission,
        status=STATUS_FOR[decision],
        reasons=_author_reasons(reasons, comment),
        dispute=True,
    )
    revision = _revision_row(locked, locked.revision)
    resolution = Review.objects.create(
        submission=locked,
        project=project,
        kind=ReviewKind.DISPUTE,
        parent=dispute.review,
        reviewer=by,
        revision=revision,
        template=revision.template,
        rubric_version=version,
        judgments=dict(data.judgments or {}),
        score=score,
        decision=decision,
        reasons=reasons,
        comment=comment,
        private_note=note,
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
        raise PermissionDenied("Only QA leads and admins see the project's disputes.")
    disputes = Dispute.objects.filter(project=project).select_related(
        "review", "resolution", "submission", "filed_by"
    )
    if status:
        if status not in DisputeStatus.values:
            raise DomainError(
                "Unknown dispute status.", fields={"status": ["One of: open, resolved."]}
            )
        disputes = disputes.filter(status=status)
    return disputes.order_by("-status", "created_at", "id")  # "resolved" > "open"


# --- what a reviewer reads --------------------------------------------------------------------


def author_alias(project_id: int, user_id: int) -> str:
    """A stable pseudonym of a trainer within one project, for policies that hide names."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{project_id}:{user_id}".encode())
    return f"Trainer {digest.hexdigest()[:6].upper()}"


def person_as_dict(policy: ReviewPolicy, project_id: int, user) -> dict[str, Any]:
    if policy.show_author_names:
        return {"id": user.pk, "username": user.username, "alias": None}
    return {"id": None, "username": None, "alias": author_alias(project_id, user.pk)}


def author_history(*, project: Project, trainer) -> dict[str, Any]:
    """The author's record in this project: gold accuracy and the share of decided work
    accepted (returned work is not decided yet)."""
    from reviews.services import gold_accuracy

    correct, answered = gold_accuracy(project=project, trainer=trainer)
    counts = Submission.objects.filter(author=trainer, task__project=project).aggregate(
        submitted=Count("id"),
        accepted=Count("id", filter=Q(status=SubmissionStatus.ACCEPTED)),
        rejected=Count("id", filter=Q(status=SubmissionStatus.REJECTED)),
        returned=Count("id", filter=Q(status=SubmissionStatus.RETURNED)),
    )
    decided = counts["accepted"] + counts["rejected"]
    return {
        "gold_correct": correct,
        "gold_answered": answered,
        "gold_accuracy": correct / answered if answered else None,
        **counts,
        "acceptance_rate": counts["accepted"] / decided if decided else None,
    }


def review_as_dict(review: Review, *, internals: bool) -> dict[str, Any]:
    """A review as plain data; without ``internals`` (the author's view) no private note,
    no reviewer identity."""
    body: dict[str, Any] = {
        "id": review.pk,
        "kind": review.kind,
        "parent": review.parent_id,
        "revision": review.revision.number,
        "template_version": review.template.version,
        "rubric_version": review.rubric_version_id,
        "judgments": review.judgments,
        "score": review.score,
        "decision": review.decision or None,
        "reasons": review.reasons,
        "comment": review.comment,
        "created_at": review.created_at,
    }
    if internals:
        body["reviewer"] = review.reviewer.username
        body["private_note"] = review.private_note
    return body


def reviews_for(*, submission: Submission, user) -> list[dict[str, Any]]:
    """The reviews of a submission ``user`` may read, oldest first: the author reads the
    decisions (reasons and comments) only; reviewers read everything."""
    if not permissions.can_view_reviews(user, submission):
        raise PermissionDenied
    internals = permissions.sees_review_internals(user, submission)
    reviews = Review.objects.filter(submission=submission).select_related(
        "revision", "template", "reviewer"
    )
    if not internals:
        reviews = reviews.filter(kind__in=(ReviewKind.REVIEW, ReviewKind.DISPUTE))
    return [review_as_dict(r, internals=internals) for r in reviews.order_by("id")]


def review_context(*, submission: Submission, reviewer) -> dict[str, Any]:
    """Everything a reviewer needs to judge a submission, as plain data: the task data as
    the trainer saw it, the answer, the template and rubric versions, the check findings
    with evidence, the author's history, other trainers' answers to the task, the revisions
    and previous reviews, disputes and the queue state. Author names follow the policy."""
    _require_reviewer_of(reviewer, submission)
    task = submission.task
    project = task.project
    policy = review_policy_for(project)
    version = (
        RubricVersion.objects.select_related("rubric").filter(pk=project.rubric_version_id).first()
        if project.rubric_version_id
        else None
    )
    run = CheckRun.objects.filter(submission=submission, revision=submission.revision).first()
    checks = [
        {
            "check": r.check_name,
            "status": r.status,
            "revision": r.revision,
            "findings": r.findings,
        }
        for r in (run.results.order_by("check_name") if run else [])
    ]
    others = (
        Submission.objects.filter(task=task)
        .exclude(pk=submission.pk)
        .select_related("author")
        .order_by("created_at", "id")
    )
    item = ReviewItem.objects.filter(submission=submission).select_related("leased_by").first()
    guidelines = guidelines_current(project)
    dispute = Dispute.objects.filter(submission=submission).first()
    return {
        "submission": {
            "id": submission.pk,
            "task": task.pk,
            "project": project.pk,
            "status": submission.status,
            "revision": submission.revision,
            "answer": submission.answer,
            "return_reasons": submission.return_reasons,
            "created_at": submission.created_at,
            "updated_at": submission.updated_at,
        },
        "author": person_as_dict(policy, project.pk, submission.author),
        "task_data": displayed_data(submission.template.definition, task.data),
        "template": {
            "id": submission.template_id,
            "version": submission.template.version,
            "name": submission.template.name,
            "definition": submission.template.definition,
        },
        "rubric": None
        if version is None
        else {
            "id": version.pk,
            "rubric": version.rubric_id,
            "title": version.rubric.title,
            "number": version.number,
            "status": version.status,
            "content": version.content,
        },
        "guideline_rules": [
            {"id": rule["id"], "title": rule.get("title", "")}
            for rule in (guidelines.active_rules if guidelines else [])
        ],
        "checks": {"status": run.status if run else "pending", "results": checks},
        "author_history": author_history(project=project, trainer=submission.author),
        "other_answers": [
            {
                "submission": other.pk,
                "author": person_as_dict(policy, project.pk, other.author),
                "status": other.status,
                "answer": other.answer,
            }
            for other in others
        ],
        "revisions": [
            {"number": r.number, "template_version": r.template.version, "created_at": r.created_at}
            for r in submission.revisions.select_related("template").order_by("number")
        ],
        "reviews": reviews_for(submission=submission, user=reviewer),
        "dispute": None if dispute is None else dispute_as_dict(dispute),
        "queue": None
        if item is None
        else {
            "status": item.status,
            "risk": Risk(item.risk).label,
            "reason": item.reason,
            "leased_by": item.leased_by.username if item.leased_by else None,
            "lease_expires_at": item.lease_expires_at,
        },
    }


def dispute_as_dict(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.pk,
        "submission": dispute.submission_id,
        "review": dispute.review_id,
        "status": dispute.status,
        "comment": dispute.comment,
        "resolution": dispute.resolution_id,
        "created_at": dispute.created_at,
        "resolved_at": dispute.resolved_at,
    }


# --- revisions --------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def revisions_diff(*, submission: Submission, before: int, after: int) -> dict[str, Any]:
    """What changed between two revisions' answers, question by question (in the order of
    the later revision's template; questions only the earlier one had come last). Each
    changed question carries both values and a line diff of their text."""
    numbers = {"from": before, "to": after}
    rows = {}
    for name, number in numbers.items():
        row = (
            SubmissionRevision.objects.filter(submission=submission, number=number)
            .select_related("template")
            .first()
            if isinstance(number, int)
            else None
        )
        if row is None:
            raise DomainError(
                f"There is no revision {number!r} of this submission.",
                code="unknown_revision",
                fields={name: [f"A revision number from 1 to {submission.revision}."]},
            )
        rows[name] = row
    old, new = rows["from"], rows["to"]
    order = [q["id"] for q in questions(new.template.definition)]
    order += [q["id"] for q in questions(old.template.definition) if q["id"] not in order]
    order += sorted(k for k in {*old.answer, *new.answer} if k not in order)
    changes = []
    for question in order:
        a, b = old.answer.get(question), new.answer.get(question)
        if a == b:
            continue
        lines = list(
            difflib.unified_diff(
                _as_text(a).splitlines() if a is not None else [],
                _as_text(b).splitlines() if b is not None else [],
                fromfile=f"revision {before}",
                tofile=f"revision {after}",
                lineterm="",
            )
        )
        changes.append({"question": question, "before": a, "after": b, "diff": lines})
    return {
        "from": before,
        "to": after,
        "template_changed": old.template_id != new.template_id,
        "changes": changes,
        "unchanged": [q for q in order if old.answer.get(q) == new.answer.get(q)],
    }

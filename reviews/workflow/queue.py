"""The risk-ordered review queue: queuing checked work (``review_items_sync``), listing it,
and the leases that keep two reviewers off the same item (``review_next``,
``review_lease``, ``review_release``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext

from annotation_platform.errors import ConflictError, DomainError
from quality.models import CheckResult, CheckRun
from reviews import permissions
from reviews.models import Decision, ItemStatus, Review, ReviewItem, ReviewKind, ReviewPolicy, Risk
from reviews.workflow._common import _log, _require_reviewer_of
from reviews.workflow.policy import review_policy_for
from reviews.workflow.reading import author_code
from tasks.models import Membership, Project, Role, Submission, SubmissionStatus

# --- the queue ----------------------------------------------------------------------------


def _sampled(policy: ReviewPolicy, submission: Submission) -> bool:
    """A stable draw per submission: re-running the checks never flips it."""
    digest = hashlib.sha256(f"review-sample:{submission.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < policy.clean_sample_rate


def _risk(statuses) -> int:
    statuses = list(statuses)
    if any(result in ("fail", "error") for result in statuses):
        return Risk.FAILED
    if any(result == "warn" for result in statuses):
        return Risk.WARNED
    return Risk.CLEAN


def _first_n(policy: ReviewPolicy, submissions: list[Submission]) -> set[int]:
    """Which of ``submissions`` (one project's) are among their author's first N there."""
    limit = policy.full_review_first_n
    if not limit:
        return set()
    authors = {submission.author_id for submission in submissions}
    earliest = (
        Submission.objects.filter(author_id__in=authors, task__project_id=policy.project_id)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("author_id")], order_by=F("pk").asc())
        )
        .filter(position__lte=limit)
        .values_list("pk", flat=True)
    )
    return set(earliest) & {submission.pk for submission in submissions}


_SYNCED_FIELDS = ("project_id", "revision", "risk", "reason", "flagged_checks")


def review_items_sync(*, items: list[tuple[Submission, CheckRun]]) -> list[ReviewItem]:
    """Called by the check pipeline (inside its transaction) once revisions' checks are
    done or judged again: queue each submission by risk, or record why it is not queued.
    A reworked revision reopens its item; a reviewer holding it keeps the lease. The
    queries do not grow with the number of items (a check worker sends batches)."""
    if not items:
        return []
    ids = [submission.pk for submission, _ in items]
    statuses = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "status"))
    existing = {
        item.submission_id: item
        for item in ReviewItem.objects.select_for_update().filter(submission_id__in=ids)
    }
    results: dict[int, list[tuple[str, str]]] = {}
    for run_id, name, status in CheckResult.objects.filter(
        run_id__in=[run.pk for _, run in items]
    ).values_list("run_id", "check_name", "status"):
        results.setdefault(run_id, []).append((name, status))
    reworked = set(
        Review.objects.filter(
            submission_id__in=ids, kind=ReviewKind.REVIEW, decision=Decision.RETURN
        ).values_list("submission_id", flat=True)
    )
    live = [(s, run) for s, run in items if statuses.get(s.pk) == SubmissionStatus.SUBMITTED]
    by_project: dict[int, list[Submission]] = {}
    for submission, _ in live:
        by_project.setdefault(submission.task.project_id, []).append(submission)
    policies = {
        project_id: review_policy_for(subs[0].task.project)
        for project_id, subs in by_project.items()
    }
    first_n = set().union(
        *(_first_n(policies[project_id], subs) for project_id, subs in by_project.items())
    )
    now = timezone.now()
    synced, created, changed, requeued = [], [], [], []
    for submission, run in items:
        item = existing.get(submission.pk)
        status = statuses.get(submission.pk)
        if status in _DECIDED and item is not None and run.revision == submission.revision:
            if _requeue_decided(item, submission, status, results.get(run.pk, []), now):
                requeued.append(item)
            synced.append(item)
            continue
        if status != SubmissionStatus.SUBMITTED:
            # The checks sent it back to its author (or a reviewer decided meanwhile).
            if item is not None and item.status == ItemStatus.QUEUED:
                item.status = ItemStatus.WITHDRAWN
                changed.append(item)
            if item is not None:
                synced.append(item)
            continue
        checks = results.get(run.pk, [])
        risk = _risk(status for _, status in checks)
        policy = policies[submission.task.project_id]
        if risk == Risk.FAILED:
            reason = "failed"
        elif risk == Risk.WARNED:
            reason = "warned"
        elif submission.pk in reworked:
            reason = "rework"
        elif submission.pk in first_n:
            reason = "first_n"
        elif _sampled(policy, submission):
            reason = "sample"
        else:
            reason = "not_sampled"
        values = {
            "project_id": submission.task.project_id,
            "revision": run.revision,
            "status": ItemStatus.NOT_SAMPLED if reason == "not_sampled" else ItemStatus.QUEUED,
            "risk": risk,
            "reason": reason,
            "flagged_checks": sorted(
                name for name, status in checks if status in ("warn", "fail", "error")
            ),
        }
        if item is None:
            created.append(ReviewItem(submission=submission, queued_at=now, **values))
            continue
        if item.status != ItemStatus.QUEUED:
            item.queued_at = now
        for name, value in values.items():
            setattr(item, name, value)
        changed.append(item)
        synced.append(item)
    for item in changed:
        item.updated_at = now
    ReviewItem.objects.bulk_update(changed, ["status", "queued_at", "updated_at", *_SYNCED_FIELDS])
    if requeued:  # rare: decided work whose checks changed (its lease fields too)
        for item in requeued:
            item.updated_at = now
        ReviewItem.objects.bulk_update(
            requeued,
            ["status", "queued_at", "updated_at", "leased_by", "lease_expires_at", *_SYNCED_FIELDS],
        )
    return synced + ReviewItem.objects.bulk_create(created)


_DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED)


def is_reconsidered(item: ReviewItem | None) -> bool:
    """Whether a decided submission is back in the queue because its checks changed."""
    return item is not None and item.status == ItemStatus.QUEUED and item.reason == "rejudged"


_FLAGGING = ("warn", "fail", "error")


def _requeue_decided(
    item: ReviewItem,
    submission: Submission,
    status: str,
    checks: list[tuple[str, str]],
    now: datetime,
) -> bool:
    """A decided submission whose checks changed after the decision (a late re-judgment,
    or checks that finished after a reviewer decided) goes back to the queue, reason
    "rejudged": an accepted one that a check now flags, a rejected one that a check
    flagged no longer does. The decision itself stays until a person reviews it again
    (``decisions._decide``); the event log says what changed."""
    flagged = sorted(name for name, result in checks if result in _FLAGGING)
    seen = set(item.flagged_checks or ())
    if status == SubmissionStatus.ACCEPTED:
        changed = bool(set(flagged) - seen)
    else:
        changed = bool(seen - set(flagged))
    if not changed or item.status == ItemStatus.QUEUED:
        return False
    before = {"status": item.status, "flagged_checks": sorted(seen), "risk": item.risk}
    item.status = ItemStatus.QUEUED
    item.reason = "rejudged"
    item.risk = _risk(result for _, result in checks)
    item.flagged_checks = flagged
    item.queued_at = now
    item.leased_by, item.lease_expires_at = None, None
    _log(
        project_id=item.project_id,
        actor=None,
        action="requeued",
        submission=submission,
        before=before,
        after={"status": item.status, "flagged_checks": flagged, "risk": item.risk},
    )
    return True


# --- filters -------------------------------------------------------------------------------

# The query parameters of the queue's filters (the page's, the API's and "next"'s).
FILTER_PARAMS = ("check", "trainer", "waiting", "risk", "status")
RISK_FILTERS = {"failed": Risk.FAILED, "warned": Risk.WARNED, "clean": Risk.CLEAN}
STATUS_FILTERS = ("free", "held")
# "Waiting more than": hours or days, e.g. 1h, 1d, 7d (the page offers these three).
_WAITING = re.compile(r"^([1-9][0-9]{0,3})([hd])$")
_CODE = re.compile(r"([0-9A-F]{6})$", re.IGNORECASE)
_MAX_WAITING = timedelta(days=3650)


@dataclass(frozen=True)
class QueueFilters:
    """A reviewer's filters of the queue, all optional and combined with AND: flagged by
    check ``check``, written by one trainer (``author_id``), waiting more than
    ``waiting``, of one risk, free or held. ``params`` keeps them as given, for URLs."""

    check: str = ""
    author_id: int | None = None
    waiting: timedelta | None = None
    risk: int | None = None
    status: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.params)

    def apply(self, items: QuerySet[ReviewItem], now: datetime) -> QuerySet[ReviewItem]:
        if self.check:
            items = items.filter(_flagged_by(self.check))
        if self.author_id is not None:
            items = items.filter(submission__author_id=self.author_id)
        if self.waiting is not None:
            items = items.filter(queued_at__lte=now - self.waiting)
        if self.risk is not None:
            items = items.filter(risk=self.risk)
        if self.status == "free":
            items = items.filter(_free(now))
        elif self.status == "held":
            items = items.exclude(_free(now))
        return items


NO_FILTERS = QueueFilters()


def _flagged_by(check: str) -> Q:
    # PostgreSQL: jsonb containment, served by the partial GIN index on queued items
    # (migration 0006). SQLite cannot do JSON containment: the quoted name in the JSON
    # text is the same test for a list of check names ([a-z_]+, checked by the parser).
    if connection.features.supports_json_field_contains:
        return Q(flagged_checks__contains=[check])
    return Q(flagged_checks__icontains=f'"{check}"')


def queue_trainers(*, project: Project) -> list[tuple[str, int]]:
    """The trainers one may filter ``project``'s queue by: (key, user id), where the key
    is the username, or the pseudonym's code when the policy hides names."""
    policy = review_policy_for(project)
    members = (
        Membership.objects.filter(project=project, role=Role.TRAINER)
        .select_related("user")
        .order_by("user__username")
    )
    if policy.show_author_names:
        return [(m.user.username, m.user_id) for m in members]
    return sorted((author_code(project.pk, m.user_id), m.user_id) for m in members)


def _trainer_id(project: Project, value: str) -> tuple[int | None, str | None]:
    """The author a ``trainer`` filter names, or an error message."""
    from accounts.models import User

    policy = review_policy_for(project)
    if policy.show_author_names:
        user_id = User.objects.filter(username=value).values_list("pk", flat=True).first()
        if user_id is None:
            return None, gettext("No user is named “%(name)s”.") % {"name": value}
        return user_id, None
    match = _CODE.search(value.strip())
    if match is None:
        return None, gettext(
            "This project hides trainers' names: give the code of a pseudonym, such as "
            "3FA2C1 in “Trainer 3FA2C1”."
        )
    code = match.group(1).upper()
    for key, user_id in queue_trainers(project=project):
        if key == code:
            return user_id, None
    # Former trainers whose work is still queued.
    authors = (
        ReviewItem.objects.filter(project=project, status=ItemStatus.QUEUED)
        .values_list("submission__author_id", flat=True)
        .distinct()
    )
    for user_id in authors:
        if author_code(project.pk, user_id) == code:
            return user_id, None
    # A well-formed code of nobody here: an empty queue, not a hint about who exists.
    return 0, None


def queue_filters(*, project: Project, params) -> QueueFilters:
    """Read the queue's filters from query parameters (a QueryDict or a mapping of
    strings); empty values mean no filter. Raises ``DomainError`` naming each parameter
    whose value is not understood."""
    from quality.checks import CATALOGUE

    values = {name: (params.get(name) or "").strip() for name in FILTER_PARAMS}
    errors: dict[str, list[str]] = {}
    check = values["check"]
    if check and check not in CATALOGUE:
        errors["check"] = [
            gettext("Not a check. One of: %(codes)s.") % {"codes": ", ".join(CATALOGUE)}
        ]
    author_id = None
    if values["trainer"]:
        author_id, problem = _trainer_id(project, values["trainer"])
        if problem:
            errors["trainer"] = [problem]
    waiting = None
    if values["waiting"]:
        match = _WAITING.match(values["waiting"])
        if match is None:
            errors["waiting"] = [
                gettext("A number of hours or days, such as 1h, 1d or 7d."),
            ]
        else:
            amount, unit = int(match.group(1)), match.group(2)
            waiting = timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
            if waiting > _MAX_WAITING:
                errors["waiting"] = [gettext("At most 3650 days.")]
    risk = None
    if values["risk"]:
        risk = RISK_FILTERS.get(values["risk"])
        if risk is None:
            errors["risk"] = [
                gettext("One of: %(codes)s.") % {"codes": ", ".join(RISK_FILTERS)},
            ]
    if values["status"] and values["status"] not in STATUS_FILTERS:
        errors["status"] = [
            gettext("One of: %(codes)s.") % {"codes": ", ".join(STATUS_FILTERS)},
        ]
    if errors:
        raise DomainError(
            gettext("Some queue filters are not understood; each is named."),
            code="invalid_filter",
            fields=errors,
        )
    return QueueFilters(
        check=check,
        author_id=author_id,
        waiting=waiting,
        risk=risk,
        status=values["status"],
        params=tuple((name, value) for name, value in values.items() if value),
    )


def review_queue(
    *,
    project: Project,
    reviewer,
    filters: QueueFilters = NO_FILTERS,
    now: datetime | None = None,
) -> QuerySet[ReviewItem]:
    """The project's queued items ``reviewer`` may review, failed first, then warned, then
    sampled clean work, oldest first within each; only those ``filters`` let through."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    items = (
        ReviewItem.objects.filter(project=project, status=ItemStatus.QUEUED)
        .exclude(submission__author=reviewer)
        .select_related("submission__author", "submission__task", "leased_by")
        .order_by("risk", "queued_at", "id")
    )
    return filters.apply(items, now or timezone.now())


def _free(now: datetime) -> Q:
    return Q(leased_by__isnull=True) | Q(lease_expires_at__lte=now)


def _lease_state(item: ReviewItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "leased_by": item.leased_by_id,
        "lease_expires_at": item.lease_expires_at.isoformat() if item.lease_expires_at else None,
    }


def review_next(
    *,
    project: Project,
    reviewer,
    now: datetime | None = None,
    filters: QueueFilters = NO_FILTERS,
) -> ReviewItem | None:
    """Lease the next item of the queue to ``reviewer`` (the one they hold, if any); None
    when nothing is left for them. Never an item of their own work. With ``filters``,
    only an item they let through (held or new), so a reviewer can work through, say,
    the near-duplicates alone."""
    if not permissions.can_view_review_queue(reviewer, project):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    now = now or timezone.now()
    policy = review_policy_for(project)
    with transaction.atomic():
        held = (
            filters.apply(
                ReviewItem.objects.filter(
                    project=project,
                    status=ItemStatus.QUEUED,
                    leased_by=reviewer,
                    lease_expires_at__gt=now,
                ),
                now,
            )
            .select_related("submission")
            .order_by("risk", "queued_at", "id")
            .first()
        )
        if held is not None:
            return held
        for _ in range(5):  # a rival may claim our pick between the read and the update
            candidates = (
                filters.apply(
                    ReviewItem.objects.filter(project=project, status=ItemStatus.QUEUED), now
                )
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
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if status != SubmissionStatus.SUBMITTED and not is_reconsidered(item):
        raise ConflictError(
            gettext("This submission is %(status)s: there is nothing to review.")
            % {"status": SubmissionStatus(status).label.lower()},
            code="not_reviewable",
        )
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
            gettext("Another reviewer holds this submission right now."),
            code="leased_by_other",
        )
    return claimed


@transaction.atomic
def review_release(*, submission: Submission, reviewer, now: datetime | None = None) -> None:
    """Give an item back to the queue without deciding it."""
    now = now or timezone.now()
    item = ReviewItem.objects.select_for_update().filter(submission=submission).first()
    if item is None or item.leased_by_id != reviewer.pk or item.lease_expires_at <= now:
        raise ConflictError(gettext("You do not hold this submission."), code="no_lease")
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

"""Save and next: record a decision and lease the reviewer's next item of the queue in one
request, so the review page can redirect straight to it (one redirect, no queue page in
between). The next item is the one "Review next" gives (``queue.review_next``: same
filters, same order, the item the reviewer already holds first).

The page's POST builds its form with ``reading.judging_context`` (the rubric version in
force and the active guideline rules), not the whole ``review_context``: the findings, the
author's history, other answers and earlier reviews are read only for the page itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from reviews.models import Review, ReviewItem
from reviews.workflow._common import ReviewInput
from reviews.workflow.decisions import review_submit
from reviews.workflow.queue import NO_FILTERS, QueueFilters, review_next
from tasks.models import Submission


@dataclass(frozen=True)
class DecidedAndNext:
    review: Review
    next_item: ReviewItem | None


def review_submit_and_next(
    *,
    submission: Submission,
    reviewer,
    data: ReviewInput,
    now: datetime | None = None,
    filters: QueueFilters = NO_FILTERS,
) -> DecidedAndNext:
    """``review_submit``, then ``review_next`` for the same reviewer and project. The
    decision commits first: a refusal of the decision leases nothing, and a queue with
    nothing left returns ``next_item=None`` with the decision recorded. ``filters`` are
    the queue's (a reviewer working through one check's flags stays on them)."""
    now = now or timezone.now()
    review = review_submit(submission=submission, reviewer=reviewer, data=data, now=now)
    item = review_next(project=submission.task.project, reviewer=reviewer, now=now, filters=filters)
    return DecidedAndNext(review=review, next_item=item)

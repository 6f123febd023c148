"""Save and next: record a decision and lease the reviewer's next item of the queue in one
request, so the review page can redirect straight to it (one redirect, no queue page in
between). The next item is the one "Review next" gives (``queue.review_next``: same
filters, same order, the item the reviewer already holds first).

``judging_context`` is the part of ``reading.review_context`` a decision needs (the rubric
version in force and the active guideline rules): the form is built and checked with it,
without reading the findings, the author's history, other answers and earlier reviews,
which only the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from reviews.models import Review, ReviewItem
from reviews.workflow._common import ReviewInput, _require_reviewer_of
from reviews.workflow.decisions import review_submit
from reviews.workflow.queue import review_next
from rubrics.models import RubricVersion
from tasks.models import Submission
from tasks.services.guidelines import guidelines_current


def judging_context(*, submission: Submission, reviewer) -> dict[str, Any]:
    """The rubric version in force and the active guideline rules, shaped as in
    ``review_context`` (``rubric``, ``guideline_rules``, ``submission.revision``)."""
    _require_reviewer_of(reviewer, submission)
    project = submission.task.project
    version = (
        RubricVersion.objects.select_related("rubric").filter(pk=project.rubric_version_id).first()
        if project.rubric_version_id
        else None
    )
    guidelines = guidelines_current(project)
    return {
        "submission": {"id": submission.pk, "revision": submission.revision},
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
    }


@dataclass(frozen=True)
class DecidedAndNext:
    review: Review
    next_item: ReviewItem | None


def review_submit_and_next(
    *, submission: Submission, reviewer, data: ReviewInput, now: datetime | None = None
) -> DecidedAndNext:
    """``review_submit``, then ``review_next`` for the same reviewer and project. The
    decision commits first: a refusal of the decision leases nothing, and a queue with
    nothing left returns ``next_item=None`` with the decision recorded."""
    now = now or timezone.now()
    review = review_submit(submission=submission, reviewer=reviewer, data=data, now=now)
    item = review_next(project=submission.task.project, reviewer=reviewer, now=now)
    return DecidedAndNext(review=review, next_item=item)

"""What reviewers and authors read: the review context, reviews as plain data, author
pseudonyms and history, the audit log and revision diffs."""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from quality.checks.messages import presented
from quality.models import CheckRun
from reviews import permissions
from reviews.models import Dispute, Review, ReviewEvent, ReviewItem, ReviewKind, ReviewPolicy, Risk
from reviews.workflow._common import _require_reviewer_of
from reviews.workflow.policy import review_policy_for
from rubrics.models import RubricVersion
from tasks.models import (
    Membership,
    Project,
    Role,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from tasks.services.guidelines import guidelines_current
from tasks.template_definition import displayed_data, questions

# --- the audit log ------------------------------------------------------------------------


def review_log(*, project: Project) -> QuerySet[ReviewEvent]:
    """The project's review audit log, newest first. Who acted is read through
    ``log_actors``, which hides trainers' names as the review policy says."""
    return (
        ReviewEvent.objects.filter(project=project)
        .select_related("actor", "submission")
        .order_by("-created_at", "-id")
    )


def log_actors(*, project: Project):
    """A function giving each log event's actor as reviewers may read it: ``None`` for the
    system, else ``{"id", "username", "alias"}`` as in the queue (``person_as_dict``). When
    the policy hides authors, a trainer of the project, or whoever wrote the event's
    submission (disputes are filed by their authors), is shown by pseudonym only."""
    policy = review_policy_for(project)
    hidden: set[int] = set()
    if not policy.show_author_names:
        hidden = set(
            Membership.objects.filter(project=project, role=Role.TRAINER).values_list(
                "user_id", flat=True
            )
        )

    def actor(event: ReviewEvent) -> dict[str, Any] | None:
        if event.actor_id is None:
            return None
        author_id = event.submission.author_id if event.submission_id else None
        if not policy.show_author_names and (
            event.actor_id in hidden or event.actor_id == author_id
        ):
            return person_as_dict(policy, project.pk, event.actor)
        return {"id": event.actor_id, "username": event.actor.username, "alias": None}

    return actor


# --- what a reviewer reads --------------------------------------------------------------------


def author_code(project_id: int, user_id: int) -> str:
    """The code of a trainer's pseudonym in one project ("3FA2C1"): stable, and what the
    queue's trainer filter takes when the policy hides names."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{project_id}:{user_id}".encode())
    return digest.hexdigest()[:6].upper()


def author_alias(project_id: int, user_id: int) -> str:
    """A stable pseudonym of a trainer within one project, for policies that hide names."""
    # Shown, not matched on: it reads in the reader's language.
    return gettext("Trainer %(code)s") % {"code": author_code(project_id, user_id)}


def person_as_dict(policy: ReviewPolicy, project_id: int, user) -> dict[str, Any]:
    if policy.show_author_names:
        return {"id": user.pk, "username": user.username, "alias": None}
    return {"id": None, "username": None, "alias": author_alias(project_id, user.pk)}


def author_history(*, project: Project, trainer) -> dict[str, Any]:
    """The author's record in this project: gold accuracy and the share of decided work
    accepted (returned work is not decided yet)."""
    from quality.services import gold_accuracy

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


def judging_context(*, submission: Submission, reviewer) -> dict[str, Any]:
    """What a decision on ``submission`` needs, shaped as in ``review_context``: the
    rubric version in force and the active guideline rules (the reasons a reviewer may
    name). "Decide and go to next" builds and checks its form with this alone."""
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


def review_context(*, submission: Submission, reviewer) -> dict[str, Any]:
    """Everything a reviewer needs to judge a submission, as plain data: the task data as
    the trainer saw it, the answer, the template and rubric versions, the check findings
    with evidence, the author's history, other trainers' answers to the task, the revisions
    and previous reviews, disputes and the queue state. Author names follow the policy."""
    judging = judging_context(submission=submission, reviewer=reviewer)
    task = submission.task
    project = task.project
    policy = review_policy_for(project)
    run = CheckRun.objects.filter(submission=submission, revision=submission.revision).first()
    checks = [
        {
            "check": r.check_name,
            "status": r.status,
            "revision": r.revision,
            "findings": [presented(f) for f in r.findings],
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
        "rubric": judging["rubric"],
        "guideline_rules": judging["guideline_rules"],
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
            "flagged_checks": item.flagged_checks,
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
                gettext("There is no revision %(number)s of this submission.")
                % {"number": repr(number)},
                code="unknown_revision",
                fields={
                    name: [
                        gettext("A revision number from 1 to %(last)s.")
                        % {"last": submission.revision}
                    ]
                },
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


def submission_outcome(*, submission: Submission, user) -> dict[str, Any]:
    """What the submission page shows about its review: the decisions ``user`` may read
    (for the author: decision, reasons and comment only), the dispute and whether ``user``
    may file one now. The decision in force is the last review or dispute resolution."""
    reviews = reviews_for(submission=submission, user=user)
    deciding = [r for r in reviews if r["kind"] in (ReviewKind.REVIEW, ReviewKind.DISPUTE)]
    dispute = Dispute.objects.filter(submission=submission).select_related("resolution").first()
    return {
        "reviews": reviews,
        "decision": deciding[-1] if deciding else None,
        "dispute": dispute,
        "can_dispute": dispute is None
        and submission.status == SubmissionStatus.REJECTED
        and permissions.can_dispute(user, submission),
    }

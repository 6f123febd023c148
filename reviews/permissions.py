"""Access decisions for the review workflow (reviews app), built on the project roles. One
condition per line; inactive users may do nothing. The quality checks' own decisions are in
``quality.permissions``."""

from __future__ import annotations

from reviews.models import Dispute, Review
from tasks import permissions as task_permissions
from tasks.models import Project, Role, Submission

# Who reviews: QA leads, and project admins (who also settle disputes). Staff may act on
# any project. Setters design the work; trainers do it.
REVIEWER_ROLES = (Role.QA_LEAD, Role.ADMIN)


def is_reviewer(user, project: Project) -> bool:
    """QA leads and admins of ``project`` (and staff): they review its work."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return task_permissions.role_in(user, project) in REVIEWER_ROLES


def can_view_review_queue(user, project: Project) -> bool:
    return is_reviewer(user, project)


def can_review_submission(user, submission: Submission) -> bool:
    """A reviewer of the project, and never the author: nobody reviews their own work,
    whatever role they hold here or elsewhere."""
    if not is_reviewer(user, submission.task.project):
        return False
    return submission.author_id != user.pk


def can_open_review(user, submission: Submission) -> bool:
    """The reviewer's view (other trainers' answers, evidence, the author's history)."""
    return can_review_submission(user, submission)


def can_view_reviews(user, submission: Submission) -> bool:
    """The author reads the decisions on their work (reasons and comments); setters, QA
    leads and admins read every review of their projects."""
    return task_permissions.can_view_submission(user, submission)


def sees_review_internals(user, submission: Submission) -> bool:
    """Private notes, second reviews, re-grades and reviewers' names: never for the author."""
    if submission.author_id == user.pk:
        return False
    return task_permissions.can_view_task_list(user, submission.task.project)


def can_second_review(user, review: Review) -> bool:
    """An audit is by a different reviewer than the one audited, and never the author."""
    if not can_review_submission(user, review.submission):
        return False
    return review.reviewer_id != user.pk


def can_regrade(user, review: Review) -> bool:
    return can_review_submission(user, review.submission)


def can_dispute(user, submission: Submission) -> bool:
    """Only the author disputes a decision on their work."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return submission.author_id == user.pk


def can_resolve_dispute(user, dispute: Dispute) -> bool:
    """A QA lead or admin other than the reviewer whose decision is disputed (and never
    the author)."""
    if not can_review_submission(user, dispute.submission):
        return False
    return dispute.review.reviewer_id != user.pk


def can_view_disputes(user, project: Project) -> bool:
    return is_reviewer(user, project)


def can_view_review_policy(user, project: Project) -> bool:
    """Setters, QA leads and admins read the policy; trainers are not told the sample rate."""
    return task_permissions.can_view_task_list(user, project)


def can_edit_review_policy(user, project: Project) -> bool:
    """Setters and admins set the policy; QA leads work to it."""
    return task_permissions.can_design_project(user, project)


def can_view_review_log(user, project: Project) -> bool:
    return is_reviewer(user, project)


def can_view_reviewer_metrics(user, project: Project) -> bool:
    return is_reviewer(user, project)


def can_view_rework(user, project: Project) -> bool:
    """A trainer's own returned work, listed first in their workspace."""
    return task_permissions.can_work_on_project(user, project)

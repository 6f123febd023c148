"""Access decisions for the quality checks: their settings, findings and evidence, built on
the project roles. One condition per line; inactive users may do nothing."""

from __future__ import annotations

from tasks import permissions as task_permissions
from tasks.models import Project, Submission

# Checks whose results are never shown to the submission's author: on a gold task, the
# verdict on a question with two options is the expected answer. Reviewers see them; the
# trainer sees only their running gold accuracy. (The gold check finds nothing on other
# tasks, so hiding it on every task does not tell a trainer which tasks are gold.)
HIDDEN_FROM_AUTHOR = ("gold",)
NOT_APPLICABLE = "not_applicable"


def can_configure_checks(user, project: Project) -> bool:
    """Question setters and admins decide which checks run and what a failure does."""
    return task_permissions.can_design_project(user, project)


def can_view_check_configs(user, project: Project) -> bool:
    return task_permissions.can_view_task_list(user, project)


def can_view_findings(user, project: Project) -> bool:
    """QA leads, setters and admins see every finding of the project, with evidence."""
    return task_permissions.can_view_task_list(user, project)


def can_view_check_results(user, submission: Submission) -> bool:
    """The author sees their own findings (reasons only); reviewers see all."""
    return task_permissions.can_view_submission(user, submission)


def sees_evidence(user, submission: Submission) -> bool:
    """Evidence may name other trainers or hold gold answers: never for the author."""
    if submission.author_id == user.pk:
        return False
    return can_view_findings(user, submission.task.project)


def sees_check(user, submission: Submission, check_name: str, status: str = "") -> bool:
    """Whether ``user`` sees the result of check ``check_name`` (with ``status``) on
    ``submission`` (given that they see its results at all)."""
    if submission.author_id != user.pk:
        return True
    return check_name not in HIDDEN_FROM_AUTHOR and status != NOT_APPLICABLE


def sees_finding(user, submission: Submission, status: str) -> bool:
    """ "Not applicable" notes are for QA: why a part was not judged. To the author they
    say nothing useful and, on a gold task, would tell it apart ("judged by the gold
    check")."""
    return submission.author_id != user.pk or status != NOT_APPLICABLE

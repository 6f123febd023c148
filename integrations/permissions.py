"""Who may see and change a project's webhooks; the only place it is decided.

Project admins (and site staff) only. Setters and QA leads get a 403, trainers too: webhook
URLs often carry credentials of their own (Slack and Discord hook URLs are secrets), and the
delivery log shows what external systems answered. Outside the project it is a 404.
"""

from __future__ import annotations

from tasks import permissions as task_permissions
from tasks.models import Project


def can_manage_webhooks(user, project: Project) -> bool:
    """List, create, change, rotate, test and delete webhooks, and read their logs."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return task_permissions.can_change_project(user, project)

"""Who sees which figures. Project figures name trainers and compare them: QA leads,
setters, admins and staff. A trainer sees only their own figures and work ("my work").
Objects outside your projects are 404 (``tasks.lookups.visible_project``)."""

from __future__ import annotations

from tasks import permissions as task_permissions
from tasks.models import MEMBER_LIST_ROLES, Project, Role


def can_view_project_metrics(user, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return task_permissions.role_in(user, project) in MEMBER_LIST_ROLES


def can_change_metrics_settings(user, project: Project) -> bool:
    """Setters and admins set the pay rate and the MOS system field."""
    return task_permissions.can_design_project(user, project)


def can_view_own_work(user, project: Project) -> bool:
    """Trainers of the project read their own figures, earnings and findings."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return task_permissions.role_in(user, project) == Role.TRAINER

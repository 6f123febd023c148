"""Who may import tasks and see imports, one condition per line.

Imports are loaded through ``ImportJob.objects.visible_to(user)`` (another project's
import is a 404, like one that does not exist); inside a project, these functions decide.
"""

from __future__ import annotations

from imports.models import ImportJob
from tasks.models import Project, Role
from tasks.permissions import role_in

IMPORT_ROLES = (Role.SETTER, Role.ADMIN)
IMPORT_VIEW_ROLES = (Role.SETTER, Role.ADMIN, Role.QA_LEAD)


def can_import_tasks(user, project: Project) -> bool:
    """Question setters and admins add tasks, so they import them (and staff)."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) in IMPORT_ROLES


def can_view_imports(user, project: Project) -> bool:
    """QA leads also follow imports (status, errors), without starting or cancelling one."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) in IMPORT_VIEW_ROLES


def can_view_import(user, job: ImportJob) -> bool:
    return can_view_imports(user, job.project)


def can_cancel_import(user, job: ImportJob) -> bool:
    return can_import_tasks(user, job.project)

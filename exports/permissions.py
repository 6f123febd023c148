"""Who may export a project's work and fetch the result, one condition per line.

Pages and the API load projects through ``tasks.lookups.visible_project`` (outside your
projects: 404) and exports through ``ExportJob.objects.visible_to`` (404 as well), then ask
these functions.
"""

from __future__ import annotations

from exports.models import EXPORT_ROLES, ExportJob
from tasks import permissions as task_permissions
from tasks.models import Project


def can_export(user, project: Project) -> bool:
    """Question setters, QA leads and admins (and staff) export: an export holds every
    trainer's work, reviews and check findings, which trainers never see."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return task_permissions.role_in(user, project) in EXPORT_ROLES


def can_view_export(user, export: ExportJob) -> bool:
    """Whoever may export the project may follow and download its exports."""
    return can_export(user, export.project)


def can_cancel_export(user, export: ExportJob) -> bool:
    """Whoever may start an export of the project may cancel one (theirs or a colleague's:
    exports are shared work, like imports)."""
    return can_export(user, export.project)

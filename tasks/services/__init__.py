"""Workflows of the tasks app, one module per concern; import from here.

- projects: projects and memberships
- templates: task templates and their versions
- work: tasks, drafts, submissions and revisions
"""

from tasks.services.projects import (
    membership_add,
    membership_change_role,
    membership_remove,
    project_create,
    project_delete,
    project_update,
)
from tasks.services.templates import (
    TemplateCheck,
    template_check,
    template_current,
    template_from_gallery,
    template_require_current,
    template_save,
)
from tasks.services.work import (
    draft_discard,
    draft_save,
    submission_revise,
    submission_submit,
    task_next_for,
    tasks_create,
)

__all__ = [
    "TemplateCheck",
    "draft_discard",
    "draft_save",
    "membership_add",
    "membership_change_role",
    "membership_remove",
    "project_create",
    "project_delete",
    "project_update",
    "submission_revise",
    "submission_submit",
    "task_next_for",
    "tasks_create",
    "template_check",
    "template_current",
    "template_from_gallery",
    "template_require_current",
    "template_save",
]

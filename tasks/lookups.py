"""Load an object through the permission gate, for pages and the API alike.

Outside your projects an object is a 404, exactly like one that does not exist; inside a
project, an object your role may not open is a 403 (Django's ``PermissionDenied``, which
the API's error handler turns into its JSON error shape).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from tasks import permissions
from tasks.models import Project, Submission, Task


def visible_project(user, pk) -> Project:
    return get_object_or_404(Project.objects.visible_to(user).with_role_of(user), pk=pk)


def visible_task(user, pk) -> Task:
    task = get_object_or_404(Task.objects.visible_to(user).select_related("project"), pk=pk)
    if not permissions.can_view_task(user, task):
        raise PermissionDenied("Your role does not open tasks in this project.")
    return task


def visible_submission(user, pk) -> Submission:
    submission = get_object_or_404(
        Submission.objects.visible_to(user).select_related("task__project", "author", "template"),
        pk=pk,
    )
    if not permissions.can_view_submission(user, submission):
        raise PermissionDenied
    return submission

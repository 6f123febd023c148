"""Load an object through the permission gate, for pages and the API alike.

Outside your projects an object is a 404, exactly like one that does not exist; inside a
project, an object your role may not open is a 403 (Django's ``PermissionDenied``, which
the API's error handler turns into its JSON error shape).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404

from annotation_platform.errors import DomainError
from rubrics.models import RubricVersion
from tasks import permissions
from tasks.models import Membership, Project, ProjectRubric, Submission, Task


def visible_project(user, pk) -> Project:
    project = get_object_or_404(Project.objects.visible_to(user).with_role_of(user), pk=pk)
    permissions.role_remember(user, project, project.my_role)
    return project


def visible_task(user, pk) -> Task:
    role = Membership.objects.filter(project=OuterRef("project_id"), user_id=user.pk)
    task = get_object_or_404(
        Task.objects.visible_to(user)
        .select_related("project")
        .annotate(my_role=Subquery(role.values("role")[:1])),
        pk=pk,
    )
    permissions.role_remember(user, task.project, task.my_role)
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


def visible_rubric_link(user, project_pk, rubric_pk) -> ProjectRubric:
    """A rubric in a project's library, for its designers: outside the project a 404; a
    trainer or QA lead inside it a 403 (they read only the pinned version)."""
    project = visible_project(user, project_pk)
    if not permissions.can_browse_rubrics(user, project):
        raise PermissionDenied("Only question setters and admins open the project's rubrics.")
    return get_object_or_404(
        ProjectRubric.objects.filter(project=project).select_related("rubric", "project"),
        rubric_id=rubric_pk,
    )


def visible_rubric_version(link: ProjectRubric, number) -> RubricVersion:
    return get_object_or_404(
        RubricVersion.objects.filter(rubric_id=link.rubric_id).select_related(
            "rubric", "published_by", "retired_by"
        ),
        number=number,
    )


def visible_project_named(user, pk, field: str = "project") -> Project:
    """A project named in a form or request body: one outside yours is refused as a bad
    value of ``field`` (the same message whether it exists or not), not as a 404 page."""
    project = Project.objects.visible_to(user).filter(pk=_as_id(pk)).first()
    if project is None:
        raise DomainError(
            "There is no such project among yours.",
            code="unknown_project",
            fields={field: ["No such project among yours."]},
        )
    return project


def library_version(project: Project, rubric_pk, number) -> RubricVersion:
    """A version of a rubric in ``project``'s library, named in a form or request body;
    anything else is refused as a bad ``version``."""
    version = (
        RubricVersion.objects.filter(
            rubric__project_links__project=project,
            rubric_id=_as_id(rubric_pk),
            number=_as_id(number),
        )
        .select_related("rubric")
        .first()
    )
    if version is None:
        raise DomainError(
            "No such version of a rubric in this project's library.",
            code="not_in_library",
            fields={"version": ["Not a version of a rubric in this project's library."]},
        )
    return version


def _as_id(value) -> int:
    """A primary key or number from user input; anything not a positive integer is 0."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if number > 0 else 0

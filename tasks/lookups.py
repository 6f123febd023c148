"""Load an object through the permission gate, for pages and the API alike.

Outside your projects an object is a 404, exactly like one that does not exist; inside a
project, an object your role may not open is a 403 (Django's ``PermissionDenied``, which
the API's error handler turns into its JSON error shape).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from annotation_platform.ids import id_or_none
from annotation_platform.rawsql import model_columns, model_from_row, sql_execute
from rubrics.models import RubricVersion
from tasks import permissions
from tasks.models import (
    MEMBER_LIST_ROLES,
    Assignment,
    GuidelineAcknowledgement,
    GuidelineVersion,
    Lease,
    Membership,
    Project,
    ProjectRubric,
    Role,
    Submission,
    Task,
    TaskTemplate,
)

# --- projects and tasks, in one query each ------------------------------------------------
# Every API call under a project or a task starts here (``next`` and submit included), so
# these two read the object, the user's role, the key of the template in force and what the
# work gate needs (the guidelines version in force, the user's last acknowledged) with
# one SQL statement each: building the same query with the ORM (visible_to, select_related,
# a role subquery) cost ~1.3 ms and ~4 ms of CPU per call. The rules are the querysets'
# (ProjectQuerySet/TaskQuerySet.visible_to), applied to the row: tests check they agree.


def _pk(value) -> int:
    """A primary key from a URL or a form; anything else finds nothing (a 404)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = id_or_none(value)
    else:
        number = id_or_none(str(value))
    if number is None:
        raise Http404
    return number


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        name: quote(model._meta.db_table)
        for name, model in (
            ("task", Task),
            ("project", Project),
            ("membership", Membership),
            ("lease", Lease),
            ("submission", Submission),
            ("assignment", Assignment),
            ("template", TaskTemplate),
            ("guideline_version", GuidelineVersion),
            ("guideline_ack", GuidelineAcknowledgement),
        )
    }


# The key of the template in force: its id and last change (a version nobody answered yet
# is edited in place), so ``template_in_force`` can serve it from a cache.
_TEMPLATE_KEY = """
    (SELECT id FROM {template} WHERE project_id = p.id ORDER BY version DESC LIMIT 1),
    (SELECT updated_at FROM {template} WHERE project_id = p.id ORDER BY version DESC LIMIT 1)
"""


def _remember_template(project: Project, template_id, updated_at) -> None:
    project.__dict__["_template_key"] = (template_id, updated_at)


# The number of the guidelines version in force and the highest one this user acknowledged,
# so the work gate (tasks.services.eligibility) asks nothing more on a draft, a submit or
# ``next``: two index-only MAX lookups (unique (project, number) and (trainer, project,
# version)) in the statement every such request sends anyway. Measured on PostgreSQL 15
# (20,000 tasks): +5-20 us of backend CPU per lookup; ``benchmarks/distribution.py profile``
# still 2 statements per ``next`` and per submit, CPU within the runs' noise.
_GUIDELINES_KEY = """
    (SELECT MAX(number) FROM {guideline_version} WHERE project_id = p.id),
    (SELECT MAX(version) FROM {guideline_ack} WHERE project_id = p.id AND trainer_id = %s)
"""


def _remember_guidelines(user, project: Project, in_force, acknowledged) -> None:
    project.__dict__["_guidelines_in_force"] = in_force
    project.__dict__.setdefault("_guidelines_acknowledged", {})[user.pk] = acknowledged


def visible_project(user, pk) -> Project:
    if not user.is_authenticated or not user.is_active:
        raise Http404
    sql = (
        f"SELECT {model_columns(Project, 'p')}, "  # noqa: S608 (names from the models)
        "(SELECT m.role FROM {membership} m WHERE m.project_id = p.id AND m.user_id = %s), "
        f"{_TEMPLATE_KEY}, {_GUIDELINES_KEY} FROM {{project}} p WHERE p.id = %s"
    ).format(**_tables())
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [user.pk, user.pk, _pk(pk)])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    *columns, role, template_id, updated_at, guidelines_in_force, acknowledged = row
    # ProjectQuerySet.visible_to: staff see every project, everyone else their memberships.
    if not user.is_staff and role is None:
        raise Http404
    project = model_from_row(Project, columns)
    project.my_role = role
    permissions.role_remember(user, project, role)
    _remember_template(project, template_id, updated_at)
    _remember_guidelines(user, project, guidelines_in_force, acknowledged)
    return project


def visible_task(user, pk) -> Task:
    if not user.is_authenticated or not user.is_active:
        raise Http404
    tables = _tables()
    sql = (
        f"SELECT {model_columns(Task, 't')}, {model_columns(Project, 'p')}, "  # noqa: S608
        "(SELECT m.role FROM {membership} m WHERE m.project_id = p.id AND m.user_id = %s), "
        "(EXISTS (SELECT 1 FROM {lease} WHERE task_id = t.id AND trainer_id = %s)"
        " OR EXISTS (SELECT 1 FROM {submission} WHERE task_id = t.id AND author_id = %s)"
        " OR EXISTS (SELECT 1 FROM {assignment} WHERE task_id = t.id AND trainer_id = %s)), "
        f"{_TEMPLATE_KEY}, {_GUIDELINES_KEY} FROM {{task}} t "
        "JOIN {project} p ON p.id = t.project_id WHERE t.id = %s"
    ).format(**tables)
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [user.pk] * 5 + [_pk(pk)])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    width = len(Task._meta.concrete_fields)
    task_columns, rest = row[:width], row[width:]
    *project_columns, role, served, template_id, updated_at, in_force, acknowledged = rest
    # TaskQuerySet.visible_to: staff see every task; setters, QA leads and admins their
    # projects'; a trainer only the tasks served or assigned to them.
    visible = user.is_staff or role in MEMBER_LIST_ROLES or (role == Role.TRAINER and served)
    if not visible:
        raise Http404
    task = model_from_row(Task, list(task_columns))
    task.project = model_from_row(Project, project_columns)
    task.my_role = task.project.my_role = role
    permissions.role_remember(user, task.project, role)
    _remember_template(task.project, template_id, updated_at)
    _remember_guidelines(user, task.project, in_force, acknowledged)
    if not permissions.can_view_task(user, task):
        raise PermissionDenied(gettext("Your role does not open tasks in this project."))
    return task


# Templates in force by id, with the change they were read at; a few per project at most.
_TEMPLATES: dict[int, tuple[Any, TaskTemplate]] = {}


def template_in_force(project: Project) -> TaskTemplate | None:
    """The project's template in force, without a query when ``project`` came from
    ``visible_project``/``visible_task`` (which read its key) and it was read before."""
    key = project.__dict__.get("_template_key")
    if key is None:
        return project.templates.order_by("-version").first()
    template_id, updated_at = key
    if template_id is None:
        return None
    cached = _TEMPLATES.get(template_id)
    if cached is not None and cached[0] == updated_at:
        return cached[1]
    template = TaskTemplate.objects.filter(pk=template_id).first()
    if template is None:  # deleted since: read what is in force now
        return project.templates.order_by("-version").first()
    if len(_TEMPLATES) > 500:
        _TEMPLATES.clear()
    _TEMPLATES[template_id] = (updated_at, template)
    return template


def guidelines_standing(user, project: Project) -> tuple[int | None, int | None]:
    """The number of ``project``'s guidelines version in force and the highest version
    ``user`` acknowledged (None for none), without a query when ``project`` came from
    ``visible_project``/``visible_task`` for this user; otherwise one ORM query, which is
    also the reference the hand-written statement is tested against."""
    acknowledged = project.__dict__.get("_guidelines_acknowledged", {})
    if "_guidelines_in_force" in project.__dict__ and user.pk in acknowledged:
        return project.__dict__["_guidelines_in_force"], acknowledged[user.pk]
    newest = GuidelineVersion.objects.filter(project=OuterRef("pk")).order_by("-number")
    read = GuidelineAcknowledgement.objects.filter(
        project=OuterRef("pk"), trainer_id=user.pk
    ).order_by("-version")
    in_force, last = (
        Project.objects.filter(pk=project.pk)
        .annotate(
            in_force=Subquery(newest.values("number")[:1]),
            last=Subquery(read.values("version")[:1]),
        )
        .values_list("in_force", "last")
        .first()
    ) or (None, None)
    _remember_guidelines(user, project, in_force, last)
    return in_force, last


def guidelines_forget(project: Project) -> None:
    """Drop what ``guidelines_standing`` knows of ``project`` (a version was just published
    or acknowledged through this instance)."""
    project.__dict__.pop("_guidelines_in_force", None)
    project.__dict__.pop("_guidelines_acknowledged", None)


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
            gettext("There is no such project among yours."),
            code="unknown_project",
            fields={field: [gettext("No such project among yours.")]},
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
            gettext("No such version of a rubric in this project's library."),
            code="not_in_library",
            fields={"version": [gettext("Not a version of a rubric in this project's library.")]},
        )
    return version


def _as_id(value) -> int:
    """A primary key or number from user input; anything not a positive integer is 0."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if number > 0 else 0

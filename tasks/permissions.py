"""Every access decision about projects and memberships, one condition per line.

Views load objects through ``visible_to(user)`` (so an object outside your projects is
a 404, indistinguishable from one that does not exist) and then ask these functions what
the user may do with it. An inactive account may do nothing, whatever its role: login
refuses it already, but a second auth backend or a stale session must not reopen the door.
"""

from __future__ import annotations

from tasks.models import (
    MEMBER_LIST_ROLES,
    Membership,
    Project,
    ProjectRubric,
    Role,
    Submission,
    Task,
)

DESIGN_ROLES = (Role.SETTER, Role.ADMIN)


def role_in(user, project: Project) -> str | None:
    """The user's role in ``project`` (None for non-members), cached on the instance."""
    if not user.is_authenticated:
        return None
    cache = project.__dict__.setdefault("_role_cache", {})
    if user.pk not in cache:
        cache[user.pk] = (
            Membership.objects.filter(project=project, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return cache[user.pk]


def role_remember(user, project: Project, role: str | None) -> None:
    """Seed ``role_in``'s cache with the role read together with the project (such as
    ``with_role_of``'s ``my_role``), so asking again costs no query."""
    if user.is_authenticated:
        project.__dict__.setdefault("_role_cache", {})[user.pk] = role


def can_create_project(user) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return bool(user.can_create_projects)


def can_view_project(user, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) is not None


def can_change_project(user, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) == Role.ADMIN


def can_delete_project(user, project: Project) -> bool:
    return can_change_project(user, project)


def can_change_remote_media(user, project: Project) -> bool:
    """Setters and admins choose the hosts whose images load in the project: they write
    the templates, guidelines and rubrics those images appear in (the design rule)."""
    return can_design_project(user, project)


def can_change_project_fields(user, project: Project, fields: set[str]) -> bool:
    """A change of exactly ``fields``: admins change any; setters only the remote media."""
    if fields and fields <= {"remote_media_hosts"}:
        return can_change_remote_media(user, project)
    return can_change_project(user, project)


def can_open_project_settings(user, project: Project) -> bool:
    """The settings page: admins change everything on it, setters only the remote media."""
    return can_change_project(user, project) or can_change_remote_media(user, project)


def can_view_members(user, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) in MEMBER_LIST_ROLES


def can_manage_members(user, project: Project) -> bool:
    return can_change_project(user, project)


def can_view_membership(user, membership: Membership) -> bool:
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if membership.user_id == user.pk:
        return True
    return can_view_members(user, membership.project)


def can_remove_membership(user, membership: Membership) -> bool:
    """Admins remove anyone; every member may leave a project on their own."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if membership.user_id == user.pk:
        return True
    return can_manage_members(user, membership.project)


# --- templates, tasks and submissions ----------------------------------------------------


def can_view_template(user, project: Project) -> bool:
    """Every member sees the template in force: trainers answer it."""
    return can_view_project(user, project)


def can_design_project(user, project: Project) -> bool:
    """Question setters and admins write templates and add tasks."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return role_in(user, project) in DESIGN_ROLES


def can_view_task_list(user, project: Project) -> bool:
    """Setters, QA leads and admins see every task; trainers see the ones they work on."""
    return can_view_members(user, project)


def can_work_on_project(user, project: Project) -> bool:
    """Only trainers answer tasks: a reviewer must never review work of their own."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return role_in(user, project) == Role.TRAINER


def can_view_task(user, task: Task) -> bool:
    if can_view_task_list(user, task.project):
        return True
    return can_work_on_project(user, task.project)


def can_view_submission(user, submission: Submission) -> bool:
    """Authors see their own; setters, QA leads and admins see their projects'."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if submission.author_id == user.pk:
        return True
    return can_view_task_list(user, submission.task.project)


def can_revise_submission(user, submission: Submission) -> bool:
    """Only the author revises, and only while a trainer of the project."""
    if not user.is_authenticated:
        return False
    if submission.author_id != user.pk:
        return False
    return can_work_on_project(user, submission.task.project)


# --- rubrics and guidelines ----------------------------------------------------------------


def can_view_rubrics(user, project: Project) -> bool:
    """Every member reads the rubric version the project pins: trainers work to it and QA
    leads review with it."""
    return can_view_project(user, project)


def can_browse_rubrics(user, project: Project) -> bool:
    """Drafts, the library, version history, diffs and exports are the designers' material:
    question setters and admins (and staff)."""
    return can_design_project(user, project)


def can_edit_rubrics(user, project: Project) -> bool:
    """Only setters and admins create, import, clone or share rubrics into a project and pin
    the version it uses."""
    return can_design_project(user, project)


def can_edit_rubric(user, link: ProjectRubric) -> bool:
    """A rubric's draft is edited, published and retired only from the project that owns it;
    projects it is shared into use its versions and may clone it, but not change it."""
    if not link.owner:
        return False
    return can_edit_rubrics(user, link.project)


def can_share_rubric(user, link: ProjectRubric, target: Project) -> bool:
    """Share a rubric you may edit into another project you also design."""
    if not can_edit_rubric(user, link):
        return False
    return can_edit_rubrics(user, target)


def can_clone_rubric(user, link: ProjectRubric, target: Project) -> bool:
    """Clone any rubric in the library of a project you design into a project you design."""
    if not can_browse_rubrics(user, link.project):
        return False
    return can_edit_rubrics(user, target)


def can_view_guidelines(user, project: Project) -> bool:
    """Every member reads the guidelines in force, their history and what changed."""
    return can_view_project(user, project)


def can_edit_guidelines(user, project: Project) -> bool:
    """Only setters and admins edit the guidelines draft, its rules, and publish it."""
    return can_design_project(user, project)


def can_acknowledge_guidelines(user, project: Project) -> bool:
    """Trainers acknowledge changed guidelines: they are the ones who work to them."""
    return can_work_on_project(user, project)

"""Workflows for projects and memberships, shared by pages, the API and commands.

Callers decide *whether* a user may act (``tasks.permissions``); these functions decide
*what* acting means and keep the invariants (every project keeps at least one admin).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext

from annotation_platform.errors import ConflictError, DomainError
from tasks.models import Membership, Project, ProjectStatus, Role
from tasks.remote_media import clean_remote_hosts

User = get_user_model()

PROJECT_EDITABLE_FIELDS = ("name", "description", "status")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(
            gettext("A project needs a name."),
            fields={"name": [gettext("This field is required.")]},
        )
    if len(name) > 200:
        raise DomainError(
            gettext("The name is too long."), fields={"name": [gettext("At most 200 characters.")]}
        )
    return name


def _clean_status(status: str) -> str:
    if status not in ProjectStatus.values:
        raise DomainError(
            gettext("Unknown status %(status)s.") % {"status": repr(status)},
            fields={
                "status": [
                    gettext("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(ProjectStatus.values)}
                ]
            },
        )
    return status


@transaction.atomic
def project_create(
    *,
    creator,
    name: str,
    description: str = "",
    status: str = ProjectStatus.DRAFT,
) -> Project:
    """Create a project; its creator becomes its first project admin."""
    project = Project.objects.create(
        name=_clean_name(name),
        description=description or "",
        status=_clean_status(status),
        created_by=creator,
    )
    Membership.objects.create(user=creator, project=project, role=Role.ADMIN, added_by=creator)
    return project


@transaction.atomic
def project_update(*, project: Project, **changes: str) -> Project:
    """Change a project's name, description or status."""
    unknown = sorted(set(changes) - set(PROJECT_EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            gettext("Unknown project fields."),
            fields={name: [gettext("Unknown field.")] for name in unknown},
        )
    if "name" in changes:
        project.name = _clean_name(changes["name"])
    if "description" in changes:
        project.description = changes["description"] or ""
    if "status" in changes:
        project.status = _clean_status(changes["status"])
    project.save()
    return project


@transaction.atomic
def project_remote_media_update(*, project: Project, hosts: list) -> Project:
    """Set the hosts whose images and audio load in the project's pages.

    Each entry must be a host name or a ``*.``-wildcard over a domain (``tasks.remote_media``);
    all are checked before anything is saved, and every bad entry gets its own message.
    """
    if not isinstance(hosts, list | tuple):
        raise DomainError(
            gettext("Give the hosts as a list."),
            fields={"remote_media_hosts": [gettext("Must be a list.")]},
        )
    cleaned, errors = clean_remote_hosts(hosts)
    if errors:
        raise DomainError(
            gettext("Some remote media hosts are not host names."),
            fields={"remote_media_hosts": errors},
        )
    project.remote_media_hosts = cleaned
    project.save(update_fields=["remote_media_hosts", "updated_at"])
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project and its tasks. Submitted work and its reviews protect the template
    versions and revisions they were made against (``on_delete=PROTECT``), so a project
    that holds them is archived instead: a 409 that says so, never a 500."""
    try:
        with transaction.atomic():
            project.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ConflictError(
            gettext(
                "This project cannot be deleted: it holds %(kinds)s, which are kept. "
                "Archive the project instead (status: archived)."
            )
            % {"kinds": ", ".join(kinds)},
            code="protected",
        ) from exc


def _find_user(identifier: str):
    identifier = (identifier or "").strip()
    if not identifier:
        raise DomainError(
            gettext("Name the user to add."),
            fields={"user": [gettext("Give a username or an email address.")]},
        )
    matches = list(
        User.objects.filter(
            Q(username__iexact=identifier) | Q(email__iexact=identifier), is_active=True
        )[:2]
    )
    if len(matches) != 1:
        # Ambiguous e-mails count as unknown: never guess who gets access to a project.
        raise DomainError(
            gettext("No single active user is called %(user)s.") % {"user": repr(identifier)},
            fields={"user": [gettext("No active user with this username or email.")]},
        )
    return matches[0]


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise DomainError(
            gettext("Unknown role %(role)s.") % {"role": repr(role)},
            fields={
                "role": [
                    gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(Role.values)}
                ]
            },
        )
    return role


@transaction.atomic
def membership_add(*, project: Project, user_identifier: str, role: str, added_by) -> Membership:
    """Give a user (by username or e-mail) a role in ``project``."""
    role = _clean_role(role)
    user = _find_user(user_identifier)
    if Membership.objects.filter(project=project, user=user).exists():
        raise ConflictError(
            gettext("%(username)s is already a member of this project; change their role instead.")
            % {"username": user.username},
            fields={"user": [gettext("Already a member.")]},
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(
                project=project, user=user, role=role, added_by=added_by
            )
    except IntegrityError as exc:  # a concurrent add of the same user won the race
        raise ConflictError(
            gettext("%(username)s is already a member of this project.")
            % {"username": user.username},
            fields={"user": [gettext("Already a member.")]},
        ) from exc


def _lock_admins(project: Project) -> list[int]:
    """Lock the project's admin memberships so two demotions cannot both pass the check."""
    return list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    role = _clean_role(role)
    if membership.role == Role.ADMIN and role != Role.ADMIN:
        admins = _lock_admins(membership.project)
        if admins == [membership.pk]:
            raise ConflictError(
                gettext(
                    "A project keeps at least one project admin; make someone else admin first."
                ),
                fields={"role": [gettext("This is the project's last admin.")]},
            )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.ADMIN:
        admins = _lock_admins(membership.project)
        if admins == [membership.pk]:
            raise ConflictError(
                gettext(
                    "A project keeps at least one project admin; make someone else admin first."
                ),
                fields={"user": [gettext("This is the project's last admin.")]},
            )
    membership.delete()

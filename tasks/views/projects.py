"""Server-rendered pages for projects and members. Each is the twin of an API endpoint
and calls the same service; access goes through ``visible_to`` and ``permissions``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from annotation_platform.confirm import confirmed
from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from annotation_platform.time_zones import request_zone
from tasks import lookups, permissions
from tasks.forms import (
    DistributionForm,
    MemberAddForm,
    MemberRoleForm,
    ProjectForm,
    RemoteMediaForm,
)
from tasks.models import Membership, Project, Role
from tasks.services import (
    membership_add,
    membership_change_role,
    membership_remove,
    project_checklist,
    project_create,
    project_delete,
    project_remote_media_update,
    project_update,
    task_counts,
)
from tasks.services.hooks import ProjectLink, project_links
from tasks.services.progress import trainer_progress

# What each role does in a project, in the order the dashboard lists them.
DASHBOARD_SECTIONS = (
    (
        Role.TRAINER,
        _("Projects you work on"),
        _("Complete tasks: listen, judge, compare and write."),
    ),
    (Role.SETTER, _("Projects you design"), _("Templates, rules, guidelines and rubrics.")),
    (
        Role.QA_LEAD,
        _("Projects you review"),
        _("Review submissions and watch quality figures."),
    ),
    (Role.ADMIN, _("Projects you administer"), _("Settings and members.")),
)


# The project page groups its links by what people come to do; each group's first link is
# its main action. Links other apps add (tasks.services.hooks) are placed by their page's
# URL name; one this list does not know goes to "Data".
LINK_GROUPS = (
    ("work", pgettext_lazy("project page links", "Work")),
    ("review", pgettext_lazy("project page links", "Review")),
    ("setup", pgettext_lazy("project page links", "Set up")),
    ("data", pgettext_lazy("project page links", "Data")),
)
HOOK_LINK_GROUPS = {
    "my-work": "work",
    "review-queue": "review",
    "project-disputes": "review",
    "review-audit": "review",
    "review-log": "review",
    "project-quality": "review",
    "review-policy": "setup",
    "project-checks": "setup",
}
# Whose page opens with which group: a trainer comes to work, a QA lead to review.
ROLE_FIRST_GROUP = {Role.TRAINER: "work", Role.QA_LEAD: "review"}


def _link_group(link: ProjectLink) -> str:
    try:
        name = resolve(link.url.split("?", 1)[0]).url_name
    except Resolver404:
        return "data"
    return HOOK_LINK_GROUPS.get(name, "data")


def project_link_groups(
    request: HttpRequest, project: Project, *, can_view_tasks: bool, current_template
) -> list[dict]:
    """The project page's links as ``[{"code", "title", "links": [{"label", "url",
    "testid"}]}]``, empty groups left out, the user's main group first."""
    user = request.user
    pk = project.pk
    groups: dict[str, list[dict]] = {code: [] for code, _title in LINK_GROUPS}

    def add(group: str, label, url: str, testid: str = "") -> None:
        groups[group].append({"label": label, "url": url, "testid": testid})

    if permissions.can_work_on_project(user, project):
        add("work", _("Start working"), reverse("work-start", args=[pk]), "start-working")
    hooked = project_links(project=project, user=user)
    for link in hooked:
        if _link_group(link) == "work":
            add("work", link.label, link.url)
    add(
        "work",
        _("Submissions") if can_view_tasks else _("My submissions"),
        reverse("submission-list", args=[pk]),
    )
    for link in hooked:
        if _link_group(link) == "review":
            add("review", link.label, link.url)
    if permissions.can_design_project(user, project):
        add("setup", _("Template"), reverse("template-editor", args=[pk]))
    elif current_template is not None:
        add(
            "setup",
            _("Template v%(version)s") % {"version": current_template.version},
            reverse("template-version", args=[pk, current_template.version]),
        )
    add("setup", _("Rubric"), reverse("project-rubric", args=[pk]))
    add("setup", _("Guidelines"), reverse("guidelines", args=[pk]))
    if permissions.can_view_members(user, project):
        add("setup", _("Members"), reverse("project-members", args=[pk]))
    if permissions.can_open_project_settings(user, project):
        add("setup", _("Settings"), reverse("project-settings", args=[pk]))
    for link in hooked:
        if _link_group(link) == "setup":
            add("setup", link.label, link.url)
    if can_view_tasks:
        add("data", _("Tasks"), reverse("project-tasks", args=[pk]))
    for link in hooked:
        if _link_group(link) == "data":
            add("data", link.label, link.url)
    first = ROLE_FIRST_GROUP.get(permissions.role_in(user, project), "setup")
    ordered = sorted(LINK_GROUPS, key=lambda group: group[0] != first)
    return [
        {"code": code, "title": title, "links": groups[code]}
        for code, title in ordered
        if groups[code]
    ]


def visible_project(request: HttpRequest, pk: int) -> Project:
    """The gate of every project page: a project outside yours is a 404."""
    return lookups.visible_project(request.user, pk)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    projects = list(
        Project.objects.visible_to(request.user)
        .with_role_of(request.user)
        .select_related("created_by")
    )
    sections = [
        {
            "role": role,
            "title": title,
            "blurb": blurb,
            "projects": [p for p in projects if p.my_role == role],
        }
        for role, title, blurb in DASHBOARD_SECTIONS
    ]
    sections = [section for section in sections if section["projects"]]
    other = [p for p in projects if p.my_role is None]  # staff looking at others' projects
    training = [p for p in projects if p.my_role == Role.TRAINER]
    progress = trainer_progress(trainer=request.user, projects=training, zone=request_zone(request))
    for project in training:
        project.progress = progress.projects[project.pk]
    return render(
        request,
        "tasks/dashboard.html",
        {
            "sections": sections,
            "other_projects": other,
            "can_create": permissions.can_create_project(request.user),
            "progress": progress if training else None,
        },
    )


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_project(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_create(creator=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
            return redirect("project-detail", pk=project.pk)
    return render(
        request, "tasks/project_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    can_view_tasks = permissions.can_view_task_list(request.user, project)
    current_template = project.templates.order_by("-version").first()
    can_design = permissions.can_design_project(request.user, project)
    return render(
        request,
        "tasks/project_detail.html",
        {
            "project": project,
            "can_change": permissions.can_change_project(request.user, project),
            "can_open_settings": permissions.can_open_project_settings(request.user, project),
            "can_view_members": permissions.can_view_members(request.user, project),
            "member_count": project.memberships.count(),
            "my_role_label": Role(project.my_role).label if project.my_role else None,
            "can_work": permissions.can_work_on_project(request.user, project),
            "can_design": can_design,
            "can_view_tasks": can_view_tasks,
            "link_groups": project_link_groups(
                request, project, can_view_tasks=can_view_tasks, current_template=current_template
            ),
            "checklist": project_checklist(project=project, user=request.user)
            if can_design
            else None,
            "current_template": current_template,
            "progress": task_counts(project) if can_view_tasks else None,
            "my_progress": my_progress_for(request, project),
        },
    )


def my_progress_for(request: HttpRequest, project: Project) -> dict | None:
    """The trainer's own figures in ``project`` (None for other roles)."""
    if not permissions.can_work_on_project(request.user, project):
        return None
    progress = trainer_progress(
        trainer=request.user, projects=[project], zone=request_zone(request)
    )
    return {"zone": progress.zone, "figures": progress.projects[project.pk]}


def render_project_settings(
    request: HttpRequest,
    project: Project,
    *,
    form: ProjectForm | None = None,
    distribution_form: DistributionForm | None = None,
    remote_media_form: RemoteMediaForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The settings page, with a refused form (if any) as it was sent and the others as
    they are saved. Admins see every section; setters only the remote media."""
    can_change = permissions.can_change_project(request.user, project)
    initial = {"name": project.name, "description": project.description, "status": project.status}
    return render(
        request,
        "tasks/project_settings.html",
        {
            "project": project,
            "can_change": can_change,
            "can_change_remote_media": permissions.can_change_remote_media(request.user, project),
            "form": form or ProjectForm(initial=initial),
            "distribution_form": distribution_form
            or DistributionForm(initial=DistributionForm.initial_for(project)),
            "remote_media_form": remote_media_form
            or RemoteMediaForm(initial=RemoteMediaForm.initial_for(project)),
        },
        status=status,
    )


@login_required
def project_settings(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_open_project_settings(request.user, project):
        raise PermissionDenied
    if request.method != "POST":
        return render_project_settings(request, project)
    if not permissions.can_change_project(request.user, project):
        raise PermissionDenied
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project_update(project=project, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Project settings saved."))
            return redirect("project-settings", pk=project.pk)
    return render_project_settings(request, project, form=form, status=400)


@login_required
@require_POST
def project_remote_media_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The settings page's remote media form (twin of ``remote_media_hosts`` in PATCH
    /api/v1/projects/{id}/)."""
    project = visible_project(request, pk)
    if not permissions.can_change_remote_media(request.user, project):
        raise PermissionDenied
    form = RemoteMediaForm(request.POST)
    if form.is_valid():
        try:
            project_remote_media_update(project=project, hosts=form.hosts())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Remote media hosts saved."))
            return redirect("project-settings", pk=project.pk)
    return render_project_settings(request, project, remote_media_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def project_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting the project destroys, to confirm by typing its name; POST with
    the exact name: delete (the settings page's form posts here too)."""
    project = visible_project(request, pk)
    if not permissions.can_delete_project(request.user, project):
        raise PermissionDenied
    if request.method == "GET":
        return render(
            request,
            "tasks/confirm_project_delete.html",
            {
                "project": project,
                "tasks": project.tasks.count(),
                "members": project.memberships.count(),
            },
        )
    if request.POST.get("confirm_name", "").strip() != project.name:
        messages.error(request, _("Type the project's exact name to delete it."))
        return redirect("project-settings", pk=project.pk)
    name = project.name
    try:
        project_delete(project=project)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("project-settings", pk=project.pk)
    messages.success(request, _("Project “%(name)s” deleted.") % {"name": name})
    return redirect("dashboard")


@login_required
def project_members(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_view_members(request.user, project):
        raise PermissionDenied
    can_manage = permissions.can_manage_members(request.user, project)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                membership = membership_add(
                    project=project,
                    user_identifier=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    added_by=request.user,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(user)s added as %(role)s.")
                    % {"user": membership.user.username, "role": membership.get_role_display()},
                )
                return redirect("project-members", pk=project.pk)
    memberships = (
        Membership.objects.visible_to(request.user).filter(project=project).select_related("user")
    )
    return render(
        request,
        "tasks/project_members.html",
        {
            "project": project,
            "memberships": memberships,
            "form": form,
            "can_manage": can_manage,
            "roles": Role.choices,
        },
        status=400 if form.errors else 200,
    )


def _membership(request: HttpRequest, project: Project, membership_pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.visible_to(request.user).filter(project=project), pk=membership_pk
    )


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    membership = _membership(request, project, membership_pk)
    if not permissions.can_manage_members(request.user, project):
        raise PermissionDenied
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("project-members", pk=project.pk)
    try:
        membership_change_role(membership=membership, role=form.cleaned_data["role"])
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.username, "role": membership.get_role_display()},
        )
    return redirect("project-members", pk=project.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """GET: what removing the member (or leaving) means, to confirm; POST with
    ``confirm``: remove."""
    project = visible_project(request, pk)
    membership = _membership(request, project, membership_pk)
    if not permissions.can_remove_membership(request.user, membership):
        raise PermissionDenied
    leaving = membership.user_id == request.user.pk
    if not confirmed(request):
        return render(
            request,
            "tasks/confirm_member_remove.html",
            {"project": project, "membership": membership, "leaving": leaving},
        )
    try:
        membership_remove(membership=membership)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("project-members", pk=project.pk)
    if leaving:
        messages.success(request, _("You left “%(name)s”.") % {"name": project.name})
        return redirect("dashboard")
    messages.success(request, _("%(user)s removed.") % {"user": membership.user.username})
    return redirect("project-members", pk=project.pk)

"""Rubric pages: the project's rubric (read-only for everyone), the library, the editor with
live validation and a reviewer's preview, history, diff, publish, retire, pin, clone, share,
import and export. Each is the twin of an endpoint in ``tasks.api.rubric_views`` and calls
the same service."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from annotation_platform import jsonguard
from annotation_platform.errors import DomainError
from rubrics.content import (
    KIND_SECTION,
    iter_criteria,
    normalize_rubric_content,
    scale_bounds,
    validate_rubric_content,
)
from rubrics.interchange import FORMATS
from rubrics.models import VersionStatus
from rubrics.services import rubric_export, rubric_retired_ids, rubric_update_draft
from tasks import lookups, permissions
from tasks.models import Project, ProjectRubric
from tasks.presentation import remote_media_for
from tasks.remote_media import RemoteMedia
from tasks.rendering import render_markdown
from tasks.services import (
    project_rubric_clone,
    project_rubric_content,
    project_rubric_create,
    project_rubric_diff,
    project_rubric_links,
    project_rubric_pin,
    project_rubric_publish,
    project_rubric_share,
    rubric_library,
)
from tasks.services.rubrics import (
    DRAFT,
    MAX_IMPORT_BYTES,
    project_rubric_import_many,
    project_rubric_version_retire,
    projects_pinning,
    repin_targets,
)
from tasks.views.projects import visible_project

FORMAT_LABELS = {
    "rubric": gettext_lazy("Our rubric JSON"),
    "healthbench": "HealthBench",
    "rar": "Rubrics as Rewards",
    "prometheus": "Prometheus",
}


# --- presentation -------------------------------------------------------------------------


def reviewer_nodes(content: Mapping[str, Any], media: RemoteMedia) -> list[dict[str, Any]]:
    """Valid content as a reviewer sees it: nodes with sanitised Markdown descriptions."""

    def view(node: Mapping[str, Any], depth: int) -> dict[str, Any]:
        shown = {
            "kind": node["kind"],
            "id": node["id"],
            "title": node["title"],
            "description_html": render_markdown(node.get("description", ""), media=media),
            "depth": depth,
        }
        if node["kind"] == KIND_SECTION:
            shown["weight"] = node.get("weight", 1)
            shown["children"] = [view(child, depth + 1) for child in node["children"]]
            return shown
        scale = node.get("scale") or {"type": "binary"}
        low, high = scale_bounds(node)
        shown.update(
            points=node["points"],
            pitfall=node["polarity"] == "pitfall",
            importance=node.get("importance", "important"),
            ordinal=scale["type"] == "ordinal",
            levels=scale.get("levels", []),
            low=low,
            high=high,
            tags=node.get("tags", []),
            evidence_required=node.get("evidence_required", False),
        )
        return shown

    return [view(node, 0) for node in content.get("criteria") or []]


def _possible_points(content: Mapping[str, Any]) -> float:
    return sum(
        located.node["points"]
        for located in iter_criteria(content)
        if located.node["polarity"] != "pitfall"
    )


def _preview_context(
    request: HttpRequest, project: Project, content: Mapping[str, Any]
) -> dict[str, Any]:
    media = remote_media_for(request, project)
    return {"nodes": reviewer_nodes(content, media), "possible": _possible_points(content)}


def _refusal(exc: DomainError) -> str:
    """A service's refusal as one message: the detail, then each field's messages, after
    its path where it points inside the rubric (``content.criteria[0].points``); a form
    field's own name (``note``, ``version``) is left out: the detail already names it, in
    the reader's language."""
    details = [
        f"{path}: {' '.join(found)}" if "." in path or "[" in path else " ".join(found)
        for path, found in exc.fields.items()
    ]
    return " ".join([exc.detail, *details]) if details else exc.detail


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# The diff's words: kinds of change, kinds of node, field names, and the values of the
# fields whose values are a fixed set (the content keeps the English codes).
CHANGE_KINDS = {
    "added": pgettext_lazy("rubric change", "added"),
    "removed": pgettext_lazy("rubric change", "removed"),
    "changed": pgettext_lazy("rubric change", "changed"),
    "moved": pgettext_lazy("rubric change", "moved"),
}
NODE_KINDS = {
    "criterion": pgettext_lazy("rubric node", "criterion"),
    "section": pgettext_lazy("rubric node", "section"),
}
FIELD_LABELS = {
    "title": pgettext_lazy("rubric field", "title"),
    "description": pgettext_lazy("rubric field", "description"),
    "points": pgettext_lazy("rubric field", "points"),
    "polarity": pgettext_lazy("rubric field", "polarity"),
    "importance": pgettext_lazy("rubric field", "importance"),
    "scale": pgettext_lazy("rubric field", "scale"),
    "tags": pgettext_lazy("rubric field", "tags"),
    "evidence_required": pgettext_lazy("rubric field", "evidence required"),
    "weight": pgettext_lazy("rubric field", "weight"),
}
FIELD_VALUES = {
    "polarity": {
        "positive": pgettext_lazy("criterion polarity", "positive"),
        "pitfall": pgettext_lazy("criterion polarity", "pitfall"),
    },
    "importance": {
        "essential": pgettext_lazy("criterion importance", "essential"),
        "important": pgettext_lazy("criterion importance", "important"),
        "optional": pgettext_lazy("criterion importance", "optional"),
    },
    "evidence_required": {
        True: pgettext_lazy("evidence required", "yes"),
        False: pgettext_lazy("evidence required", "no"),
    },
}


def _field_value(field: str, value: Any) -> str:
    known = FIELD_VALUES.get(field, {})
    try:
        label = known.get(value)
    except TypeError:  # a list or dict: never one of the fixed values
        label = None
    return str(label) if label is not None else _show(value)


def _change_rows(changes: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "change": change,
            "kind_label": CHANGE_KINDS.get(change.kind, change.kind),
            "node_label": NODE_KINDS.get(change.node, change.node),
            "fields": [
                {
                    "field": item.field,
                    "label": FIELD_LABELS.get(item.field, item.field),
                    "before": _field_value(item.field, item.before),
                    "after": _field_value(item.field, item.after),
                }
                for item in change.fields
            ],
        }
        for change in changes
    ]


def _project_names(projects: Sequence[Project]) -> str:
    """Project names in quotes, as one list in the reader's language ("A", "B" / “A”、“B”)."""
    quoted = gettext("“%(name)s”")
    return pgettext("list separator", ", ").join(quoted % {"name": p.name} for p in projects)


# --- loading through the permission gate --------------------------------------------------


def _link(request: HttpRequest, pk: int, rubric_pk: int) -> ProjectRubric:
    return lookups.visible_rubric_link(request.user, pk, rubric_pk)


def _editable_link(request: HttpRequest, pk: int, rubric_pk: int) -> ProjectRubric:
    link = _link(request, pk, rubric_pk)
    if not permissions.can_edit_rubric(request.user, link):
        raise PermissionDenied
    return link


def _designed_projects(user) -> list[Project]:
    return [
        project
        for project in Project.objects.visible_to(user).with_role_of(user)
        if permissions.can_edit_rubrics(user, project)
    ]


def _editor_url(link: ProjectRubric) -> str:
    return reverse("rubric-editor", args=[link.project_id, link.rubric_id])


# --- the project's rubric -----------------------------------------------------------------


def _overview(
    request: HttpRequest, project: Project, *, import_errors=None, status: int = 200
) -> HttpResponse:
    pinned = project.rubric_version
    can_browse = permissions.can_browse_rubrics(request.user, project)
    return render(
        request,
        "rubrics/project_rubric.html",
        {
            "project": project,
            "pinned": pinned,
            "pinned_retired": pinned is not None and pinned.status == VersionStatus.RETIRED,
            "preview": _preview_context(request, project, pinned.content) if pinned else None,
            "links": project_rubric_links(project=project, user=request.user) if can_browse else [],
            "can_browse": can_browse,
            "can_edit": permissions.can_edit_rubrics(request.user, project),
            "formats": [(name, FORMAT_LABELS[name]) for name in FORMATS],
            "import_errors": import_errors,
            "import_values": request.POST if import_errors else {},
        },
        status=status,
    )


@login_required
def project_rubric(request: HttpRequest, pk: int) -> HttpResponse:
    """The version this project uses, read-only for every member; designers also see the
    project's library and create or import rubrics here."""
    project = visible_project(request, pk)
    if not permissions.can_view_rubrics(request.user, project):
        raise PermissionDenied
    return _overview(request, project)


@login_required
@require_POST
def rubric_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied
    try:
        link = project_rubric_create(
            project=project,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, _refusal(exc))
        return redirect("project-rubric", pk=project.pk)
    messages.success(
        request,
        gettext("Rubric “%(title)s” created. Add its criteria.") % {"title": link.rubric.title},
    )
    return redirect(_editor_url(link))


@login_required
@require_POST
def rubric_import(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError(
                gettext("Choose a file to import."), fields={"file": [gettext("Choose a file.")]}
            )
        links = project_rubric_import_many(
            project=project,
            data=upload.read(MAX_IMPORT_BYTES + 1),
            title=request.POST.get("title", ""),
            fmt=request.POST.get("shape") or None,
            by=request.user,
        )
    except DomainError as exc:
        errors = exc.fields or {"": [exc.detail]}
        return _overview(
            request, project, import_errors={"detail": exc.detail, "fields": errors}, status=400
        )
    if len(links) > 1:  # a JSON Lines file: one rubric per line
        messages.success(
            request,
            ngettext(
                "Imported %(count)s rubric as a draft, one per line of the file.",
                "Imported %(count)s rubrics as drafts, one per line of the file.",
                len(links),
            )
            % {"count": len(links)},
        )
        return redirect("project-rubric", pk=project.pk)
    link = links[0]
    messages.success(
        request, gettext("Imported “%(title)s” as a draft.") % {"title": link.rubric.title}
    )
    return redirect(_editor_url(link))


@login_required
@require_POST
def rubric_pin(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied
    try:
        version = lookups.library_version(
            project, request.POST.get("rubric"), request.POST.get("version")
        )
        project_rubric_pin(project=project, version=version, by=request.user)
    except DomainError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            gettext("This project now uses “%(title)s” version %(number)s.")
            % {"title": version.rubric.title, "number": version.number},
        )
    return redirect("project-rubric", pk=project.pk)


@login_required
def library(request: HttpRequest) -> HttpResponse:
    """Every rubric in the libraries of the projects you design, to clone or share."""
    designed = _designed_projects(request.user)
    rubrics = list(rubric_library(user=request.user))
    for rubric in rubrics:
        owned = next((link for link in rubric.links if link.owner), None)
        rubric.owned_link = owned
        rubric.any_link = rubric.links[0] if rubric.links else None
        in_projects = {link.project_id for link in rubric.links}
        rubric.share_targets = (
            [p for p in designed if p.pk not in in_projects]
            if owned and permissions.can_edit_rubric(request.user, owned)
            else []
        )
    return render(
        request,
        "rubrics/library.html",
        {"rubrics": rubrics, "designed": designed},
    )


# --- one rubric ---------------------------------------------------------------------------


def _editor(
    request: HttpRequest,
    link: ProjectRubric,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    rubric = link.rubric
    can_edit = permissions.can_edit_rubric(request.user, link)
    values = values or {}
    content_text = values.get("content") or json.dumps(
        rubric.draft_content, indent=2, ensure_ascii=False
    )
    versions = list(rubric.versions.select_related("published_by").order_by("-number"))
    content = rubric.draft_content
    return render(
        request,
        "rubrics/editor.html",
        {
            "project": link.project,
            "link": link,
            "rubric": rubric,
            "can_edit": can_edit,
            "title": values.get("title", rubric.title),
            "description": values.get("description", rubric.description),
            "tags": values.get("tags", ", ".join(rubric.tags)),
            "revision": values.get("expected_revision", rubric.draft_revision),
            "content_text": content_text,
            "errors": errors or {},
            # The live preview (rubric_preview) renders into this page, under its policy.
            "preview": _preview_context(request, link.project, content),
            "versions": versions,
            "latest": versions[0] if versions else None,
            "pinned_here": link.project.rubric_version_id,
            "formats": [(name, FORMAT_LABELS[name]) for name in FORMATS],
            "designed": _designed_projects(request.user),
            # Ids of deleted criteria and sections: the editor never proposes them again.
            "retired_ids": sorted(rubric_retired_ids(rubric)) if can_edit else [],
            # Where the new version may take the latest's place (ticked by default).
            "repin_targets": repin_targets(link=link, user=request.user) if can_edit else [],
        },
        status=status,
    )


def _revision(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def rubric_editor(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    """The draft: the structured editor for the owning project's setters and admins, a
    read-only view (with clone) for projects it is shared into."""
    link = _link(request, pk, rubric_pk)
    if request.method != "POST":
        return _editor(request, link)
    if not permissions.can_edit_rubric(request.user, link):
        raise PermissionDenied
    post = request.POST
    try:
        content = jsonguard.loads(post.get("content") or "", path="content")
    except jsonguard.HostileInput as exc:
        refused = gettext("Refused at %(path)s: %(reason)s")
        errors = {"content": [refused % {"path": exc.path, "reason": exc.reason}]}
        return _editor(request, link, values=post, errors=errors, status=400)
    except json.JSONDecodeError as exc:
        broken = gettext(
            "The content is not valid JSON: %(error)s at line %(line)s, column %(column)s."
        )
        where = {"line": exc.lineno, "column": exc.colno}
        errors = {"content": [broken % {"error": jsonguard.syntax_error_text(exc), **where}]}
        return _editor(request, link, values=post, errors=errors, status=400)
    tags = [tag.strip() for tag in post.get("tags", "").split(",") if tag.strip()]
    try:
        rubric_update_draft(
            rubric=link.rubric,
            content=content,
            title=post.get("title", ""),
            description=post.get("description", ""),
            tags=tags,
            expected_revision=_revision(post.get("expected_revision")),
            by=request.user,
        )
    except DomainError as exc:
        errors = exc.fields or {"": [exc.detail]}
        return _editor(request, link, values=post, errors=errors, status=exc.status_code)
    messages.success(request, gettext("Draft saved."))
    return redirect(_editor_url(link))


@login_required
@require_POST
def rubric_preview(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    """The live preview: posted content as a reviewer will see it, as an HTML fragment."""
    link = _link(request, pk, rubric_pk)
    try:
        content = jsonguard.loads(request.POST.get("content") or "")
    except ValueError:  # broken or refused (jsonguard.HostileInput): no preview
        content = None
    not_json = {"": [gettext("Not JSON.")]}
    problems = validate_rubric_content(content) if content is not None else not_json
    if problems:
        return render(
            request,
            "rubrics/_preview_problems.html",
            {"count": sum(len(found) for found in problems.values())},
            status=400,
        )
    return render(
        request,
        "rubrics/_reviewer_view.html",
        _preview_context(request, link.project, normalize_rubric_content(content)),
    )


@login_required
@require_POST
def rubric_publish(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    link = _editable_link(request, pk, rubric_pk)
    try:
        version = project_rubric_publish(
            link=link,
            note=request.POST.get("note", ""),
            pin=request.POST.get("pin") == "on",
            repin=request.POST.get("repin") == "on",
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, _refusal(exc))
        return redirect(_editor_url(link))
    if [project.pk for project in version.repinned] == [link.project_id]:
        done = gettext("Published version %(number)s and pinned in this project.")
    elif version.repinned:
        done = gettext("Published version %(number)s; these projects now use it: %(projects)s.")
    else:
        done = gettext("Published version %(number)s.")
    names = _project_names(version.repinned)
    messages.success(request, done % {"number": version.number, "projects": names})
    return redirect(_editor_url(link))


@login_required
def rubric_versions(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    link = _link(request, pk, rubric_pk)
    versions = list(
        link.rubric.versions.select_related("published_by", "retired_by").order_by("-number")
    )
    for version in versions:
        # Retiring a version projects still use needs a newer one for them to move to.
        version.pinned_by = projects_pinning(version) if version.is_applicable else []
        version.pinned_names = _project_names(version.pinned_by)
        version.replacements = [
            newer for newer in versions if newer.number > version.number and newer.is_applicable
        ]
    return render(
        request,
        "rubrics/versions.html",
        {
            "project": link.project,
            "link": link,
            "rubric": link.rubric,
            "versions": versions,
            "can_edit": permissions.can_edit_rubric(request.user, link),
            "can_pin": permissions.can_edit_rubrics(request.user, link.project),
            "pinned_id": link.project.rubric_version_id,
            "formats": [(name, FORMAT_LABELS[name]) for name in FORMATS],
        },
    )


@login_required
def rubric_version(request: HttpRequest, pk: int, rubric_pk: int, number: int) -> HttpResponse:
    link = _link(request, pk, rubric_pk)
    version = lookups.visible_rubric_version(link, number)
    return render(
        request,
        "rubrics/version.html",
        {
            "project": link.project,
            "link": link,
            "rubric": link.rubric,
            "version": version,
            "preview": _preview_context(request, link.project, version.content),
            "formats": [(name, FORMAT_LABELS[name]) for name in FORMATS],
            "can_pin": permissions.can_edit_rubrics(request.user, link.project),
            "pinned_id": link.project.rubric_version_id,
        },
    )


@login_required
@require_POST
def rubric_version_retire_page(
    request: HttpRequest, pk: int, rubric_pk: int, number: int
) -> HttpResponse:
    link = _editable_link(request, pk, rubric_pk)
    version = lookups.visible_rubric_version(link, number)
    try:
        retired = project_rubric_version_retire(
            version=version,
            reason=request.POST.get("reason", ""),
            replacement=_revision(request.POST.get("replacement")),
            by=request.user,
        )
    except DomainError as exc:
        # A refused replacement: the detail says it all (and names the projects).
        messages.error(request, exc.detail if "replacement" in exc.fields else _refusal(exc))
    else:
        if retired.repinned:
            done = gettext(
                "Version %(number)s retired; these projects now use version %(replacement)s: "
                "%(projects)s."
            )
        else:
            done = gettext("Version %(number)s retired.")
        messages.success(
            request,
            done
            % {
                "number": version.number,
                "replacement": _revision(request.POST.get("replacement")),
                "projects": _project_names(retired.repinned),
            },
        )
    return redirect("rubric-versions", pk=link.project_id, rubric_pk=link.rubric_id)


@login_required
def rubric_diff(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    link = _link(request, pk, rubric_pk)
    versions = list(link.rubric.versions.order_by("-number").values_list("number", flat=True))
    try:
        comparison = project_rubric_diff(
            link=link, before=request.GET.get("from"), after=request.GET.get("to")
        )
    except DomainError as exc:
        messages.error(request, _refusal(exc))
        comparison = project_rubric_diff(link=link)
    return render(
        request,
        "rubrics/diff.html",
        {
            "project": link.project,
            "link": link,
            "rubric": link.rubric,
            "comparison": comparison,
            "rows": _change_rows(comparison.changes),
            "choices": [*(str(number) for number in versions), DRAFT],
        },
    )


@login_required
def rubric_export_page(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    """Download the draft or a version as a JSON file in one of the interchange formats."""
    link = _link(request, pk, rubric_pk)
    fmt = request.GET.get("shape") or "rubric"
    try:
        source = project_rubric_content(link=link, ref=request.GET.get("version") or DRAFT)
        exported = rubric_export(content=source.content, fmt=fmt)
    except DomainError as exc:
        messages.error(request, _refusal(exc))
        return redirect("rubric-versions", pk=link.project_id, rubric_pk=link.rubric_id)
    which = f"v{source.version.number}" if source.version else "draft"
    response = HttpResponse(
        json.dumps(exported, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"rubric-{link.rubric_id}-{which}-{fmt}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def rubric_clone_page(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    link = _link(request, pk, rubric_pk)
    try:
        target = lookups.visible_project_named(request.user, request.POST.get("project") or 0)
        if not permissions.can_clone_rubric(request.user, link, target):
            raise PermissionDenied
        clone = project_rubric_clone(
            source=link,
            into=target,
            by=request.user,
            title=request.POST.get("title") or None,
        )
    except DomainError as exc:
        messages.error(request, _refusal(exc))
        if request.POST.get("back") == "library":
            return redirect("rubric-library")
        return redirect(_editor_url(link))
    messages.success(
        request,
        gettext("Cloned into “%(project)s” as “%(title)s”.")
        % {"project": target.name, "title": clone.rubric.title},
    )
    return redirect(_editor_url(clone))


@login_required
@require_POST
def rubric_share_page(request: HttpRequest, pk: int, rubric_pk: int) -> HttpResponse:
    link = _editable_link(request, pk, rubric_pk)
    try:
        target = lookups.visible_project_named(request.user, request.POST.get("project") or 0)
        if not permissions.can_share_rubric(request.user, link, target):
            raise PermissionDenied
        project_rubric_share(link=link, into=target, by=request.user)
    except DomainError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request,
            gettext("“%(title)s” is now in the library of “%(project)s”.")
            % {"title": link.rubric.title, "project": target.name},
        )
    return redirect("rubric-library")

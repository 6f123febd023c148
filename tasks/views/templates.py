"""The template editor: JSON with live validation and a live preview, gallery, versions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from annotation_platform import jsonguard
from annotation_platform.errors import DomainError
from tasks import permissions
from tasks.gallery import gallery_templates
from tasks.models import Project, Task
from tasks.presentation import display_view, questions_view, remote_media_for
from tasks.services import template_check, template_current, template_from_gallery, template_save
from tasks.views.projects import visible_project


def _designable(request: HttpRequest, pk: int) -> Project:
    project = visible_project(request, pk)
    if not permissions.can_design_project(request.user, project):
        raise PermissionDenied
    return project


def _parse_json(text: str, label: str) -> tuple[object, str | None]:
    """Parse JSON typed by a person; on failure say where (line and column).

    ``label`` is "definition" or "sample": each has its own whole sentences to translate.
    """
    try:
        return jsonguard.loads(text), None
    except jsonguard.HostileInput as exc:
        if label == "sample":
            message = gettext("The sample task is refused at %(path)s: %(reason)s")
        else:
            message = gettext("The definition is refused at %(path)s: %(reason)s")
        return None, message % {"path": exc.path or gettext("the top level"), "reason": exc.reason}
    except json.JSONDecodeError as exc:
        if label == "sample":
            message = gettext(
                "The sample task is not valid JSON: %(error)s at line %(line)s, column %(column)s."
            )
        else:
            message = gettext(
                "The definition is not valid JSON: %(error)s at line %(line)s, column %(column)s."
            )
        return None, message % {
            "error": jsonguard.syntax_error_text(exc),
            "line": exc.lineno,
            "column": exc.colno,
        }


def _sample_task(project: Project) -> dict:
    first = Task.objects.filter(project=project).order_by("id").first()
    return first.data if first else {}


@login_required
def template_editor(request: HttpRequest, pk: int) -> HttpResponse:
    project = _designable(request, pk)
    current = template_current(project)
    name = request.POST.get("name", current.name if current else f"{project.name} template")
    note = request.POST.get("note", "")
    definition_text = request.POST.get(
        "definition",
        json.dumps(current.definition, indent=2, ensure_ascii=False) if current else "",
    )
    sample_text = request.POST.get(
        "sample_task", json.dumps(_sample_task(project), indent=2, ensure_ascii=False)
    )
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        definition, parse_error = _parse_json(definition_text, "definition")
        if parse_error:
            errors = {"definition": [parse_error]}
        else:
            try:
                template, created = template_save(
                    project=project, name=name, definition=definition, note=note, by=request.user
                )
            except DomainError as exc:
                errors = exc.fields or {"": [exc.detail]}
            else:
                if created and template.version > 1:
                    messages.success(
                        request,
                        gettext(
                            "Saved as version %(version)s: version %(previous)s already has "
                            "submissions, so it stays as it was."
                        )
                        % {"version": template.version, "previous": template.version - 1},
                    )
                else:
                    messages.success(
                        request,
                        gettext("Template saved (version %(version)s).")
                        % {"version": template.version},
                    )
                return redirect("template-editor", pk=project.pk)
        status = 400
    # The live preview renders into this page: its policy must allow what the preview
    # fragment (template_preview) may show.
    remote_media_for(request, project)
    return render(
        request,
        "tasks/template_editor.html",
        {
            "project": project,
            "current": current,
            "name": name,
            "note": note,
            "definition_text": definition_text,
            "sample_text": sample_text,
            "errors": errors,
            "gallery": gallery_templates(),
            "versions": project.templates.select_related("created_by").order_by("-version"),
        },
        status=status,
    )


@login_required
@require_POST
def template_use_gallery(request: HttpRequest, pk: int) -> HttpResponse:
    project = _designable(request, pk)
    try:
        template, _ = template_from_gallery(
            project=project, key=request.POST.get("key", ""), by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            gettext("Started from “%(name)s” (version %(version)s).")
            % {"name": template.name, "version": template.version},
        )
    return redirect("template-editor", pk=project.pk)


@login_required
@require_POST
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The live preview: the trainer's view of the sample task, as an HTML fragment."""
    project = _designable(request, pk)
    definition, error = _parse_json(request.POST.get("definition", ""), "definition")
    sample, sample_error = _parse_json(request.POST.get("sample_task") or "{}", "sample")
    problems: dict[str, list[str]] = {}
    if error or sample_error:
        problems = {"": [e for e in (error, sample_error) if e]}
    else:
        check = template_check(definition=definition, sample_task=sample)
        problems = {
            **check.definition_errors,
            **{f"sample.{k}": v for k, v in check.task_errors.items()},
        }
    if problems:
        return render(request, "tasks/_template_problems.html", {"errors": problems}, status=400)
    return render(
        request,
        "tasks/_template_preview.html",
        {
            "blocks": display_view(definition, sample, media=remote_media_for(request, project)),
            "questions": questions_view(definition, sample),
            "definition": definition,
            "preview": True,
        },
    )


@login_required
def template_version(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_view_template(request.user, project):
        raise PermissionDenied
    template = get_object_or_404(project.templates, version=version)
    sample = _sample_task(project)
    valid_sample = not template_check(
        definition=template.definition, sample_task=sample
    ).task_errors
    return render(
        request,
        "tasks/template_version.html",
        {
            "project": project,
            "template": template,
            "definition_text": json.dumps(template.definition, indent=2, ensure_ascii=False),
            "blocks": display_view(
                template.definition, sample, media=remote_media_for(request, project)
            )
            if valid_sample
            else None,
            "questions": questions_view(template.definition, sample) if valid_sample else None,
            "definition": template.definition,
        },
    )

"""Pages for tasks and the trainer's work: task list, workspace, submissions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse

from annotation_platform.errors import DomainError
from tasks import lookups, permissions
from tasks.models import Draft, ProjectStatus, Submission, Task
from tasks.presentation import display_view, questions_view
from tasks.rendering import render_markdown
from tasks.services import task_next_for, tasks_create, template_current
from tasks.views.projects import visible_project


def _parse_tasks(text: str) -> tuple[list | None, str | None]:
    """A JSON array, or JSON Lines (one object per line); errors say which line."""
    text = text.strip()
    if not text:
        return None, "Paste a JSON array of task objects, or one JSON object per line."
    if text.startswith("["):
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            return None, f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            return None, f"Line {number} is not valid JSON: {exc.msg} (column {exc.colno})."
    return items, None


@login_required
def project_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    if not permissions.can_view_task_list(request.user, project):
        raise PermissionDenied
    can_add = permissions.can_design_project(request.user, project)
    errors: dict[str, list[str]] = {}
    pasted = ""
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        pasted = request.POST.get("tasks", "")
        items, parse_error = _parse_tasks(pasted)
        if parse_error:
            errors = {"tasks": [parse_error]}
        else:
            try:
                created = tasks_create(project=project, items=items, by=request.user)
            except DomainError as exc:
                errors = exc.fields or {"tasks": [exc.detail]}
            else:
                messages.success(request, f"{len(created)} task(s) added.")
                return redirect("project-tasks", pk=project.pk)
    page = Paginator(Task.objects.filter(project=project).order_by("id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tasks/project_tasks.html",
        {
            "project": project,
            "page": page,
            "can_add": can_add,
            "errors": errors,
            "pasted": pasted,
            "has_template": template_current(project) is not None,
        },
        status=400 if errors else 200,
    )


@login_required
def work_start(request: HttpRequest, pk: int) -> HttpResponse:
    """'Start working': open the next task, or say why there is none."""
    project = visible_project(request, pk)
    if not permissions.can_work_on_project(request.user, project):
        raise PermissionDenied
    reason = None
    if project.status != ProjectStatus.ACTIVE:
        reason = f"This project is {project.get_status_display().lower()}: no new tasks for now."
    elif template_current(project) is None:
        reason = "This project has no task template yet."
    else:
        task = task_next_for(project=project, user=request.user)
        if task is not None:
            return redirect("task-work", pk=task.pk)
        reason = "You have answered every task in this project. Thank you!"
    return render(request, "tasks/work_done.html", {"project": project, "reason": reason})


def _workspace(request: HttpRequest, task: Task, submission: Submission | None) -> HttpResponse:
    template = template_current(task.project)
    if template is None:
        messages.error(request, "This project has no task template yet.")
        return redirect("project-detail", pk=task.project_id)
    draft = Draft.objects.filter(task=task, author=request.user).first()
    if draft is not None and submission is not None and draft.updated_at <= submission.updated_at:
        draft = None  # older than the submission being revised: the submission wins
    if draft is not None:
        initial = {"answer": draft.answer, "telemetry": draft.telemetry}
    elif submission is not None:
        initial = {"answer": submission.answer, "telemetry": submission.telemetry}
    else:
        initial = {"answer": {}, "telemetry": {}}
    if submission is not None:
        submit_url = reverse("api-submission-detail", args=[submission.pk])
        method = "PATCH"
    else:
        submit_url = reverse("api-task-submit", args=[task.pk])
        method = "POST"
    config = {
        "taskId": task.pk,
        "projectId": task.project_id,
        "mode": "revise" if submission else "new",
        "draftUrl": reverse("api-task-draft", args=[task.pk]),
        "submitUrl": submit_url,
        "submitMethod": method,
        "nextUrl": reverse("work-start", args=[task.project_id])
        if submission is None
        else reverse("submission-detail", args=[submission.pk]),
        "definition": template.definition,
        "templateVersion": template.version,
        "initial": initial,
        "restoredDraft": draft is not None,
        "csrfToken": get_token(request),
    }
    return render(
        request,
        "tasks/workspace.html",
        {
            "project": task.project,
            "task": task,
            "template": template,
            "submission": submission,
            "blocks": display_view(template.definition, task.data),
            "questions": questions_view(template.definition, task.data),
            "definition": template.definition,
            "instructions_html": render_markdown(template.definition.get("instructions")),
            "config": config,
        },
    )


@login_required
def task_work(request: HttpRequest, pk: int) -> HttpResponse:
    task = lookups.visible_task(request.user, pk)
    if not permissions.can_work_on_project(request.user, task.project):
        raise PermissionDenied
    existing = Submission.objects.filter(task=task, author=request.user).first()
    if existing is not None:
        # Answered already: show the submission (from where it can be revised).
        return redirect("submission-detail", pk=existing.pk)
    return _workspace(request, task, None)


@login_required
def submission_revise_page(request: HttpRequest, pk: int) -> HttpResponse:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_revise_submission(request.user, submission):
        raise PermissionDenied
    if not submission.is_revisable:
        messages.error(request, "This submission has been reviewed and can no longer be revised.")
        return redirect("submission-detail", pk=submission.pk)
    return _workspace(request, submission.task, submission)


@login_required
def submission_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    submission = lookups.visible_submission(request.user, pk)
    definition = submission.template.definition
    return render(
        request,
        "tasks/submission_detail.html",
        {
            "submission": submission,
            "project": submission.task.project,
            "blocks": display_view(definition, submission.task.data),
            "questions": questions_view(definition, submission.task.data),
            "answer_json": json.dumps(submission.answer, indent=2, ensure_ascii=False),
            "revisions": submission.revisions.select_related("template").order_by("-number"),
            "can_revise": permissions.can_revise_submission(request.user, submission)
            and submission.is_revisable,
        },
    )


@login_required
def submission_list_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request, pk)
    queryset = (
        Submission.objects.visible_to(request.user)
        .filter(task__project=project)
        .select_related("task", "author", "template")
        .order_by("-created_at", "-id")
    )
    if request.GET.get("mine") == "1" or not permissions.can_view_task_list(request.user, project):
        queryset = queryset.filter(author=request.user)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/submission_list.html",
        {
            "project": project,
            "page": page,
            "sees_all": permissions.can_view_task_list(request.user, project),
        },
    )

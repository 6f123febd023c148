"""Pages for tasks and the trainer's work: task list, workspace, submissions."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from annotation_platform import jsonguard
from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from tasks import lookups, permissions
from tasks.api.filters import TaskFilter
from tasks.forms import AssignForm, DistributionForm, GoldForm, TaskSettingsForm
from tasks.models import Draft, Lease, LeaseStatus, Submission, SubmissionStatus, Task, TaskState
from tasks.presentation import (
    answer_rows,
    display_view,
    questions_view,
    remote_media_for,
    shortcut_groups,
    workspace_layout,
)
from tasks.rendering import render_markdown
from tasks.services import (
    WorkRefusal,
    guidelines_notice_for,
    project_distribution_update,
    task_assign,
    task_counts,
    task_lease,
    task_next,
    task_set_gold,
    task_update_settings,
    tasks_create,
    template_current,
    work_gate,
)
from tasks.services.hooks import submission_page_context
from tasks.services.reviewing import submissions_returned
from tasks.views.projects import my_progress_for, render_project_settings, visible_project


def _parse_tasks(text: str) -> tuple[list | None, str | None]:
    """A JSON array, or JSON Lines (one object per line); errors say which line."""
    text = text.strip()
    if not text:
        return None, gettext("Paste a JSON array of task objects, or one JSON object per line.")
    if text.startswith("["):
        try:
            return jsonguard.loads(text), None
        except jsonguard.HostileInput as exc:
            if exc.path:
                return None, gettext("Refused at %(path)s: %(reason)s") % {
                    "path": exc.path,
                    "reason": exc.reason,
                }
            return None, gettext("Refused at the top: %(reason)s") % {"reason": exc.reason}
        except json.JSONDecodeError as exc:
            return None, gettext(
                "Not valid JSON: %(error)s at line %(line)s, column %(column)s."
            ) % {"error": jsonguard.syntax_error_text(exc), "line": exc.lineno, "column": exc.colno}
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(jsonguard.loads(line))
        except jsonguard.HostileInput as exc:
            if exc.path:
                return None, gettext("Line %(line)s is refused at %(path)s: %(reason)s") % {
                    "line": number,
                    "path": exc.path,
                    "reason": exc.reason,
                }
            return None, gettext("Line %(line)s is refused at the top: %(reason)s") % {
                "line": number,
                "reason": exc.reason,
            }
        except json.JSONDecodeError as exc:
            return None, gettext(
                "Line %(line)s is not valid JSON: %(error)s (column %(column)s)."
            ) % {"line": number, "error": jsonguard.syntax_error_text(exc), "column": exc.colno}
    return items, None


# The task list's orderings: each ends in ``id``, so the sort key is unique and a cursor
# names an exact position (keyset pagination: no OFFSET, no COUNT).
TASK_ORDERINGS: dict[str, tuple[str, tuple[tuple[str, bool], ...]]] = {
    # value: (label, ((field, descending), ...))
    "id": (gettext_lazy("Oldest first"), (("id", False),)),
    "-id": (gettext_lazy("Newest first"), (("id", True),)),
    "-priority": (gettext_lazy("Highest priority first"), (("priority", True), ("id", False))),
    "created_at": (gettext_lazy("Added, oldest first"), (("created_at", False), ("id", False))),
}
TASK_PAGE_SIZE = 50


class BadCursor(ValueError):
    pass


def _cursor_encode(ordering: str, task: Task) -> str:
    values = []
    for field, _ in TASK_ORDERINGS[ordering][1]:
        value = getattr(task, field)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps([ordering, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(ordering: str, cursor: str) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        # Guarded: a forged cursor may be nested deep or hold a number beyond 64 bits.
        made_for, *values = jsonguard.loads(raw)
    except (ValueError, TypeError) as exc:
        raise BadCursor(
            gettext("This page link is damaged; start again from the first page.")
        ) from exc
    keys = TASK_ORDERINGS[ordering][1]
    if made_for != ordering or len(values) != len(keys):
        raise BadCursor(
            gettext("This page link belongs to another ordering; start from the first page.")
        )
    parsed = []
    for (field, _), value in zip(keys, values, strict=True):
        try:
            if field == "created_at":
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError(value)
                parsed.append(moment)
            elif isinstance(value, int) and not isinstance(value, bool):
                parsed.append(value)
            else:
                raise TypeError(value)
        except (TypeError, ValueError) as exc:
            raise BadCursor(
                gettext("This page link is damaged; start again from the first page.")
            ) from exc
    return parsed


def _task_page(queryset, ordering: str, *, after: str, before: str):
    """One page of ``queryset`` in ``ordering`` after or before a cursor; (rows, has_more).

    Past a cursor (a, b) the rows are (a = x and b > y), then (a > x), read as two queries
    in that order rather than one OR: each is a single index range starting at the cursor,
    so a deep page costs what the first does even when most tasks share a priority."""
    keys = TASK_ORDERINGS[ordering][1]
    forward = not before
    order = [("-" if descending == forward else "") + field for field, descending in keys]
    cursor = before or after
    limit = TASK_PAGE_SIZE + 1
    if not cursor:
        rows = list(queryset.order_by(*order)[:limit])
    else:
        values = _cursor_decode(ordering, cursor)
        rows = []
        for depth in reversed(range(len(keys))):
            field, descending = keys[depth]
            tied = {name: value for (name, _), value in zip(keys[:depth], values, strict=False)}
            beyond = {f"{field}__{'gt' if forward != descending else 'lt'}": values[depth]}
            rows += queryset.filter(**tied, **beyond).order_by(*order)[: limit - len(rows)]
            if len(rows) >= limit:
                break
    more = len(rows) > TASK_PAGE_SIZE
    rows = rows[:TASK_PAGE_SIZE]
    if not forward:
        rows.reverse()
    return rows, more


def _page_url(request: HttpRequest, **cursor: str) -> str:
    params = request.GET.copy()
    for name in ("after", "before"):
        params.pop(name, None)
    params.update(cursor)
    return "?" + params.urlencode()


def _excerpt(data, length: int = 160) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= length else text[: length - 1] + "…"


@login_required
def project_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    """The task list (twin of GET/POST /api/v1/projects/{id}/tasks/ and /progress/)."""
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
                messages.success(
                    request, gettext("%(count)s task(s) added.") % {"count": len(created)}
                )
                return redirect("project-tasks", pk=project.pk)

    # can_view_task_list grants every task of the project, so this is the visible set.
    filters = TaskFilter(request.GET, queryset=Task.objects.filter(project=project))
    filter_errors: dict[str, list[str]] = {}
    ordering = request.GET.get("ordering") or "id"
    if ordering not in TASK_ORDERINGS:
        filter_errors["ordering"] = [
            gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(TASK_ORDERINGS)}
        ]
    if not filters.is_valid():
        filter_errors.update({name: list(msgs) for name, msgs in filters.errors.items()})
    rows: list[Task] = []
    more = False
    if not filter_errors:
        try:
            queryset = filters.qs.defer("gold_answer")
            rows, more = _task_page(
                queryset,
                ordering,
                after=request.GET.get("after", ""),
                before=request.GET.get("before", ""),
            )
        except ValidationError as exc:  # raised by TaskFilter's methods (e.g. contains)
            detail = exc.detail if isinstance(exc.detail, dict) else {"filters": exc.detail}
            filter_errors.update({name: [str(m) for m in msgs] for name, msgs in detail.items()})
        except BadCursor as exc:
            filter_errors["before" if request.GET.get("before") else "after"] = [str(exc)]
    for task in rows:
        task.excerpt = _excerpt(task.data)
    paging = request.GET.get("after") or request.GET.get("before")
    backwards = bool(request.GET.get("before"))
    next_url = prev_url = None
    if rows:
        if more or backwards:
            next_url = _page_url(request, after=_cursor_encode(ordering, rows[-1]))
        if (more and backwards) or (paging and not backwards):
            prev_url = _page_url(request, before=_cursor_encode(ordering, rows[0]))
    counts = task_counts(project)
    counts["gold"] = Task.objects.filter(project=project, is_gold=True).count()
    status = 400 if errors or filter_errors else 200
    return render(
        request,
        "tasks/project_tasks.html",
        {
            "project": project,
            "tasks": rows,
            "counts": counts,
            "filters": filters,
            "filter_errors": filter_errors,
            "ordering": ordering,
            "orderings": [(value, label) for value, (label, _) in TASK_ORDERINGS.items()],
            "states": TaskState.choices,
            "next_url": next_url,
            "prev_url": prev_url,
            "first_url": _page_url(request) if paging else None,
            "can_add": can_add,
            "errors": errors,
            "pasted": pasted,
            "has_template": template_current(project) is not None,
        },
        status=status,
    )


@login_required
def work_start(request: HttpRequest, pk: int) -> HttpResponse:
    """'Start working': the oldest submission returned for rework first, then the next task
    (taking a lease on it), or say why there is none."""
    project = visible_project(request, pk)
    if not permissions.can_work_on_project(request.user, project):
        raise PermissionDenied
    # The work gate, as the API's ``next`` asks it: no task is taken by someone who may not
    # answer it yet. Unacknowledged guidelines are shown here with their button, which
    # comes back to this page and then serves the task.
    refusal = work_gate(user=request.user, project=project)
    if refusal is not None:
        return _work_refused(request, project, refusal)
    # Work sent back for rework comes before new tasks, oldest first.
    returned = submissions_returned(project=project, trainer=request.user)
    if returned:
        messages.info(
            request,
            f"Submission #{returned[0].pk} was returned for rework: revise it first"
            + (f" ({len(returned)} returned in all)." if len(returned) > 1 else "."),
        )
        return redirect("submission-revise", pk=returned[0].pk)
    reason = None
    if template_current(project) is None:
        reason = gettext("This project has no task template yet.")
    else:
        try:
            served = task_next(project=project, trainer=request.user)
        except DomainError as exc:
            reason = exc.detail
        else:
            if served is not None:
                return redirect("task-work", pk=served.task.pk)
            reason = gettext("There is no task left for you in this project right now. Thank you!")
    return render(request, "tasks/work_done.html", {"project": project, "reason": reason})


def _work_refused(request: HttpRequest, project, refusal: WorkRefusal) -> HttpResponse:
    """The start page says why no task was taken; unread guidelines come with their notice."""
    notice = None
    if permissions.can_acknowledge_guidelines(request.user, project):
        notice = guidelines_notice_for(user=request.user, project=project)
    reason = refusal.detail
    if notice is not None:
        reason = gettext(
            "Read the guidelines below and confirm you have read them to start working."
        )
    return render(
        request,
        "tasks/work_done.html",
        {"project": project, "reason": reason, "refusal": refusal, "guidelines_notice": notice},
        status=409,
    )


def _workspace(request: HttpRequest, task: Task, submission: Submission | None) -> HttpResponse:
    template = template_current(task.project)
    if template is None:
        messages.error(request, gettext("This project has no task template yet."))
        return redirect("project-detail", pk=task.project_id)
    draft = Draft.objects.filter(task=task, author=request.user).first()
    # The page's copy is based on this revision even when it shows the submission instead.
    draft_revision = draft.revision if draft is not None else 0
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
    holding = submission is None
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
        # Nothing typed is lost (static/js/workspace_recovery.js): the browser's own copy is
        # kept per user, task and template version, and reconciled by the draft's revision.
        "draftRevision": draft_revision,
        "userId": request.user.pk,
        "username": request.user.get_username(),
        "csrfCookieName": settings.CSRF_COOKIE_NAME,
        "sessionUrl": reverse("session-login"),
        "loginPageUrl": reverse("login"),
        "renewUrl": reverse("api-task-renew", args=[task.pk]) if holding else "",
        "skipUrl": reverse("api-task-skip", args=[task.pk]) if holding else "",
    }
    notice = None
    media = remote_media_for(request, task.project)
    if permissions.can_acknowledge_guidelines(request.user, task.project):
        notice = guidelines_notice_for(user=request.user, project=task.project)
    # While the gate refuses (the notice above is up), the page answers, saves and submits
    # nothing (static/js/workspace.js): the server would refuse it all the same.
    refusal = work_gate(user=request.user, project=task.project)
    return render(
        request,
        "tasks/workspace.html",
        {
            "guidelines_notice": notice,
            "work_refusal": refusal,
            "project": task.project,
            "task": task,
            "template": template,
            "submission": submission,
            "blocks": display_view(template.definition, task.data, media=media),
            "questions": questions_view(template.definition, task.data),
            "definition": template.definition,
            "instructions_html": render_markdown(
                template.definition.get("instructions"), media=media
            ),
            "config": config,
            "shortcuts": shortcut_groups(template.definition),
            "layout": workspace_layout(template.definition),
            "my_progress": my_progress_for(request, task.project),
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
    if not Lease.objects.filter(
        task=task, trainer=request.user, status=LeaseStatus.ACTIVE
    ).exists():
        # Tasks come from the queue; a link to a task you do not hold is served only when
        # it was assigned to you (and still needs an answer).
        if not task.assignments.filter(trainer=request.user).exists():
            messages.info(
                request, gettext("That task is not yours to work on; here is your next one.")
            )
            return redirect("work-start", pk=task.project_id)
        try:
            task_lease(task=task, trainer=request.user)
        except DomainError as exc:
            messages.info(request, exc.detail)
            return redirect("work-start", pk=task.project_id)
    return _workspace(request, task, None)


@login_required
def submission_revise_page(request: HttpRequest, pk: int) -> HttpResponse:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_revise_submission(request.user, submission):
        raise PermissionDenied
    if not submission.is_revisable:
        messages.error(
            request, gettext("This submission has been reviewed and can no longer be revised.")
        )
        return redirect("submission-detail", pk=submission.pk)
    return _workspace(request, submission.task, submission)


@login_required
def submission_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_submission_detail(request, lookups.visible_submission(request.user, pk))


def render_submission_detail(
    request: HttpRequest, submission: Submission, *, dispute_form=None, status: int = 200
) -> HttpResponse:
    """The submission page; the review pages render it again with a refused dispute form.
    What other apps show on it (the review outcome, the checks link) comes through
    ``submission_page_context``: ``tasks`` does not import them."""
    definition = submission.template.definition
    return render(
        request,
        "tasks/submission_detail.html",
        {
            "submission": submission,
            "project": submission.task.project,
            "blocks": display_view(
                definition,
                submission.task.data,
                media=remote_media_for(request, submission.task.project),
            ),
            "questions": questions_view(definition, submission.task.data),
            "answer": answer_rows(definition, submission.answer),
            "revisions": submission.revisions.select_related("template").order_by("-number"),
            "can_revise": permissions.can_revise_submission(request.user, submission)
            and submission.is_revisable,
            **submission_page_context(
                submission=submission, user=request.user, dispute_form=dispute_form
            ),
        },
        status=status,
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
        # A trainer's own list: work returned for rework first, it is what to do next.
        queryset = queryset.filter(author=request.user).order_by(
            Case(When(status=SubmissionStatus.RETURNED, then=0), default=1),
            "-created_at",
            "-id",
        )
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


# --- a task for its setters, QA leads and admins ------------------------------------------


def _managed_task(request: HttpRequest, pk: int) -> Task:
    """A task for the people who run its project: 404 outside, 403 for a trainer."""
    task = lookups.visible_task(request.user, pk)
    if not permissions.can_view_task_list(request.user, task.project):
        raise PermissionDenied
    return task


def _designed_task(request: HttpRequest, pk: int) -> Task:
    task = _managed_task(request, pk)
    if not permissions.can_design_project(request.user, task.project):
        raise PermissionDenied
    return task


def _render_task(
    request: HttpRequest,
    task: Task,
    *,
    settings_form: TaskSettingsForm | None = None,
    gold_form: GoldForm | None = None,
    gold_errors: list | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    project = task.project
    template = template_current(project)
    definition = template.definition if template else {}
    prompts = {q.get("id"): q.get("prompt", "") for q in definition.get("questions", [])}
    gold_text = json.dumps(task.gold_answer, indent=2, ensure_ascii=False) if task.is_gold else ""
    return render(
        request,
        "tasks/task_detail.html",
        {
            "project": project,
            "task": task,
            "template": template,
            "blocks": display_view(definition, task.data, media=remote_media_for(request, project))
            if template
            else [],
            "data_json": json.dumps(task.data, indent=2, ensure_ascii=False),
            "gold_json": gold_text,
            "leases": task.leases.select_related("trainer").order_by("-created_at", "-id"),
            "skips": task.skipped_by.select_related("trainer").order_by("-created_at", "-id"),
            "submissions": Submission.objects.visible_to(request.user)
            .filter(task=task)
            .select_related("author")
            .order_by("-created_at", "-id"),
            "assignments": task.assignments.select_related("trainer", "assigned_by").order_by(
                "-created_at", "-id"
            ),
            "can_design": permissions.can_design_project(request.user, project),
            "settings_form": settings_form
            or TaskSettingsForm(initial={"priority": task.priority, "overlap": task.overlap}),
            "gold_form": gold_form or GoldForm(initial={"gold_answer": gold_text}),
            "gold_errors": [
                {"question": key, "prompt": prompts.get(key, ""), "messages": messages_}
                for key, messages_ in (gold_errors or [])
            ],
            "assign_form": assign_form or AssignForm(),
        },
        status=status,
    )


@login_required
def task_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A task with its leases, skips, submissions and assignments (twin of GET
    /api/v1/tasks/{id}/); setters and admins also change it here."""
    return _render_task(request, _managed_task(request, pk))


@login_required
@require_POST
def task_settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Priority and overlap override (twin of PATCH /api/v1/tasks/{id}/)."""
    task = _designed_task(request, pk)
    form = TaskSettingsForm(request.POST)
    if form.is_valid():
        try:
            task_update_settings(
                task=task,
                priority=form.cleaned_data["priority"],
                overlap=form.cleaned_data["overlap"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, gettext("Task settings saved."))
            return redirect("task-detail", pk=task.pk)
    return _render_task(request, task, settings_form=form, status=400)


@login_required
@require_POST
def task_gold_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a task as gold with its expected answer (twin of PUT /api/v1/tasks/{id}/gold/)."""
    task = _designed_task(request, pk)
    form = GoldForm(request.POST)
    per_question: list = []
    status = 400
    if form.is_valid():
        try:
            task_set_gold(task=task, gold_answer=form.cleaned_data["gold_answer"])
        except DomainError as exc:
            status = exc.status_code
            form.add_error("gold_answer" if exc.fields else None, exc.detail)
            for key, found in exc.fields.items():
                question = key.removeprefix("gold_answer").removeprefix(".")
                per_question.append((question, found))
        else:
            messages.success(request, gettext("Task %(pk)s is now gold.") % {"pk": task.pk})
            return redirect("task-detail", pk=task.pk)
    return _render_task(request, task, gold_form=form, gold_errors=per_question, status=status)


@login_required
@require_POST
def task_gold_remove_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a gold task ordinary again (twin of DELETE /api/v1/tasks/{id}/gold/)."""
    task = _designed_task(request, pk)
    try:
        task_set_gold(task=task, gold_answer=None)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, gettext("Task %(pk)s is no longer gold.") % {"pk": task.pk})
    return redirect("task-detail", pk=task.pk)


@login_required
@require_POST
def task_assign_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the task to a trainer (twin of POST /api/v1/tasks/{id}/assignments/)."""
    task = _designed_task(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            assignment = task_assign(
                task=task, trainer_identifier=form.cleaned_data["trainer"], by=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                gettext("Task %(pk)s assigned to %(trainer)s.")
                % {"pk": task.pk, "trainer": assignment.trainer.username},
            )
            return redirect("task-detail", pk=task.pk)
    return _render_task(request, task, assign_form=form, status=400)


@login_required
@require_POST
def project_distribution_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The project settings page's distribution form (twin of PATCH
    /api/v1/projects/{id}/distribution/)."""
    project = visible_project(request, pk)
    if not permissions.can_change_project(request.user, project):
        raise PermissionDenied
    form = DistributionForm(request.POST)
    if form.is_valid():
        try:
            project_distribution_update(project=project, **form.changes())
        except DomainError as exc:
            for name, found in exc.fields.items():
                name = DistributionForm.FIELD_FOR.get(name, name)
                for message in found:
                    form.add_error(name if name in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, exc.detail)
        else:
            messages.success(request, gettext("Distribution settings saved."))
            return redirect("project-settings", pk=project.pk)
    return render_project_settings(request, project, distribution_form=form, status=400)

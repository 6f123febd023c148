"""Guidelines pages: the version in force (with the trainer's "what changed" notice), the
editor (intro, rules added, edited and retired with a reason, publish), history and diff.
Each is the twin of an endpoint in ``tasks.api.rubric_views`` and calls the same service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from annotation_platform.errors import DomainError
from tasks import permissions
from tasks.models import RULE_ACTIVE, GuidelineDraft, GuidelineVersion, Project
from tasks.presentation import remote_media_for
from tasks.remote_media import RemoteMedia
from tasks.rendering import render_markdown
from tasks.services import (
    guideline_rule_add,
    guideline_rule_edit,
    guideline_rule_retire,
    guidelines_acknowledge,
    guidelines_current,
    guidelines_diff,
    guidelines_draft,
    guidelines_notice_for,
    guidelines_publish,
    guidelines_update_intro,
)
from tasks.services.guidelines import DRAFT
from tasks.views.projects import visible_project


def shown_rules(rules: list[Mapping[str, Any]], media: RemoteMedia) -> list[dict[str, Any]]:
    """Rules with their Markdown rendered (sanitised) for a page."""
    return [
        {**rule, "text_html": render_markdown(rule.get("text", ""), media=media)} for rule in rules
    ]


def _viewable(request: HttpRequest, pk: int) -> Project:
    project = visible_project(request, pk)
    if not permissions.can_view_guidelines(request.user, project):
        raise PermissionDenied
    return project


def _editable(request: HttpRequest, pk: int) -> Project:
    project = visible_project(request, pk)
    if not permissions.can_edit_guidelines(request.user, project):
        raise PermissionDenied
    return project


def _revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("expected_revision") or "")
    except ValueError:
        return None


@login_required
def guidelines_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The guidelines in force, read-only; a trainer sees what changed since they last
    acknowledged them, with the acknowledge button."""
    project = _viewable(request, pk)
    current = guidelines_current(project)
    notice = None
    if permissions.can_acknowledge_guidelines(request.user, project):
        notice = guidelines_notice_for(user=request.user, project=project)
    media = remote_media_for(request, project)
    return render(
        request,
        "guidelines/guidelines.html",
        {
            "project": project,
            "current": current,
            "intro_html": render_markdown(current.intro, media=media) if current else "",
            "rules": shown_rules([r for r in current.rules if r["status"] == RULE_ACTIVE], media)
            if current
            else [],
            "retired": [r for r in current.rules if r["status"] != RULE_ACTIVE] if current else [],
            "notice": notice,
            "next": request.get_full_path(),
            "can_edit": permissions.can_edit_guidelines(request.user, project),
        },
    )


def _editor(
    request: HttpRequest,
    project: Project,
    *,
    errors: Mapping[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    draft: GuidelineDraft = guidelines_draft(project)
    current = guidelines_current(project)
    pending = guidelines_diff(project=project, before=current.number if current else 0, after=DRAFT)
    media = remote_media_for(request, project)
    return render(
        request,
        "guidelines/editor.html",
        {
            "project": project,
            "draft": draft,
            "current": current,
            "intro_html": render_markdown(draft.intro, media=media),
            "rules": shown_rules(draft.rules, media),
            "pending": pending,
            "errors": errors or {},
            "post": request.POST if errors else {},
        },
        status=status,
    )


@login_required
def guidelines_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, _editable(request, pk))


def _refused(request: HttpRequest, project: Project, form: str, exc: DomainError, **extra):
    """Show the editor again with the typed values and the refusal next to ``form``."""
    errors = {"form": form, "detail": exc.detail, "fields": exc.fields, **extra}
    return _editor(request, project, errors=errors, status=exc.status_code)


@login_required
@require_POST
def guidelines_intro(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    try:
        guidelines_update_intro(
            project=project,
            intro=request.POST.get("intro", ""),
            expected_revision=_revision(request),
            by=request.user,
        )
    except DomainError as exc:
        return _refused(request, project, "intro", exc)
    messages.success(request, gettext("Introduction saved in the draft."))
    return redirect("guidelines-edit", pk=project.pk)


@login_required
@require_POST
def guideline_rule_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    try:
        _, rule = guideline_rule_add(
            project=project,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            expected_revision=_revision(request),
            by=request.user,
        )
    except DomainError as exc:
        return _refused(request, project, "add", exc)
    messages.success(request, gettext("Rule %(id)s added to the draft.") % {"id": rule["id"]})
    return redirect("guidelines-edit", pk=project.pk)


@login_required
@require_POST
def guideline_rule_edit_page(request: HttpRequest, pk: int, rule_id: str) -> HttpResponse:
    project = _editable(request, pk)
    try:
        guideline_rule_edit(
            project=project,
            rule_id=rule_id,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            expected_revision=_revision(request),
            by=request.user,
        )
    except DomainError as exc:
        return _refused(request, project, "edit", exc, rule=rule_id)
    messages.success(request, gettext("Rule %(id)s saved in the draft.") % {"id": rule_id})
    return redirect("guidelines-edit", pk=project.pk)


@login_required
@require_POST
def guideline_rule_retire_page(request: HttpRequest, pk: int, rule_id: str) -> HttpResponse:
    project = _editable(request, pk)
    try:
        _, rule = guideline_rule_retire(
            project=project,
            rule_id=rule_id,
            reason=request.POST.get("reason", ""),
            expected_revision=_revision(request),
            by=request.user,
        )
    except DomainError as exc:
        return _refused(request, project, "retire", exc, rule=rule_id)
    if rule is None:
        messages.success(
            request,
            gettext("Rule %(id)s was never published, so it was removed.") % {"id": rule_id},
        )
    else:
        messages.success(request, gettext("Rule %(id)s retired in the draft.") % {"id": rule_id})
    return redirect("guidelines-edit", pk=project.pk)


@login_required
@require_POST
def guidelines_publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable(request, pk)
    try:
        version = guidelines_publish(
            project=project, note=request.POST.get("note", ""), by=request.user
        )
    except DomainError as exc:
        return _refused(request, project, "publish", exc)
    messages.success(
        request,
        gettext("Published version %(number)s. Trainers will see what changed and acknowledge it.")
        % {"number": version.number},
    )
    return redirect("guidelines", pk=project.pk)


@login_required
def guidelines_versions_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _viewable(request, pk)
    versions = project.guideline_versions.select_related("published_by").order_by("-number")
    return render(
        request,
        "guidelines/versions.html",
        {
            "project": project,
            "versions": versions,
            "can_edit": permissions.can_edit_guidelines(request.user, project),
        },
    )


@login_required
def guidelines_version_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    project = _viewable(request, pk)
    version: GuidelineVersion = get_object_or_404(
        project.guideline_versions.select_related("published_by"), number=number
    )
    media = remote_media_for(request, project)
    return render(
        request,
        "guidelines/version.html",
        {
            "project": project,
            "version": version,
            "intro_html": render_markdown(version.intro, media=media),
            "rules": shown_rules(version.rules, media),
        },
    )


@login_required
def guidelines_diff_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _viewable(request, pk)
    can_edit = permissions.can_edit_guidelines(request.user, project)
    try:
        diff = guidelines_diff(
            project=project, before=request.GET.get("from"), after=request.GET.get("to")
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        diff = guidelines_diff(project=project)
    if DRAFT in (diff.before_ref, diff.after_ref) and not can_edit:
        raise PermissionDenied
    numbers = [str(n) for n in project.guideline_versions.values_list("number", flat=True)]
    media = remote_media_for(request, project)
    return render(
        request,
        "guidelines/diff.html",
        {
            "project": project,
            "diff": diff,
            "added": shown_rules(diff.added, media),
            "retired": diff.retired,
            "changed": [
                {
                    **change,
                    "before_html": render_markdown(change["before"]["text"], media=media),
                    "after_html": render_markdown(change["after"]["text"], media=media),
                }
                for change in diff.changed
            ],
            "choices": ["0", *numbers, *([DRAFT] if can_edit else [])],
            "can_edit": can_edit,
        },
    )


@login_required
@require_POST
def guidelines_acknowledge_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The acknowledge button of the notice: record it, then go back where it was shown."""
    project = visible_project(request, pk)
    if not permissions.can_acknowledge_guidelines(request.user, project):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version") or "")
    except ValueError:
        version = 0
    try:
        guidelines_acknowledge(user=request.user, project=project, version=version)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            gettext("Thanks: you have read version %(number)s of the guidelines.")
            % {"number": version},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("guidelines", pk=project.pk)

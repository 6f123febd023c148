"""Pages of the quality pipeline: check settings, the project's findings, one submission's
results. Each is the twin of an endpoint in quality/api/."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from annotation_platform.errors import DomainError
from quality import permissions
from quality.api.views import findings_queryset
from quality.forms import CheckSettingsForm
from quality.hooks import findings_links
from quality.models import CheckRun, OnFail
from quality.services import check_config_save, check_configs_for
from quality.services.results import submission_check_results
from tasks import lookups
from tasks.services.hooks import ProjectLink
from tasks.services.templates import template_current
from tasks.template_definition import questions


@login_required
def project_checks_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Twin of GET/PUT /api/v1/projects/{id}/checks/: each check's settings as a form
    (names for people, units, help), one check saved at a time."""
    from quality.checks import CATALOGUE

    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_check_configs(request.user, project):
        raise PermissionDenied
    can_edit = permissions.can_configure_checks(request.user, project)
    template = template_current(project)
    template_questions = questions(template.definition) if template else []
    posted = request.POST.get("check") if request.method == "POST" else None
    if posted is not None and not can_edit:
        raise PermissionDenied
    if posted is not None and posted not in CATALOGUE:
        messages.error(
            request, gettext("There is no check called %(name)s.") % {"name": repr(posted)}
        )
        return redirect("project-checks", pk=project.pk)
    forms = []
    failed = False
    for check in check_configs_for(project):
        form = CheckSettingsForm(
            CATALOGUE[check.name],
            enabled=check.enabled,
            on_fail=check.on_fail,
            config=check.config,
            template_questions=template_questions,
            data=request.POST if check.name == posted else None,
        )
        if check.name == posted:
            if form.is_valid():
                try:
                    check_config_save(
                        project=project,
                        check_name=check.name,
                        enabled=form.cleaned_data["enabled"],
                        config=form.config(),
                        on_fail=form.cleaned_data["on_fail"],
                    )
                except DomainError as exc:
                    form.place_errors(exc.fields or {"": [exc.detail]})
                else:
                    messages.success(
                        request,
                        gettext("Settings of “%(check)s” saved.")
                        % {"check": gettext(CATALOGUE[check.name].title)},
                    )
                    return redirect(f"{reverse('project-checks', args=[project.pk])}#{check.name}")
            failed = True
        forms.append(
            {
                "name": check.name,
                "title": gettext(CATALOGUE[check.name].title),
                "form": form,
                "enabled": check.enabled,
                "on_fail": str(OnFail(check.on_fail).label),
                "config_text": json.dumps(check.config, indent=2, ensure_ascii=False),
            }
        )
    return render(
        request,
        "quality/checks.html",
        {"project": project, "checks": forms, "can_edit": can_edit, "template": template},
        status=400 if failed else 200,
    )


@login_required
def project_quality_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_findings(request.user, project):
        raise PermissionDenied
    try:
        findings = findings_queryset(project, request.GET).select_related(
            "submission__author", "submission__task"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for ms in exc.detail.values() for m in ms))
        return redirect("project-quality", pk=project.pk)
    summary = (
        findings_queryset(project, {})
        .values("check_name", "status")
        .annotate(n=Count("id"))
        .order_by("check_name", "status")
    )
    pending = CheckRun.objects.filter(submission__task__project=project, status="pending").count()
    page = Paginator(findings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/quality.html",
        {
            "project": project,
            "page": page,
            "summary": summary,
            "pending": pending,
            # The review workflow's links (reviews registers them: quality.hooks).
            "links": findings_links(project=project, user=request.user),
        },
    )


@login_required
def submission_checks_page(request: HttpRequest, pk: int) -> HttpResponse:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_view_check_results(request.user, submission):
        raise PermissionDenied
    run, results = submission_check_results(submission=submission, user=request.user)
    return render(
        request,
        "quality/submission_checks.html",
        {
            "submission": submission,
            "project": submission.task.project,
            "run": run,
            "results": results,
            "evidence": permissions.sees_evidence(request.user, submission),
        },
    )


def submission_page_extension(*, submission, user, **extra) -> dict:
    """The submission page's link to its quality checks (a ``tasks`` page hook)."""
    if not permissions.can_view_check_results(user, submission):
        return {}
    url = reverse("submission-checks", args=[submission.pk])
    return {"submission_links": [ProjectLink(gettext("Quality checks"), url)]}


def project_page_links(*, project, user) -> list[ProjectLink]:
    """The project page's link to the findings (a ``tasks`` page hook)."""
    if not permissions.can_view_findings(user, project):
        return []
    return [ProjectLink(gettext("Quality"), reverse("project-quality", args=[project.pk]), 20)]

"""Pages of the metrics app: the project's quality page, its CSV tables, the metrics
settings, and a trainer's "my work". Each is the twin of an endpoint in metrics/api/."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext as _

from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from annotation_platform.time_zones import request_zone
from metrics import charts, permissions
from metrics.forms import MetricsSettingsForm
from metrics.services import (
    metrics_settings_save,
    project_metrics,
    settings_for,
    trainer_submissions,
    trainer_work,
)
from metrics.services.work import findings_for_author
from metrics.tables import TABLES, csv_text, table_rows
from quality.templatetags.findings import check_title
from tasks import lookups
from tasks.models import Project, SubmissionStatus
from tasks.services.hooks import ProjectLink
from tasks.services.progress import (
    WORK_STATUSES,
    trainer_progress,
    trainer_projects,
    trainer_status_counts,
)


def _metrics_project(request: HttpRequest, pk: int) -> Project:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_project_metrics(request.user, project):
        raise PermissionDenied(gettext("Project metrics are for QA leads, setters and admins."))
    return project


def _charts(data: dict) -> dict:
    days = data["project"]["throughput"]
    # Django's date format letters: "07 Dec" in English, "12月7日" in Chinese.
    day_format = pgettext("a chart's day label, in Django date format letters", "d M")
    short = [dateformat.format(date.fromisoformat(d["day"]), day_format) for d in days]
    return {
        "throughput": charts.bars([(d["day"], d["submissions"]) for d in days], short_labels=short),
        "acceptance": charts.rate_line(
            [(d["day"], d["acceptance_rate"]) for d in days], short_labels=short
        ),
        "findings": charts.horizontal_bars(
            [(check_title(f["check"]), f["total"]) for f in data["project"]["findings"]]
        ),
    }


@login_required
def project_metrics_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = _metrics_project(request, pk)
    figures = project_metrics(project=project)
    return render(
        request,
        "metrics/project_metrics.html",
        {
            "project": project,
            "figures": figures,
            "data": figures.data,
            "charts": _charts(figures.data) if figures.data else None,
            "tables": list(TABLES),
            "can_edit_settings": permissions.can_change_metrics_settings(request.user, project),
        },
    )


@login_required
def project_metrics_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    project = _metrics_project(request, pk)
    if table not in TABLES:
        raise Http404(gettext("No such table."))
    figures = project_metrics(project=project)
    if figures.data is None:
        messages.info(
            request, gettext("The figures are still being computed; try again in a minute.")
        )
        return redirect("project-metrics", pk=project.pk)
    response = HttpResponse(
        csv_text(TABLES[table], table_rows(figures.data, table)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}-{table}.csv"'
    return response


@login_required
def metrics_settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_change_metrics_settings(request.user, project):
        raise PermissionDenied(
            gettext("Only question setters and admins change the metrics settings.")
        )
    settings = settings_for(project)
    form = MetricsSettingsForm(
        request.POST or None, initial=MetricsSettingsForm.initial_for(settings)
    )
    if request.method == "POST" and form.is_valid():
        try:
            metrics_settings_save(project=project, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, gettext("Metrics settings saved; the figures are being recomputed.")
            )
            return redirect("project-metrics", pk=project.pk)
    return render(
        request,
        "metrics/settings.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def my_work_page(request: HttpRequest) -> HttpResponse:
    """The trainer's submissions ("my work") across every project they work on, or in one
    (``?project=``, with its figures), of one status or all (``?status=``), with counts
    per status and each project's progress. Twin of ``GET /api/v1/me/work/submissions/``,
    ``GET /api/v1/me/progress/`` and (one project) ``GET /api/v1/me/work/``."""
    training = list(trainer_projects(trainer=request.user))
    wanted = request.GET.get("project")
    project = None
    if wanted:
        project = lookups.visible_project(request.user, wanted)
        if not permissions.can_view_own_work(request.user, project):
            raise PermissionDenied(gettext("“My work” shows a trainer's own work in a project."))
    elif not training:
        return render(request, "metrics/my_work.html", {"projects": [], "project": None})
    elif len(training) == 1:
        # One project: its figures are the whole picture, so show them at once.
        project = training[0]
    status = request.GET.get("status") or None
    status_error = None
    try:
        rows_queryset = trainer_submissions(trainer=request.user, project=project, status=status)
    except DomainError as exc:  # an unknown status: say so, and list them all
        status_error = _("%(problem)s Status is one of: %(statuses)s.") % {
            "problem": exc.detail,
            "statuses": ", ".join(WORK_STATUSES),
        }
        status = None
        rows_queryset = trainer_submissions(trainer=request.user, project=project)
    shown = [project] if project is not None else training
    progress = trainer_progress(trainer=request.user, projects=shown, zone=request_zone(request))
    page = Paginator(rows_queryset, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "submission": submission,
            "findings": [
                {"check": result.check_name, "status": result.status, "finding": finding}
                for result in submission.my_findings
                for finding in findings_for_author(result)
            ],
        }
        for submission in page.object_list
    ]
    counts = trainer_status_counts(trainer=request.user, project=project)
    return render(
        request,
        "metrics/my_work.html",
        {
            "projects": training,
            "project": project,
            "work": trainer_work(project=project, trainer=request.user) if project else None,
            "progress": progress,
            "project_rows": [(p, progress.projects[p.pk]) for p in shown],
            "status": status,
            "status_tabs": [
                {
                    "value": value,
                    "label": SubmissionStatus(value).label
                    if value
                    else pgettext("status filter", "All"),
                    "count": counts[value or "total"],
                    "url": _my_work_url(project=project, status=value),
                }
                for value in ("", *WORK_STATUSES)
            ],
            "page": page,
            "page_query": _my_work_url(project=project, status=status).partition("?")[2],
            "rows": rows,
            "status_error": status_error,
        },
        status=400 if status_error else 200,
    )


def _my_work_url(*, project=None, status: str | None = None) -> str:
    params = {
        name: value
        for name, value in (("project", project.pk if project else None), ("status", status))
        if value
    }
    return reverse("my-work") + (f"?{urlencode(params)}" if params else "")


def project_page_links(*, project, user) -> list[ProjectLink]:
    """The project page's links to this app's pages (registered in apps.py)."""
    links = []
    if permissions.can_view_project_metrics(user, project):
        links.append(
            ProjectLink(gettext("Metrics"), reverse("project-metrics", args=[project.pk]), 30)
        )
    if permissions.can_view_own_work(user, project):
        url = f"{reverse('my-work')}?project={project.pk}"
        links.append(ProjectLink(gettext("My work"), url, 5))
    return links

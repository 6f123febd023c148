"""Export pages: a project's exports (the form and the list), one export (progress, card,
download). Twins of the endpoints in exports/api/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from annotation_platform.errors import DomainError
from exports import permissions
from exports.api.views import download_response, visible_export
from exports.forms import ExportForm
from exports.models import ExportJob
from exports.services import export_cancel, export_create
from exports.shapes import FORMAT_OPTIONS, OPTION_HELP
from tasks import lookups
from tasks.services.hooks import ProjectLink


@login_required
def project_exports_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_export(request.user, project):
        raise PermissionDenied
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = export_create(
                project=project,
                by=request.user,
                fmt=form.cleaned_data["format"],
                filters=form.filters(),
                options=form.cleaned_data["options"],
            )
        except DomainError as exc:
            placed = [form.add_service_error(name, msgs) for name, msgs in exc.fields.items()]
            if not all(placed) or not placed:
                form.add_error(None, exc.detail)
        else:
            messages.success(request, gettext("Export %(number)s started.") % {"number": job.pk})
            return redirect("export-detail", pk=job.pk)
    exports = (
        ExportJob.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    page = Paginator(exports, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "exports/project_exports.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "format_options": [
                (fmt, [(name, OPTION_HELP[name]) for name in names])
                for fmt, names in FORMAT_OPTIONS.items()
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
def export_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    export = visible_export(request.user, pk)
    return render(
        request,
        "exports/export_detail.html",
        {
            "export": export,
            "project": export.project,
            "can_cancel": permissions.can_cancel_export(request.user, export),
        },
    )


@login_required
@require_POST
def export_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The Cancel button (twin of POST /api/v1/exports/{id}/cancel)."""
    export = visible_export(request.user, pk)
    if not permissions.can_cancel_export(request.user, export):
        raise PermissionDenied
    try:
        export = export_cancel(export=export)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if export.is_finished:
            messages.success(request, gettext("Export cancelled; no file was kept."))
        else:
            messages.success(request, gettext("Cancelling: the export stops in a few seconds."))
    return redirect("export-detail", pk=export.pk)


@login_required
@require_GET
def export_download_page(request: HttpRequest, pk: int) -> HttpResponse:
    export = visible_export(request.user, pk)
    try:
        return download_response(export)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("export-detail", pk=export.pk)


def project_page_links(*, project, user) -> list[ProjectLink]:
    """The project page's link to the exports (registered in apps.py)."""
    if not permissions.can_export(user, project):
        return []
    return [ProjectLink(gettext("Exports"), reverse("project-exports", args=[project.pk]), 40)]

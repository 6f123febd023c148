"""Import pages: start an import and list past ones; follow one (progress, errors,
rejected rows, cancel). Each is the twin of an API endpoint and calls the same service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from annotation_platform.downloads import stored_file_response
from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from imports import permissions
from imports.forms import ImportForm
from imports.models import ImportJob, ImportMode
from imports.services import (
    import_cancel,
    import_create,
    import_rejected_file,
    max_bytes,
    refuse_too_large,
)
from imports.uploads import MULTIPART_SLACK, SizeCapUploadHandler, content_length
from tasks import lookups
from tasks.services import template_current
from tasks.services.hooks import ProjectLink

ERRORS_PER_PAGE = 100


def visible_import(request: HttpRequest, pk: int) -> ImportJob:
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("project", "created_by"), pk=pk
    )
    if not permissions.can_view_import(request.user, job):
        raise Http404
    return job


@csrf_exempt  # CSRF is checked by _project_imports, after the upload cap is in place
def project_imports(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload form and past imports (twin of GET/POST /api/v1/projects/{id}/imports)."""
    too_large = None
    if request.method == "POST":
        # The cap must be installed before anything reads the body, CSRF included.
        limit = max_bytes()
        try:
            refuse_too_large(content_length(request), limit=limit + MULTIPART_SLACK)
        except DomainError as exc:
            too_large = exc
        request.upload_handlers.insert(0, SizeCapUploadHandler(limit=limit))
    return _project_imports(request, pk, too_large)


@csrf_protect
@login_required
def _project_imports(request: HttpRequest, pk: int, too_large: DomainError | None) -> HttpResponse:
    project = lookups.visible_project(request.user, pk)
    if not permissions.can_view_imports(request.user, project):
        raise PermissionDenied
    can_import = permissions.can_import_tasks(request.user, project)
    form = ImportForm()
    status = 200
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if too_large is not None:
            # The body is never read (request.POST included): the form shows the refusal.
            form = ImportForm({"mode": ImportMode.CREATE_OR_SKIP, "delimiter": ","})
            form.is_valid()
            form.add_error("file", too_large.detail)
            status = 413
        else:
            try:
                form = ImportForm(request.POST, request.FILES)
                if form.is_valid():
                    values = form.cleaned_data
                    job = import_create(
                        project=project,
                        by=request.user,
                        upload=values["file"],
                        storage_key=values["storage_key"],
                        fmt=values["format"] or None,
                        mode=values["mode"],
                        partial=values["partial"],
                        delimiter=values["delimiter"],
                    )
                    return redirect("import-detail", pk=job.pk)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status_code if exc.status_code == 413 else 400
            else:
                status = 400
    jobs = ImportJob.objects.filter(project=project).select_related("created_by")[:50]
    return render(
        request,
        "imports/project_imports.html",
        {
            "project": project,
            "form": form,
            "jobs": jobs,
            "can_import": can_import,
            "has_template": template_current(project) is not None,
            "max_bytes": max_bytes(),
        },
        status=status,
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress, error report and rejected rows of one import (twin of GET
    /api/v1/imports/{id}, its /errors and /rejected)."""
    job = visible_import(request, pk)
    page = Paginator(job.row_errors.all(), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_detail.html",
        {
            "job": job,
            "project": job.project,
            "errors_page": page,
            "can_cancel": permissions.can_cancel_import(request.user, job),
            "status_url": reverse("api-import-detail", args=[job.pk]),
        },
    )


@login_required
@require_POST
def import_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = visible_import(request, pk)
    if not permissions.can_cancel_import(request.user, job):
        raise PermissionDenied
    try:
        job = import_cancel(job=job)
    except DomainError as exc:  # it had ended already: the same 409 message as the API's
        messages.error(request, exc.detail)
    else:
        if job.is_finished:
            messages.success(request, gettext("Import cancelled; nothing of it was kept."))
        else:
            messages.success(
                request,
                gettext("Cancelling: the import stops at its next batch; nothing of it is kept."),
            )
    return redirect("import-detail", pk=job.pk)


@login_required
def import_rejected_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = visible_import(request, pk)
    found = import_rejected_file(job)
    if found is None:
        raise Http404
    key, name, content_type = found
    return stored_file_response(key=key, filename=name, content_type=content_type)


def project_page_links(*, project, user) -> list[ProjectLink]:
    """The project page's link to the imports (registered in apps.py)."""
    if not permissions.can_view_imports(user, project):
        return []
    return [ProjectLink(gettext("Imports"), reverse("project-imports", args=[project.pk]), 35)]

"""The metrics API: the twins of the project metrics page, its CSV tables, the settings
page and "my work"."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import cursor_pages, page_of, paginated
from annotation_platform.api.schema import errors
from metrics import permissions
from metrics.api.renderers import CSVRenderer
from metrics.api.serializers import (
    MetricsSettingsSerializer,
    MetricsSettingsWriteSerializer,
    MetricsTableSerializer,
    MySubmissionSerializer,
    MyWorkSerializer,
    ProjectMetricsSerializer,
)
from metrics.services import (
    metrics_settings_save,
    project_metrics,
    settings_for,
    trainer_submissions,
    trainer_work,
)
from metrics.tables import TABLES, table_rows
from tasks import lookups
from tasks.services.progress import WORK_STATUSES


def _metrics_project(request: Request, project_pk):
    project = lookups.visible_project(request.user, project_pk)
    if not permissions.can_view_project_metrics(request.user, project):
        raise PermissionDenied(gettext("Project metrics are for QA leads, setters and admins."))
    return project


@extend_schema(
    responses={200: ProjectMetricsSerializer, **errors(401, 403, 404)},
    summary="A project's quality metrics: agreement, MOS, per trainer, per project",
    description="Read from the stored snapshot (see `computed_at`); `stale` says newer work "
    "is not in it yet and a refresh was requested. `ready` is false while a large project's "
    "first computation runs (figures are then null or empty).",
    tags=["metrics"],
)
@api_view(["GET"])
def project_metrics_view(request: Request, project_pk: int) -> Response:
    project = _metrics_project(request, project_pk)
    figures = project_metrics(project=project)
    data = figures.data or {}
    return Response(
        {
            "project": project.pk,
            "computed_at": figures.computed_at,
            "stale": figures.stale,
            "refreshing": figures.refreshing,
            "ready": figures.data is not None,
            "agreement": data.get("agreement", []),
            "mos": data.get("mos"),
            "trainers": data.get("trainers", []),
            "figures": data.get("project"),
            "settings": data.get("settings"),
        }
    )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "table", str, OpenApiParameter.PATH, enum=list(TABLES), description="Which table"
        ),
        OpenApiParameter("format", str, description="`csv` for a CSV download, else JSON"),
    ],
    responses={
        (200, "application/json"): MetricsTableSerializer,
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="columns, then rows"),
        **errors(401, 403, 404, 409),
    },
    summary="One table of a project's metrics, as JSON rows or CSV",
    tags=["metrics"],
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, CSVRenderer])
def project_metrics_table(request: Request, project_pk: int, table: str) -> Response:
    project = _metrics_project(request, project_pk)
    if table not in TABLES:
        raise Http404
    figures = project_metrics(project=project)
    if figures.data is None:
        from annotation_platform.errors import ConflictError

        raise ConflictError(
            gettext("The figures are still being computed; try again in a minute."),
            code="not_ready",
        )
    return Response(
        {
            "table": table,
            "computed_at": figures.computed_at,
            "columns": list(TABLES[table]),
            "rows": table_rows(figures.data, table),
        }
    )


def _settings_body(project) -> dict:
    settings = settings_for(project)
    return {
        "pay_per_accepted_task": str(settings.pay_per_accepted_task) if settings.pays else None,
        "currency": settings.currency,
        "mos_system_field": settings.mos_system_field,
        "rating_level": settings.rating_level,
    }


@extend_schema(
    methods=["GET"],
    responses={200: MetricsSettingsSerializer, **errors(401, 403, 404)},
    summary="A project's metrics settings",
    tags=["metrics"],
)
@extend_schema(
    methods=["PUT"],
    request=MetricsSettingsWriteSerializer,
    responses={200: MetricsSettingsSerializer, **errors(400, 401, 403, 404)},
    summary="Set the pay rate, MOS system field and rating level (setters and admins)",
    tags=["metrics"],
)
@api_view(["GET", "PUT"])
def project_metrics_settings(request: Request, project_pk: int) -> Response:
    project = _metrics_project(request, project_pk)
    if request.method == "PUT":
        if not permissions.can_change_metrics_settings(request.user, project):
            raise PermissionDenied(
                gettext("Only question setters and admins change the metrics settings.")
            )
        data = MetricsSettingsWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        metrics_settings_save(project=project, by=request.user, **data.validated_data)
    return Response(_settings_body(project))


PROJECT_PARAMETER = OpenApiParameter(
    "project", int, required=True, description="The project you work on as a trainer"
)


def _my_project(request: Request):
    wanted = request.query_params.get("project")
    if not wanted:
        raise ValidationError({"project": [gettext("Name the project (?project=<id>).")]})
    if not wanted.isdecimal():  # isdigit() takes "²", which int() refuses
        raise ValidationError({"project": [gettext("Must be a project id.")]})
    project = lookups.visible_project(request.user, wanted)
    if not permissions.can_view_own_work(request.user, project):
        raise PermissionDenied("“My work” shows a trainer's own work in a project.")
    return project


@extend_schema(
    parameters=[PROJECT_PARAMETER],
    responses={200: MyWorkSerializer, **errors(400, 401, 403, 404)},
    summary="Your own figures in a project: acceptance, gold accuracy, earnings, changed rules",
    tags=["metrics"],
)
@api_view(["GET"])
def my_work(request: Request) -> Response:
    project = _my_project(request)
    work = trainer_work(project=project, trainer=request.user)
    return Response(
        {
            "project": project.pk,
            "figures": work.figures,
            "pays": work.pays,
            "pay_per_accepted_task": work.pay_per_accepted_task,
            "currency": work.currency,
            "guidelines_notice": work.guidelines_notice,
        }
    )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "project",
            int,
            description="Only this project (one you work on as a trainer); "
            "without it, every project you work on",
        ),
        OpenApiParameter("status", str, enum=list(WORK_STATUSES), description="Only this status"),
    ],
    responses={200: MySubmissionSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Your own submissions, in one project or all of them, newest first, in cursor pages",
    description="The twin of the “My work” page's list. With return reasons and check "
    "findings; findings carry the message only, their evidence is never sent to the author. "
    "Counts per status: `GET /api/v1/me/progress/`.",
    tags=["metrics"],
)
@paginated(cursor_pages("-id"))  # a trainer's work only grows
@api_view(["GET"])
def my_submissions(request: Request) -> Response:
    project = _my_project(request) if request.query_params.get("project") else None
    rows = trainer_submissions(
        trainer=request.user, project=project, status=request.query_params.get("status")
    )
    page, paginator = page_of(request, rows)
    return paginator.get_paginated_response(MySubmissionSerializer(page, many=True).data)

"""API of the imports app: the twin of the import pages, plus the batch endpoint for tools."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation_platform.api.pagination import cursor_pages, page_of
from annotation_platform.api.parsers import GuardedJSONParser
from annotation_platform.api.schema import errors
from annotation_platform.downloads import stored_file_response
from annotation_platform.errors import DomainError
from imports import permissions
from imports.api.serializers import (
    BulkResultSerializer,
    ImportCreateSerializer,
    ImportJobSerializer,
    ImportRowErrorSerializer,
)
from imports.models import ImportJob, ImportMode
from imports.services import (
    import_cancel,
    import_create,
    import_rejected_file,
    max_bytes,
    refuse_too_large,
    tasks_bulk_import,
)
from imports.uploads import MULTIPART_SLACK, SizeCapUploadHandler, content_length
from tasks import lookups


def visible_import(request: Request, pk) -> ImportJob:
    """The gate of every import endpoint: another project's import, or one your role may
    not follow (trainers), is a 404."""
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("project", "created_by"), pk=pk
    )
    if not permissions.can_view_import(request.user, job):
        raise NotFound
    return job


@extend_schema(tags=["imports"], parameters=[OpenApiParameter("project_pk", int, "path")])
class ProjectImports(APIView):
    parser_classes = [MultiPartParser, FormParser, GuardedJSONParser]
    pagination_class = cursor_pages("-id")  # newest first; a project imports without bound

    def initial(self, request: Request, *args, **kwargs) -> None:
        if request.method == "POST":
            # Before anything reads the body (session auth's CSRF check parses it): refuse a
            # body announced too large, and cap the file while it streams in.
            limit = max_bytes()
            refuse_too_large(content_length(request), limit=limit + MULTIPART_SLACK)
            request._request.upload_handlers.insert(0, SizeCapUploadHandler(limit=limit))
        super().initial(request, *args, **kwargs)

    def project(self):
        return lookups.visible_project(self.request.user, self.kwargs["project_pk"])

    @extend_schema(
        summary="Imports of a project, newest first",
        responses={200: ImportJobSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, project_pk: int) -> Response:
        project = self.project()
        if not permissions.can_view_imports(request.user, project):
            raise PermissionDenied("Trainers do not see imports.")
        queryset = ImportJob.objects.filter(project=project).select_related("created_by")
        page, paginator = page_of(request, queryset)
        return paginator.get_paginated_response(ImportJobSerializer(page, many=True).data)

    @extend_schema(
        summary="Start an import (a file upload or a storage key)",
        description="Returns the import job (202); follow it at /api/v1/imports/{id}. "
        "Formats, row shape, options and limits: docs/imports.md.",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportJobSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, project_pk: int) -> Response:
        project = self.project()
        if not permissions.can_import_tasks(request.user, project):
            raise PermissionDenied("Only question setters and admins import tasks.")
        data = ImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = import_create(
            project=project,
            by=request.user,
            upload=values.get("file"),
            storage_key=values.get("storage_key", ""),
            fmt=values.get("format"),
            mode=values["mode"],
            partial=values["partial"],
            delimiter=values["delimiter"],
        )
        job.refresh_from_db()  # without a broker the job has already run
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["imports"])
class ImportDetail(APIView):
    @extend_schema(
        summary="An import's status and progress",
        responses={200: ImportJobSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportJobSerializer(visible_import(request, pk)).data)


@extend_schema(tags=["imports"])
class ImportCancel(APIView):
    @extend_schema(
        summary="Cancel an import (nothing of it stays)",
        request=None,
        responses={200: ImportJobSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = visible_import(request, pk)
        if not permissions.can_cancel_import(request.user, job):
            raise PermissionDenied("Only question setters and admins cancel imports.")
        return Response(ImportJobSerializer(import_cancel(job=job)).data)


@extend_schema(tags=["imports"])
class ImportErrors(APIView):
    # A file may have an error on every one of a million lines: cursor pages in line order.
    pagination_class = cursor_pages("id")

    @extend_schema(
        summary="The problems found in an import's file (line, field, reason)",
        responses={200: ImportRowErrorSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = visible_import(request, pk)
        page, paginator = page_of(request, job.row_errors.all())
        return paginator.get_paginated_response(ImportRowErrorSerializer(page, many=True).data)


@extend_schema(tags=["imports"])
class ImportRejected(APIView):
    @extend_schema(
        summary="The rejected rows, as a file in the import's format",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            302: OpenApiResponse(description="S3 storage: a short-lived presigned URL"),
            **errors(401, 404),
        },
    )
    def get(self, request: Request, pk: int):
        job = visible_import(request, pk)
        found = import_rejected_file(job)
        if found is None:
            raise NotFound("This import has no rejected rows file.")
        key, name, content_type = found
        return stored_file_response(key=key, filename=name, content_type=content_type)


class PassThroughParser(BaseParser):
    """Hands the body stream to the view unread, so it can be parsed row by row."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


@extend_schema(tags=["imports"], parameters=[OpenApiParameter("project_pk", int, "path")])
class ProjectTasksBulk(APIView):
    parser_classes = [PassThroughParser]

    @extend_schema(
        summary="Write a batch of task rows now, all or nothing",
        description="The body is a JSON array of rows or JSON Lines (one row per line), up to "
        "IMPORT_BULK_MAX_ROWS rows (default 10,000). Every row is checked; any problem "
        'refuses the whole batch with `fields` like {"line 12: data.prompt": [...]}. '
        "`?mode=` as for imports (create_or_skip, create_or_update, update_only).",
        parameters=[OpenApiParameter("mode", str, enum=ImportMode.values)],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
        },
        responses={200: BulkResultSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, project_pk: int) -> Response:
        project = lookups.visible_project(request.user, project_pk)
        if not permissions.can_import_tasks(request.user, project):
            raise PermissionDenied("Only question setters and admins add tasks.")
        mode = request.query_params.get("mode") or ImportMode.CREATE_OR_SKIP
        if mode not in ImportMode.values:
            raise DomainError(
                "Unknown mode.", fields={"mode": [f"One of: {', '.join(ImportMode.values)}."]}
            )
        outcome = tasks_bulk_import(
            project=project,
            stream=request._request,
            by=request.user,
            mode=mode,
            content_length=content_length(request),
        )
        return Response(
            {
                "rows": outcome.rows_read,
                "created": outcome.created,
                "updated": outcome.updated,
                "skipped": outcome.skipped,
            }
        )

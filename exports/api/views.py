from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.schema import errors
from annotation_platform.downloads import stored_file_response
from exports import permissions
from exports.api.serializers import ExportCreateSerializer, ExportSerializer
from exports.models import ExportJob
from exports.services import export_cancel, export_create, export_file_key
from tasks import lookups


def visible_export(user, pk) -> ExportJob:
    """An export of a project where ``user`` may export; any other is a 404."""
    export = get_object_or_404(
        ExportJob.objects.visible_to(user).select_related("project", "created_by"), pk=pk
    )
    if not permissions.can_view_export(user, export):
        raise PermissionDenied
    return export


def download_response(export: ExportJob) -> HttpResponse:
    """The archive, without tying up a worker: a presigned redirect on S3, nginx's
    X-Accel-Redirect when configured, else streamed in chunks (annotation_platform.downloads)."""
    return stored_file_response(
        key=export_file_key(export=export),
        filename=export.download_name,
        content_type="application/zip",
        size=export.file_size,
    )


@extend_schema(tags=["exports"])
class ProjectExports(generics.ListCreateAPIView):
    serializer_class = ExportSerializer
    queryset = ExportJob.objects.none()

    def project(self):
        if not hasattr(self, "_project"):
            self._project = lookups.visible_project(self.request.user, self.kwargs["project_pk"])
            if not permissions.can_export(self.request.user, self._project):
                raise PermissionDenied("Only question setters, QA leads and admins export.")
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            ExportJob.objects.visible_to(self.request.user)
            .filter(project=self.project())
            .select_related("created_by")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Exports of a project, newest first",
        responses={200: ExportSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start an export (runs as a job; poll it, then download)",
        description=(
            "Errors name the field: `format`, `filters.<name>` or `options.<name>`; nothing "
            "is created when any is wrong."
        ),
        request=ExportCreateSerializer,
        responses={201: ExportSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        project = self.project()
        data = ExportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = export_create(
            project=project,
            by=request.user,
            fmt=data.validated_data["format"],
            filters=data.validated_data["filters"],
            options=data.validated_data["options"],
        )
        job.refresh_from_db()  # without a broker the job already ran
        return Response(ExportSerializer(job).data, status=status.HTTP_201_CREATED)


class ExportDetail(generics.RetrieveAPIView):
    serializer_class = ExportSerializer
    queryset = ExportJob.objects.none()

    def get_object(self) -> ExportJob:
        return visible_export(self.request.user, self.kwargs["pk"])

    @extend_schema(
        tags=["exports"],
        summary="One export: status, progress, dataset card",
        responses={200: ExportSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class ExportDownload(generics.GenericAPIView):
    queryset = ExportJob.objects.none()

    @extend_schema(
        tags=["exports"],
        summary="Download an export's archive (zip: data, README.md card, media)",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            302: OpenApiResponse(description="S3 storage: a short-lived presigned URL"),
            **errors(401, 403, 404, 409),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return download_response(visible_export(request.user, pk))


class ExportCancel(generics.GenericAPIView):
    queryset = ExportJob.objects.none()
    serializer_class = ExportSerializer

    @extend_schema(
        tags=["exports"],
        summary="Cancel an export (no file is kept)",
        description="Queued: cancelled now. Running: `cancel_requested` is set and the export "
        "stops within seconds, removing what it wrote (poll it). Already ended: 409.",
        request=None,
        responses={200: ExportSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        export = visible_export(request.user, pk)
        if not permissions.can_cancel_export(request.user, export):
            raise PermissionDenied("Only question setters, QA leads and admins cancel exports.")
        return Response(ExportSerializer(export_cancel(export=export)).data)

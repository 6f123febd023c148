"""API for task templates: the one in force, its versions, the gallery and live checks."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import cursor_pages, page_of, paginated
from annotation_platform.api.parsers import GuardedJSONParser
from annotation_platform.api.schema import errors
from tasks import permissions
from tasks.api.serializers import (
    GalleryTemplateSerializer,
    TaskTemplateSerializer,
    TaskTemplateWriteSerializer,
    TemplateCheckInputSerializer,
    TemplateCheckSerializer,
    TemplateFromGallerySerializer,
)
from tasks.api.views import visible_project
from tasks.gallery import gallery_templates
from tasks.services import (
    template_check,
    template_from_gallery,
    template_require_current,
    template_save,
)


def _saved(template, created: bool) -> Response:
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(TaskTemplateSerializer(template).data, status=code)


@extend_schema(
    methods=["GET"],
    responses={200: TaskTemplateSerializer, **errors(401, 404, 409)},
    summary="The template in force",
    tags=["templates"],
)
@extend_schema(
    methods=["PUT"],
    request=TaskTemplateWriteSerializer,
    responses={
        200: TaskTemplateSerializer,
        201: TaskTemplateSerializer,
        **errors(400, 401, 403, 404, 415),
    },
    summary="Save the template",
    description=(
        "Edits the current version in place while no submission uses it; otherwise creates "
        "the next version (201). Errors are keyed by path, e.g. `definition.questions[3].options`."
    ),
    tags=["templates"],
)
@api_view(["GET", "PUT"])
@parser_classes([GuardedJSONParser])  # a definition is nested JSON: a form cannot carry it
def project_template(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if request.method == "GET":
        if not permissions.can_view_template(request.user, project):
            raise PermissionDenied
        return Response(TaskTemplateSerializer(template_require_current(project)).data)
    if not permissions.can_design_project(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins edit the template."))
    data = TaskTemplateWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return _saved(*template_save(project=project, by=request.user, **data.validated_data))


@extend_schema(
    request=TemplateFromGallerySerializer,
    responses={
        200: TaskTemplateSerializer,
        201: TaskTemplateSerializer,
        **errors(400, 401, 403, 404, 415),
    },
    summary="Start the template from a gallery template",
    tags=["templates"],
)
@api_view(["POST"])
@parser_classes([GuardedJSONParser])
def project_template_from_gallery(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_design_project(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins edit the template."))
    data = TemplateFromGallerySerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return _saved(
        *template_from_gallery(project=project, key=data.validated_data["key"], by=request.user)
    )


@extend_schema(
    responses={200: TaskTemplateSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Every version of the template, newest first, in cursor pages",
    tags=["templates"],
)
@paginated(cursor_pages("-version"))  # a save after work began adds one: no bound
@api_view(["GET"])
def project_template_versions(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_view_template(request.user, project):
        raise PermissionDenied
    page, paginator = page_of(request, project.templates.select_related("created_by"))
    return paginator.get_paginated_response(TaskTemplateSerializer(page, many=True).data)


@extend_schema(
    responses={200: TaskTemplateSerializer, **errors(401, 403, 404)},
    summary="One version of the template",
    tags=["templates"],
)
@api_view(["GET"])
def project_template_version(request: Request, project_pk: int, version: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_view_template(request.user, project):
        raise PermissionDenied
    template = get_object_or_404(project.templates, version=version)
    return Response(TaskTemplateSerializer(template).data)


@extend_schema(
    request=TemplateCheckInputSerializer,
    responses={200: TemplateCheckSerializer, **errors(400, 401, 403)},  # 403: a read-only token
    summary="Check a template (and sample data and answer) without saving",
    description="What the template editor calls as you type; errors keyed by path.",
    tags=["templates"],
)
@api_view(["POST"])
def template_validate(request: Request) -> Response:
    data = TemplateCheckInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    check = template_check(**data.validated_data)
    return Response(
        {
            "ok": check.ok,
            "definition_errors": check.definition_errors,
            "task_errors": check.task_errors,
            "answer_errors": check.answer_errors,
        }
    )


@extend_schema(
    responses={200: GalleryTemplateSerializer(many=True), **errors(401)},
    summary="Starting templates for the seed stories",
    tags=["templates"],
)
@api_view(["GET"])
def template_gallery(request: Request) -> Response:
    return Response(GalleryTemplateSerializer(gallery_templates(), many=True).data)

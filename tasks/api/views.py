from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.schema import errors
from tasks import lookups, permissions
from tasks.api.filters import StrictOrderingFilter
from tasks.api.serializers import (
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
)
from tasks.models import Membership, Project
from tasks.services import (
    membership_add,
    membership_change_role,
    membership_remove,
    project_checklist,
    project_create,
    project_delete,
    project_remote_media_update,
    project_update,
)
from tasks.services.checklist import STEP_CODES


def visible_project(request: Request, pk) -> Project:
    """The permission gate for everything under a project: outside it is a 404."""
    return lookups.visible_project(request.user, pk)


@extend_schema_view(
    list=extend_schema(
        summary="Projects you belong to",
        description="400 names the parameter: an unknown `ordering` field, `status` or page; "
        "a page past the last one is a 404.",
        responses={200: ProjectSerializer, **errors(400, 401, 404)},
    ),
    retrieve=extend_schema(responses={200: ProjectSerializer, **errors(401, 404)}),
)
@extend_schema(tags=["projects"])
class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer
    lookup_value_regex = r"\d+"
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    filterset_fields = {"status": ["exact"]}
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "status"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        return Project.objects.visible_to(user).with_role_of(user).select_related("created_by")

    def get_object(self) -> Project:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _output(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        project = self.get_queryset().get(pk=project.pk)  # re-read with my_role
        return Response(ProjectSerializer(project).data, status=code)

    @extend_schema(
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer, **errors(400, 401, 403)},
        summary="Create a project (you become its project admin)",
    )
    def create(self, request: Request) -> Response:
        if not permissions.can_create_project(request.user):
            raise PermissionDenied(
                gettext("You may not create projects; ask a site administrator.")
            )
        data = ProjectWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(creator=request.user, **data.validated_data)
        return self._output(project, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectWriteSerializer(partial=True),
        responses={200: ProjectSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        fields = set(request.data) if isinstance(request.data, dict) else set()
        if not permissions.can_change_project_fields(request.user, project, fields):
            raise PermissionDenied(
                gettext(
                    "Only the project's admins may change it (setters: remote_media_hosts only)."
                )
            )
        data = ProjectWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        hosts = changes.pop("remote_media_hosts", None)
        with transaction.atomic():  # both parts or neither
            if changes:
                project_update(project=project, **changes)
            if hosts is not None:
                project_remote_media_update(project=project, hosts=hosts)
        return self._output(project)

    @extend_schema(responses={204: None, **errors(401, 403, 404, 409)})
    def destroy(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        if not permissions.can_delete_project(request.user, project):
            raise PermissionDenied(gettext("Only the project's admins may delete it."))
        project_delete(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["memberships"],
    parameters=[OpenApiParameter("project_pk", int, OpenApiParameter.PATH)],
)
@extend_schema_view(
    list=extend_schema(
        summary="Members of a project",
        description="Setters, QA leads and admins see every member; trainers see themselves. "
        "400 names the parameter: an unknown `ordering` field or page.",
        responses={200: MembershipSerializer, **errors(400, 401, 404)},
    ),
    retrieve=extend_schema(responses={200: MembershipSerializer, **errors(401, 404)}),
)
class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = MembershipSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [StrictOrderingFilter]
    ordering_fields = ["created_at", "role"]
    ordering = ["role", "user__username"]

    def project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = visible_project(self.request, self.kwargs["project_pk"])
        return self._project

    def get_queryset(self):
        return (
            Membership.objects.visible_to(self.request.user)
            .filter(project=self.project())
            .select_related("user")
        )

    def get_object(self) -> Membership:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Add a member",
    )
    def create(self, request: Request, project_pk: str) -> Response:
        project = self.project()
        if not permissions.can_manage_members(request.user, project):
            raise PermissionDenied(gettext("Only the project's admins may add members."))
        data = MembershipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_add(
            project=project,
            user_identifier=data.validated_data["user"],
            role=data.validated_data["role"],
            added_by=request.user,
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MembershipUpdateSerializer,
        responses={200: MembershipSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Change a member's role",
    )
    def partial_update(self, request: Request, project_pk: str, pk: str) -> Response:
        membership = self.get_object()
        if not permissions.can_manage_members(request.user, membership.project):
            raise PermissionDenied(gettext("Only the project's admins may change roles."))
        data = MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership_change_role(membership=membership, role=data.validated_data["role"])
        return Response(MembershipSerializer(membership).data)

    @extend_schema(
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Remove a member (members may remove themselves)",
    )
    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        membership = self.get_object()
        if not permissions.can_remove_membership(request.user, membership):
            raise PermissionDenied(gettext("Only the project's admins may remove other members."))
        membership_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChecklistStepSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=STEP_CODES, help_text="Stable, English: the step's machine name."
    )
    label = serializers.CharField(help_text="What to do, in the request's language.")
    done = serializers.BooleanField()
    detail = serializers.CharField(help_text="Where the project stands on this step.")
    url = serializers.CharField(help_text="The page where the step is done.")
    can_do = serializers.BooleanField(help_text="Whether you may do this step there.")


class ChecklistSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    complete = serializers.BooleanField()
    next_step = serializers.CharField(allow_null=True, help_text="The code of the next step.")
    steps = ChecklistStepSerializer(many=True)


@extend_schema(
    responses={200: ChecklistSerializer, **errors(401, 403, 404)},
    summary="The project's set-up checklist (setters and admins)",
    description="Template, tasks, members (at least one trainer and a QA lead), guidelines, "
    "activation: each done or not, in that order; `next_step` is the first not done.",
    tags=["projects"],
)
@api_view(["GET"])
def project_checklist_view(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_design_project(request.user, project):
        raise PermissionDenied(
            gettext("Only question setters and admins see the project checklist.")
        )
    checklist = project_checklist(project=project, user=request.user)
    next_step = checklist.next_step
    return Response(
        {
            "project": project.pk,
            "complete": checklist.complete,
            "next_step": next_step.code if next_step else None,
            "steps": [
                {
                    "code": step.code,
                    "label": step.label,
                    "done": step.done,
                    "detail": step.detail,
                    "url": step.url,
                    "can_do": step.can_do,
                }
                for step in checklist.steps
            ],
        }
    )

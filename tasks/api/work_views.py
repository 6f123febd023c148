"""API for tasks, drafts and submissions: the twin of the trainer workspace and task pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.schema import errors
from tasks import lookups, permissions
from tasks.api.serializers import (
    DraftSerializer,
    DraftWriteSerializer,
    ReviseSerializer,
    SubmissionRevisionSerializer,
    SubmissionSerializer,
    SubmitSerializer,
    TaskCreateSerializer,
    TaskSerializer,
)
from tasks.api.views import visible_project
from tasks.models import Draft, Submission, Task
from tasks.services import (
    draft_discard,
    draft_save,
    submission_revise,
    submission_submit,
    task_next_for,
    tasks_create,
    template_current,
)
from tasks.template_definition import displayed_data


def _task_output(request: Request, task: Task) -> dict:
    """Trainers receive only the data the template displays; setters and QA see it all."""
    body = TaskSerializer(task).data
    if not permissions.can_view_task_list(request.user, task.project):
        template = template_current(task.project)
        body["data"] = displayed_data(template.definition, task.data) if template else {}
    return body


def visible_task(request: Request, pk) -> Task:
    return lookups.visible_task(request.user, pk)


def visible_submission(request: Request, pk) -> Submission:
    return lookups.visible_submission(request.user, pk)


@extend_schema(tags=["tasks"])
class ProjectTaskList(generics.ListAPIView):
    """Tasks of a project, for setters, QA leads and admins; setters and admins add tasks."""

    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; get_queryset() is the real gate

    def project(self):
        if not hasattr(self, "_project"):
            self._project = visible_project(self.request, self.kwargs["project_pk"])
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = self.project()
        if not permissions.can_view_task_list(self.request.user, project):
            raise PermissionDenied("Trainers get their tasks from the workspace.")
        return Task.objects.filter(project=project).order_by("id")

    @extend_schema(
        request=TaskCreateSerializer,
        responses={201: TaskSerializer(many=True), **errors(400, 401, 403, 404, 409)},
        summary="Add tasks (all or nothing; errors keyed tasks[i].field)",
    )
    def post(self, request: Request, project_pk: int) -> Response:
        project = self.project()
        if not permissions.can_design_project(request.user, project):
            raise PermissionDenied("Only question setters and admins add tasks.")
        data = TaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = tasks_create(project=project, items=data.validated_data["tasks"], by=request.user)
        return Response(TaskSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: TaskSerializer, **errors(401, 403, 404)}, tags=["tasks"])
@api_view(["GET"])
def task_detail(request: Request, pk: int) -> Response:
    return Response(_task_output(request, visible_task(request, pk)))


@extend_schema(
    responses={200: TaskSerializer, 204: None, **errors(401, 403, 404, 409)},
    summary="The next task to answer (204 when none is left)",
    tags=["work"],
)
@api_view(["GET"])
def project_next_task(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_work_on_project(request.user, project):
        raise PermissionDenied("Only trainers of this project answer its tasks.")
    task = task_next_for(project=project, user=request.user)
    if task is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(_task_output(request, task))


def _working_task(request: Request, pk) -> Task:
    task = visible_task(request, pk)
    if not permissions.can_work_on_project(request.user, task.project):
        raise PermissionDenied("Only trainers of this project answer its tasks.")
    return task


@extend_schema(
    methods=["GET"], responses={200: DraftSerializer, **errors(401, 403, 404)}, tags=["work"]
)
@extend_schema(
    methods=["PUT"],
    request=DraftWriteSerializer,
    responses={200: DraftSerializer, **errors(400, 401, 403, 404)},
    summary="Save the draft (any state of the answer; not validated)",
    tags=["work"],
)
@extend_schema(methods=["DELETE"], responses={204: None}, tags=["work"])
@api_view(["GET", "PUT", "DELETE"])
def task_draft(request: Request, pk: int) -> Response:
    task = _working_task(request, pk)
    if request.method == "GET":
        draft = get_object_or_404(Draft, task=task, author=request.user)
        return Response(DraftSerializer(draft).data)
    if request.method == "DELETE":
        draft_discard(task=task, author=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    data = DraftWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    draft = draft_save(task=task, author=request.user, **data.validated_data)
    return Response(DraftSerializer(draft).data)


@extend_schema(
    request=SubmitSerializer,
    responses={
        201: SubmissionSerializer,
        200: SubmissionSerializer,
        **errors(400, 401, 403, 404, 409),
    },
    summary="Submit an answer",
    description=(
        "201 with the new submission; 200 with the same submission when a retry carries the "
        "same `idempotency_key`; 400 `invalid_answer` with errors keyed by question id (the "
        "draft is kept); 409 `already_submitted` for a second, different submit."
    ),
    tags=["work"],
)
@api_view(["POST"])
def task_submit(request: Request, pk: int) -> Response:
    task = _working_task(request, pk)
    data = SubmitSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    submission, created = submission_submit(task=task, author=request.user, **data.validated_data)
    return Response(
        SubmissionSerializer(submission).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@extend_schema(
    tags=["submissions"],
    parameters=[
        OpenApiParameter("project", int, description="Only this project's submissions"),
        OpenApiParameter("task", int, description="Only this task's submissions"),
        OpenApiParameter("mine", bool, description="Only your own submissions"),
    ],
)
class SubmissionList(generics.ListAPIView):
    """Your own submissions; setters, QA leads and admins also see their projects'."""

    serializer_class = SubmissionSerializer
    queryset = Submission.objects.none()  # for the schema; get_queryset() is the real gate

    def get_queryset(self):
        queryset = Submission.objects.visible_to(self.request.user).select_related(
            "task", "author", "template"
        )
        params = self.request.query_params
        for name, lookup in (("project", "task__project_id"), ("task", "task_id")):
            if name in params:
                value = params[name]
                if not value.isdigit():
                    raise ValidationError({name: ["Must be a whole number."]})
                queryset = queryset.filter(**{lookup: int(value)})
        if params.get("mine") in ("1", "true"):
            queryset = queryset.filter(author=self.request.user)
        return queryset.order_by("-created_at", "-id")


@extend_schema(
    methods=["GET"], responses={200: SubmissionSerializer, **errors(401, 404)}, tags=["submissions"]
)
@extend_schema(
    methods=["PATCH"],
    request=ReviseSerializer,
    responses={200: SubmissionSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Revise your submission (until it is reviewed)",
    tags=["submissions"],
)
@api_view(["GET", "PATCH"])
def submission_detail(request: Request, pk: int) -> Response:
    submission = visible_submission(request, pk)
    if request.method == "GET":
        return Response(SubmissionSerializer(submission).data)
    if not permissions.can_revise_submission(request.user, submission):
        raise PermissionDenied("Only the author revises a submission.")
    data = ReviseSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    submission = submission_revise(submission=submission, **data.validated_data)
    return Response(SubmissionSerializer(submission).data)


@extend_schema(
    responses={200: SubmissionRevisionSerializer(many=True), **errors(401, 404)},
    summary="Every revision of a submission, oldest first",
    tags=["submissions"],
)
@api_view(["GET"])
def submission_revisions(request: Request, pk: int) -> Response:
    submission = visible_submission(request, pk)
    revisions = submission.revisions.select_related("template").order_by("number")
    return Response(SubmissionRevisionSerializer(revisions, many=True).data)

"""API for tasks, drafts and submissions: the twin of the trainer workspace and task pages."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import QuerysetNeeded, cursor_pages, page_of, paginated
from annotation_platform.api.schema import errors
from annotation_platform.errors import ConflictError
from tasks import lookups, permissions
from tasks.api.filters import (
    StrictOrderingFilter,
    SubmissionCursorPagination,
    SubmissionFilter,
    TaskCursorPagination,
    TaskFilter,
    task_list_fast_filters,
    task_list_rows,
)
from tasks.api.representations import (
    lease_body,
    submission_body,
    task_body,
    task_manage_bodies,
    task_manage_body,
)
from tasks.api.serializers import (
    AssignmentSerializer,
    AssignSerializer,
    DistributionSerializer,
    DraftSerializer,
    DraftWriteSerializer,
    GoldSerializer,
    LeaseSerializer,
    ProgressSerializer,
    ReviseSerializer,
    ServedSerializer,
    SkipInputSerializer,
    SubmissionRevisionSerializer,
    SubmissionSerializer,
    SubmitSerializer,
    TaskCreateSerializer,
    TaskManageSerializer,
    TaskSettingsSerializer,
)
from tasks.api.views import visible_project
from tasks.models import Draft, Project, Submission, Task, TaskTemplate
from tasks.services import (
    draft_discard,
    draft_save,
    lease_release,
    lease_renew,
    project_distribution_update,
    submission_revise,
    submission_submit,
    task_assign,
    task_counts,
    task_next,
    task_set_gold,
    task_skip,
    task_update_settings,
    tasks_create,
    template_current,
    template_require_current,
    work_gate_require,
)
from tasks.template_definition import displayed_data


def _task_output(request: Request, task: Task, template: TaskTemplate | None = None) -> dict:
    """Trainers receive only the data the template displays; setters and QA see it all.

    ``template`` is the project's template in force, when the caller has read it already.
    """
    if permissions.can_view_task_list(request.user, task.project):
        return task_manage_body(task)
    template = template or template_current(task.project)
    return task_body(task, displayed_data(template.definition, task.data) if template else {})


def visible_task(request: Request, pk) -> Task:
    return lookups.visible_task(request.user, pk)


def visible_submission(request: Request, pk) -> Submission:
    return lookups.visible_submission(request.user, pk)


@extend_schema(tags=["tasks"])
@extend_schema_view(
    get=extend_schema(
        summary="A project's tasks (setters, QA leads and admins), in cursor pages",
        description="400 names the parameter: a filter value that does not fit, an unknown "
        "`ordering` field, a `cursor` not from this list, a `page_size` out of range.",
        responses={200: TaskManageSerializer(many=True), **errors(400, 401, 403, 404)},
    )
)
class ProjectTaskList(generics.ListAPIView):
    """Tasks of a project for setters, QA leads and admins, with allow-listed filters and
    cursor pages; setters and admins add tasks."""

    serializer_class = TaskManageSerializer
    queryset = Task.objects.none()  # for the schema; get_queryset() is the real gate
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = TaskFilter
    ordering_fields = ["id", "priority", "created_at"]
    pagination_class = TaskCursorPagination

    def project(self):
        if not hasattr(self, "_project"):
            self._project = visible_project(self.request, self.kwargs["project_pk"])
        return self._project

    def listed_project(self) -> Project:
        """The gate of the list: a 404 outside the project, a 403 for its trainers."""
        project = self.project()
        if not permissions.can_view_task_list(self.request.user, project):
            raise PermissionDenied(gettext("Trainers get their tasks from the queue."))
        return project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Task.objects.filter(project=self.listed_project())

    def list(self, request: Request, *args, **kwargs) -> Response:
        project = self.listed_project()  # before any 400
        rows = self._fast_page(request, project)
        if rows is not None:
            return self.get_paginated_response(task_manage_bodies(rows))
        # Rows as plain dicts (``task_manage_body``, tested equal to the serializer): a
        # ModelSerializer over a 100-row page was most of the request's time.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([task_manage_body(task) for task in page])

    def _fast_page(self, request: Request, project: Project) -> "list[dict] | None":
        """The page read with one hand-written SELECT (``task_list_rows``) when the request
        uses only the common filters, with valid values; None for the general path."""
        values = task_list_fast_filters(request.query_params)
        if values is None:
            return None
        # filter_queryset's order: the filters' 400 (above), then the ordering's.
        StrictOrderingFilter().get_ordering(request, self.queryset, self)
        try:
            return self.paginate_queryset(task_list_rows(project.pk, values))
        except QuerysetNeeded:
            del self._paginator  # the general path starts with a fresh paginator
            return None

    @extend_schema(
        request=TaskCreateSerializer,
        responses={201: TaskManageSerializer(many=True), **errors(400, 401, 403, 404, 409)},
        summary="Add tasks (all or nothing; errors keyed tasks[i].field)",
    )
    def post(self, request: Request, project_pk: int) -> Response:
        project = self.project()
        if not permissions.can_design_project(request.user, project):
            raise PermissionDenied(gettext("Only question setters and admins add tasks."))
        data = TaskCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = tasks_create(project=project, items=data.validated_data["tasks"], by=request.user)
        return Response(
            TaskManageSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    methods=["GET"],
    responses={200: TaskManageSerializer, **errors(401, 403, 404)},
    description="Trainers receive only the data the template displays, and no gold answer.",
    tags=["tasks"],
)
@extend_schema(
    methods=["PATCH"],
    request=TaskSettingsSerializer,
    responses={200: TaskManageSerializer, **errors(400, 401, 403, 404)},
    summary="Change a task's priority or overlap override",
    tags=["tasks"],
)
@api_view(["GET", "PATCH"])
def task_detail(request: Request, pk: int) -> Response:
    task = visible_task(request, pk)
    if request.method == "GET":
        return Response(_task_output(request, task))
    if not permissions.can_design_project(request.user, task.project):
        raise PermissionDenied(gettext("Only question setters and admins change tasks."))
    data = TaskSettingsSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    changes = dict(data.validated_data)
    task = task_update_settings(
        task=task, priority=changes.get("priority"), overlap=changes.get("overlap", "keep")
    )
    return Response(TaskManageSerializer(Task.objects.get(pk=task.pk)).data)


def _served(request: Request, served, template: TaskTemplate) -> dict:
    return {
        "task": _task_output(request, served.task, template),
        "lease": lease_body(served.lease),
        "assigned": served.assigned,
    }


@extend_schema(
    request=None,
    responses={200: ServedSerializer, 204: None, **errors(401, 403, 404, 409)},
    summary="Your next task (takes a lease on it; 204 when none is left)",
    description=(
        "Asking again while you hold a task returns the same task. 409 says why no task can "
        "be served (`project_paused`, `daily_limit`, `guidelines_not_acknowledged`, ...)."
    ),
    tags=["work"],
)
@api_view(["POST"])
def project_next(request: Request, project_pk: int) -> Response:
    return _next(request, project_pk)


@extend_schema(exclude=True)  # the same endpoint with a trailing slash, for tolerant clients
@api_view(["POST"])
def project_next_slash(request: Request, project_pk: int) -> Response:
    return _next(request, project_pk)


def _next(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_work_on_project(request.user, project):
        raise PermissionDenied(gettext("Only trainers of this project answer its tasks."))
    # Refused before a lease is taken: a task held by someone who may not answer it yet
    # would wait out the lease for nothing. (The gate read its facts with the project.)
    work_gate_require(user=request.user, project=project)
    # The template key came with the project's row: usually no query at all.
    template = lookups.template_in_force(project) or template_require_current(project)
    served = task_next(project=project, trainer=request.user)
    if served is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(_served(request, served, template))


def _refuse_another_user(request: Request) -> None:
    """The workspace names the user it was opened for (``X-Expected-User``): when the
    browser's session has since become someone else's (a log-in in another tab), the first
    user's work must not land in the second one's task. API clients need not send it."""
    expected = request.headers.get("X-Expected-User")
    if expected and expected != str(request.user.pk):
        raise ConflictError(
            gettext("This browser is now logged in as someone else; nothing was saved for them."),
            code="session_user_changed",
        )


def _working_task(request: Request, pk) -> Task:
    _refuse_another_user(request)
    task = visible_task(request, pk)
    if not permissions.can_work_on_project(request.user, task.project):
        raise PermissionDenied(gettext("Only trainers of this project answer its tasks."))
    return task


@extend_schema(
    methods=["GET"], responses={200: DraftSerializer, **errors(401, 403, 404)}, tags=["work"]
)
@extend_schema(
    methods=["PUT"],
    request=DraftWriteSerializer,
    responses={200: DraftSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Save the draft (any state of the answer; not validated)",
    description=(
        "Each save adds one to the draft's `revision`. With `base_revision`, a save based on "
        "another revision than the saved one is refused with 409 `draft_conflict` (another "
        "tab or device saved meanwhile): read the draft, then decide which copy to keep. "
        "409 `guidelines_not_acknowledged` until you acknowledge the guidelines version in "
        "force (`guidelines.version`, `guidelines.acknowledge_url`)."
    ),
    tags=["work"],
)
@extend_schema(
    methods=["DELETE"],
    responses={204: None, **errors(401, 403, 404)},
    summary="Discard the draft (nothing to discard is fine)",
    tags=["work"],
)
@api_view(["GET", "PUT", "DELETE"])
def task_draft(request: Request, pk: int) -> Response:
    task = _working_task(request, pk)
    if request.method == "GET":
        draft = get_object_or_404(Draft, task=task, author=request.user)
        return Response(DraftSerializer(draft).data)
    if request.method == "DELETE":
        draft_discard(task=task, author=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    work_gate_require(user=request.user, project=task.project)
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
        "draft is kept); 409 `already_submitted` for a second, different submit; 409 "
        "`guidelines_not_acknowledged` until you acknowledge the guidelines version in force "
        "(`guidelines.version`, `guidelines.acknowledge_url`)."
    ),
    tags=["work"],
)
@api_view(["POST"])
def task_submit(request: Request, pk: int) -> Response:
    task = _working_task(request, pk)
    work_gate_require(user=request.user, project=task.project)  # no query: read with the task
    data = SubmitSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    submission, created = submission_submit(task=task, author=request.user, **data.validated_data)
    return Response(
        submission_body(submission),
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@extend_schema(
    tags=["submissions"],
    summary="Submissions you may see, newest first, in cursor pages",
    description="Your own; setters, QA leads and admins also see their projects'. 400 names "
    "the parameter: `project` or `task` not an id, `mine` not true/false, a bad `cursor` or "
    "`page_size`.",
    responses={200: SubmissionSerializer(many=True), **errors(400, 401)},
)
class SubmissionList(generics.ListAPIView):
    serializer_class = SubmissionSerializer
    queryset = Submission.objects.none()  # for the schema; get_queryset() is the real gate
    filter_backends = [DjangoFilterBackend]
    filterset_class = SubmissionFilter
    pagination_class = SubmissionCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Submission.objects.visible_to(self.request.user).select_related(
            "task", "author", "template"
        )


@extend_schema(
    methods=["GET"], responses={200: SubmissionSerializer, **errors(401, 404)}, tags=["submissions"]
)
@extend_schema(
    methods=["PATCH"],
    request=ReviseSerializer,
    responses={200: SubmissionSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Revise your submission (until it is reviewed)",
    description="409 `not_revisable` once reviewed; 409 `guidelines_not_acknowledged` until "
    "you acknowledge the guidelines version in force.",
    tags=["submissions"],
)
@api_view(["GET", "PATCH"])
def submission_detail(request: Request, pk: int) -> Response:
    if request.method == "PATCH":
        _refuse_another_user(request)
    submission = visible_submission(request, pk)
    if request.method == "GET":
        return Response(SubmissionSerializer(submission).data)
    if not permissions.can_revise_submission(request.user, submission):
        raise PermissionDenied(gettext("Only the author revises a submission."))
    work_gate_require(user=request.user, project=submission.task.project)
    data = ReviseSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    submission = submission_revise(submission=submission, **data.validated_data)
    return Response(SubmissionSerializer(submission).data)


@extend_schema(
    responses={200: SubmissionRevisionSerializer(many=True), **errors(400, 401, 404)},
    summary="Every revision of a submission, oldest first, in cursor pages",
    tags=["submissions"],
)
@paginated(cursor_pages("number"))  # each revise adds one: no bound
@api_view(["GET"])
def submission_revisions(request: Request, pk: int) -> Response:
    submission = visible_submission(request, pk)
    page, paginator = page_of(request, submission.revisions.select_related("template"))
    return paginator.get_paginated_response(SubmissionRevisionSerializer(page, many=True).data)


@extend_schema(
    request=SkipInputSerializer,
    responses={204: None, **errors(400, 401, 403, 404, 409)},
    summary="Skip a task you hold (never served to you again)",
    tags=["work"],
)
@api_view(["POST"])
def task_skip_view(request: Request, pk: int) -> Response:
    task = _working_task(request, pk)
    data = SkipInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    task_skip(task=task, trainer=request.user, reason=data.validated_data.get("reason", ""))
    draft_discard(task=task, author=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    request=None,
    responses={204: None, **errors(401, 403, 404, 409)},
    summary="Give a task you hold back to the pool",
    tags=["work"],
)
@api_view(["POST"])
def task_release_view(request: Request, pk: int) -> Response:
    lease_release(task=_working_task(request, pk), trainer=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    request=None,
    responses={200: LeaseSerializer, **errors(401, 403, 404, 409)},
    summary="Renew your lease on a task while you work on it",
    tags=["work"],
)
@api_view(["POST"])
def task_renew_view(request: Request, pk: int) -> Response:
    lease = lease_renew(task=_working_task(request, pk), trainer=request.user)
    return Response(lease_body(lease))


def _designed_task(request: Request, pk) -> Task:
    task = visible_task(request, pk)
    if not permissions.can_design_project(request.user, task.project):
        raise PermissionDenied(gettext("Only question setters and admins manage tasks."))
    return task


@extend_schema(
    methods=["PUT"],
    request=GoldSerializer,
    responses={200: TaskManageSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Make a task gold with its expected answer",
    tags=["tasks"],
)
@extend_schema(
    methods=["DELETE"],
    responses={200: TaskManageSerializer, **errors(401, 403, 404, 409)},
    summary="Make a gold task ordinary again",
    tags=["tasks"],
)
@api_view(["PUT", "DELETE"])
def task_gold(request: Request, pk: int) -> Response:
    task = _designed_task(request, pk)
    if request.method == "DELETE":
        task = task_set_gold(task=task, gold_answer=None)
    else:
        data = GoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_set_gold(task=task, gold_answer=data.validated_data["gold_answer"])
    return Response(TaskManageSerializer(Task.objects.get(pk=task.pk)).data)


@extend_schema(
    request=AssignSerializer,
    responses={201: AssignmentSerializer, **errors(400, 401, 403, 404)},
    summary="Assign a task to a trainer (served to them first)",
    tags=["tasks"],
)
@api_view(["POST"])
def task_assignments(request: Request, pk: int) -> Response:
    task = _designed_task(request, pk)
    data = AssignSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    assignment = task_assign(
        task=task, trainer_identifier=data.validated_data["trainer"], by=request.user
    )
    return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    responses={200: ProgressSerializer, **errors(401, 403, 404)},
    summary="Exact task counts by state (read from counters, not counted)",
    tags=["tasks"],
)
@api_view(["GET"])
def project_progress(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_view_task_list(request.user, project):
        raise PermissionDenied
    counts = task_counts(project)
    counts["gold"] = Task.objects.filter(project=project, is_gold=True).count()
    return Response(counts)


@extend_schema(
    methods=["GET"],
    responses={200: DistributionSerializer, **errors(401, 403, 404)},
    tags=["projects"],
)
@extend_schema(
    methods=["PATCH"],
    request=DistributionSerializer,
    responses={200: DistributionSerializer, **errors(400, 401, 403, 404)},
    summary="Change how the project hands out work",
    tags=["projects"],
)
@api_view(["GET", "PATCH"])
def project_distribution(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_view_task_list(request.user, project):
        raise PermissionDenied
    if request.method == "PATCH":
        if not permissions.can_change_project(request.user, project):
            raise PermissionDenied(gettext("Only the project's admins change its distribution."))
        data = DistributionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_distribution_update(project=project, **data.validated_data)
    return Response({name: getattr(project, name) for name in DistributionSerializer().fields})

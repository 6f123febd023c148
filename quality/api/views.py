from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.schema import errors
from quality import permissions
from quality.api.serializers import (
    CheckConfigSerializer,
    CheckConfigWriteSerializer,
    CheckResultSerializer,
    SubmissionChecksSerializer,
)
from quality.models import CheckResult, ResultStatus
from quality.services import check_config_save, check_configs_for
from quality.services.results import submission_check_results
from tasks import lookups


def _configs(project) -> list[dict]:
    from quality.checks import CATALOGUE

    return [
        {
            "check": check.name,
            "title": gettext(CATALOGUE[check.name].title),  # for people: request language
            "enabled": check.enabled,
            "config": check.config,
            "on_fail": check.on_fail,
        }
        for check in check_configs_for(project)
    ]


@extend_schema(
    methods=["GET"],
    responses={200: CheckConfigSerializer(many=True), **errors(401, 403, 404)},
    summary="The quality checks of a project, with their settings",
    tags=["quality"],
)
@extend_schema(
    methods=["PUT"],
    request=CheckConfigWriteSerializer,
    responses={200: CheckConfigSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Configure one check (errors name the field, e.g. config.threshold)",
    tags=["quality"],
)
@api_view(["GET", "PUT"])
def project_checks(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    if not permissions.can_view_check_configs(request.user, project):
        raise PermissionDenied
    if request.method == "PUT":
        if not permissions.can_configure_checks(request.user, project):
            raise PermissionDenied(gettext("Only question setters and admins configure checks."))
        data = CheckConfigWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check_config_save(
            project=project,
            check_name=data.validated_data["check"],
            enabled=data.validated_data["enabled"],
            config=data.validated_data["config"],
            on_fail=data.validated_data["on_fail"],
        )
    return Response(_configs(project))


@extend_schema(
    responses={200: SubmissionChecksSerializer, **errors(401, 404)},
    summary="The check results of a submission's latest revision",
    description="Authors see each finding's message; reviewers also see the evidence.",
    tags=["quality"],
)
@api_view(["GET"])
def submission_checks(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_view_check_results(request.user, submission):
        raise PermissionDenied
    run, results = submission_check_results(submission=submission, user=request.user)
    context = {"evidence": permissions.sees_evidence(request.user, submission)}
    return Response(
        {
            "submission": submission.pk,
            "revision": submission.revision,
            "status": run.status if run else "pending",
            "results": CheckResultSerializer(results, many=True, context=context).data,
        }
    )


@extend_schema(
    tags=["quality"],
    parameters=[
        OpenApiParameter("check", str, description="Only this check"),
        OpenApiParameter("status", str, description="warn, fail or error (default: all three)"),
    ],
    responses={200: CheckResultSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Open findings of a project (latest revisions), worst first",
)
class ProjectFindings(generics.ListAPIView):
    serializer_class = CheckResultSerializer
    queryset = CheckResult.objects.none()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "evidence": True}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = lookups.visible_project(self.request.user, self.kwargs["project_pk"])
        if not permissions.can_view_findings(self.request.user, project):
            raise PermissionDenied
        return findings_queryset(project, self.request.query_params)


def findings_queryset(project, params):
    """Results with something to look at, for the latest revision of each submission."""
    from django.db.models import F

    from quality.checks import CATALOGUE

    statuses = [ResultStatus.WARN, ResultStatus.FAIL, ResultStatus.ERROR]
    if params.get("status"):
        if params["status"] not in statuses:
            raise ValidationError(
                {"status": [gettext("One of: %(values)s.") % {"values": "warn, fail, error"}]}
            )
        statuses = [params["status"]]
    queryset = CheckResult.objects.filter(
        submission__task__project=project,
        revision=F("submission__revision"),
        status__in=statuses,
    )
    if params.get("check"):
        if params["check"] not in CATALOGUE:
            raise ValidationError(
                {"check": [gettext("One of: %(values)s.") % {"values": ", ".join(CATALOGUE)}]}
            )
        queryset = queryset.filter(check_name=params["check"])
    return queryset.order_by("-created_at", "-id")

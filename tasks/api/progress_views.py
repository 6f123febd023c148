"""``GET /api/v1/me/progress/``: a trainer's own progress figures, the twin of what the
dashboard, the project page, the workspace header and "my work" show
(``tasks.services.progress``)."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.schema import errors
from annotation_platform.time_zones import PARAMETER, api_zone
from tasks import lookups, permissions
from tasks.services.progress import (
    WORK_STATUSES,
    Progress,
    trainer_progress,
    trainer_projects,
    trainer_status_counts,
)


class ProjectProgressSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField()
    submitted = serializers.IntegerField(help_text="n: your submissions in the project.")
    open_to_you = serializers.IntegerField(
        help_text="Tasks the project could still give you now: ones that need answers and "
        "that you have not answered, skipped or taken, plus the ones you hold."
    )
    of = serializers.IntegerField(help_text="N = submitted + open_to_you.")
    today = serializers.IntegerField(help_text="Your submissions since midnight in `time_zone`.")
    returned = serializers.IntegerField(help_text="Returned for rework, waiting on you.")
    daily_cap = serializers.IntegerField(
        allow_null=True, help_text="The project's cap per trainer and UTC day (null: none)."
    )
    cap_used = serializers.IntegerField(help_text="Your submissions since midnight UTC.")


class StatusCountsSerializer(serializers.Serializer):
    returned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    total = serializers.IntegerField()


class MyProgressSerializer(serializers.Serializer):
    time_zone = serializers.CharField(help_text="The zone “today” was counted in.")
    day_start = serializers.DateTimeField(help_text="When today began in that zone.")
    today = serializers.IntegerField()
    returned = serializers.IntegerField()
    statuses = StatusCountsSerializer(help_text="Your submissions by status.")
    projects = ProjectProgressSerializer(many=True)


def progress_body(progress: Progress, projects, statuses: dict[str, int]) -> dict:
    return {
        "time_zone": progress.zone.key,
        "day_start": progress.day_start,
        "today": progress.today,
        "returned": progress.returned,
        "statuses": statuses,
        "projects": [
            {
                "project": project.pk,
                "name": project.name,
                "submitted": figures.submitted,
                "open_to_you": figures.open_to_you,
                "of": figures.of,
                "today": figures.today,
                "returned": figures.returned,
                "daily_cap": figures.daily_cap,
                "cap_used": figures.cap_used,
            }
            for project in projects
            for figures in [progress.projects[project.pk]]
        ],
    }


@extend_schema(
    parameters=[
        OpenApiParameter(
            "project",
            int,
            description="Only this project (one you work on as a trainer); without it, "
            "every project you work on",
        ),
        OpenApiParameter(
            PARAMETER,
            str,
            description="The IANA time zone “today” is counted in (default: the browser's "
            "`tz` cookie, else UTC)",
        ),
    ],
    responses={200: MyProgressSerializer, **errors(400, 401, 403, 404)},
    summary="Your progress: n of N per project, done today, returned to you, counts by status",
    description="Only your own work. The statuses filter "
    f"`GET /api/v1/me/work/submissions/?status=` ({', '.join(WORK_STATUSES)}).",
    tags=["work"],
)
@api_view(["GET"])
def my_progress(request: Request) -> Response:
    wanted = request.query_params.get("project")
    zone = api_zone(request)
    if wanted:
        if not wanted.isdecimal():  # isdigit() takes "²", which int() refuses
            raise ValidationError({"project": [gettext("Must be a project id.")]})
        project = lookups.visible_project(request.user, wanted)
        if not permissions.can_work_on_project(request.user, project):
            raise PermissionDenied(gettext("Progress is about a trainer's own work in a project."))
        projects = [project]
    else:
        project = None
        projects = list(trainer_projects(trainer=request.user))
    progress = trainer_progress(trainer=request.user, projects=projects, zone=zone)
    statuses = trainer_status_counts(trainer=request.user, project=project)
    return Response(MyProgressSerializer(progress_body(progress, projects, statuses)).data)

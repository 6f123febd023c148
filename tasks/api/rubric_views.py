"""API for rubrics in projects and for project guidelines: the twin of every page action.

Each view parses its input, loads the object through ``lookups`` and ``permissions``, calls
the service the page calls too, and answers with an output serializer. Refusals use the
common error shape; rubric content errors are keyed by path ("content.criteria[3].title").
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Case, F, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import cursor_pages, page_of, paginated
from annotation_platform.api.parsers import GuardedJSONParser
from annotation_platform.api.schema import errors
from rubrics.content import validate_rubric_content
from rubrics.interchange import FORMAT_RUBRIC
from rubrics.services import rubric_export, rubric_update_draft
from tasks import lookups, permissions
from tasks.api.filters import MAX_ID
from tasks.api.rubric_serializers import (
    FORMAT_CHOICES,
    VERSION_REF_HELP,
    CurrentGuidelinesSerializer,
    GuidelineAcknowledgementSerializer,
    GuidelineAcknowledgeSerializer,
    GuidelineDraftSerializer,
    GuidelineIntroSerializer,
    GuidelineNoticeSerializer,
    GuidelinePublishSerializer,
    GuidelineRuleCreateSerializer,
    GuidelineRuleResultSerializer,
    GuidelineRuleRetireSerializer,
    GuidelineRuleUpdateSerializer,
    GuidelinesDiffSerializer,
    GuidelineVersionEditSerializer,
    GuidelineVersionSerializer,
    LibraryRubricSerializer,
    PinnedRubricSerializer,
    ProjectRubricDetailSerializer,
    ProjectRubricSerializer,
    RubricCheckInputSerializer,
    RubricCheckSerializer,
    RubricCloneSerializer,
    RubricCreateSerializer,
    RubricDiffSerializer,
    RubricImportSerializer,
    RubricPinSerializer,
    RubricPublishSerializer,
    RubricRetireSerializer,
    RubricShareSerializer,
    RubricUpdateSerializer,
    RubricVersionEditSerializer,
    RubricVersionSerializer,
    RubricVersionSummarySerializer,
)
from tasks.api.views import visible_project
from tasks.models import GuidelineDraft, Project, ProjectRubric, guideline_version_immutable_error
from tasks.services import (
    RubricContent,
    guideline_rule_add,
    guideline_rule_edit,
    guideline_rule_retire,
    guidelines_acknowledge,
    guidelines_current,
    guidelines_diff,
    guidelines_draft,
    guidelines_notice_for,
    guidelines_publish,
    guidelines_update_intro,
    project_rubric_clone,
    project_rubric_content,
    project_rubric_create,
    project_rubric_diff,
    project_rubric_links,
    project_rubric_pin,
    project_rubric_publish,
    project_rubric_share,
    rubric_library,
)
from tasks.services.rubrics import DRAFT, MAX_IMPORT_BYTES, project_rubric_import_many
from tasks.services.rubrics import project_rubric_version_retire as retire_version

RUBRICS = ["rubrics"]
GUIDELINES = ["guidelines"]
PROJECT_PK = OpenApiParameter("project_pk", int, OpenApiParameter.PATH)
RUBRIC_PK = OpenApiParameter("rubric_pk", int, OpenApiParameter.PATH)
EDIT_DENIED = gettext_lazy(
    "Only the question setters and admins of the rubric's owning project change it."
)
# Shared rubrics sort after every owned one (ids stay far below this).
SHARED_AFTER = 2**62


def _link(request: Request, project_pk: int, rubric_pk: int) -> ProjectRubric:
    if rubric_pk > MAX_ID:  # no such rubric; a foreign-key lookup would overflow the column
        raise Http404
    return lookups.visible_rubric_link(request.user, project_pk, rubric_pk)


def _editable_link(request: Request, project_pk: int, rubric_pk: int) -> ProjectRubric:
    link = _link(request, project_pk, rubric_pk)
    if not permissions.can_edit_rubric(request.user, link):
        raise PermissionDenied(EDIT_DENIED)
    return link


def _link_output(request: Request, link: ProjectRubric, code: int = status.HTTP_200_OK):
    link = project_rubric_links(project=link.project, user=request.user).get(pk=link.pk)
    return Response(ProjectRubricSerializer(link).data, status=code)


# --- rubrics: the project's library -------------------------------------------------------


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK],
    responses={200: ProjectRubricSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Rubrics in this project's library (owned ones first), in cursor pages",
    description="For question setters and admins; trainers and QA leads read /rubric/.",
    tags=RUBRICS,
)
@extend_schema(
    methods=["POST"],
    parameters=[PROJECT_PK],
    request=RubricCreateSerializer,
    responses={201: ProjectRubricSerializer, **errors(400, 401, 403, 404)},
    summary="Create a rubric owned by this project",
    description="Content errors are keyed by path, e.g. `content.criteria[3].title`.",
    tags=RUBRICS,
)
@paginated(cursor_pages("library_order"))
@api_view(["GET", "POST"])
def project_rubrics(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if request.method == "GET":
        if not permissions.can_browse_rubrics(request.user, project):
            raise PermissionDenied(
                gettext("Only question setters and admins browse the rubric library.")
            )
        links = project_rubric_links(project=project, user=request.user).annotate(
            # Owned first, then shared, each oldest first: one unique key that never
            # changes, so cursor pages neither skip nor repeat a rubric.
            library_order=Case(
                When(owner=True, then=F("id")),
                default=F("id") + SHARED_AFTER,
                output_field=BigIntegerField(),
            )
        )
        page, paginator = page_of(request, links)
        return paginator.get_paginated_response(ProjectRubricSerializer(page, many=True).data)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins create rubrics."))
    data = RubricCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    link = project_rubric_create(project=project, by=request.user, **data.validated_data)
    return _link_output(request, link, status.HTTP_201_CREATED)


@extend_schema(
    parameters=[PROJECT_PK],
    request={
        "application/json": RubricImportSerializer,
        "multipart/form-data": RubricImportSerializer,
    },
    responses={201: ProjectRubricSerializer, **errors(400, 401, 403, 404)},
    summary="Import a rubric (ours, HealthBench, Rubrics-as-Rewards or Prometheus)",
    description=(
        "Send the rubric as `data` (JSON) or `file` (multipart). A file in none of the known "
        "shapes is refused (`unknown_format`); each bad item is named by its path in the "
        "file, e.g. `[3].points`."
    ),
    tags=RUBRICS,
)
@api_view(["POST"])
@parser_classes([GuardedJSONParser, MultiPartParser])
def project_rubric_import_view(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins import rubrics."))
    data = RubricImportSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    # A file's bytes go to the service as they are: it parses them and refuses the excess.
    upload = values.get("file")
    content = upload.read(MAX_IMPORT_BYTES + 1) if upload else values["data"]
    links = project_rubric_import_many(
        project=project,
        data=content,
        title=values["title"],
        fmt=values.get("shape"),
        by=request.user,
    )
    if len(links) > 1:  # a JSON Lines file: one rubric per line, in the file's order
        rows = project_rubric_links(project=project, user=request.user)
        by_pk = {row.pk: row for row in rows.filter(pk__in=[link.pk for link in links])}
        data = [ProjectRubricSerializer(by_pk[link.pk]).data for link in links]
        return Response({"results": data}, status=status.HTTP_201_CREATED)
    return _link_output(request, links[0], status.HTTP_201_CREATED)


@extend_schema(
    responses={200: LibraryRubricSerializer(many=True), **errors(400, 401)},
    summary="Every rubric in the libraries of the projects you design, in cursor pages",
    description="Clone one into a project of yours, or share one you own into another. "
    "Oldest first: titles change, ids do not, so pages neither skip nor repeat a rubric.",
    tags=RUBRICS,
)
@paginated(cursor_pages("id"))
@api_view(["GET"])
def library(request: Request) -> Response:
    page, paginator = page_of(request, rubric_library(user=request.user))
    return paginator.get_paginated_response(LibraryRubricSerializer(page, many=True).data)


@extend_schema(
    request=RubricCheckInputSerializer,
    responses={200: RubricCheckSerializer, **errors(400, 401, 403)},  # 403: a read-only token
    summary="Check rubric content without saving",
    description="What the rubric editor calls as you type; errors keyed by path.",
    tags=RUBRICS,
)
@api_view(["POST"])
def rubric_validate(request: Request) -> Response:
    data = RubricCheckInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    found = validate_rubric_content(data.validated_data["content"])
    problems = {f"content.{path}" if path else "content": m for path, m in found.items()}
    return Response({"ok": not problems, "errors": problems})


# --- rubrics: one rubric ------------------------------------------------------------------


def _detail(request: Request, link: ProjectRubric) -> Response:
    link = (
        project_rubric_links(project=link.project, user=request.user)
        .prefetch_related("rubric__versions__published_by", "rubric__versions__retired_by")
        .get(pk=link.pk)
    )
    context = {"can_edit": permissions.can_edit_rubric(request.user, link)}
    return Response(ProjectRubricDetailSerializer(link, context=context).data)


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK, RUBRIC_PK],
    responses={200: ProjectRubricDetailSerializer, **errors(401, 403, 404)},
    summary="A rubric: its draft and its versions",
    tags=RUBRICS,
)
@extend_schema(
    methods=["PATCH"],
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricUpdateSerializer,
    responses={200: ProjectRubricDetailSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Save the rubric's draft",
    description=(
        "Only the draft is ever edited. Content errors are keyed by path "
        "(`content.criteria[3].title`); with `expected_revision`, a draft someone saved in "
        "between is not overwritten (409 `draft_changed`)."
    ),
    tags=RUBRICS,
)
@api_view(["GET", "PATCH"])
def project_rubric(request: Request, project_pk: int, rubric_pk: int) -> Response:
    if request.method == "GET":
        return _detail(request, _link(request, project_pk, rubric_pk))
    link = _editable_link(request, project_pk, rubric_pk)
    data = RubricUpdateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    rubric_update_draft(rubric=link.rubric, by=request.user, **data.validated_data)
    return _detail(request, link)


@extend_schema(
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricPublishSerializer,
    responses={201: RubricVersionSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Publish the draft as the next version",
    description=(
        "The version in force becomes superseded. `pin: true` also pins it in this project; "
        "`repin` (default true) pins it in every project you design that pinned the previous "
        "version (listed in `repinned`). Refused: an invalid or empty draft (400, paths "
        "under `content.`), "
        "a draft identical to the version in force (409 `nothing_to_publish`)."
    ),
    tags=RUBRICS,
)
@api_view(["POST"])
def project_rubric_publish_view(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _editable_link(request, project_pk, rubric_pk)
    data = RubricPublishSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    version = project_rubric_publish(link=link, by=request.user, **data.validated_data)
    body = RubricVersionSerializer(version).data
    body["repinned"] = [{"id": p.pk, "name": p.name} for p in version.repinned]
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[PROJECT_PK, RUBRIC_PK],
    responses={200: RubricVersionSummarySerializer(many=True), **errors(400, 401, 403, 404)},
    summary="The rubric's versions, newest first, in cursor pages",
    tags=RUBRICS,
)
@paginated(cursor_pages("-number"))  # each publish adds one: no bound
@api_view(["GET"])
def project_rubric_versions(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _link(request, project_pk, rubric_pk)
    versions = link.rubric.versions.select_related("published_by", "retired_by")
    page, paginator = page_of(request, versions)
    return paginator.get_paginated_response(RubricVersionSummarySerializer(page, many=True).data)


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK, RUBRIC_PK],
    responses={200: RubricVersionSerializer, **errors(401, 403, 404)},
    summary="One version of the rubric",
    tags=RUBRICS,
)
@extend_schema(
    methods=["PATCH", "PUT"],
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricVersionEditSerializer,
    responses={409: errors(409)[409], **errors(401, 403, 404)},
    summary="Published versions can never be edited",
    description=(
        "Always 409 `version_immutable`: edit the rubric's draft (PATCH the rubric) and "
        "publish it as a new version instead."
    ),
    tags=RUBRICS,
)
@api_view(["GET", "PATCH", "PUT"])
def project_rubric_version(
    request: Request, project_pk: int, rubric_pk: int, number: int
) -> Response:
    link = _link(request, project_pk, rubric_pk)
    version = lookups.visible_rubric_version(link, number)
    if request.method == "GET":
        return Response(RubricVersionSerializer(version).data)
    if not permissions.can_edit_rubric(request.user, link):
        raise PermissionDenied(EDIT_DENIED)
    # The rubrics service refuses any version with 409 "version_immutable" and the hint.
    rubric_update_draft(rubric=version, content=request.data, by=request.user)
    return Response(status=status.HTTP_409_CONFLICT)  # pragma: no cover - refused above


@extend_schema(
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricRetireSerializer,
    responses={200: RubricVersionSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Retire a version with a reason: it is never applied again",
    description=(
        "While projects pin the version, `replacement` (a newer, not retired version number) "
        "is required and they are re-pinned to it (listed in `repinned`); without it, 409 "
        "`version_pinned` naming them."
    ),
    tags=RUBRICS,
)
@api_view(["POST"])
def project_rubric_version_retire(
    request: Request, project_pk: int, rubric_pk: int, number: int
) -> Response:
    link = _editable_link(request, project_pk, rubric_pk)
    version = lookups.visible_rubric_version(link, number)
    data = RubricRetireSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    version = retire_version(version=version, by=request.user, **data.validated_data)
    body = RubricVersionSerializer(version).data
    body["repinned"] = [{"id": p.pk, "name": p.name} for p in version.repinned]
    return Response(body)


@extend_schema(
    parameters=[
        PROJECT_PK,
        RUBRIC_PK,
        OpenApiParameter(
            "from", str, description=VERSION_REF_HELP + " Default: the latest version."
        ),
        OpenApiParameter("to", str, description=VERSION_REF_HELP + ' Default: "draft".'),
    ],
    responses={200: RubricDiffSerializer, **errors(400, 401, 403, 404)},
    summary="What changed between two versions, criterion by criterion",
    tags=RUBRICS,
)
@api_view(["GET"])
def project_rubric_diff_view(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _link(request, project_pk, rubric_pk)
    params = request.query_params
    comparison = project_rubric_diff(link=link, before=params.get("from"), after=params.get("to"))
    return Response(
        {
            "from": comparison.before.ref,
            "to": comparison.after.ref,
            "changes": [change.as_dict() for change in comparison.changes],
        }
    )


@extend_schema(
    parameters=[
        PROJECT_PK,
        RUBRIC_PK,
        OpenApiParameter(
            "shape",
            str,
            enum=[c[0] for c in FORMAT_CHOICES],
            description="Default: rubric (our own JSON).",
        ),
        OpenApiParameter("version", str, description=VERSION_REF_HELP + ' Default: "draft".'),
    ],
    responses={200: OpenApiTypes.ANY, **errors(400, 401, 403, 404)},
    summary="Export the rubric in one of the interchange formats",
    description="Refused when the shape cannot hold the rubric (`export_unsupported`).",
    tags=RUBRICS,
)
@api_view(["GET"])
def project_rubric_export(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _link(request, project_pk, rubric_pk)
    fmt = request.query_params.get("shape") or FORMAT_RUBRIC
    source = project_rubric_content(link=link, ref=request.query_params.get("version") or DRAFT)
    response = Response(rubric_export(content=source.content, fmt=fmt))
    response["Content-Disposition"] = f'attachment; filename="{export_filename(source, fmt)}"'
    return response


def export_filename(source: RubricContent, fmt: str) -> str:
    """rubric-12-v3-healthbench.json, rubric-12-draft-rar.json: safe ASCII, no quoting."""
    which = f"v{source.version.number}" if source.version else "draft"
    return f"rubric-{source.rubric_id}-{which}-{fmt}.json"


@extend_schema(
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricCloneSerializer,
    responses={201: ProjectRubricSerializer, **errors(400, 401, 403, 404)},
    summary="Clone the rubric into a project you design",
    description="The copy's draft starts from the version in force (or the draft if none).",
    tags=RUBRICS,
)
@api_view(["POST"])
def project_rubric_clone_view(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _link(request, project_pk, rubric_pk)
    data = RubricCloneSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    target = lookups.visible_project_named(request.user, data.validated_data["project"])
    if not permissions.can_clone_rubric(request.user, link, target):
        raise PermissionDenied(gettext("You may clone only into a project you design."))
    clone = project_rubric_clone(
        source=link, into=target, by=request.user, title=data.validated_data.get("title")
    )
    return _link_output(request, clone, status.HTTP_201_CREATED)


@extend_schema(
    parameters=[PROJECT_PK, RUBRIC_PK],
    request=RubricShareSerializer,
    responses={201: ProjectRubricSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Share the rubric into another project you design",
    description="That project may then pin its versions and clone it; it cannot change it.",
    tags=RUBRICS,
)
@api_view(["POST"])
def project_rubric_share_view(request: Request, project_pk: int, rubric_pk: int) -> Response:
    link = _editable_link(request, project_pk, rubric_pk)
    data = RubricShareSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    target = lookups.visible_project_named(request.user, data.validated_data["project"])
    if not permissions.can_share_rubric(request.user, link, target):
        raise PermissionDenied(gettext("You may share only into a project you design."))
    shared = project_rubric_share(link=link, into=target, by=request.user)
    return _link_output(request, shared, status.HTTP_201_CREATED)


# --- rubrics: the version a project uses --------------------------------------------------


def _pinned(project: Project) -> Response:
    version = project.rubric_version
    return Response(PinnedRubricSerializer({"version": version}).data)


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK],
    responses={200: PinnedRubricSerializer, **errors(401, 404)},
    summary="The rubric version this project uses (every member)",
    tags=RUBRICS,
)
@extend_schema(
    methods=["PUT"],
    parameters=[PROJECT_PK],
    request=RubricPinSerializer,
    responses={200: PinnedRubricSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Pin the rubric version this project's reviews apply",
    description=(
        "A published or superseded version of a rubric in the project's library; a retired "
        "one is refused (409 `version_retired`). Publishing never moves the pin."
    ),
    tags=RUBRICS,
)
@api_view(["GET", "PUT"])
def project_pinned_rubric(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if request.method == "GET":
        if not permissions.can_view_rubrics(request.user, project):
            raise PermissionDenied
        project = Project.objects.select_related(
            "rubric_version__rubric", "rubric_version__published_by", "rubric_version__retired_by"
        ).get(pk=project.pk)
        return _pinned(project)
    if not permissions.can_edit_rubrics(request.user, project):
        raise PermissionDenied(
            gettext("Only question setters and admins choose the project's rubric.")
        )
    data = RubricPinSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    version = lookups.library_version(
        project, data.validated_data["rubric"], data.validated_data["version"]
    )
    project_rubric_pin(project=project, version=version, by=request.user)
    return _pinned(project)


# --- guidelines ---------------------------------------------------------------------------


def _viewable(request: Request, project_pk: int) -> Project:
    project = visible_project(request, project_pk)
    if not permissions.can_view_guidelines(request.user, project):
        raise PermissionDenied
    return project


def _editable(request: Request, project_pk: int) -> Project:
    project = visible_project(request, project_pk)
    if not permissions.can_edit_guidelines(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins edit the guidelines."))
    return project


def _draft_output(draft: GuidelineDraft) -> dict:
    return GuidelineDraftSerializer(
        {
            "intro": draft.intro,
            "rules": draft.rules,
            "revision": draft.revision,
            "updated_by": draft.updated_by.username if draft.updated_by else None,
            "updated_at": draft.updated_at,
        }
    ).data


@extend_schema(
    parameters=[PROJECT_PK],
    responses={200: CurrentGuidelinesSerializer, **errors(401, 404)},
    summary="The guidelines in force (every member)",
    tags=GUIDELINES,
)
@api_view(["GET"])
def guidelines(request: Request, project_pk: int) -> Response:
    project = _viewable(request, project_pk)
    return Response(CurrentGuidelinesSerializer({"version": guidelines_current(project)}).data)


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK],
    responses={200: GuidelineDraftSerializer, **errors(401, 403, 404)},
    summary="The guidelines draft",
    tags=GUIDELINES,
)
@extend_schema(
    methods=["PATCH"],
    parameters=[PROJECT_PK],
    request=GuidelineIntroSerializer,
    responses={200: GuidelineDraftSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Change the draft's Markdown introduction",
    tags=GUIDELINES,
)
@api_view(["GET", "PATCH"])
def guidelines_draft_view(request: Request, project_pk: int) -> Response:
    project = _editable(request, project_pk)
    if request.method == "GET":
        return Response(_draft_output(guidelines_draft(project)))
    data = GuidelineIntroSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    draft = guidelines_update_intro(project=project, by=request.user, **data.validated_data)
    return Response(_draft_output(draft))


def _rule_output(draft: GuidelineDraft, rule: dict | None, code: int = status.HTTP_200_OK):
    return Response({"rule": rule, "draft": _draft_output(draft)}, status=code)


@extend_schema(
    parameters=[PROJECT_PK],
    request=GuidelineRuleCreateSerializer,
    responses={201: GuidelineRuleResultSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Add a rule to the draft (it gets the next id, R1, R2 …)",
    tags=GUIDELINES,
)
@api_view(["POST"])
def guideline_rules(request: Request, project_pk: int) -> Response:
    project = _editable(request, project_pk)
    data = GuidelineRuleCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    draft, rule = guideline_rule_add(project=project, by=request.user, **data.validated_data)
    return _rule_output(draft, rule, status.HTTP_201_CREATED)


@extend_schema(
    parameters=[PROJECT_PK],
    request=GuidelineRuleUpdateSerializer,
    responses={200: GuidelineRuleResultSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Edit a rule of the draft (its id stays)",
    description="A retired rule cannot be edited (409 `rule_retired`).",
    tags=GUIDELINES,
)
@api_view(["PATCH"])
def guideline_rule(request: Request, project_pk: int, rule_id: str) -> Response:
    project = _editable(request, project_pk)
    data = GuidelineRuleUpdateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    draft, rule = guideline_rule_edit(
        project=project, rule_id=rule_id, by=request.user, **data.validated_data
    )
    return _rule_output(draft, rule)


@extend_schema(
    parameters=[PROJECT_PK],
    request=GuidelineRuleRetireSerializer,
    responses={200: GuidelineRuleResultSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Retire a rule of the draft with a reason",
    description="A rule never published is dropped instead (`rule` is then null).",
    tags=GUIDELINES,
)
@api_view(["POST"])
def guideline_rule_retire_view(request: Request, project_pk: int, rule_id: str) -> Response:
    project = _editable(request, project_pk)
    data = GuidelineRuleRetireSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    draft, rule = guideline_rule_retire(
        project=project, rule_id=rule_id, by=request.user, **data.validated_data
    )
    return _rule_output(draft, rule)


@extend_schema(
    parameters=[PROJECT_PK],
    request=GuidelinePublishSerializer,
    responses={201: GuidelineVersionSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Publish the draft as the next version of the guidelines",
    description="Trainers then see what changed and acknowledge it once.",
    tags=GUIDELINES,
)
@api_view(["POST"])
def guidelines_publish_view(request: Request, project_pk: int) -> Response:
    project = _editable(request, project_pk)
    data = GuidelinePublishSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    version = guidelines_publish(project=project, by=request.user, **data.validated_data)
    return Response(GuidelineVersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[PROJECT_PK],
    responses={200: GuidelineVersionSerializer(many=True), **errors(400, 401, 404)},
    summary="Every published version of the guidelines, newest first, in cursor pages",
    tags=GUIDELINES,
)
@paginated(cursor_pages("-number"))  # each publish adds one: no bound
@api_view(["GET"])
def guidelines_versions(request: Request, project_pk: int) -> Response:
    project = _viewable(request, project_pk)
    page, paginator = page_of(request, project.guideline_versions.select_related("published_by"))
    return paginator.get_paginated_response(GuidelineVersionSerializer(page, many=True).data)


@extend_schema(
    methods=["GET"],
    parameters=[PROJECT_PK],
    responses={200: GuidelineVersionSerializer, **errors(401, 404)},
    summary="One version of the guidelines",
    tags=GUIDELINES,
)
@extend_schema(
    methods=["PATCH", "PUT"],
    parameters=[PROJECT_PK],
    request=GuidelineVersionEditSerializer,
    responses={409: errors(409)[409], **errors(401, 403, 404)},
    summary="Published versions can never be edited",
    description="Always 409 `version_immutable`: edit the draft and publish a new version.",
    tags=GUIDELINES,
)
@api_view(["GET", "PATCH", "PUT"])
def guidelines_version(request: Request, project_pk: int, number: int) -> Response:
    project = _viewable(request, project_pk)
    version = get_object_or_404(
        project.guideline_versions.select_related("published_by"), number=number
    )
    if request.method == "GET":
        return Response(GuidelineVersionSerializer(version).data)
    if not permissions.can_edit_guidelines(request.user, project):
        raise PermissionDenied(gettext("Only question setters and admins edit the guidelines."))
    raise guideline_version_immutable_error(version.number)


@extend_schema(
    parameters=[
        PROJECT_PK,
        OpenApiParameter(
            "from", str, description=VERSION_REF_HELP + " 0 for nothing. Default: previous."
        ),
        OpenApiParameter("to", str, description=VERSION_REF_HELP + " Default: latest."),
    ],
    responses={200: GuidelinesDiffSerializer, **errors(400, 401, 404)},
    summary="What changed between two versions of the guidelines, rule by rule",
    tags=GUIDELINES,
)
@api_view(["GET"])
def guidelines_diff_view(request: Request, project_pk: int) -> Response:
    project = _viewable(request, project_pk)
    params = request.query_params
    diff = guidelines_diff(project=project, before=params.get("from"), after=params.get("to"))
    if DRAFT in (diff.before_ref, diff.after_ref) and not permissions.can_edit_guidelines(
        request.user, project
    ):
        raise PermissionDenied(gettext("Only question setters and admins read the draft."))
    return Response({"from": diff.before_ref, "to": diff.after_ref, **diff.as_dict()})


@extend_schema(
    parameters=[PROJECT_PK],
    responses={200: GuidelineNoticeSerializer, **errors(401, 403, 404)},
    summary='The "what changed since you last worked" notice (trainers)',
    description="Rules added, retired and changed since the version you last acknowledged.",
    tags=GUIDELINES,
)
@api_view(["GET"])
def guidelines_notice(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_acknowledge_guidelines(request.user, project):
        raise PermissionDenied(gettext("Only trainers acknowledge the guidelines."))
    notice = guidelines_notice_for(user=request.user, project=project)
    return Response(GuidelineNoticeSerializer({"notice": notice}).data)


@extend_schema(
    parameters=[PROJECT_PK],
    request=GuidelineAcknowledgeSerializer,
    responses={200: GuidelineAcknowledgementSerializer, **errors(400, 401, 403, 404)},
    summary="Acknowledge the guidelines up to a version (once is enough)",
    tags=GUIDELINES,
)
@api_view(["POST"])
def guidelines_acknowledge_view(request: Request, project_pk: int) -> Response:
    project = visible_project(request, project_pk)
    if not permissions.can_acknowledge_guidelines(request.user, project):
        raise PermissionDenied(gettext("Only trainers acknowledge the guidelines."))
    data = GuidelineAcknowledgeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    ack = guidelines_acknowledge(user=request.user, project=project, **data.validated_data)
    return Response(GuidelineAcknowledgementSerializer(ack).data)

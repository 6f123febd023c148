"""API of the review workflow: the twin of the review pages. Each view parses input, loads
the object through the permission gate (outside your projects: 404), calls one service in
``reviews.workflow`` and renders its result."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import (
    CursorPages,
    DefaultPagination,
    cursor_pages,
    page_of,
    page_of_rows,
    paginated,
)
from annotation_platform.api.schema import errors
from reviews import permissions
from reviews.api.review_serializers import (
    AuditSampleSerializer,
    BulkAcceptResultSerializer,
    BulkAcceptSerializer,
    DisagreementSerializer,
    DisputeResolveSerializer,
    DisputeSerializer,
    DisputeWriteSerializer,
    RegradeSerializer,
    ReviewContextSerializer,
    ReviewEventSerializer,
    ReviewItemSerializer,
    ReviewPolicySerializer,
    ReviewPolicyWriteSerializer,
    ReviewSerializer,
    ReviewWriteSerializer,
    RevisionsDiffSerializer,
    ReworkSerializer,
    SecondReviewWriteSerializer,
)
from reviews.models import Dispute, Review, ReviewEvent, ReviewItem
from reviews.workflow import (
    ReviewInput,
    audit_candidates,
    dispute_as_dict,
    dispute_file,
    dispute_resolve,
    log_actors,
    project_disputes,
    queue_filters,
    review_as_dict,
    review_context,
    review_lease,
    review_log,
    review_next,
    review_policy_for,
    review_policy_update,
    review_queue,
    review_regrade,
    review_release,
    review_second,
    review_submit,
    reviewer_disagreement,
    reviews_bulk_accept,
    reviews_for,
    revisions_diff,
)
from tasks import lookups
from tasks.models import Submission
from tasks.services.reviewing import submissions_returned

TAG = "reviews"


def _review_input(data: dict) -> ReviewInput:
    return ReviewInput(
        decision=data["decision"],
        judgments=data.get("judgments") or {},
        reasons=[dict(reason) for reason in data.get("reasons", [])],
        comment=data.get("comment", ""),
        private_note=data.get("private_note", ""),
        rubric_version=data.get("rubric_version"),
        revision=data.get("revision"),
    )


def _visible_review(request: Request, pk) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(request.user).select_related(
            "submission__task__project", "revision", "template", "reviewer"
        ),
        pk=pk,
    )


def _review_out(review: Review) -> dict:
    review = Review.objects.select_related("revision", "template", "reviewer").get(pk=review.pk)
    return ReviewSerializer(review_as_dict(review, internals=True)).data


# --- the queue ----------------------------------------------------------------------------


QUEUE_FILTERS = [
    OpenApiParameter(
        "check",
        str,
        description="Only items this check flagged (a check id such as `near_duplicate`)",
    ),
    OpenApiParameter(
        "trainer",
        str,
        description="Only this trainer's work: the username, or, when the review policy "
        "hides names, the code of the pseudonym (`3FA2C1` in “Trainer 3FA2C1”)",
    ),
    OpenApiParameter(
        "waiting",
        str,
        description="Only items queued longer than this: hours or days, e.g. `1h`, `1d`, `7d`",
    ),
    OpenApiParameter("risk", str, enum=["failed", "warned", "clean"], description="Only this risk"),
    OpenApiParameter(
        "status",
        str,
        enum=["free", "held"],
        description="`free`: nobody holds it; `held`: a reviewer holds it",
    ),
]


def _queue_filters(request: Request, project):
    """The filters of the query string, read once the caller may see the queue (a bad
    value is a 400 naming the parameter, never a hint to an outsider)."""
    if not permissions.can_view_review_queue(request.user, project):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    return queue_filters(project=project, params=request.query_params)


@extend_schema(
    tags=[TAG],
    summary="The review queue: failed checks first, then warned, then sampled clean work",
    description="Filters combine (AND); the page's URL takes the same parameters.",
    parameters=QUEUE_FILTERS,
    responses={200: ReviewItemSerializer(many=True), **errors(400, 401, 403, 404)},
)
class ReviewQueue(generics.ListAPIView):
    serializer_class = ReviewItemSerializer
    queryset = ReviewItem.objects.none()  # for the schema; get_queryset() is the real gate

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["policy"] = review_policy_for(self._project())
        return context

    def _project(self):
        if not hasattr(self, "_cached_project"):
            self._cached_project = lookups.visible_project(
                self.request.user, self.kwargs["project_pk"]
            )
        return self._cached_project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = self._project()
        filters = _queue_filters(self.request, project)
        return review_queue(project=project, reviewer=self.request.user, filters=filters)


@extend_schema(
    tags=[TAG],
    request=None,
    parameters=QUEUE_FILTERS,
    responses={200: ReviewItemSerializer, 204: None, **errors(400, 401, 403, 404)},
    summary="Lease the next item of the queue (the one you hold, if any; 204 when empty)",
    description="With the queue's filters in the query string, the next item they let "
    "through (so a QA lead can work through one check's flags alone).",
)
@api_view(["POST"])
def review_queue_next(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    filters = _queue_filters(request, project)
    item = review_next(project=project, reviewer=request.user, filters=filters)
    if item is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    item = ReviewItem.objects.select_related("submission__author", "leased_by").get(pk=item.pk)
    context = {"policy": review_policy_for(project)}
    return Response(ReviewItemSerializer(item, context=context).data)


@extend_schema(
    tags=[TAG],
    request=None,
    responses={200: ReviewItemSerializer, **errors(401, 403, 404, 409)},
    summary="Hold a submission for review (409 `leased_by_other` when someone else does)",
)
@api_view(["POST"])
def submission_review_lease(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    item = review_lease(submission=submission, reviewer=request.user)
    item = ReviewItem.objects.select_related("submission__author", "leased_by").get(pk=item.pk)
    context = {"policy": review_policy_for(submission.task.project)}
    return Response(ReviewItemSerializer(item, context=context).data)


@extend_schema(
    tags=[TAG],
    request=None,
    responses={204: None, **errors(401, 403, 404, 409)},
    summary="Give a submission you hold back to the queue",
)
@api_view(["POST"])
def submission_review_release(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    if not permissions.can_review_submission(request.user, submission):
        raise PermissionDenied(gettext("Only QA leads and admins review this project's work."))
    review_release(submission=submission, reviewer=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- reviewing ----------------------------------------------------------------------------


@extend_schema(
    tags=[TAG],
    responses={200: ReviewContextSerializer, **errors(401, 403, 404)},
    summary="Everything a reviewer needs to judge a submission",
    description="Task data as the trainer saw it, the answer, template and rubric versions, "
    "check findings with evidence, the author's history, other trainers' answers, revisions, "
    "previous reviews and any dispute. Authors get 403: they read `/reviews`.",
)
@api_view(["GET"])
def submission_review(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    return Response(
        ReviewContextSerializer(review_context(submission=submission, reviewer=request.user)).data
    )


@extend_schema(
    methods=["GET"],
    tags=[TAG],
    responses={200: ReviewSerializer(many=True), **errors(400, 401, 404)},
    summary="Reviews of a submission, oldest first, in cursor pages",
    description="Authors read decisions, reasons and comments only; reviewers read all.",
)
@extend_schema(
    methods=["POST"],
    tags=[TAG],
    request=ReviewWriteSerializer,
    responses={201: ReviewSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Review the submission: judgments, decision, reasons and comment",
    description=(
        "400 `reason_required` / `comment_required` naming the field when a reject or return "
        "lacks them; 400 `invalid_judgments` keyed `judgments.<criterion>`; 409 "
        "`already_reviewed` when decided already, `leased_by_other` when another reviewer "
        "holds it, `rubric_version_not_current` naming `rubric_version`, `stale_revision`."
    ),
)
@paginated(cursor_pages("id"))  # returns and re-grades add reviews: no bound
@api_view(["GET", "POST"])
def submission_reviews(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    if request.method == "GET":
        reviews = reviews_for(submission=submission, user=request.user)
        page, paginator = page_of_rows(request, reviews, Review, key=lambda review: review["id"])
        return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)
    data = ReviewWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    review = review_submit(
        submission=submission, reviewer=request.user, data=_review_input(data.validated_data)
    )
    return Response(_review_out(review), status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    request=SecondReviewWriteSerializer,
    responses={201: ReviewSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Audit an accept or rejection with an independent second review",
    description="By a QA lead or admin other than the first reviewer; 409 `already_audited`.",
)
@api_view(["POST"])
def review_second_review(request: Request, pk: int) -> Response:
    review = _visible_review(request, pk)
    data = SecondReviewWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    second = review_second(
        review=review, reviewer=request.user, data=_review_input(data.validated_data)
    )
    return Response(_review_out(second), status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    request=RegradeSerializer,
    responses={201: ReviewSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Re-grade a review against the newer rubric version in force (both are kept)",
)
@api_view(["POST"])
def review_regrade_view(request: Request, pk: int) -> Response:
    review = _visible_review(request, pk)
    data = RegradeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    regrade = review_regrade(review=review, reviewer=request.user, **data.validated_data)
    return Response(_review_out(regrade), status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    request=BulkAcceptSerializer,
    responses={200: BulkAcceptResultSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Accept selected clean sampled submissions (all or nothing)",
    description="Errors are keyed `submissions[i]`; nothing is accepted when any item fails.",
)
@api_view(["POST"])
def project_bulk_accept(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    data = BulkAcceptSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    result = reviews_bulk_accept(
        project=project,
        reviewer=request.user,
        submission_ids=data.validated_data["submissions"],
        comment=data.validated_data["comment"],
    )
    return Response(
        {
            "accepted": [review.submission_id for review in result.reviews],
            "reviews": [review.pk for review in result.reviews],
        }
    )


class AuditSamplePages(DefaultPagination):
    """A random sample is a single page of at most ``size`` (200): a hard bound. A second
    page would be another sample, so ``page`` is not offered."""

    page_size = 20
    page_size_query_param = "size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        return [p for p in parameters if p["name"] != self.page_query_param]


@extend_schema(
    tags=[TAG],
    responses={200: AuditSampleSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="A random sample of accepts and rejections you may second-review (one page)",
)
@paginated(AuditSamplePages)
@api_view(["GET"])
def project_audit_sample(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    size = AuditSamplePages().get_page_size(request)
    reviews = audit_candidates(project=project, reviewer=request.user, limit=size)
    reviews = Review.objects.filter(pk__in=[r.pk for r in reviews]).select_related(
        "revision", "template", "reviewer"
    )
    page, paginator = page_of(request, [review_as_dict(r, internals=True) for r in reviews])
    return paginator.get_paginated_response(AuditSampleSerializer(page, many=True).data)


@extend_schema(
    tags=[TAG],
    responses={200: DisagreementSerializer, **errors(401, 403, 404)},
    summary="How often second reviews disagree with first reviews, overall and per reviewer",
)
@api_view(["GET"])
def project_reviewer_disagreement(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    if not permissions.can_view_reviewer_metrics(request.user, project):
        raise PermissionDenied(gettext("Only QA leads and admins see reviewer metrics."))
    return Response(DisagreementSerializer(reviewer_disagreement(project=project)).data)


# --- disputes -----------------------------------------------------------------------------


@extend_schema(
    methods=["GET"],
    tags=[TAG],
    responses={200: DisputeSerializer(many=True), **errors(400, 401, 404)},
    summary="The dispute of a submission, if any (a list of at most one)",
)
@extend_schema(
    methods=["POST"],
    tags=[TAG],
    request=DisputeWriteSerializer,
    responses={201: DisputeSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Dispute the rejection of your submission (once)",
    description="409 `not_disputable` for an accept or a return, `already_disputed` for a "
    "second dispute, `dispute_final` after the final decision.",
)
@paginated(DefaultPagination)  # one dispute per submission (a one-to-one): a hard bound
@api_view(["GET", "POST"])
def submission_disputes(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    if request.method == "GET":
        page, paginator = page_of(request, Dispute.objects.filter(submission=submission))
        return paginator.get_paginated_response(DisputeSerializer(page, many=True).data)
    data = DisputeWriteSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    dispute = dispute_file(
        submission=submission, by=request.user, comment=data.validated_data["comment"]
    )
    return Response(dispute_as_dict(dispute), status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    request=DisputeResolveSerializer,
    responses={200: DisputeSerializer, **errors(400, 401, 403, 404, 409)},
    summary="Decide a dispute for good (not by the reviewer who rejected)",
    description="`reject` upholds the rejection; `accept` or `return` overturn it. 409 "
    "`dispute_final` when it was decided already.",
)
@api_view(["POST"])
def dispute_resolve_view(request: Request, pk: int) -> Response:
    dispute = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related("submission__task__project"),
        pk=pk,
    )
    data = DisputeResolveSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    dispute = dispute_resolve(
        dispute=dispute,
        by=request.user,
        data=_review_input({**data.validated_data, "revision": None}),
    )
    return Response(DisputeSerializer(dispute).data)


@extend_schema(
    tags=[TAG],
    parameters=[OpenApiParameter("status", str, description="open or resolved")],
    responses={200: DisputeSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="The project's disputes, open ones first",
)
class ProjectDisputes(generics.ListAPIView):
    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = lookups.visible_project(self.request.user, self.kwargs["project_pk"])
        return project_disputes(
            project=project, user=self.request.user, status=self.request.query_params.get("status")
        )


# --- policy, log, revisions, rework -------------------------------------------------------


@extend_schema(
    methods=["GET"],
    tags=[TAG],
    responses={200: ReviewPolicySerializer, **errors(401, 403, 404)},
    summary="The project's review policy (setters, QA leads, admins)",
)
@extend_schema(
    methods=["PUT"],
    tags=[TAG],
    request=ReviewPolicyWriteSerializer,
    responses={200: ReviewPolicySerializer, **errors(400, 401, 403, 404)},
    summary="Change the review policy (setters and admins; fields left out stay as they are)",
)
@api_view(["GET", "PUT"])
def project_review_policy(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    if not permissions.can_view_review_policy(request.user, project):
        raise PermissionDenied(gettext("Trainers do not see the review policy."))
    if request.method == "PUT":
        if not permissions.can_edit_review_policy(request.user, project):
            raise PermissionDenied(
                gettext("Only question setters and admins set the review policy.")
            )
        data = ReviewPolicyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review_policy_update(project=project, by=request.user, **data.validated_data)
    return Response(ReviewPolicySerializer(review_policy_for(project)).data)


class ReviewLogPagination(CursorPages):
    """Newest first: the log only grows."""

    ordering = ("-id",)


@extend_schema(
    tags=[TAG],
    responses={200: ReviewEventSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="The review audit log: who did what, when, state before and after",
)
class ProjectReviewLog(generics.ListAPIView):
    serializer_class = ReviewEventSerializer
    queryset = ReviewEvent.objects.none()
    pagination_class = ReviewLogPagination

    def _project(self):
        if not hasattr(self, "_cached_project"):
            project = lookups.visible_project(self.request.user, self.kwargs["project_pk"])
            if not permissions.can_view_review_log(self.request.user, project):
                raise PermissionDenied(gettext("Only QA leads and admins read the review log."))
            self._cached_project = project
        return self._cached_project

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["actor"] = log_actors(project=self._project())
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return review_log(project=self._project()).order_by("-id")


@extend_schema(
    tags=[TAG],
    parameters=[
        OpenApiParameter("from", int, description="The earlier revision number", required=True),
        OpenApiParameter("to", int, description="The later revision number", required=True),
    ],
    responses={200: RevisionsDiffSerializer, **errors(400, 401, 404)},
    summary="What changed between two revisions' answers, question by question",
)
@api_view(["GET"])
def submission_revisions_diff(request: Request, pk: int) -> Response:
    submission = lookups.visible_submission(request.user, pk)
    numbers = {}
    for name in ("from", "to"):
        value = request.query_params.get(name, "")
        if not value.isdecimal():  # isdigit() takes "²", which int() refuses
            raise ValidationError({name: [gettext("A revision number.")]})
        numbers[name] = int(value)
    diff = revisions_diff(submission=submission, before=numbers["from"], after=numbers["to"])
    return Response(RevisionsDiffSerializer(diff).data)


@extend_schema(
    tags=[TAG],
    responses={200: ReworkSerializer(many=True), **errors(400, 401, 403, 404)},
    summary="Your submissions returned for rework, oldest first (do these before new tasks)",
)
@paginated(cursor_pages("id"))
@api_view(["GET"])
def project_rework(request: Request, project_pk: int) -> Response:
    project = lookups.visible_project(request.user, project_pk)
    if not permissions.can_view_rework(request.user, project):
        raise PermissionDenied(gettext("Only trainers of this project have work to revise."))
    returned = submissions_returned(project=project, trainer=request.user)
    page, paginator = page_of_rows(request, returned, Submission, key=lambda row: row.pk)
    return paginator.get_paginated_response(ReworkSerializer(page, many=True).data)

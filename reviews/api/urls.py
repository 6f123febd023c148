from django.urls import path

from reviews.api import review_views

urlpatterns = [
    # The review workflow (reviews.workflow).
    path(
        "projects/<int:project_pk>/review-queue",
        review_views.ReviewQueue.as_view(),
        name="api-review-queue",
    ),
    path(
        "projects/<int:project_pk>/review-queue/next",
        review_views.review_queue_next,
        name="api-review-queue-next",
    ),
    path(
        "projects/<int:project_pk>/reviews/bulk-accept",
        review_views.project_bulk_accept,
        name="api-review-bulk-accept",
    ),
    path(
        "projects/<int:project_pk>/audit-sample",
        review_views.project_audit_sample,
        name="api-review-audit-sample",
    ),
    path(
        "projects/<int:project_pk>/reviewer-disagreement",
        review_views.project_reviewer_disagreement,
        name="api-reviewer-disagreement",
    ),
    path(
        "projects/<int:project_pk>/disputes",
        review_views.ProjectDisputes.as_view(),
        name="api-project-disputes",
    ),
    path(
        "projects/<int:project_pk>/review-log",
        review_views.ProjectReviewLog.as_view(),
        name="api-review-log",
    ),
    path(
        "projects/<int:project_pk>/review-policy",
        review_views.project_review_policy,
        name="api-review-policy",
    ),
    path("projects/<int:project_pk>/rework", review_views.project_rework, name="api-rework"),
    path(
        "submissions/<int:pk>/review/lease",
        review_views.submission_review_lease,
        name="api-review-lease",
    ),
    path(
        "submissions/<int:pk>/review/release",
        review_views.submission_review_release,
        name="api-review-release",
    ),
    path("submissions/<int:pk>/review", review_views.submission_review, name="api-review"),
    path("submissions/<int:pk>/reviews", review_views.submission_reviews, name="api-reviews"),
    path(
        "submissions/<int:pk>/disputes",
        review_views.submission_disputes,
        name="api-submission-disputes",
    ),
    path(
        "submissions/<int:pk>/revisions/diff",
        review_views.submission_revisions_diff,
        name="api-revisions-diff",
    ),
    path(
        "reviews/<int:pk>/second-review",
        review_views.review_second_review,
        name="api-second-review",
    ),
    path("reviews/<int:pk>/regrade", review_views.review_regrade_view, name="api-regrade"),
    path(
        "disputes/<int:pk>/resolve", review_views.dispute_resolve_view, name="api-dispute-resolve"
    ),
]

from django.urls import path

from reviews import review_views

urlpatterns = [
    # Each page is the twin of an API endpoint (reviews/api/review_views.py).
    path("projects/<int:pk>/review/", review_views.review_queue_page, name="review-queue"),
    path("projects/<int:pk>/review/next/", review_views.review_next_page, name="review-next"),
    path(
        "projects/<int:pk>/review/bulk-accept/",
        review_views.review_bulk_accept_page,
        name="review-bulk-accept",
    ),
    path("projects/<int:pk>/review/audit/", review_views.review_audit_page, name="review-audit"),
    path(
        "projects/<int:pk>/disputes/", review_views.project_disputes_page, name="project-disputes"
    ),
    path("projects/<int:pk>/review-log/", review_views.review_log_page, name="review-log"),
    path("projects/<int:pk>/review-policy/", review_views.review_policy_page, name="review-policy"),
    path(
        "submissions/<int:pk>/review/",
        review_views.submission_review_page,
        name="submission-review",
    ),
    path("submissions/<int:pk>/review/hold/", review_views.review_hold_page, name="review-hold"),
    path(
        "submissions/<int:pk>/review/release/",
        review_views.review_release_page,
        name="review-release",
    ),
    path(
        "submissions/<int:pk>/dispute/",
        review_views.submission_dispute_page,
        name="submission-dispute",
    ),
    path("reviews/<int:pk>/second-review/", review_views.review_second_page, name="review-second"),
    path("reviews/<int:pk>/regrade/", review_views.review_regrade_page, name="review-regrade"),
    path("disputes/<int:pk>/resolve/", review_views.dispute_resolve_page, name="dispute-resolve"),
]

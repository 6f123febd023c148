from django.urls import path

from quality.api import views

urlpatterns = [
    path("projects/<int:project_pk>/checks/", views.project_checks, name="api-project-checks"),
    path(
        "projects/<int:project_pk>/findings/",
        views.ProjectFindings.as_view(),
        name="api-project-findings",
    ),
    path("submissions/<int:pk>/checks/", views.submission_checks, name="api-submission-checks"),
]

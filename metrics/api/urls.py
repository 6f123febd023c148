from django.urls import path

from metrics.api import views

urlpatterns = [
    path(
        "projects/<int:project_pk>/metrics/",
        views.project_metrics_view,
        name="api-project-metrics",
    ),
    path(
        "projects/<int:project_pk>/metrics/settings/",
        views.project_metrics_settings,
        name="api-project-metrics-settings",
    ),
    path(
        "projects/<int:project_pk>/metrics/tables/<slug:table>/",
        views.project_metrics_table,
        name="api-project-metrics-table",
    ),
    path("me/work/", views.my_work, name="api-my-work"),
    path("me/work/submissions/", views.my_submissions, name="api-my-submissions"),
]

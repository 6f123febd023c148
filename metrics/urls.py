from django.urls import path

from metrics import views

urlpatterns = [
    path("projects/<int:pk>/metrics/", views.project_metrics_page, name="project-metrics"),
    path(
        "projects/<int:pk>/metrics/settings/",
        views.metrics_settings_page,
        name="project-metrics-settings",
    ),
    path(
        "projects/<int:pk>/metrics/<slug:table>.csv",
        views.project_metrics_csv,
        name="project-metrics-csv",
    ),
    path("me/work/", views.my_work_page, name="my-work"),
]

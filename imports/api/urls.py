from django.urls import path

from imports.api import views

# The paths as documented in docs/imports.md (no trailing slash, like ``next``).
urlpatterns = [
    path(
        "projects/<int:project_pk>/imports",
        views.ProjectImports.as_view(),
        name="api-project-imports",
    ),
    path(
        "projects/<int:project_pk>/tasks/bulk",
        views.ProjectTasksBulk.as_view(),
        name="api-project-tasks-bulk",
    ),
    path("imports/<int:pk>", views.ImportDetail.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/cancel", views.ImportCancel.as_view(), name="api-import-cancel"),
    path("imports/<int:pk>/errors", views.ImportErrors.as_view(), name="api-import-errors"),
    path("imports/<int:pk>/rejected", views.ImportRejected.as_view(), name="api-import-rejected"),
]

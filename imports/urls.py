from django.urls import path

from imports import views

urlpatterns = [
    path("projects/<int:pk>/imports/", views.project_imports, name="project-imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/cancel/", views.import_cancel_page, name="import-cancel"),
    path("imports/<int:pk>/rejected/", views.import_rejected_page, name="import-rejected"),
]

from django.urls import path

from exports import views

urlpatterns = [
    path("projects/<int:pk>/exports/", views.project_exports_page, name="project-exports"),
    path("exports/<int:pk>/", views.export_detail_page, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download_page, name="export-download"),
    path("exports/<int:pk>/cancel/", views.export_cancel_page, name="export-cancel"),
]

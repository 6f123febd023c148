from django.urls import path

from quality import views

urlpatterns = [
    path("projects/<int:pk>/checks/", views.project_checks_page, name="project-checks"),
    path("projects/<int:pk>/quality/", views.project_quality_page, name="project-quality"),
    path("submissions/<int:pk>/checks/", views.submission_checks_page, name="submission-checks"),
]

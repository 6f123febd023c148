from django.urls import path

from tasks import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:pk>/delete/", views.project_remove, name="project-delete"),
    path("projects/<int:pk>/members/", views.project_members, name="project-members"),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/role/",
        views.member_role,
        name="member-role",
    ),
    path(
        "projects/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member-remove",
    ),
]

from django.urls import path

from tasks.views import projects as views
from tasks.views import templates as template_views
from tasks.views import work as work_views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/new/", views.project_new, name="project-new"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/settings/", views.project_settings, name="project-settings"),
    path(
        "projects/<int:pk>/settings/remote-media/",
        views.project_remote_media_page,
        name="project-remote-media",
    ),
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
    # templates
    path("projects/<int:pk>/template/", template_views.template_editor, name="template-editor"),
    path(
        "projects/<int:pk>/template/gallery/",
        template_views.template_use_gallery,
        name="template-use-gallery",
    ),
    path(
        "projects/<int:pk>/template/preview/",
        template_views.template_preview,
        name="template-preview",
    ),
    path(
        "projects/<int:pk>/template/versions/<int:version>/",
        template_views.template_version,
        name="template-version",
    ),
    # tasks and work
    path("projects/<int:pk>/tasks/", work_views.project_tasks, name="project-tasks"),
    path("projects/<int:pk>/work/", work_views.work_start, name="work-start"),
    path("projects/<int:pk>/submissions/", work_views.submission_list_page, name="submission-list"),
    path("tasks/<int:pk>/work/", work_views.task_work, name="task-work"),
    # distribution: the task page for setters, QA leads and admins, and its forms
    path("tasks/<int:pk>/", work_views.task_detail_page, name="task-detail"),
    path("tasks/<int:pk>/settings/", work_views.task_settings_page, name="task-settings"),
    path("tasks/<int:pk>/gold/", work_views.task_gold_page, name="task-gold"),
    path("tasks/<int:pk>/gold/remove/", work_views.task_gold_remove_page, name="task-gold-remove"),
    path("tasks/<int:pk>/assign/", work_views.task_assign_page, name="task-assign"),
    path(
        "projects/<int:pk>/settings/distribution/",
        work_views.project_distribution_page,
        name="project-distribution",
    ),
    path("submissions/<int:pk>/", work_views.submission_detail_page, name="submission-detail"),
    path(
        "submissions/<int:pk>/revise/",
        work_views.submission_revise_page,
        name="submission-revise",
    ),
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from tasks.api import progress_views, template_views, views, work_views

router = SimpleRouter(trailing_slash=True)
router.register("projects", views.ProjectViewSet, basename="api-project")

membership_list = views.MembershipViewSet.as_view({"get": "list", "post": "create"})
membership_detail = views.MembershipViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    # The queue's endpoints first: every trainer calls them once per task, and each pattern
    # tried before the match (each failed include, too) costs the resolver time.
    path("projects/<int:project_pk>/next", work_views.project_next, name="api-project-next"),
    path(
        "projects/<int:project_pk>/next/",
        work_views.project_next_slash,
        name="api-project-next-slash",
    ),
    path("tasks/<int:pk>/submit/", work_views.task_submit, name="api-task-submit"),
    *router.urls,
    path("projects/<int:project_pk>/memberships/", membership_list, name="api-membership-list"),
    path(
        "projects/<int:project_pk>/memberships/<int:pk>/",
        membership_detail,
        name="api-membership-detail",
    ),
    path(
        "projects/<int:project_pk>/checklist/",
        views.project_checklist_view,
        name="api-project-checklist",
    ),
    # templates
    path(
        "projects/<int:project_pk>/template/",
        template_views.project_template,
        name="api-project-template",
    ),
    path(
        "projects/<int:project_pk>/template/from-gallery/",
        template_views.project_template_from_gallery,
        name="api-project-template-gallery",
    ),
    path(
        "projects/<int:project_pk>/template/versions/",
        template_views.project_template_versions,
        name="api-project-template-versions",
    ),
    path(
        "projects/<int:project_pk>/template/versions/<int:version>/",
        template_views.project_template_version,
        name="api-project-template-version",
    ),
    path("templates/validate/", template_views.template_validate, name="api-template-validate"),
    path("template-gallery/", template_views.template_gallery, name="api-template-gallery"),
    # tasks and work
    path(
        "projects/<int:project_pk>/tasks/",
        work_views.ProjectTaskList.as_view(),
        name="api-project-tasks",
    ),
    path(
        "projects/<int:project_pk>/progress/",
        work_views.project_progress,
        name="api-project-progress",
    ),
    path(
        "projects/<int:project_pk>/distribution/",
        work_views.project_distribution,
        name="api-project-distribution",
    ),
    path("tasks/<int:pk>/skip/", work_views.task_skip_view, name="api-task-skip"),
    path("tasks/<int:pk>/release/", work_views.task_release_view, name="api-task-release"),
    path("tasks/<int:pk>/renew/", work_views.task_renew_view, name="api-task-renew"),
    path("tasks/<int:pk>/gold/", work_views.task_gold, name="api-task-gold"),
    path(
        "tasks/<int:pk>/assignments/",
        work_views.task_assignments,
        name="api-task-assignments",
    ),
    path("tasks/<int:pk>/", work_views.task_detail, name="api-task-detail"),
    path("tasks/<int:pk>/draft/", work_views.task_draft, name="api-task-draft"),
    path("me/progress/", progress_views.my_progress, name="api-my-progress"),
    path("submissions/", work_views.SubmissionList.as_view(), name="api-submission-list"),
    path("submissions/<int:pk>/", work_views.submission_detail, name="api-submission-detail"),
    path(
        "submissions/<int:pk>/revisions/",
        work_views.submission_revisions,
        name="api-submission-revisions",
    ),
]

"""API routes for rubrics in projects and project guidelines (included under /api/v1/)."""

from django.urls import path

from tasks.api import rubric_views as views

RUBRIC = "projects/<int:project_pk>/rubrics/<int:rubric_pk>/"
GUIDELINES = "projects/<int:project_pk>/guidelines/"

urlpatterns = [
    # rubrics
    path("rubric-library/", views.library, name="api-rubric-library"),
    path("rubrics/validate/", views.rubric_validate, name="api-rubric-validate"),
    path(
        "projects/<int:project_pk>/rubric/",
        views.project_pinned_rubric,
        name="api-project-rubric-pinned",
    ),
    path("projects/<int:project_pk>/rubrics/", views.project_rubrics, name="api-project-rubrics"),
    path(
        "projects/<int:project_pk>/rubrics/import/",
        views.project_rubric_import_view,
        name="api-project-rubric-import",
    ),
    path(RUBRIC, views.project_rubric, name="api-project-rubric"),
    path(f"{RUBRIC}publish/", views.project_rubric_publish_view, name="api-project-rubric-publish"),
    path(f"{RUBRIC}versions/", views.project_rubric_versions, name="api-project-rubric-versions"),
    path(
        f"{RUBRIC}versions/<int:number>/",
        views.project_rubric_version,
        name="api-project-rubric-version",
    ),
    path(
        f"{RUBRIC}versions/<int:number>/retire/",
        views.project_rubric_version_retire,
        name="api-project-rubric-version-retire",
    ),
    path(f"{RUBRIC}diff/", views.project_rubric_diff_view, name="api-project-rubric-diff"),
    path(f"{RUBRIC}export/", views.project_rubric_export, name="api-project-rubric-export"),
    path(f"{RUBRIC}clone/", views.project_rubric_clone_view, name="api-project-rubric-clone"),
    path(f"{RUBRIC}share/", views.project_rubric_share_view, name="api-project-rubric-share"),
    # guidelines
    path(GUIDELINES, views.guidelines, name="api-guidelines"),
    path(f"{GUIDELINES}draft/", views.guidelines_draft_view, name="api-guidelines-draft"),
    path(f"{GUIDELINES}draft/rules/", views.guideline_rules, name="api-guidelines-rules"),
    path(
        f"{GUIDELINES}draft/rules/<str:rule_id>/",
        views.guideline_rule,
        name="api-guidelines-rule",
    ),
    path(
        f"{GUIDELINES}draft/rules/<str:rule_id>/retire/",
        views.guideline_rule_retire_view,
        name="api-guidelines-rule-retire",
    ),
    path(f"{GUIDELINES}publish/", views.guidelines_publish_view, name="api-guidelines-publish"),
    path(f"{GUIDELINES}versions/", views.guidelines_versions, name="api-guidelines-versions"),
    path(
        f"{GUIDELINES}versions/<int:number>/",
        views.guidelines_version,
        name="api-guidelines-version",
    ),
    path(f"{GUIDELINES}diff/", views.guidelines_diff_view, name="api-guidelines-diff"),
    path(f"{GUIDELINES}notice/", views.guidelines_notice, name="api-guidelines-notice"),
    path(
        f"{GUIDELINES}acknowledge/",
        views.guidelines_acknowledge_view,
        name="api-guidelines-acknowledge",
    ),
]

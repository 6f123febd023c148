"""Page routes for rubrics in projects and project guidelines."""

from django.urls import path

from tasks.views import guidelines as guideline_views
from tasks.views import rubrics as views

RUBRIC = "projects/<int:pk>/rubrics/<int:rubric_pk>/"
GUIDELINES = "projects/<int:pk>/guidelines/"

urlpatterns = [
    # rubrics
    path("rubrics/library/", views.library, name="rubric-library"),
    path("projects/<int:pk>/rubric/", views.project_rubric, name="project-rubric"),
    path("projects/<int:pk>/rubric/pin/", views.rubric_pin, name="rubric-pin"),
    path("projects/<int:pk>/rubrics/new/", views.rubric_create, name="rubric-create"),
    path("projects/<int:pk>/rubrics/import/", views.rubric_import, name="rubric-import"),
    path(RUBRIC, views.rubric_editor, name="rubric-editor"),
    path(f"{RUBRIC}preview/", views.rubric_preview, name="rubric-preview"),
    path(f"{RUBRIC}publish/", views.rubric_publish, name="rubric-publish"),
    path(f"{RUBRIC}versions/", views.rubric_versions, name="rubric-versions"),
    path(f"{RUBRIC}versions/<int:number>/", views.rubric_version, name="rubric-version"),
    path(
        f"{RUBRIC}versions/<int:number>/retire/",
        views.rubric_version_retire_page,
        name="rubric-version-retire",
    ),
    path(f"{RUBRIC}diff/", views.rubric_diff, name="rubric-diff"),
    path(f"{RUBRIC}export/", views.rubric_export_page, name="rubric-export"),
    path(f"{RUBRIC}clone/", views.rubric_clone_page, name="rubric-clone"),
    path(f"{RUBRIC}share/", views.rubric_share_page, name="rubric-share"),
    # guidelines
    path(GUIDELINES, guideline_views.guidelines_page, name="guidelines"),
    path(f"{GUIDELINES}edit/", guideline_views.guidelines_edit, name="guidelines-edit"),
    path(f"{GUIDELINES}edit/intro/", guideline_views.guidelines_intro, name="guidelines-intro"),
    path(
        f"{GUIDELINES}rules/add/",
        guideline_views.guideline_rule_add_page,
        name="guidelines-rule-add",
    ),
    path(
        f"{GUIDELINES}rules/<str:rule_id>/edit/",
        guideline_views.guideline_rule_edit_page,
        name="guidelines-rule-edit",
    ),
    path(
        f"{GUIDELINES}rules/<str:rule_id>/retire/",
        guideline_views.guideline_rule_retire_page,
        name="guidelines-rule-retire",
    ),
    path(
        f"{GUIDELINES}publish/", guideline_views.guidelines_publish_page, name="guidelines-publish"
    ),
    path(
        f"{GUIDELINES}versions/",
        guideline_views.guidelines_versions_page,
        name="guidelines-versions",
    ),
    path(
        f"{GUIDELINES}versions/<int:number>/",
        guideline_views.guidelines_version_page,
        name="guidelines-version",
    ),
    path(f"{GUIDELINES}diff/", guideline_views.guidelines_diff_page, name="guidelines-diff"),
    path(
        f"{GUIDELINES}acknowledge/",
        guideline_views.guidelines_acknowledge_page,
        name="guidelines-acknowledge",
    ),
]

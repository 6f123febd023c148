from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annotation_platform.health import healthz
from annotation_platform.js_catalog import javascript_catalog
from mediafiles.views import serve_media

api_v1 = [
    # tasks first: its work endpoints are the hottest (see tasks/api/urls.py)
    path("", include("tasks.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("tasks.api.rubric_urls")),
    path("", include("quality.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("metrics.api.urls")),
    path("", include("imports.api.urls")),
    path("", include("exports.api.urls")),
    path("", include("integrations.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), so the docs
    # page needs no inline script under the Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "annotation_platform.api.errors.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The JavaScript's translations (static/js), loaded by templates/base.html.
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("account/", include("accounts.urls")),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media, name="media"),
    path("", include("tasks.rubric_urls")),
    path("", include("quality.urls")),
    path("", include("reviews.urls")),
    path("", include("metrics.urls")),
    path("", include("imports.urls")),
    path("", include("exports.urls")),
    path("", include("integrations.urls")),
    path("", include("tasks.urls")),
]

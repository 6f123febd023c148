from django.urls import re_path

from exports.api import views

# With or without the trailing slash: the documented paths have none, the rest of the API
# ends in one, and a client should not get a 404 for either habit.
urlpatterns = [
    re_path(
        r"^projects/(?P<project_pk>\d+)/exports/?$",
        views.ProjectExports.as_view(),
        name="api-project-exports",
    ),
    re_path(r"^exports/(?P<pk>\d+)/?$", views.ExportDetail.as_view(), name="api-export-detail"),
    re_path(
        r"^exports/(?P<pk>\d+)/download/?$",
        views.ExportDownload.as_view(),
        name="api-export-download",
    ),
    re_path(
        r"^exports/(?P<pk>\d+)/cancel/?$", views.ExportCancel.as_view(), name="api-export-cancel"
    ),
]

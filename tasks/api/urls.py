from django.urls import path
from rest_framework.routers import SimpleRouter

from tasks.api import views

router = SimpleRouter(trailing_slash=True)
router.register("projects", views.ProjectViewSet, basename="api-project")

membership_list = views.MembershipViewSet.as_view({"get": "list", "post": "create"})
membership_detail = views.MembershipViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    *router.urls,
    path(
        "projects/<int:project_pk>/memberships/",
        membership_list,
        name="api-membership-list",
    ),
    path(
        "projects/<int:project_pk>/memberships/<int:pk>/",
        membership_detail,
        name="api-membership-detail",
    ),
]

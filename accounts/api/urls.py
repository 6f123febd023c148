from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter(trailing_slash=True)
router.register("tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("me/", views.me, name="api-me"),
    path("me/preferences/", views.preferences, name="api-me-preferences"),
    *router.urls,
]

from django.urls import path

from integrations.api import views

urlpatterns = [
    path(
        "projects/<int:project_pk>/webhooks/",
        views.ProjectWebhookList.as_view(),
        name="api-project-webhooks",
    ),
    path("webhooks/<int:pk>/", views.webhook_detail, name="api-webhook-detail"),
    path("webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="api-webhook-rotate"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="api-webhook-test"),
    path(
        "webhooks/<int:pk>/deliveries/",
        views.WebhookDeliveryList.as_view(),
        name="api-webhook-deliveries",
    ),
]

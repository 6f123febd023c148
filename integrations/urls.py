from django.urls import path

from integrations import views

urlpatterns = [
    path("projects/<int:pk>/webhooks/", views.project_webhooks, name="project-webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail_page, name="webhook-detail"),
    path("webhooks/<int:pk>/toggle/", views.webhook_toggle_page, name="webhook-toggle"),
    path("webhooks/<int:pk>/rotate-secret/", views.webhook_rotate_page, name="webhook-rotate"),
    path("webhooks/<int:pk>/test/", views.webhook_test_page, name="webhook-test"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete_page, name="webhook-delete"),
]

"""API twin of the webhook pages: /api/v1/projects/{id}/webhooks/ and /api/v1/webhooks/{id}/."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotation_platform.api.pagination import CursorPages
from annotation_platform.api.schema import errors
from integrations import lookups, permissions
from integrations.api.serializers import (
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
    WebhookWithSecretSerializer,
)
from integrations.models import Webhook, WebhookDelivery
from integrations.services import (
    webhook_create,
    webhook_delete,
    webhook_rotate_secret,
    webhook_send_test,
    webhook_update,
)
from tasks import lookups as task_lookups


def _with_secret(webhook: Webhook, secret: str) -> dict:
    webhook.secret = secret
    return WebhookWithSecretSerializer(webhook).data


@extend_schema(tags=["webhooks"])
class ProjectWebhookList(generics.ListAPIView):
    """A project's webhooks (project admins and staff); create one (its secret is in the
    answer, and only there)."""

    serializer_class = WebhookSerializer
    queryset = Webhook.objects.none()  # for the schema; get_queryset() is the real gate
    filter_backends: list = []

    def project(self):
        if not hasattr(self, "_project"):
            project = task_lookups.visible_project(self.request.user, self.kwargs["project_pk"])
            if not permissions.can_manage_webhooks(self.request.user, project):
                raise PermissionDenied("Only the project's admins manage its webhooks.")
            self._project = project
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return Webhook.objects.filter(project=self.project()).order_by("id")

    @extend_schema(responses={200: WebhookSerializer(many=True), **errors(400, 401, 403, 404)})
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=WebhookCreateSerializer,
        responses={201: WebhookWithSecretSerializer, **errors(400, 401, 403, 404)},
        summary="Create a webhook (the secret is returned once)",
    )
    def post(self, request: Request, project_pk: int) -> Response:
        project = self.project()
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook, secret = webhook_create(project=project, by=request.user, **data.validated_data)
        return Response(_with_secret(webhook, secret), status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"], responses={200: WebhookSerializer, **errors(401, 403, 404)}, tags=["webhooks"]
)
@extend_schema(
    methods=["PATCH"],
    request=WebhookUpdateSerializer,
    responses={200: WebhookSerializer, **errors(400, 401, 403, 404)},
    summary="Change a webhook, or enable/disable it (enabling resets the failure count)",
    tags=["webhooks"],
)
@extend_schema(
    methods=["DELETE"], responses={204: None, **errors(401, 403, 404)}, tags=["webhooks"]
)
@api_view(["GET", "PATCH", "DELETE"])
def webhook_detail(request: Request, pk: int) -> Response:
    webhook = lookups.visible_webhook(request.user, pk)
    if request.method == "DELETE":
        webhook_delete(webhook=webhook)
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method == "PATCH":
        data = WebhookUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook = webhook_update(webhook=webhook, **data.validated_data)
    return Response(WebhookSerializer(webhook).data)


@extend_schema(
    request=None,
    responses={200: WebhookWithSecretSerializer, **errors(401, 403, 404)},
    summary="Replace the signing secret (the new one is returned once)",
    tags=["webhooks"],
)
@api_view(["POST"])
def webhook_rotate(request: Request, pk: int) -> Response:
    webhook, secret = webhook_rotate_secret(webhook=lookups.visible_webhook(request.user, pk))
    return Response(_with_secret(webhook, secret))


@extend_schema(
    request=None,
    responses={202: WebhookDeliverySerializer, **errors(401, 403, 404)},
    summary="Send a webhook.test event (one attempt; see the deliveries for the outcome)",
    tags=["webhooks"],
)
@api_view(["POST"])
def webhook_test(request: Request, pk: int) -> Response:
    delivery = webhook_send_test(webhook=lookups.visible_webhook(request.user, pk), by=request.user)
    # Re-read: with jobs in-process the attempt has already run and been recorded.
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryCursorPagination(CursorPages):
    """A forged or garbage ``cursor`` is a 400 naming it (``CursorPages``), not a 404/500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)


@extend_schema(tags=["webhooks"])
class WebhookDeliveryList(generics.ListAPIView):
    """A webhook's delivery log, newest first (cursor pages)."""

    serializer_class = WebhookDeliverySerializer
    queryset = WebhookDelivery.objects.none()
    pagination_class = DeliveryCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        webhook = lookups.visible_webhook(self.request.user, self.kwargs["pk"])
        return WebhookDelivery.objects.filter(webhook=webhook)

    @extend_schema(
        responses={200: WebhookDeliverySerializer(many=True), **errors(400, 401, 403, 404)}
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    MeSerializer,
)
from accounts.models import ApiToken
from accounts.permissions import can_manage_api_token
from accounts.services import api_token_create, api_token_revoke
from annotation_platform.api.schema import errors


@extend_schema(responses={200: MeSerializer, **errors(401)}, tags=["accounts"])
@api_view(["GET"])
def me(request: Request) -> Response:
    """The authenticated user."""
    return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(responses={200: ApiTokenSerializer(many=True), **errors(400, 401, 404)}),
    retrieve=extend_schema(responses={200: ApiTokenSerializer, **errors(401, 404)}),
)
@extend_schema(tags=["accounts"])
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your personal API tokens. The secret is returned once, by create."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user)

    def get_object(self) -> ApiToken:
        # Another user's token is a 404, exactly like a token that does not exist.
        token = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not can_manage_api_token(self.request.user, token):
            raise Http404
        return token

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer, **errors(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = api_token_create(user=request.user, **data.validated_data)
        token.token = raw
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **errors(401, 403, 404)}, summary="Revoke a token")
    def destroy(self, request: Request, pk: str) -> Response:
        api_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
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
    PreferencesSerializer,
)
from accounts.models import ApiToken
from accounts.permissions import can_manage_api_token
from accounts.services import api_token_create, api_token_revoke, user_set_language
from annotation_platform.api.schema import errors


@extend_schema(responses={200: MeSerializer, **errors(401)}, tags=["accounts"])
@api_view(["GET"])
def me(request: Request) -> Response:
    """The authenticated user."""
    return Response(MeSerializer(request.user).data)


@extend_schema(
    methods=["GET"], responses={200: PreferencesSerializer, **errors(401)}, tags=["accounts"]
)
@extend_schema(
    methods=["PATCH"],
    request=PreferencesSerializer,
    responses={200: PreferencesSerializer, **errors(400, 401, 403)},
    tags=["accounts"],
)
@api_view(["GET", "PATCH"])
def preferences(request: Request) -> Response:
    """Your preferences (the interface language): the API twin of the header's switcher.

    Human messages (``detail``) of every response follow the saved language; machine codes
    (``error``) never change.
    """
    if request.method == "PATCH":
        data = PreferencesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "language" in data.validated_data:
            user_set_language(user=request.user, language=data.validated_data["language"])
            language = request.user.language or translation.get_language_from_request(request)
            translation.activate(language)
    return Response(PreferencesSerializer(request.user).data)


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

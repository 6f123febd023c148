"""Shared OpenAPI pieces: the error body every endpoint may answer with."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(help_text="Stable machine-readable code."),
        "detail": serializers.CharField(help_text="What went wrong, for people."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages keyed by the input field they concern.",
        ),
    },
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input; `fields` names each bad field.",
        401: "Not authenticated, or the token is invalid, expired or revoked.",
        403: "Authenticated, but your role does not allow this.",
        404: "No such object among those you can see.",
        409: "Conflicts with the current state.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }

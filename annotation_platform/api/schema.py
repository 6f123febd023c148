"""Shared OpenAPI pieces: the error body every endpoint may answer with."""

from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
        ]
    }
)
class FieldErrors(serializers.JSONField):
    """The messages of one input field; a list or an object in it has its errors nested by
    index or key, e.g. ``{"tags": {"0": ["Null characters are not allowed."]}}``."""


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(help_text="Stable machine-readable code."),
        "detail": serializers.CharField(help_text="What went wrong, for people."),
        "fields": serializers.DictField(
            child=FieldErrors(),
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
        415: "Unsupported body type: send JSON (`Content-Type: application/json`).",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes
    }

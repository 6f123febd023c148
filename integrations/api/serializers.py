from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from integrations.models import Webhook, WebhookDelivery, WebhookEvent


class WebhookSerializer(serializers.ModelSerializer):
    """A webhook as listed and read: never its secret."""

    class Meta:
        model = Webhook
        fields = [
            "id",
            "project",
            "url",
            "description",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_reason",
            "created_at",
            "updated_at",
            "secret_rotated_at",
        ]
        read_only_fields = fields

    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    disabled_reason = serializers.CharField(source="disabled_reason_text", read_only=True)


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret. Returned only by create and rotate-secret: store it now.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    url = StrictCharField(max_length=2000, help_text="http(s) URL of the receiver.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)


class WebhookUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    url = StrictCharField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, required=False
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False, help_text="Enabling again resets the failure count."
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    error = serializers.CharField(source="error_text", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "uuid",
            "event",
            "status",
            "attempts",
            "max_attempts",
            "status_code",
            "duration_ms",
            "error",
            "response_excerpt",
            "payload",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
        ]
        read_only_fields = fields

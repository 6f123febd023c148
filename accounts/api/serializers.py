from django.conf import settings
from django.utils.translation import get_language
from rest_framework import serializers

from accounts.models import ApiToken, TokenScope, User
from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "is_staff", "can_create_projects"]
        read_only_fields = fields


class ApiTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="display_prefix", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret token. Shown once: store it now."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    name = StrictCharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    # Least privilege: a new token reads only, unless its creator asks for more.
    scope = serializers.ChoiceField(
        choices=TokenScope.choices,
        default=TokenScope.READ,
        help_text="read (GET only), annotate (read plus a trainer's work) or manage "
        "(everything your role allows). Default: read.",
    )


class PreferencesSerializer(StrictSerializerMixin, serializers.Serializer):
    """A person's own preferences: for now, the interface language."""

    language = serializers.ChoiceField(
        choices=[("", "Follow the browser"), *settings.LANGUAGES],
        allow_blank=True,
        help_text='The interface language: "en", "zh-hans" or "zh-hant"; "" follows the '
        "browser (the language cookie, else Accept-Language).",
    )
    active_language = serializers.SerializerMethodField(
        help_text="The language this response is in (human messages, the pages' words)."
    )
    languages = serializers.SerializerMethodField(
        help_text="The languages offered, each named in itself."
    )

    def get_active_language(self, user: User) -> str:
        return get_language() or settings.LANGUAGE_CODE

    def get_languages(self, user: User) -> list[dict[str, str]]:
        return [{"code": code, "name": name} for code, name in settings.LANGUAGES]

from rest_framework import serializers

from annotation_platform.api.serializers import StrictCharField, StrictSerializerMixin
from tasks.models import Membership, Project, ProjectStatus, Role


class ProjectSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    my_role = serializers.ChoiceField(
        choices=Role.choices,
        read_only=True,
        allow_null=True,
        help_text="Your role in this project (null for staff who are not members).",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "my_role",
        ]
        read_only_fields = fields


class ProjectWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "display_name", "role", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    user = StrictCharField(help_text="Username or e-mail address of an existing user.")
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)

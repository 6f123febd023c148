from django.contrib import admin

from rubrics.models import Rubric, RubricVersion


class RubricVersionInline(admin.TabularInline):
    model = RubricVersion
    extra = 0
    can_delete = False
    fields = ("number", "status", "note", "published_by", "published_at", "retired_reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # versions are created by publishing the draft (rubric_publish)


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("title", "created_by", "draft_revision", "updated_at")
    search_fields = ("title", "description")
    readonly_fields = ("draft_revision", "draft_updated_at", "created_at", "updated_at")
    inlines = [RubricVersionInline]


@admin.register(RubricVersion)
class RubricVersionAdmin(admin.ModelAdmin):
    list_display = ("rubric", "number", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("rubric__title", "note")
    # Published content is immutable; retire through rubric_version_retire.
    readonly_fields = [field.name for field in RubricVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

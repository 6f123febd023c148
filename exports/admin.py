from django.contrib import admin

from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "format", "status", "rows_written", "created_by", "created_at"]
    list_filter = ["status", "format"]
    readonly_fields = [field.name for field in ExportJob._meta.fields]

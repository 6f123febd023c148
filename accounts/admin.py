from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import ApiToken, User
from accounts.views import throttled_login_response

# The admin's log-in says why a throttled attempt was refused, and answers 429 with
# Retry-After, as the site's does.
admin.site.login_form = AdminLoginForm
_admin_login = admin.site.login


def _throttled_admin_login(request, extra_context=None):
    response = _admin_login(request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    return throttled_login_response(response, form)


admin.site.login = _throttled_admin_login  # read by admin.site.urls when urls.py loads


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Platform", {"fields": ("display_name", "can_create_projects")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "can_create_projects")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_id", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "key_id")
    readonly_fields = ("key_id", "token_hash", "created_at", "last_used_at")

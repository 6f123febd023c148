"""Access decisions for accounts and API tokens; the only place they are made."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.models import ApiToken, User
from accounts.scopes import scope_allows, scope_refusal


def can_manage_api_token(user: User, token: ApiToken) -> bool:
    """Only the owner sees or revokes a token, staff included: a token is a credential."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return token.user_id == user.pk


def can_use_token_scope(token: ApiToken, *, method: str, url_name: str | None) -> bool:
    """A token's scope restricts what its user may do through it, never widens it."""
    return scope_allows(scope=token.scope, method=method, url_name=url_name)


class TokenScopePermission(BasePermission):
    """Refuse requests a bearer token's scope does not cover (settings'
    DEFAULT_PERMISSION_CLASSES, after IsAuthenticated). Session requests pass untouched:
    the person at the browser has their whole role."""

    message = "This API token's scope does not allow this request."
    code = "token_scope"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        match = getattr(request, "resolver_match", None)
        url_name = match.url_name if match else None
        if can_use_token_scope(token, method=request.method, url_name=url_name):
            return True
        self.message = scope_refusal(token.scope)
        return False

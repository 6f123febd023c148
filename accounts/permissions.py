"""Access decisions for accounts and API tokens; the only place they are made."""

from __future__ import annotations

from accounts.models import ApiToken, User


def can_manage_api_token(user: User, token: ApiToken) -> bool:
    """Only the owner sees or revokes a token, staff included: a token is a credential."""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return token.user_id == user.pk

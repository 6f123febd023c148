"""Workflows for accounts and personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, TokenScope, User
from annotation_platform.errors import DomainError

MAX_ACTIVE_TOKENS_PER_USER = 50
# Revoked and expired tokens stay listed for a while so their owner sees what happened.
TOKEN_RETENTION = timedelta(days=30)


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    scope: str = TokenScope.MANAGE,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with the raw secret, which is never stored.

    ``scope`` defaults to manage, what every token could do before scopes existed, for
    callers inside the code base; the page and the API always pass the person's choice.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(
            _("Give the token a name."), fields={"name": [_("This field is required.")]}
        )
    if scope not in TokenScope.values:
        raise DomainError(
            _("Choose the token's scope."),
            fields={"scope": [_("One of: %(codes)s.") % {"codes": ", ".join(TokenScope.values)}]},
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(
            _("The expiry must be in the future."),
            fields={"expires_at": [_("Must be in the future.")]},
        )
    # Lock the user's row so two concurrent creations cannot both pass the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.visible_to(user).active().count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise DomainError(
            _("You already have %(limit)s active tokens; revoke one first.")
            % {"limit": MAX_ACTIVE_TOKENS_PER_USER}
        )
    key_id = secrets.token_hex(6)
    raw = f"{ApiToken.PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_id=key_id,
        token_hash=ApiToken.hash_raw(raw),
        expires_at=expires_at,
        scope=scope,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken:
    """Return the active token for ``raw`` or raise ``DomainError`` saying why not."""
    if not raw.startswith(ApiToken.PREFIX) or raw.count("_") < 2:
        raise DomainError(_("Malformed API token."), code="authentication_failed")
    key_id = raw[len(ApiToken.PREFIX) :].split("_", 1)[0]
    try:  # every API call comes here: get() skips the ordering first() would add
        token = ApiToken.objects.select_related("user").get(key_id=key_id)
    except ApiToken.DoesNotExist:
        token = None
    if token is None or not token.matches(raw):
        raise DomainError(_("Invalid API token."), code="authentication_failed")
    if token.is_revoked:
        raise DomainError(_("This API token has been revoked."), code="authentication_failed")
    if token.is_expired:
        raise DomainError(
            _("This API token expired at %(when)s UTC.")
            % {"when": f"{token.expires_at:%Y-%m-%d %H:%M}"},
            code="authentication_failed",
        )
    if not token.user.is_active:
        raise DomainError(_("This user account is disabled."), code="authentication_failed")
    now = timezone.now()
    # Write last_used_at at most once a minute: a write per API call would be a hot row.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_tokens_purge_expired(*, now: datetime | None = None) -> int:
    """Delete tokens revoked or expired more than ``TOKEN_RETENTION`` ago; return how many."""
    cutoff = (now or timezone.now()) - TOKEN_RETENTION
    expired = ApiToken.objects.filter(expires_at__lte=cutoff)
    revoked = ApiToken.objects.filter(revoked_at__lte=cutoff)
    deleted, _by_model = (expired | revoked).delete()
    return deleted


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def user_set_language(*, user: User, language: str) -> User:
    """Save ``user``'s interface language; ``""`` goes back to following the browser."""
    codes = _language_codes()
    if language and language not in codes:
        choices = _("One of: %(codes)s.") % {"codes": ", ".join(codes)}
        raise DomainError(_("Unknown language."), fields={"language": [choices]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user

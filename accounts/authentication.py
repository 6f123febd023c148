from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts import token_cache
from accounts.language import activate_user_language
from accounts.models import ApiToken, User
from accounts.services import api_token_authenticate
from annotation_platform.errors import DomainError
from annotation_platform.rawsql import (
    model_columns,
    model_from_row,
    model_from_values,
    sql_execute,
)

# --- the token and its user in one hand-written query -------------------------------------
# Every API call authenticates: reading the token with the ORM (select_related) cost ~0.5 ms
# of CPU per call, several times the query. ``_authenticate`` reads the same row with SQL
# and applies ``accounts.services.api_token_authenticate``'s checks in the same order with
# the same messages (a test runs both over every case); the service stays the reference.
# On PostgreSQL, a token verified before is usually not read at all: ``accounts.token_cache``
# remembers it until any token or user changes. The remembered row is found by the hash of
# the whole raw token, so a wrong secret is never found there.


def _token_with_user(key_id: str) -> tuple | None:
    sql = (
        f"SELECT {model_columns(ApiToken, 't')}, {model_columns(User, 'u')} "  # noqa: S608 (model names)
        f"FROM {connection.ops.quote_name(ApiToken._meta.db_table)} t "
        f"JOIN {connection.ops.quote_name(User._meta.db_table)} u ON u.id = t.user_id "
        "WHERE t.key_id = %s"
    )
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [key_id])  # prepared: planning the join cost more than it
        return cursor.fetchone()


def _from_row(row: tuple) -> ApiToken:
    width = len(ApiToken._meta.concrete_fields)
    token = model_from_row(ApiToken, row[:width])
    token.user = model_from_row(User, row[width:])
    return token


def _authenticate(raw: str) -> ApiToken:
    """``api_token_authenticate`` with the token read by ``_token_with_user``, or
    remembered by ``accounts.token_cache`` (PostgreSQL)."""
    if not raw.startswith(ApiToken.PREFIX) or raw.count("_") < 2:
        raise DomainError("Malformed API token.", code="authentication_failed")
    token_hash = ApiToken.hash_raw(raw)
    generation, entry = token_cache.lookup(token_hash)
    if entry is not None:
        token = model_from_values(ApiToken, entry.token)
        token.user = model_from_values(User, entry.user)
        token.last_used_at = entry.last_used_at
    else:
        key_id = raw[len(ApiToken.PREFIX) :].split("_", 1)[0]
        row = _token_with_user(key_id)
        token = _from_row(row) if row is not None else None
        if token is None or not token.matches(raw):
            raise DomainError("Invalid API token.", code="authentication_failed")
    if token.is_revoked or token.is_expired or not token.user.is_active:
        token_cache.forget(token_hash)  # (a remembered one can only have expired)
        return api_token_authenticate(raw)  # refused there, with its reason
    if generation is not None and entry is None:
        token_cache.remember(token_hash, token, generation)
    now = timezone.now()
    # Write last_used_at at most once a minute: a write per API call would be a hot row.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        token_cache.used(token_hash, now)
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ap_…`` (``Token ap_…`` is accepted too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Authorization header must be 'Bearer <token>' with no spaces in the token.")
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Malformed API token.")) from exc
        try:
            token = _authenticate(raw)
        except DomainError as exc:
            raise exceptions.AuthenticationFailed(exc.detail) from exc
        # The token's user is known only now: their saved language beats Accept-Language
        # for the messages of this response, as it does for a session (accounts/language.py).
        activate_user_language(request._request, token.user)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

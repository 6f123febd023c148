from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.services import api_token_authenticate
from annotation_platform.errors import DomainError

# --- the token and its user in one hand-written query -------------------------------------
# Every API call authenticates: reading the token with the ORM (select_related) cost ~0.5 ms
# of CPU per call, several times the query. ``_authenticate`` reads the same row with SQL
# and applies ``accounts.services.api_token_authenticate``'s checks in the same order with
# the same messages (a test runs both over every case); the service stays the reference.

_CONVERTERS: dict[tuple, list] = {}


def _columns(model: type[Model], alias: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def _from_row(model: type[Model], values) -> Model:
    key = (model, connection.vendor)
    converters = _CONVERTERS.get(key)
    if converters is None:
        converters = _CONVERTERS[key] = [
            (
                column := field.get_col(model._meta.db_table),
                connection.ops.get_db_converters(column) + field.get_db_converters(connection),
            )
            for field in model._meta.concrete_fields
        ]
    converted = []
    for (column, functions), value in zip(converters, values, strict=True):
        if value is not None:
            for convert in functions:
                value = convert(value, column, connection)
        converted.append(value)
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, converted)


def _token_with_user(key_id: str) -> ApiToken | None:
    sql = (
        f"SELECT {_columns(ApiToken, 't')}, {_columns(User, 'u')} "  # noqa: S608 (model names)
        f"FROM {connection.ops.quote_name(ApiToken._meta.db_table)} t "
        f"JOIN {connection.ops.quote_name(User._meta.db_table)} u ON u.id = t.user_id "
        "WHERE t.key_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_id])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(ApiToken._meta.concrete_fields)
    token = _from_row(ApiToken, row[:width])
    token.user = _from_row(User, row[width:])
    return token


def _authenticate(raw: str) -> ApiToken:
    """``api_token_authenticate`` with the token read by ``_token_with_user``."""
    if not raw.startswith(ApiToken.PREFIX) or raw.count("_") < 2:
        raise DomainError("Malformed API token.", code="authentication_failed")
    key_id = raw[len(ApiToken.PREFIX) :].split("_", 1)[0]
    token = _token_with_user(key_id)
    if token is None or not token.matches(raw):
        raise DomainError("Invalid API token.", code="authentication_failed")
    if token.is_revoked or token.is_expired or not token.user.is_active:
        return api_token_authenticate(raw)  # refused there, with its reason
    now = timezone.now()
    # Write last_used_at at most once a minute: a write per API call would be a hot row.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
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
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

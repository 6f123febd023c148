from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.services import api_token_authenticate
from annotation_platform.errors import DomainError


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
            token = api_token_authenticate(raw)
        except DomainError as exc:
            raise exceptions.AuthenticationFailed(exc.detail) from exc
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

"""Apply ``TokenScopePermission`` to every API view, as settings' DEFAULT_PERMISSION_CLASSES
will once it lists it. View classes copy the default permission classes when they are
defined, so overriding the setting in a test would change nothing; wrapping
``get_permissions`` reaches every view, and adds nothing when the setting already has it."""

from __future__ import annotations

import pytest
from rest_framework.views import APIView

from accounts.permissions import TokenScopePermission


@pytest.fixture
def token_scopes_enforced(monkeypatch):
    original = APIView.get_permissions

    def get_permissions(self):
        permissions = original(self)
        if not any(isinstance(p, TokenScopePermission) for p in permissions):
            permissions.append(TokenScopePermission())
        return permissions

    monkeypatch.setattr(APIView, "get_permissions", get_permissions)

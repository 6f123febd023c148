"""Fixtures of the accounts tests."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def login_throttle(settings):
    """The throttle on (tests/conftest.py turns it off), with small numbers."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 4
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.LOGIN_SLOWDOWN_AFTER = 2
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 60
    settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
    return settings

"""accounts/permissions.py as a truth table: a token is its owner's alone."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.permissions import can_manage_api_token
from accounts.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_of(db):
    def make(user):
        token, _ = api_token_create(user=user, name="ci")
        return token

    return make


def test_owner_can_manage_own_token(token_of):
    owner = UserFactory()
    assert can_manage_api_token(owner, token_of(owner)) is True


def test_another_user_cannot_manage_the_token(token_of):
    owner, other = UserFactory(), UserFactory()
    assert can_manage_api_token(other, token_of(owner)) is False


def test_staff_cannot_manage_someone_elses_token(token_of):
    owner, staff = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    assert can_manage_api_token(staff, token_of(owner)) is False


def test_anonymous_cannot_manage_any_token(token_of):
    assert can_manage_api_token(AnonymousUser(), token_of(UserFactory())) is False


def test_inactive_owner_cannot_manage_own_token(token_of):
    # given a token created while the account was active
    owner = UserFactory()
    token = token_of(owner)
    # when the account is disabled
    owner.is_active = False
    owner.save()
    # then
    assert can_manage_api_token(owner, token) is False

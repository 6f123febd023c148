"""Token workflows in accounts/services.py, with explicit times where time matters."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import (
    MAX_ACTIVE_TOKENS_PER_USER,
    TOKEN_RETENTION,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_tokens_purge_expired,
)
from annotation_platform.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def user(db):
    return UserFactory(username="ada")


# --- api_token_create -------------------------------------------------------------------


def test_create_returns_the_token_and_a_raw_secret_that_is_not_stored(user):
    # when
    token, raw = api_token_create(user=user, name="  laptop  ")
    # then
    token.refresh_from_db()
    assert token.user == user
    assert token.name == "laptop"
    assert raw.startswith(f"ap_{token.key_id}_")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.name, token.key_id, token.token_hash}
    assert token.is_active


def test_create_gives_every_token_a_different_secret_and_key_id(user):
    first = api_token_create(user=user, name="a")
    second = api_token_create(user=user, name="b")
    assert first[1] != second[1]
    assert first[0].key_id != second[0].key_id


@pytest.mark.parametrize("name", ["", "   ", None])
def test_create_needs_a_name(user, name):
    with pytest.raises(DomainError) as error:
        api_token_create(user=user, name=name)
    assert list(error.value.fields) == ["name"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(seconds=1), -timedelta(days=9)])
def test_create_refuses_an_expiry_that_is_not_in_the_future(user, offset):
    with pytest.raises(DomainError) as error:
        api_token_create(user=user, name="ci", expires_at=timezone.now() + offset)
    assert list(error.value.fields) == ["expires_at"]
    assert not ApiToken.objects.exists()


def test_create_keeps_a_future_expiry(user):
    expires = timezone.now() + timedelta(hours=1)
    token, _ = api_token_create(user=user, name="ci", expires_at=expires)
    token.refresh_from_db()
    assert token.expires_at == expires


def _fill_to(user, count: int, **fields) -> None:
    ApiToken.objects.bulk_create(
        ApiToken(user=user, name=f"t{n}", key_id=f"{n:012x}", token_hash="0" * 64, **fields)
        for n in range(count)
    )


def test_create_refuses_a_token_beyond_the_active_cap(user):
    # given the cap is reached
    _fill_to(user, MAX_ACTIVE_TOKENS_PER_USER)
    # when / then
    with pytest.raises(DomainError, match="revoke one first"):
        api_token_create(user=user, name="one too many")
    assert ApiToken.objects.filter(user=user).count() == MAX_ACTIVE_TOKENS_PER_USER


def test_create_allows_the_last_token_under_the_cap(user):
    _fill_to(user, MAX_ACTIVE_TOKENS_PER_USER - 1)
    token, _ = api_token_create(user=user, name="the last one")
    assert ApiToken.objects.filter(user=user).active().count() == MAX_ACTIVE_TOKENS_PER_USER
    assert token.pk


@pytest.mark.parametrize("field", ["revoked_at", "expires_at"])
def test_revoked_and_expired_tokens_do_not_count_towards_the_cap(user, field):
    # given the cap is reached only by counting inactive tokens
    _fill_to(user, MAX_ACTIVE_TOKENS_PER_USER, **{field: timezone.now() - timedelta(minutes=5)})
    # when
    token, _ = api_token_create(user=user, name="fresh")
    # then
    assert token.is_active


def test_the_cap_is_per_user(user):
    _fill_to(user, MAX_ACTIVE_TOKENS_PER_USER)
    other = UserFactory()
    token, _ = api_token_create(user=other, name="mine")
    assert token.user == other


# --- api_token_revoke -------------------------------------------------------------------


def test_revoke_sets_revoked_at(user):
    token, _ = api_token_create(user=user, name="ci")
    api_token_revoke(token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not token.is_active


def test_revoke_twice_keeps_the_first_time(user):
    # given a token revoked at a known time
    token, _ = api_token_create(user=user, name="ci")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=NOW - timedelta(days=3))
    token.refresh_from_db()
    # when
    api_token_revoke(token=token)
    # then
    token.refresh_from_db()
    assert token.revoked_at == NOW - timedelta(days=3)


def test_revoke_touches_only_that_token(user):
    keep, _ = api_token_create(user=user, name="keep")
    drop, _ = api_token_create(user=user, name="drop")
    api_token_revoke(token=drop)
    keep.refresh_from_db()
    assert keep.revoked_at is None


# --- api_token_authenticate -------------------------------------------------------------


def test_authenticate_returns_the_token_with_its_user(user):
    token, raw = api_token_create(user=user, name="ci")
    found = api_token_authenticate(raw)
    assert found == token
    assert found.user == user


@pytest.mark.parametrize(
    "raw",
    ["", "garbage", "ap_", "ap_nokey", "Bearer ap_x_y", "AP_abc_def", "xx_abc_def"],
)
def test_authenticate_refuses_malformed_tokens(user, raw):
    api_token_create(user=user, name="ci")
    with pytest.raises(DomainError, match="Malformed"):
        api_token_authenticate(raw)


def test_authenticate_refuses_an_unknown_key_id(user):
    _, raw = api_token_create(user=user, name="ci")
    with pytest.raises(DomainError, match="Invalid API token"):
        api_token_authenticate("ap_ffffffffffff_" + raw.rsplit("_", 1)[1])


def test_authenticate_refuses_the_right_key_id_with_the_wrong_secret(user):
    token, raw = api_token_create(user=user, name="ci")
    with pytest.raises(DomainError, match="Invalid API token"):
        api_token_authenticate(raw + "x")
    with pytest.raises(DomainError, match="Invalid API token"):
        api_token_authenticate(f"ap_{token.key_id}_wrong")


def test_authenticate_refuses_a_revoked_token(user):
    token, raw = api_token_create(user=user, name="ci")
    api_token_revoke(token=token)
    with pytest.raises(DomainError, match="revoked"):
        api_token_authenticate(raw)


def test_authenticate_refuses_an_expired_token_and_says_when(user):
    token, raw = api_token_create(user=user, name="ci")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=NOW.replace(year=2020))
    with pytest.raises(DomainError, match="expired at 2020-03-14 12:00"):
        api_token_authenticate(raw)


def test_authenticate_accepts_a_token_until_it_expires(user):
    token, raw = api_token_create(user=user, name="ci")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert api_token_authenticate(raw) == token


def test_authenticate_refuses_a_token_of_a_disabled_user(user):
    _, raw = api_token_create(user=user, name="ci")
    user.is_active = False
    user.save()
    with pytest.raises(DomainError, match="disabled"):
        api_token_authenticate(raw)


def test_authenticate_stamps_last_used_at(user):
    token, raw = api_token_create(user=user, name="ci")
    before = timezone.now()
    api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at >= before


def test_authenticate_writes_last_used_at_at_most_once_a_minute(user, django_assert_num_queries):
    # given a token used 30 seconds ago
    token, raw = api_token_create(user=user, name="ci")
    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    # when used again: one read, no write
    with django_assert_num_queries(1):
        api_token_authenticate(raw)
    # then
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_authenticate_writes_last_used_at_again_after_a_minute(user):
    token, raw = api_token_create(user=user, name="ci")
    stale = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at > stale


# --- api_tokens_purge_expired -----------------------------------------------------------


def _token(user, name: str, **times) -> ApiToken:
    token, _ = api_token_create(user=user, name=name)
    ApiToken.objects.filter(pk=token.pk).update(**times)
    return token


def test_purge_deletes_only_tokens_dead_for_longer_than_the_retention(user):
    # given tokens around the 30-day line, measured from NOW
    assert timedelta(days=30) == TOKEN_RETENTION
    day = timedelta(days=1)
    second = timedelta(seconds=1)
    gone = {
        _token(user, "expired 31 days ago", expires_at=NOW - 31 * day).pk,
        _token(user, "revoked 31 days ago", revoked_at=NOW - 31 * day).pk,
        _token(user, "expired exactly 30 days ago", expires_at=NOW - 30 * day).pk,
        _token(user, "revoked 400 days ago", revoked_at=NOW - 400 * day).pk,
        _token(
            user,
            "revoked long ago, expiring later",
            revoked_at=NOW - 31 * day,
            expires_at=NOW + day,
        ).pk,
    }
    kept = {
        _token(user, "expired 29 days ago", expires_at=NOW - 29 * day).pk,
        _token(user, "revoked 29 days ago", revoked_at=NOW - 29 * day).pk,
        _token(user, "expired 1 second inside", expires_at=NOW - 30 * day + second).pk,
        _token(user, "expired yesterday", expires_at=NOW - day).pk,
        _token(user, "expires next week", expires_at=NOW + 7 * day).pk,
        _token(user, "never expires").pk,
    }
    # when
    deleted = api_tokens_purge_expired(now=NOW)
    # then
    assert deleted == len(gone)
    assert set(ApiToken.objects.values_list("pk", flat=True)) == kept


def test_purge_with_nothing_to_delete_returns_zero(user):
    _token(user, "fresh")
    assert api_tokens_purge_expired(now=NOW) == 0
    assert ApiToken.objects.count() == 1


def test_purge_defaults_to_the_current_time(user):
    old = _token(user, "old", expires_at=timezone.now() - timedelta(days=31))
    recent = _token(user, "recent", expires_at=timezone.now() - timedelta(days=1))
    assert api_tokens_purge_expired() == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ApiToken.objects.filter(pk=old.pk).exists()

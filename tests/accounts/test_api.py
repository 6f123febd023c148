"""/api/v1/me/ and /api/v1/tokens/: personal API tokens and how they authenticate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import MAX_ACTIVE_TOKENS_PER_USER, api_token_create, api_token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKENS = "/api/v1/tokens/"
ERROR_KEYS = {"error", "detail", "fields"}


def token_url(pk) -> str:
    return f"{TOKENS}{pk}/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code is not None:
        assert body["error"] == code
    return body


def assert_unauthorized(response) -> dict:
    body = assert_error(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    return body


def tokens_snapshot() -> list[dict]:
    """Every token row except last_used_at, which the request's own token updates."""
    return list(
        ApiToken.objects.order_by("pk").values(
            "id", "user_id", "name", "key_id", "token_hash", "expires_at", "revoked_at"
        )
    )


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


@pytest.fixture
def user(db):
    return UserFactory(username="ada", display_name="Ada L.", can_create_projects=True)


@pytest.fixture
def issued(user):
    """A fresh token for ``user`` and its raw secret."""
    return api_token_create(user=user, name="laptop")


@pytest.fixture
def client(issued) -> APIClient:
    return with_header(f"Bearer {issued[1]}")


# --- /me --------------------------------------------------------------------------------


def test_me_describes_the_token_owner(user, client):
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "ada",
        "display_name": "Ada L.",
        "email": "ada@example.test",
        "is_staff": False,
        "can_create_projects": True,
    }


def test_me_is_401_for_anonymous(api_client):
    body = assert_unauthorized(api_client.get(ME))
    assert body["error"] == "not_authenticated"


def test_me_is_read_only(client):
    assert_error(client.patch(ME, {"display_name": "x"}, format="json"), 405)


# --- creating tokens --------------------------------------------------------------------


def test_create_returns_the_raw_token_once(user, client):
    # when
    response = client.post(TOKENS, {"name": "ci"}, format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("ap_")
    assert body["name"] == "ci"
    assert body["is_active"] is True
    assert body["revoked_at"] is None
    assert raw.startswith(body["prefix"].rstrip("…"))
    # and neither list nor retrieve show it again
    listed = client.get(TOKENS)
    retrieved = client.get(token_url(body["id"]))
    for response in (listed, retrieved):
        assert response.status_code == 200
        assert raw not in response.content.decode()
    assert all("token" not in row for row in listed.json()["results"])
    assert "token" not in retrieved.json()


def test_only_the_sha256_of_a_token_is_stored(client):
    # when
    raw = client.post(TOKENS, {"name": "ci"}, format="json").json()["token"]
    # then
    token = ApiToken.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
    # ap_<key id>_<secret>; the url-safe secret may itself contain "_"
    secret = raw[len(ApiToken.PREFIX) :].split("_", 1)[1]
    for row in ApiToken.objects.values():
        for value in row.values():
            assert raw not in str(value)
            assert secret not in str(value)
    assert token.key_id in raw


def test_create_with_a_future_expiry(client):
    expires = timezone.now() + timedelta(days=7)
    response = client.post(TOKENS, {"name": "ci", "expires_at": expires.isoformat()}, format="json")
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at == expires


def test_create_with_an_expiry_in_the_past_is_refused(user, client):
    before = tokens_snapshot()
    past = timezone.now() - timedelta(minutes=1)
    response = client.post(TOKENS, {"name": "ci", "expires_at": past.isoformat()}, format="json")
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["expires_at"]
    assert tokens_snapshot() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "ci", "scope": "all"}, "scope"),
        ({"name": "ci", "user": 1}, "user"),
        ({"name": "ci", "token": "ap_mine_chosen"}, "token"),
        ({"name": "ci", "id": 99}, "id"),
        ({"name": "ci", "revoked_at": None}, "revoked_at"),
        ({"name": "ci", "is_active": True}, "is_active"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"name": ["ci"]}, "name"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
        ({"name": "ci", "expires_at": "next tuesday"}, "expires_at"),
    ],
)
def test_create_refuses_bad_input_and_names_the_field(client, payload, field):
    before = tokens_snapshot()
    response = client.post(TOKENS, payload, format="json")
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == [field]
    assert tokens_snapshot() == before


def test_create_refuses_malformed_json(client):
    before = ApiToken.objects.count()
    response = client.post(TOKENS, data='{"name": ', content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert ApiToken.objects.count() == before


def test_create_refuses_a_json_array(client):
    before = ApiToken.objects.count()
    response = client.post(TOKENS, [{"name": "ci"}], format="json")
    assert_error(response, 400, "invalid")
    assert ApiToken.objects.count() == before


def test_create_stops_at_the_active_token_cap(user, client):
    # given the user already holds the maximum (the client's own token is one of them)
    for n in range(MAX_ACTIVE_TOKENS_PER_USER - 1):
        api_token_create(user=user, name=f"t{n}")
    # when
    response = client.post(TOKENS, {"name": "one too many"}, format="json")
    # then
    body = assert_error(response, 400, "invalid")
    assert str(MAX_ACTIVE_TOKENS_PER_USER) in body["detail"]
    assert ApiToken.objects.filter(user=user).count() == MAX_ACTIVE_TOKENS_PER_USER


# --- listing, retrieving and revoking ---------------------------------------------------


def test_list_shows_only_your_own_tokens(user, issued, client):
    other = api_token_create(user=UserFactory(), name="not yours")[0]
    response = client.get(TOKENS)
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [issued[0].pk]
    assert other.pk not in ids


@pytest.mark.parametrize("staff", [False, True], ids=["user", "staff"])
def test_someone_elses_token_is_404_to_retrieve_and_revoke(client_as, issued, staff):
    # given a token of ada's, and another user (even staff) with a working client
    token, raw = issued
    intruder = client_as(UserFactory(is_staff=staff, is_superuser=staff))
    # when
    retrieved = intruder.get(token_url(token.pk))
    revoked = intruder.delete(token_url(token.pk))
    # then both look like a missing token, and nothing changed
    assert_error(retrieved, 404, "not_found")
    assert_error(revoked, 404, "not_found")
    token.refresh_from_db()
    assert token.revoked_at is None
    assert with_header(f"Bearer {raw}").get(ME).status_code == 200


def test_missing_token_id_is_404(client):
    assert_error(client.get(token_url(999999)), 404, "not_found")
    assert_error(client.delete(token_url(999999)), 404, "not_found")
    assert client.get(f"{TOKENS}abc/").status_code == 404


def test_revoke_is_idempotent_and_keeps_the_first_time(user, client):
    # given a second token to revoke
    token, _ = api_token_create(user=user, name="old")
    # when revoked twice
    first = client.delete(token_url(token.pk))
    token.refresh_from_db()
    revoked_at = token.revoked_at
    second = client.delete(token_url(token.pk))
    # then
    assert (first.status_code, second.status_code) == (204, 204)
    assert revoked_at is not None
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert client.get(token_url(token.pk)).json()["is_active"] is False


def test_a_token_can_revoke_itself(issued, client):
    token, _ = issued
    assert client.delete(token_url(token.pk)).status_code == 204
    assert_unauthorized(client.get(ME))


def test_put_and_patch_are_not_offered_on_tokens(issued, client):
    token, _ = issued
    assert_error(client.patch(token_url(token.pk), {"name": "x"}, format="json"), 405)
    assert_error(client.put(token_url(token.pk), {"name": "x"}, format="json"), 405)
    token.refresh_from_db()
    assert token.name == "laptop"


# --- authenticating with a token --------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_token_works_with_either_keyword(user, issued, keyword):
    response = with_header(f"{keyword} {issued[1]}").get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_revoked_token_is_401_saying_revoked(issued):
    # given
    token, raw = issued
    assert with_header(f"Bearer {raw}").get(ME).status_code == 200
    api_token_revoke(token=token)
    # when
    response = with_header(f"Bearer {raw}").get(ME)
    # then
    body = assert_unauthorized(response)
    assert body["error"] == "authentication_failed"
    assert "revoked" in body["detail"]


def test_expired_token_is_401_saying_expired(issued):
    token, raw = issued
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_unauthorized(with_header(f"Bearer {raw}").get(ME))
    assert "expired" in body["detail"]


def test_token_of_a_disabled_user_is_401(user, issued):
    user.is_active = False
    user.save()
    body = assert_unauthorized(with_header(f"Bearer {issued[1]}").get(ME))
    assert "disabled" in body["detail"]


def test_token_with_the_wrong_secret_is_401(issued):
    token, raw = issued
    forged = f"ap_{token.key_id}_{secrets.token_urlsafe(32)}"
    assert forged != raw
    body = assert_unauthorized(with_header(f"Bearer {forged}").get(ME))
    assert body["detail"] == "Invalid API token."


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer ap_",
        "Bearer ap_abc",
        "Bearer ap__",
        "Bearer ap_000000000000_secret",
        "Bearer xx_123456789abc_secret",
        "Bearer ap_é_secret",
        "Bearer",
        "Token",
        "Bearer \t",
    ],
)
def test_garbage_or_malformed_token_is_401(issued, header):
    assert_unauthorized(with_header(header).get(ME))


def test_header_with_extra_words_is_401(issued):
    _, raw = issued
    for header in (f"Bearer {raw} extra", f"Bearer {raw[:10]} {raw[10:]}", f"Bearer Bearer {raw}"):
        body = assert_unauthorized(with_header(header).get(ME))
        assert "Bearer <token>" in body["detail"]


def test_unknown_scheme_is_treated_as_anonymous(issued):
    body = assert_unauthorized(with_header(f"Basic {issued[1]}").get(ME))
    assert body["error"] == "not_authenticated"


def test_using_a_token_records_when_it_was_last_used(issued):
    token, raw = issued
    assert token.last_used_at is None
    with_header(f"Bearer {raw}").get(ME)
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- session authentication and CSRF ----------------------------------------------------


@pytest.fixture
def session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf(client: APIClient) -> dict:
    """Plant a CSRF cookie and return the matching header, as the browser's fetch() does."""
    secret = secrets.token_hex(16)  # 32 characters, the length of a CSRF secret
    client.cookies["csrftoken"] = secret
    return {"HTTP_X_CSRFTOKEN": secret}


def test_session_can_read_without_csrf(user, session_client):
    response = session_client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_session_post_without_csrf_is_403(user, session_client):
    before = ApiToken.objects.count()
    response = session_client.post(TOKENS, {"name": "ci"}, format="json")
    body = assert_error(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    assert ApiToken.objects.count() == before


def test_session_post_with_csrf_succeeds(user, session_client):
    response = session_client.post(TOKENS, {"name": "ci"}, format="json", **csrf(session_client))
    assert response.status_code == 201
    assert ApiToken.objects.filter(user=user, name="ci").exists()


def test_session_post_with_a_mismatched_csrf_header_is_403(user, session_client):
    csrf(session_client)
    before = ApiToken.objects.count()
    response = session_client.post(
        TOKENS, {"name": "ci"}, format="json", HTTP_X_CSRFTOKEN=secrets.token_hex(16)
    )
    assert_error(response, 403, "permission_denied")
    assert ApiToken.objects.count() == before


def test_session_delete_needs_csrf(user, issued, session_client):
    # given
    token, _ = issued
    # when without the token
    refused = session_client.delete(token_url(token.pk))
    token.refresh_from_db()
    # then
    assert_error(refused, 403, "permission_denied")
    assert token.revoked_at is None
    # when with it
    accepted = session_client.delete(token_url(token.pk), **csrf(session_client))
    token.refresh_from_db()
    assert accepted.status_code == 204
    assert token.revoked_at is not None


# --- scopes -------------------------------------------------------------------------------


def test_a_token_created_without_a_scope_reads_only(client):
    response = client.post(TOKENS, {"name": "ci"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["scope"] == "read"
    assert ApiToken.objects.get(pk=response.json()["id"]).scope == "read"


@pytest.mark.parametrize("scope", ["read", "annotate", "manage"])
def test_a_token_is_created_with_the_chosen_scope_and_lists_it(client, scope):
    created = client.post(TOKENS, {"name": "ci", "scope": scope}, format="json")

    listed = client.get(TOKENS).json()["results"]

    assert created.status_code == 201, created.content
    assert {row["name"]: row["scope"] for row in listed}["ci"] == scope
    assert "token" not in listed[0]


def test_an_unknown_scope_is_refused_on_its_field(client):
    response = client.post(TOKENS, {"name": "ci", "scope": "root"}, format="json")

    body = assert_error(response, 400, "invalid")
    assert "scope" in body["fields"]


def test_the_service_refuses_an_unknown_scope(user):
    from annotation_platform.errors import DomainError

    with pytest.raises(DomainError) as refused:
        api_token_create(user=user, name="x", scope="root")

    assert "scope" in refused.value.fields


def test_tokens_made_before_scopes_keep_manage(user):
    # The migration's default: existing scripts keep working until their token is replaced.
    assert ApiToken._meta.get_field("scope").default == "manage"
    token, _ = api_token_create(user=user, name="legacy caller")
    assert token.scope == "manage"

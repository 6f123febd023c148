"""The workspace's log-in in place (/account/session/): JSON in and out, CSRF-protected,
and held by exactly the throttle, lock and audit of the log-in page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
URL = "/account/session/"


def _post(client, body, **extra):
    return client.post(URL, body, content_type="application/json", REMOTE_ADDR=ADDRESS, **extra)


def _age_failures(seconds: float) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=seconds))


def test_the_url_is_named():
    assert reverse("session-login") == URL


def test_logging_in_answers_the_user_and_a_new_csrf_token(client):
    # given: a browser whose session has ended, with the token of the page it loaded
    user = UserFactory()
    before = client.get(URL).json()
    assert before["authenticated"] is False and before["user"] is None
    # when
    response = _post(client, {"username": user.username, "password": PASSWORD})
    # then: logged in, and the token rotated (the page must send the new one)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["authenticated"] is True
    assert body["user"] == {"id": user.pk, "username": user.username, "name": str(user)}
    assert body["csrf_token"] and body["csrf_token"] != before["csrf_token"]
    assert client.session["_auth_user_id"] == str(user.pk)
    assert response.cookies["csrftoken"].value
    assert "no-cache" in response["Cache-Control"]
    assert client.get(URL).json()["user"]["id"] == user.pk


def test_a_wrong_password_is_a_400_in_the_error_shape_and_logs_nobody_in(client):
    user = UserFactory()
    response = _post(client, {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_login",
        "detail": "Your username and password didn't match. Please try again.",
        "fields": {},
    }
    assert "_auth_user_id" not in client.session


def test_an_unknown_user_reads_exactly_like_a_wrong_password(client):
    UserFactory(username="real")
    unknown = _post(client, {"username": "nobody", "password": PASSWORD}).json()
    wrong = _post(client, {"username": "real", "password": "nope"}).json()
    assert unknown == wrong


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"username": "someone"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 7, "password": ["x"]}, {"username", "password"}),
        ({"username": "a", "password": "b", "next": "/"}, {"next"}),
    ],
)
def test_bad_input_is_a_400_naming_the_fields(client, body, fields):
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert set(response.json()["fields"]) == fields


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', '{"username": "\\u0000"}'])
def test_a_body_that_is_not_a_json_object_is_a_400(client, raw):
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_other_methods_are_refused(client):
    assert client.put(URL, "{}", content_type="application/json").status_code == 405


def test_a_post_needs_the_csrf_token_like_any_form():
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    body = {"username": user.username, "password": PASSWORD}
    refused = browser.post(URL, body, content_type="application/json")
    assert refused.status_code == 403
    assert "_auth_user_id" not in browser.session
    # the GET hands out a token (and sets the cookie): with it, the log-in goes through
    token = browser.get(URL).json()["csrf_token"]
    accepted = browser.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


def test_failures_slow_down_and_then_lock_as_on_the_login_page(client, login_throttle):
    user = UserFactory()
    wrong = {"username": user.username, "password": "wrong-password"}
    # the first failure: a plain 400
    assert _post(client, wrong).status_code == 400
    # the second reaches the slow-down: 429 with Retry-After, in the error shape
    second = _post(client, wrong)
    assert second.status_code == 429
    assert second["Retry-After"] == "1"
    assert second.json()["error"] == "login_throttled"
    assert "wait 1 second" in second.json()["detail"]
    # the right password too soon is refused unchecked, and not counted
    counted = AccessAttempt.objects.get().failures_since_start
    too_soon = _post(client, {"username": user.username, "password": PASSWORD})
    assert too_soon.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == counted
    # failures up to the limit lock the account
    for _ in range(2):
        _age_failures(600)
        _post(client, wrong)
    _age_failures(600)
    locked = _post(client, {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert "_auth_user_id" not in client.session


def test_the_dialog_and_the_login_page_share_one_count(client, login_throttle):
    # given: two failures in the dialog
    user = UserFactory()
    _post(client, {"username": user.username, "password": "wrong-password"})
    _post(client, {"username": user.username, "password": "wrong-password"})
    # when: the log-in page is tried at once
    page = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ADDRESS
    )
    # then: it must wait as well
    assert page.status_code == 429


def test_a_log_in_in_the_dialog_is_audited(client, login_throttle):
    user = UserFactory()
    _post(client, {"username": user.username, "password": PASSWORD})
    assert AccessLog.objects.filter(username=user.username).count() == 1

# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""Which language a request is answered in, the header switcher and its API twin.

Order: the signed-in user's saved language, else the language cookie, else Accept-Language,
else English (accounts/language.py).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import TokenScope
from accounts.services import api_token_create, user_set_language
from annotation_platform.errors import DomainError
from tests.factories import UserFactory
from tests.i18n import back_to_english, compile_catalogs  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db

PREFERENCES = "/api/v1/me/preferences/"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _lang(response) -> str:
    return response.headers["Content-Language"]


# --- the order of the choices ---------------------------------------------------------------


def test_a_browser_asking_for_nothing_gets_english(client):
    response = client.get(reverse("login"))

    assert _lang(response) == "en"
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()


@pytest.mark.parametrize(
    "header, language, html_lang",
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-hans", "zh-Hans"),
        ("zh-Hans", "zh-hans", "zh-Hans"),
        ("zh-HK,zh;q=0.9", "zh-hant", "zh-Hant-HK"),
        ("zh-TW", "zh-hant", "zh-Hant-HK"),
        ("fr-FR,fr;q=0.9", "en", "en"),
    ],
)
def test_accept_language_chooses_the_page_language(client, header, language, html_lang):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=header)

    assert _lang(response) == language
    assert f'<html lang="{html_lang}">' in response.content.decode()


def test_the_cookie_beats_accept_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert _lang(response) == "zh-hant"
    assert "登入" in response.content.decode()


def test_the_saved_language_beats_cookie_and_accept_language(client):
    # given
    user = UserFactory()
    user_set_language(user=user, language="zh-hans")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    # when
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert _lang(response) == "zh-hans"
    assert "我的项目" in response.content.decode()


def test_a_user_without_a_saved_language_follows_the_browser(client):
    client.force_login(UserFactory())

    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="zh-HK")

    assert _lang(response) == "zh-hant"


# --- the header switcher --------------------------------------------------------------------


def test_switcher_is_in_the_header_for_everyone(client):
    html = client.get(reverse("login")).content.decode()

    assert f'action="{reverse("set-language")}"' in html
    for code, name in settings.LANGUAGES:
        assert f'value="{code}"' in html and name in html
    assert 'value="en" lang="en" aria-current="true"' in html


def test_switching_saves_the_choice_of_a_signed_in_user(client):
    # given
    user = UserFactory()
    client.force_login(user)
    back = reverse("my-work")

    # when
    response = client.post(reverse("set-language"), {"language": "zh-hant", "next": back})

    # then: back where they were, in the new language, and it follows them
    assert response.status_code == 302 and response["Location"] == back
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    user.refresh_from_db()
    assert user.language == "zh-hant"
    assert _lang(client.get(back)) == "zh-hant"


def test_switching_without_an_account_sets_only_the_cookie(client):
    response = client.post(
        reverse("set-language"), {"language": "zh-hans", "next": reverse("login")}
    )

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert _lang(client.get(reverse("login"))) == "zh-hans"


def test_switching_never_redirects_to_another_site(client):
    response = client.post(
        reverse("set-language"), {"language": "zh-hans", "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_switching_to_an_unknown_language_is_a_400_and_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("set-language"), {"language": "klingon"})

    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_switching_needs_the_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    user = UserFactory()
    strict.force_login(user)

    response = strict.post(reverse("set-language"), {"language": "zh-hans"})

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.language == ""


def test_switching_is_post_only(client):
    assert client.get(reverse("set-language")).status_code == 405


# --- the service ---------------------------------------------------------------------------


def test_service_refuses_an_unknown_language_naming_the_field():
    user = UserFactory()

    with pytest.raises(DomainError) as refused:
        user_set_language(user=user, language="xx")

    assert "language" in refused.value.fields


def test_service_blank_goes_back_to_following_the_browser():
    user = UserFactory(language="zh-hans")

    user_set_language(user=user, language="")

    user.refresh_from_db()
    assert user.language == ""


# --- the API twin ---------------------------------------------------------------------------


def test_api_preferences_read_and_change_the_language(client_as):
    # given
    user = UserFactory()
    api = client_as(user)

    # when
    before = api.get(PREFERENCES)
    changed = api.patch(PREFERENCES, {"language": "zh-hant"}, format="json")

    # then
    assert before.status_code == 200
    assert before.json()["language"] == ""
    assert [item["code"] for item in before.json()["languages"]] == ["en", "zh-hans", "zh-hant"]
    assert changed.status_code == 200
    assert changed.json()["language"] == "zh-hant"
    assert changed.json()["active_language"] == "zh-hant"
    user.refresh_from_db()
    assert user.language == "zh-hant"


def test_api_preferences_refuse_an_unknown_language_with_400(client_as):
    user = UserFactory()

    response = client_as(user).patch(PREFERENCES, {"language": "xx"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "language" in response.json()["fields"]
    user.refresh_from_db()
    assert user.language == ""


def test_api_preferences_refuse_unknown_keys(client_as):
    response = client_as(UserFactory()).patch(PREFERENCES, {"lang": "zh-hans"}, format="json")

    assert response.status_code == 400
    assert "lang" in response.json()["fields"]


def test_api_preferences_need_an_account(api_client):
    assert api_client.get(PREFERENCES).status_code in (401, 403)


@pytest.mark.parametrize(
    "scope, allowed",
    [(TokenScope.READ, False), (TokenScope.ANNOTATE, True), (TokenScope.MANAGE, True)],
)
def test_api_preferences_change_by_token_scope(api_client, scope, allowed):
    user = UserFactory()
    _, raw = api_token_create(user=user, name="script", scope=scope)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api_client.patch(PREFERENCES, {"language": "zh-hans"}, format="json")

    assert response.status_code == (200 if allowed else 403)
    user.refresh_from_db()
    assert user.language == ("zh-hans" if allowed else "")


def test_api_messages_follow_the_language_codes_stay_the_same(client_as):
    # given: the same refusal asked for in English and in Chinese
    user = UserFactory()
    api = client_as(user)

    # when
    english = api.patch(PREFERENCES, {"language": "xx"}, format="json")
    chinese = api.patch(
        PREFERENCES, {"language": "xx"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )

    # then
    assert english.json()["error"] == chinese.json()["error"] == "invalid"
    assert english.json()["detail"] == "Invalid input in: language."
    assert chinese.json()["detail"] == "以下字段输入有误：language。"


def test_a_token_users_saved_language_beats_accept_language(api_client):
    user = UserFactory()
    user_set_language(user=user, language="zh-hant")
    _, raw = api_token_create(user=user, name="script", scope=TokenScope.MANAGE)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api_client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    bad = api_client.patch(
        PREFERENCES, {"language": "xx"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    assert bad.json()["detail"] == "以下欄位輸入有誤：language。"
    assert bad.json()["error"] == "invalid"

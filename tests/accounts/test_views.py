import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_wrong_password_stays_on_the_form(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("logout")).status_code == 405  # logging out needs a POST
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-new-passphrase",
            "new_password2": "a-much-longer-new-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-new-passphrase")


def test_token_page_shows_the_secret_once(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("token-list"), {"name": "import script", "scope": "read"})
    raw = response.context["created_raw"]
    assert raw.startswith("ap_")
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.token_hash != raw and raw not in token.token_hash
    again = client.get(reverse("token-list")).content.decode()
    assert raw not in again
    assert token.display_prefix in again


def test_token_page_refuses_a_past_expiry_on_the_field(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("token-list"), {"name": "x", "scope": "read", "expires_at": "2001-01-01T00:00"}
    )
    assert response.status_code == 400
    assert "expires_at" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoking_a_token_in_the_page(client):
    user = UserFactory()
    token, _ = api_token_create(user=user, name="t")
    client.force_login(user)
    client.post(reverse("token-revoke", args=[token.pk]), {"confirm": "yes"})
    token.refresh_from_db()
    assert token.is_revoked


def test_nobody_revokes_someone_elses_token(client):
    token, _ = api_token_create(user=UserFactory(), name="t")
    client.force_login(UserFactory(is_staff=True))
    url = reverse("token-revoke", args=[token.pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert client.get(url).status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


@pytest.mark.parametrize("scope", ["read", "annotate", "manage"])
def test_token_page_creates_a_token_of_the_chosen_scope(client, scope):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("token-list"), {"name": "bot", "scope": scope})

    assert response.status_code == 200
    assert ApiToken.objects.get(user=user).scope == scope
    assert 'data-testid="token-scope"' in response.content.decode()


def test_token_page_preselects_read_only_and_refuses_an_unknown_scope(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("token-list"))
    refused = client.post(reverse("token-list"), {"name": "bot", "scope": "root"})

    assert page.context["form"]["scope"].value() == "read"
    assert refused.status_code == 400
    assert "scope" in refused.context["form"].errors
    assert not ApiToken.objects.filter(user=user).exists()

"""Destructive actions are confirmed first (issue 19, item 5): revoking an API token,
deleting a webhook, removing a member (or leaving) and deleting a project. GET shows what
will be destroyed with a Cancel link; a POST without the confirmation field changes
nothing; a POST with it acts; whoever may not act gets a 403 or 404 on GET and POST alike.
The pages are plain forms: no script at all (they work without JavaScript and under the
content policy)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from integrations.models import Webhook
from tasks.models import Membership, Project
from tests.factories import UserFactory
from tests.integrations.factories import make_webhook
from tests.integrations.receiver import fake_dns  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(cast, fake_dns):  # noqa: F811
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    return make_webhook(cast, "https://hooks.example.com/in")[0]


def _confirm_page(response, *, cancel: str) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="confirm-form"' in body
    assert 'name="confirm" value="yes"' in body
    assert f'href="{cancel}" class="button" data-testid="cancel"' in body
    assert "<script" not in body.split("<main", 1)[-1].split("</main>", 1)[0]
    return body


# --- API tokens ---------------------------------------------------------------------------


def test_revoking_a_token_is_confirmed_first(client):
    user = UserFactory()
    token, _ = api_token_create(user=user, name="import script")
    client.force_login(user)
    url = reverse("token-revoke", args=[token.pk])
    body = _confirm_page(client.get(url), cancel=reverse("token-list"))
    assert "Revoke the token “import script”?" in body
    assert token.display_prefix in body
    assert "stops working at once" in body
    # A POST without the field shows the page again and revokes nothing.
    _confirm_page(client.post(url), cancel=reverse("token-list"))
    _confirm_page(client.post(url, {"confirm": "no"}), cancel=reverse("token-list"))
    token.refresh_from_db()
    assert not token.is_revoked
    done = client.post(url, {"confirm": "yes"})
    assert done["Location"] == reverse("token-list")
    token.refresh_from_db()
    assert token.is_revoked


def test_the_token_list_opens_the_confirmation_without_a_post(client):
    user = UserFactory()
    token, _ = api_token_create(user=user, name="t")
    client.force_login(user)
    page = client.get(reverse("token-list")).content.decode()
    assert f'<form method="get" action="{reverse("token-revoke", args=[token.pk])}"' in page


def test_nobody_else_sees_or_confirms_a_tokens_revocation(client):
    token, _ = api_token_create(user=UserFactory(), name="t")
    url = reverse("token-revoke", args=[token.pk])
    for other in (UserFactory(), UserFactory(is_staff=True)):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm": "yes"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in page
    assert not ApiToken.objects.get(pk=token.pk).is_revoked


# --- webhooks -----------------------------------------------------------------------------


def test_deleting_a_webhook_is_confirmed_first(client, cast, hook):
    client.force_login(cast.admin)
    url = reverse("webhook-delete", args=[hook.pk])
    cancel = reverse("project-webhooks", args=[cast.project.pk])
    body = _confirm_page(client.get(url), cancel=cancel)
    assert "Delete this webhook?" in body and hook.url in body
    assert "Its delivery log (0 deliveries) is deleted with it." in body
    _confirm_page(client.post(url), cancel=cancel)
    assert Webhook.objects.filter(pk=hook.pk).exists()
    assert client.post(url, {"confirm": "yes"})["Location"] == cancel
    assert not Webhook.objects.filter(pk=hook.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("setter", 403), ("qa_lead", 403), ("outsider", 404)])
def test_only_admins_see_or_confirm_a_webhooks_deletion(client, cast, hook, who, status):
    client.force_login(cast.by_role(who))
    url = reverse("webhook-delete", args=[hook.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"confirm": "yes"}).status_code == status
    assert Webhook.objects.filter(pk=hook.pk).exists()


# --- members ------------------------------------------------------------------------------


def test_removing_a_member_is_confirmed_first(client, cast):
    membership = Membership.objects.get(project=cast.project, user=cast.qa_lead)
    client.force_login(cast.admin)
    url = reverse("member-remove", args=[cast.project.pk, membership.pk])
    cancel = reverse("project-members", args=[cast.project.pk])
    body = _confirm_page(client.get(url), cancel=cancel)
    assert f"Remove {cast.qa_lead.username} from “{cast.project.name}”?" in body
    assert "QA lead" in body
    _confirm_page(client.post(url), cancel=cancel)
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url, {"confirm": "yes"})["Location"] == cancel
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_leaving_a_project_is_confirmed_first(client, cast):
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    client.force_login(cast.trainer)
    url = reverse("member-remove", args=[cast.project.pk, membership.pk])
    body = _confirm_page(client.get(url), cancel=reverse("project-detail", args=[cast.project.pk]))
    assert f"Leave “{cast.project.name}”?" in body
    client.post(url)
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url, {"confirm": "yes"})["Location"] == reverse("dashboard")
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(("who", "status"), [("setter", 403), ("qa_lead", 403), ("outsider", 404)])
def test_only_admins_see_or_confirm_a_members_removal(client, cast, who, status):
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    client.force_login(cast.by_role(who))
    url = reverse("member-remove", args=[cast.project.pk, membership.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"confirm": "yes"}).status_code == status
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_members_page_opens_the_confirmation_without_a_post(client, cast):
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    client.force_login(cast.admin)
    page = client.get(reverse("project-members", args=[cast.project.pk])).content.decode()
    action = reverse("member-remove", args=[cast.project.pk, membership.pk])
    assert f'<form method="get" action="{action}"' in page


# --- projects -----------------------------------------------------------------------------


def test_deleting_a_project_shows_what_goes_and_asks_for_its_name(client, cast, mcq):
    client.force_login(cast.admin)
    url = reverse("project-delete", args=[cast.project.pk])
    body = _confirm_page(
        client.get(url), cancel=reverse("project-settings", args=[cast.project.pk])
    )
    tasks = cast.project.tasks.count()
    assert f"{tasks} tasks and their data are deleted." in body
    assert 'name="confirm_name"' in body
    client.post(url, {"confirm": "yes"})
    client.post(url, {"confirm": "yes", "confirm_name": "not the name"})
    assert Project.objects.filter(pk=cast.project.pk).exists()
    done = client.post(url, {"confirm": "yes", "confirm_name": cast.project.name})
    assert done["Location"] == reverse("dashboard")
    assert not Project.objects.filter(pk=cast.project.pk).exists()


@pytest.mark.parametrize(
    ("who", "status"), [("setter", 403), ("qa_lead", 403), ("trainer", 403), ("outsider", 404)]
)
def test_only_admins_see_or_confirm_a_projects_deletion(client, cast, who, status):
    client.force_login(cast.by_role(who))
    url = reverse("project-delete", args=[cast.project.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"confirm": "yes", "confirm_name": cast.project.name}).status_code == (
        status
    )
    assert Project.objects.filter(pk=cast.project.pk).exists()

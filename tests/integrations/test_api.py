"""/api/v1/projects/{id}/webhooks/ and /api/v1/webhooks/{id}/…: project admins and staff
only; the secret is returned by create and rotate-secret, never again."""

from __future__ import annotations

import pytest

from integrations.models import Webhook, WebhookDelivery
from tests.integrations.factories import make_webhook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_scopes_enforced")]

MANAGERS = ("admin", "staff")
MEMBERS_REFUSED = ("setter", "qa_lead", "trainer")


@pytest.fixture
def hook(cast, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    return make_webhook(cast, "https://hooks.example.com/in", events=["submission.created"])[0]


def list_url(cast) -> str:
    return f"/api/v1/projects/{cast.project.pk}/webhooks/"


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_create_and_see_the_secret_once(cast, client_as, fake_dns, who):
    client = client_as(cast.by_role(who))
    fake_dns["hooks.example.com"] = ["93.184.216.34"]

    created = client.post(
        list_url(cast),
        {"url": "https://hooks.example.com/in", "events": ["task.completed"]},
        format="json",
    )

    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert Webhook.objects.get().secret == secret
    listed = client.get(list_url(cast))
    detail = client.get(f"/api/v1/webhooks/{created.json()['id']}/")
    assert listed.status_code == detail.status_code == 200
    assert secret not in listed.content.decode() + detail.content.decode()
    assert "secret" not in detail.json()


@pytest.mark.parametrize("who", MEMBERS_REFUSED)
def test_other_members_are_refused_everywhere(cast, client_as, hook, who):
    client = client_as(cast.by_role(who))

    responses = [
        client.get(list_url(cast)),
        client.post(list_url(cast), {"url": "https://x.example/", "events": ["task.completed"]},
                    format="json"),
        client.get(f"/api/v1/webhooks/{hook.pk}/"),
        client.patch(f"/api/v1/webhooks/{hook.pk}/", {"is_active": False}, format="json"),
        client.post(f"/api/v1/webhooks/{hook.pk}/rotate-secret/"),
        client.post(f"/api/v1/webhooks/{hook.pk}/test/"),
        client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/"),
        client.delete(f"/api/v1/webhooks/{hook.pk}/"),
    ]  # fmt: skip

    assert [r.status_code for r in responses] == [403] * 8
    assert Webhook.objects.filter(pk=hook.pk, is_active=True).exists()
    assert not WebhookDelivery.objects.exists()


def test_outsiders_get_404s(cast, client_as, hook):
    client = client_as(cast.outsider)

    assert client.get(list_url(cast)).status_code == 404
    assert client.get(f"/api/v1/webhooks/{hook.pk}/").status_code == 404
    assert client.post(f"/api/v1/webhooks/{hook.pk}/rotate-secret/").status_code == 404


def test_unauthenticated_is_401(cast, api_client, hook):
    assert api_client.get(list_url(cast)).status_code == 401


def test_a_forbidden_url_is_a_400_on_the_url_field(cast, client_as):
    response = client_as(cast.admin).post(
        list_url(cast),
        {"url": "http://169.254.169.254/latest/", "events": ["task.completed"]},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "webhook_url_refused"
    assert "metadata" in body["fields"]["url"][0]
    assert not Webhook.objects.exists()


def test_a_host_that_does_not_resolve_is_a_400_naming_that_reason(cast, client_as, fake_dns, hook):
    # given a name DNS does not know (fake_dns: no network) and one on a private address
    fake_dns["nas.example.com"] = ["192.168.1.20"]
    client = client_as(cast.admin)

    # when each is saved, as a new webhook and as a changed URL
    unknown = client.post(
        list_url(cast), {"url": "https://typo.example.com/in", "events": ["task.completed"]},
        format="json",
    )  # fmt: skip
    changed = client.patch(
        f"/api/v1/webhooks/{hook.pk}/", {"url": "https://typo.example.com/in"}, format="json"
    )
    private = client.post(
        list_url(cast), {"url": "https://nas.example.com/in", "events": ["task.completed"]},
        format="json",
    )  # fmt: skip

    # then each says its own reason on the url field, and nothing changed
    for response in (unknown, changed):
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["error"] == "webhook_host_unresolved"
        assert "“typo.example.com” does not resolve" in body["fields"]["url"][0]
    assert private.status_code == 400
    assert private.json()["error"] == "webhook_url_refused"
    assert "private address" in private.json()["fields"]["url"][0]
    assert list(Webhook.objects.values_list("url", flat=True)) == ["https://hooks.example.com/in"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "https://hooks.example.com/", "events": []}, "events"),
        ({"url": "https://hooks.example.com/", "events": ["task.deleted"]}, "events"),
        ({"url": "https://hooks.example.com/"}, "events"),
        ({"events": ["task.completed"]}, "url"),
        ({"url": 5, "events": ["task.completed"]}, "url"),
        ({"url": "https://hooks.example.com/", "events": ["task.completed"], "secret": "x"},
         "secret"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(cast, client_as, fake_dns, body, field):
    response = client_as(cast.admin).post(list_url(cast), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


def test_patch_changes_events_and_disabling_then_enabling_resets(cast, client_as, hook):
    client = client_as(cast.admin)
    Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=3)

    changed = client.patch(
        f"/api/v1/webhooks/{hook.pk}/",
        {"events": ["task.completed", "review.decided"], "is_active": False},
        format="json",
    )
    enabled = client.patch(f"/api/v1/webhooks/{hook.pk}/", {"is_active": True}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["events"] == ["task.completed", "review.decided"]
    assert changed.json()["is_active"] is False
    assert enabled.json()["is_active"] is True
    assert enabled.json()["consecutive_failures"] == 0


def test_rotate_returns_a_new_secret_once(cast, client_as, hook):
    client = client_as(cast.admin)
    old = hook.secret

    rotated = client.post(f"/api/v1/webhooks/{hook.pk}/rotate-secret/")

    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old and Webhook.objects.get(pk=hook.pk).secret == new
    assert new not in client.get(f"/api/v1/webhooks/{hook.pk}/").content.decode()


def test_send_test_and_read_the_cursor_paginated_log(
    cast, client_as, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    client = client_as(cast.admin)
    webhook, _ = make_webhook(cast, receiver.url())
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(f"/api/v1/webhooks/{webhook.pk}/test/")
        assert sent.status_code == 202

    first = client.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/?page_size=2")
    second = client.get(first.json()["next"])

    rows = first.json()["results"] + second.json()["results"]
    assert [r["event"] for r in rows] == ["webhook.test"] * 3
    assert [r["status"] for r in rows] == ["succeeded"] * 3
    assert rows[0]["id"] > rows[1]["id"] > rows[2]["id"]  # newest first
    assert {"status_code", "attempts", "duration_ms", "error", "response_excerpt"} <= set(rows[0])
    assert len(receiver.received) == 3


def test_the_delivery_log_has_no_n_plus_one(cast, client_as, hook, django_assert_max_num_queries):
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event="task.completed", payload={}) for _ in range(30)
    )
    client = client_as(cast.admin)

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/")

    assert len(response.json()["results"]) == 30


def test_delete(cast, client_as, hook):
    assert client_as(cast.admin).delete(f"/api/v1/webhooks/{hook.pk}/").status_code == 204
    assert not Webhook.objects.exists()


def test_a_read_token_cannot_create_webhooks(cast, fake_dns):
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    _, raw = api_token_create(user=cast.admin, name="r", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert client.get(list_url(cast)).status_code == 200
    refused = client.post(
        list_url(cast), {"url": "https://x.example/", "events": ["task.completed"]}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["error"] == "token_scope"

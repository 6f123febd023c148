"""The webhook pages: the same rules as the API (admins and staff; others 403, outsiders
404), the secret shown once, and the delivery log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Webhook, WebhookDelivery
from tests.integrations.factories import make_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(cast, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    return make_webhook(cast, "https://hooks.example.com/in")[0]


def pages(cast, hook) -> list[tuple[str, str]]:
    return [
        ("get", reverse("project-webhooks", args=[cast.project.pk])),
        ("post", reverse("project-webhooks", args=[cast.project.pk])),
        ("get", reverse("webhook-detail", args=[hook.pk])),
        ("post", reverse("webhook-toggle", args=[hook.pk])),
        ("post", reverse("webhook-rotate", args=[hook.pk])),
        ("post", reverse("webhook-test", args=[hook.pk])),
        ("get", reverse("webhook-delete", args=[hook.pk])),
        ("post", reverse("webhook-delete", args=[hook.pk])),
    ]


@pytest.mark.parametrize(
    "who, expected",
    [("setter", 403), ("qa_lead", 403), ("trainer", 403), ("outsider", 404)],
)
def test_only_admins_and_staff_open_the_pages(client, cast, hook, who, expected):
    client.force_login(cast.by_role(who))

    codes = [getattr(client, method)(url).status_code for method, url in pages(cast, hook)]

    assert codes == [expected] * len(codes)
    assert Webhook.objects.filter(pk=hook.pk, is_active=True, secret=hook.secret).exists()
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_admins_create_and_see_the_secret_once(client, cast, fake_dns, who):
    client.force_login(cast.by_role(who))
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    url = reverse("project-webhooks", args=[cast.project.pk])

    created = client.post(
        url, {"url": "https://hooks.example.com/in", "events": ["task.completed"]}
    )

    assert created.status_code == 200
    secret = Webhook.objects.get().secret
    assert secret in created.content.decode()
    again = client.get(url).content.decode()
    assert secret not in again and "hooks.example.com/in" in again
    assert "disabled automatically" in again.lower()


def test_a_forbidden_url_is_shown_on_the_field(client, cast):
    client.force_login(cast.admin)

    response = client.post(
        reverse("project-webhooks", args=[cast.project.pk]),
        {"url": "http://2130706433/", "events": ["task.completed"]},
    )

    assert response.status_code == 400
    assert "non-standard spelling" in response.context["form"].errors["url"][0]
    assert not Webhook.objects.exists()


def test_a_host_that_does_not_resolve_is_shown_on_the_field_as_such(client, cast, fake_dns):
    client.force_login(cast.admin)

    response = client.post(
        reverse("project-webhooks", args=[cast.project.pk]),
        {"url": "https://typo.example.com/in", "events": ["task.completed"]},
    )

    assert response.status_code == 400
    [message] = response.context["form"].errors["url"]
    assert "“typo.example.com” does not resolve" in message and "private" not in message
    assert not Webhook.objects.exists()


def test_toggle_rotate_test_and_delete(
    client, cast, hook, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    client.force_login(cast.admin)
    Webhook.objects.filter(pk=hook.pk).update(url=receiver.url())

    client.post(reverse("webhook-toggle", args=[hook.pk]), {"enable": "0"})
    assert not Webhook.objects.get(pk=hook.pk).is_active
    client.post(reverse("webhook-toggle", args=[hook.pk]), {"enable": "1"})
    assert Webhook.objects.get(pk=hook.pk).is_active

    rotated = client.post(reverse("webhook-rotate", args=[hook.pk]))
    new_secret = Webhook.objects.get(pk=hook.pk).secret
    assert new_secret != hook.secret and new_secret in rotated.content.decode()
    assert new_secret not in client.get(reverse("webhook-detail", args=[hook.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(reverse("webhook-test", args=[hook.pk]))
    assert tested["Location"] == reverse("webhook-detail", args=[hook.pk])
    log = client.get(tested["Location"]).content.decode()
    assert "webhook.test" in log and "Delivered" in log and "receiver says 200" in log

    client.post(reverse("webhook-delete", args=[hook.pk]), {"confirm": "yes"})
    assert not Webhook.objects.exists()

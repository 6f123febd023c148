"""Webhooks in the browser: a project admin adds a webhook pointing at a local receiver
(which needs the site admin's allowance for loopback), sees its secret once, sends a test
event, and finds the signed delivery in the log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from integrations.models import Webhook
from integrations.signing import signature_verify
from tests.e2e.conftest import login
from tests.integrations.receiver import start_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def local_receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_admin_adds_a_webhook_sees_the_secret_once_and_sends_a_test(
    page,
    live_server,
    cast,
    local_receiver,
    settings,
):
    # given: the site allows private networks (the receiver is on 127.0.0.1)
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    login(page, live_server, cast.admin)
    page.goto(live_server.url + reverse("project-webhooks", args=[cast.project.pk]))
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()
    expect(page.get_by_test_id("auto-disable-note")).to_contain_text("disabled automatically")

    # when: add a webhook
    page.get_by_label("Payload URL").fill(local_receiver.url("/hooks/in"))
    page.get_by_label("Task completed").check()
    page.get_by_label("Submission created").check()
    page.get_by_role("button", name="Add webhook").click()

    # then: the secret is shown once
    shown = page.get_by_test_id("new-webhook-secret")
    expect(shown).to_contain_text("shown only once")
    secret = page.locator("#new-webhook-secret").inner_text().strip()
    webhook = Webhook.objects.get()
    assert secret == webhook.secret and secret.startswith("whsec_")
    assert webhook.events == ["submission.created", "task.completed"]
    row = page.locator(f'tr[data-webhook="{webhook.pk}"]')
    expect(row).to_contain_text("active")

    # and gone when the list is opened again
    page.goto(live_server.url + reverse("project-webhooks", args=[cast.project.pk]))
    expect(page.get_by_test_id("new-webhook-secret")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(secret)

    # when: send a test event
    page.locator(f'tr[data-webhook="{webhook.pk}"]').get_by_role(
        "button", name="Send test event"
    ).click()

    # then: the log shows the delivery, and the receiver got a correctly signed request
    expect(page.get_by_role("status")).to_contain_text("Test event sent")
    log = page.get_by_test_id("delivery-log")
    expect(log).to_contain_text("webhook.test")
    expect(log).to_contain_text("Delivered")
    expect(log).to_contain_text("200")
    expect(log).to_contain_text("1 / 1")
    expect(log).to_contain_text("receiver says 200")
    [request] = local_receiver.received
    assert request.path == "/hooks/in"
    assert request.headers["X-Webhook-Event"] == "webhook.test"
    assert signature_verify(
        secret=secret, header=request.headers["X-Webhook-Signature"], body=request.body
    )


def test_without_the_allowance_a_loopback_url_is_refused_on_the_form(
    page,
    live_server,
    cast,
    local_receiver,
):
    # The success test above would pass for the wrong reason if loopback were always open.
    login(page, live_server, cast.admin)
    page.goto(live_server.url + reverse("project-webhooks", args=[cast.project.pk]))

    page.get_by_label("Payload URL").fill(local_receiver.url())
    page.get_by_label("Task completed").check()
    page.get_by_role("button", name="Add webhook").click()

    expect(page.get_by_role("alert")).to_contain_text("loopback")
    assert not Webhook.objects.exists()

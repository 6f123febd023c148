"""Deliveries to a real local HTTP server: signing, retries with backoff, auto-disable,
redirects, and the SSRF check again at delivery time."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.events import emit
from integrations.jobs import webhook_deliver
from integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from integrations.services import (
    deliveries_sweep,
    delivery_attempt,
    retry_delay,
    webhook_send_test,
    webhook_update,
)
from integrations.signing import signature_verify
from tests.integrations.factories import make_webhook

pytestmark = pytest.mark.django_db

PAYLOAD = {"submission": {"id": 7}}


def emit_and_send(cast, django_capture_on_commit_callbacks, event="submission.created"):
    with django_capture_on_commit_callbacks(execute=True):
        count = emit(project_id=cast.project.pk, event=event, payload=PAYLOAD)
    return count


def test_a_delivery_is_signed_and_the_receiver_verifies_it(
    cast, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    # given
    webhook, secret = make_webhook(cast, receiver.url("/in?source=ap"))

    # when
    assert emit_and_send(cast, django_capture_on_commit_callbacks) == 1

    # then: the receiver checks it exactly as docs/api.md tells receivers to
    [request] = receiver.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/in?source=ap"
    assert signature_verify(secret=secret, header=headers["x-webhook-signature"], body=request.body)
    timestamp = int(headers["x-webhook-timestamp"])
    assert headers["x-webhook-signature"].startswith(f"t={timestamp},v1=")
    assert abs(time.time() - timestamp) < 60
    assert headers["x-webhook-event"] == "submission.created"
    assert headers["content-type"] == "application/json"
    assert headers["host"] == f"127.0.0.1:{receiver.port}"
    body = json.loads(request.body)
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert headers["x-webhook-delivery"] == str(delivery.uuid) == body["id"]
    assert body["event"] == "submission.created"
    assert body["project"] == cast.project.pk
    assert body["data"] == PAYLOAD
    # and the log has the outcome
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert (delivery.status_code, delivery.attempts) == (200, 1)
    assert delivery.duration_ms is not None
    assert delivery.response_excerpt == "receiver says 200"


def test_a_tampered_body_a_wrong_secret_or_an_old_timestamp_fail_verification(
    cast, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    _, secret = make_webhook(cast, receiver.url())
    emit_and_send(cast, django_capture_on_commit_callbacks)
    [request] = receiver.received
    header = request.headers["X-Webhook-Signature"]
    timestamp = int(request.headers["X-Webhook-Timestamp"])

    assert signature_verify(secret=secret, header=header, body=request.body)
    assert not signature_verify(secret=secret, header=header, body=request.body + b" ")
    assert not signature_verify(secret="whsec_other", header=header, body=request.body)
    # a replay six minutes later is refused
    assert not signature_verify(
        secret=secret, header=header, body=request.body, now=timestamp + 360
    )
    assert not signature_verify(secret=secret, header="v1=abc", body=request.body)


def test_only_active_webhooks_subscribed_to_the_event_get_it(
    cast, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    subscribed, _ = make_webhook(cast, receiver.url("/a"), events=["task.completed"])
    make_webhook(cast, receiver.url("/b"), events=["submission.created"])
    disabled, _ = make_webhook(cast, receiver.url("/c"), events=["task.completed"])
    webhook_update(webhook=disabled, is_active=False)

    assert emit_and_send(cast, django_capture_on_commit_callbacks, "task.completed") == 1

    assert [r.path for r in receiver.received] == ["/a"]
    assert WebhookDelivery.objects.get().webhook == subscribed


def test_nothing_is_sent_when_the_transaction_rolls_back(
    cast, receiver, allow_loopback, django_capture_on_commit_callbacks
):
    from django.db import transaction

    make_webhook(cast, receiver.url())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit(project_id=cast.project.pk, event="submission.created", payload=PAYLOAD)
        raise RuntimeError("the submit failed")

    assert callbacks == []
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


# --- retries, backoff and auto-disable --------------------------------------------------------


def test_backoff_doubles_with_bounded_jitter(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    settings.WEBHOOK_RETRY_MAX_SECONDS = 600

    for attempts, base in [(1, 60), (2, 120), (3, 240), (4, 480), (5, 600), (9, 600)]:
        delay = retry_delay(attempts)
        assert base <= delay <= base * 1.1, (attempts, delay)


def test_a_failing_delivery_is_retried_with_backoff_then_gives_up(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    # given: three attempts, the receiver fails twice then succeeds... for the next delivery
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500, 503, 502, 200]
    webhook, _ = make_webhook(cast, receiver.url())

    # when: the first attempt (the job, on commit)
    emit_and_send(cast, django_capture_on_commit_callbacks)

    # then
    delivery = WebhookDelivery.objects.get()
    first_retry_at = delivery.next_attempt_at
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("retrying", 1, 500)
    assert delivery.error_text == "The receiver answered HTTP 500."
    wait = (first_retry_at - delivery.last_attempt_at).total_seconds()
    assert 60 <= wait <= 66

    # an early copy of the job does nothing: not due yet
    assert delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1

    # when: the retry is due
    outcome = delivery_attempt(delivery_id=delivery.pk, now=first_retry_at)
    delivery.refresh_from_db()
    assert outcome.status == "retrying" and 120 <= outcome.retry_in <= 132
    assert (delivery.attempts, delivery.status_code) == (2, 503)

    # and the last attempt fails too
    outcome = delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert outcome.status == "failed" and outcome.retry_in is None
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("failed", 3, 502)
    assert webhook.consecutive_failures == 1
    assert webhook.is_active
    assert len(receiver.received) == 3
    # and nothing more happens to a delivery that gave up
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.created_at + timedelta(1)) is None


def test_a_success_resets_the_failure_count(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500, 204]
    webhook, _ = make_webhook(cast, receiver.url())

    emit_and_send(cast, django_capture_on_commit_callbacks)
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 1
    emit_and_send(cast, django_capture_on_commit_callbacks)
    webhook.refresh_from_db()

    assert webhook.consecutive_failures == 0
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 1


def test_repeated_failures_disable_the_webhook_and_enabling_resets_the_count(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    # given
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.statuses = [500]
    webhook, _ = make_webhook(cast, receiver.url())

    # when: three deliveries fail every attempt
    for n in range(3):
        emit_and_send(cast, django_capture_on_commit_callbacks)
        webhook.refresh_from_db()
        assert webhook.is_active == (n < 2)

    # then
    assert webhook.consecutive_failures == 3
    assert "Disabled automatically after 3 deliveries" in webhook.disabled_reason_text
    assert emit_and_send(cast, django_capture_on_commit_callbacks) == 0  # no more deliveries

    # when: the admin enables it again
    webhook = webhook_update(webhook=webhook, is_active=True)

    # then
    assert (webhook.is_active, webhook.consecutive_failures, webhook.disabled_reason) == (
        True,
        0,
        "",
    )
    assert emit_and_send(cast, django_capture_on_commit_callbacks) == 1


def test_a_pending_retry_of_a_disabled_webhook_is_not_sent(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500]
    webhook, _ = make_webhook(cast, receiver.url())
    emit_and_send(cast, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    webhook_update(webhook=webhook, is_active=False)

    outcome = delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    delivery.refresh_from_db()
    assert outcome.status == "failed"
    assert delivery.error_text == "Not sent: the webhook is disabled."
    assert len(receiver.received) == 1


def test_a_test_event_is_one_attempt_that_never_counts_towards_disabling(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    receiver.statuses = [500]
    webhook, secret = make_webhook(cast, receiver.url())

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(webhook=webhook, by=cast.admin)

    delivery.refresh_from_db()
    webhook.refresh_from_db()
    assert (delivery.event, delivery.status, delivery.attempts) == ("webhook.test", "failed", 1)
    assert (webhook.is_active, webhook.consecutive_failures) == (True, 0)
    [request] = receiver.received
    assert signature_verify(secret=secret, header=request.headers["X-Webhook-Signature"],
                            body=request.body)  # fmt: skip


def test_on_a_worker_a_failed_attempt_is_retried_with_the_backoff_countdown(
    cast, receiver, allow_loopback, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # given: an attempt that fails, run as a worker runs it (not eagerly)
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500]
    make_webhook(cast, receiver.url())
    with django_capture_on_commit_callbacks(execute=False):
        emit(project_id=cast.project.pk, event="submission.created", payload=PAYLOAD)
    delivery = WebhookDelivery.objects.get()
    retried = {}

    class Retry(Exception):
        pass

    def retry(**kwargs):
        retried.update(kwargs)
        return Retry()

    monkeypatch.setattr(webhook_deliver, "retry", retry)

    # when
    webhook_deliver.push_request(is_eager=False)
    try:
        with pytest.raises(Retry):
            webhook_deliver.run(delivery.pk)
    finally:
        webhook_deliver.pop_request()

    # then
    assert 60 <= retried["countdown"] <= 66
    assert WebhookDelivery.objects.get().status == "retrying"


def test_the_sweep_resends_overdue_deliveries_only(
    cast, receiver, allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500, 200]
    make_webhook(cast, receiver.url())
    emit_and_send(cast, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    assert deliveries_sweep() == 0  # the retry is not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=delivery.next_attempt_at - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


# --- redirects and SSRF at delivery time -----------------------------------------------------


@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "SECOND"]
)
def test_redirects_are_never_followed(
    cast, receiver, allow_loopback, settings, location, django_capture_on_commit_callbacks
):
    from tests.integrations.receiver import start_receiver

    second = start_receiver()
    try:
        settings.WEBHOOK_MAX_ATTEMPTS = 1
        receiver.statuses = [302]
        receiver.location = second.url() if location == "SECOND" else location
        make_webhook(cast, receiver.url())

        emit_and_send(cast, django_capture_on_commit_callbacks)

        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.status_code) == ("failed", 302)
        assert "not followed" in delivery.error_text and receiver.location in delivery.error_text
        assert len(receiver.received) == 1
        assert second.received == []  # the redirect's target was never contacted
    finally:
        second.server.shutdown()
        second.server.server_close()


def test_a_name_rebound_to_a_private_address_is_refused_at_delivery(
    cast, fake_dns, settings, django_capture_on_commit_callbacks
):
    # given: saved while the name pointed at a public address
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    make_webhook(cast, "http://hooks.example.com/in")

    # when: DNS now answers with the metadata service
    fake_dns["hooks.example.com"] = ["169.254.169.254"]
    emit_and_send(cast, django_capture_on_commit_callbacks)

    # then: refused before any connection, and logged
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.status_code is None
    assert delivery.error_text.startswith("Refused:") and "169.254.169.254" in delivery.error_text


def test_loopback_is_refused_at_delivery_once_the_allowance_is_withdrawn(
    cast, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    make_webhook(cast, receiver.url())
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    emit_and_send(cast, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert "loopback" in delivery.error_text
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address_not_a_new_lookup(
    cast, receiver, fake_dns, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # A name resolved once: the connection uses that answer, with the name as Host.
    settings.WEBHOOK_ALLOWED_HOSTS = ["receiver.test"]
    fake_dns["receiver.test"] = ["127.0.0.1"]
    make_webhook(cast, f"http://receiver.test:{receiver.port}/in")
    lookups = []
    import socket

    resolve = socket.getaddrinfo

    def counting(host, *args, **kwargs):
        lookups.append(host)
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)

    emit_and_send(cast, django_capture_on_commit_callbacks)

    assert WebhookDelivery.objects.get().status == "succeeded"
    assert lookups.count("receiver.test") == 1
    assert receiver.received[0].headers["Host"] == f"receiver.test:{receiver.port}"


def test_an_unreachable_receiver_is_logged_as_a_connection_error(
    cast, allow_loopback, settings, django_capture_on_commit_callbacks
):
    import socket

    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook, _ = make_webhook(cast, f"http://127.0.0.1:{port}/")

    emit_and_send(cast, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.status_code is None
    assert "ConnectionRefused" in delivery.error_text
    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 1


# --- what is retried: refused never, unresolved like any network failure ----------------------


def test_a_delivery_refused_by_the_egress_check_fails_at_once_and_is_never_retried(
    cast, fake_dns, settings, django_capture_on_commit_callbacks
):
    # given: six attempts allowed, and a webhook saved while its name was public
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    webhook, _ = make_webhook(cast, "http://hooks.example.com/in")
    fake_dns["hooks.example.com"] = ["10.1.2.3"]  # now it points inside our network

    # when it is delivered, and later the sweep and a second copy of the job come by
    emit_and_send(cast, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    later = delivery.created_at + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later) == 0
    assert delivery_attempt(delivery_id=delivery.pk, now=later) is None

    # then: failed after one attempt, with the refusal's reason, and nothing left to send
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.error_text.startswith("Refused:") and "10.1.2.3 is a private address" in (
        delivery.error_text
    )
    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 1


def test_on_a_worker_a_refused_delivery_is_not_retried(cast, fake_dns, settings, monkeypatch):
    # The job raises Retry only when the outcome says "retry in …": a refusal never does.
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    make_webhook(cast, "http://hooks.example.com/in")
    fake_dns["hooks.example.com"] = ["169.254.169.254"]
    delivery = WebhookDelivery.objects.create(
        webhook=Webhook.objects.get(), event="submission.created", payload=PAYLOAD,
        max_attempts=6, next_attempt_at=timezone.now(),
    )  # fmt: skip
    retries = []
    monkeypatch.setattr(webhook_deliver, "retry", lambda **kwargs: retries.append(kwargs))

    assert webhook_deliver.run(delivery.pk) == "failed"
    assert retries == []


def test_a_host_that_stopped_resolving_is_retried_like_a_network_failure(
    cast, fake_dns, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    make_webhook(cast, "http://hooks.example.com/in")
    del fake_dns["hooks.example.com"]  # the record is gone, for now

    emit_and_send(cast, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert "does not resolve" in delivery.error_text and not delivery.error_text.startswith(
        "Refused"
    )

"""Webhooks: create, change, rotate, test, and deliver with retries and auto-disable.

Pages, the API, the event receivers and the Celery job all call these functions.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from annotation_platform.errors import DomainError
from annotation_platform.queueing import enqueue_on_commit
from annotation_platform.stored_text import encode, nested, stored
from integrations.egress import (
    DestinationRefused,
    HostUnresolved,
    parse_webhook_url,
    webhook_url_check,
)
from integrations.models import (
    OPEN_DELIVERY_STATUSES,
    TEST_EVENT,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from integrations.signing import secret_generate, signature_header
from integrations.transport import PostResult, post_pinned

log = logging.getLogger(__name__)

MAX_WEBHOOKS_PER_PROJECT = 20
USER_AGENT = "AnnotationPlatform-Webhooks/1"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_attempts() -> int:
    return max(1, int(_setting("WEBHOOK_MAX_ATTEMPTS", 6)))


def disable_after_failures() -> int:
    return max(1, int(_setting("WEBHOOK_DISABLE_AFTER_FAILURES", 5)))


def timeout_seconds() -> float:
    return float(_setting("WEBHOOK_TIMEOUT_SECONDS", 10))


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: exponential (1, 2, 4, 8…
    minutes by default) with up to 10% jitter, so a receiver back from an outage is not hit
    by every retry at once."""
    base = float(_setting("WEBHOOK_RETRY_BASE_SECONDS", 60))
    ceiling = float(_setting("WEBHOOK_RETRY_MAX_SECONDS", 3600))
    delay = min(base * 2 ** max(attempts - 1, 0), ceiling)
    return delay + random.uniform(0, delay * 0.1)


# --- webhooks ---------------------------------------------------------------------------


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, (list, tuple)) or not events:
        raise DomainError(
            gettext("Choose at least one event."),
            fields={"events": [gettext("Choose at least one event.")]},
        )
    unknown = [str(e) for e in events if e not in WebhookEvent.values]
    if unknown:
        raise DomainError(
            gettext("Unknown event(s): %(names)s.") % {"names": ", ".join(unknown)},
            fields={
                "events": [
                    gettext("One of: %(names)s.") % {"names": ", ".join(WebhookEvent.values)}
                ]
            },
        )
    return [value for value in WebhookEvent.values if value in events]


def _clean_url(url: Any) -> str:
    if not isinstance(url, str) or not url.strip():
        raise DomainError(
            gettext("Give the receiver's URL."),
            fields={"url": [gettext("This field is required.")]},
        )
    url = url.strip()
    if len(url) > 2000:
        raise DomainError(
            gettext("The URL is too long."), fields={"url": [gettext("At most 2000 characters.")]}
        )
    webhook_url_check(url)
    return url


@transaction.atomic
def webhook_create(
    *, project, url: str, events: list[str], description: str = "", by
) -> tuple[Webhook, str]:
    """Create an active webhook; return it with its secret (shown to the person once)."""
    url = _clean_url(url)
    events = _clean_events(events)
    if Webhook.objects.filter(project=project).count() >= MAX_WEBHOOKS_PER_PROJECT:
        raise DomainError(
            gettext("A project has at most %(limit)s webhooks; delete one first.")
            % {"limit": MAX_WEBHOOKS_PER_PROJECT}
        )
    secret = secret_generate()
    webhook = Webhook.objects.create(
        project=project,
        url=url,
        events=events,
        description=(description or "").strip()[:200],
        secret=secret,
        created_by=by,
    )
    return webhook, secret


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Webhook:
    """Change what is given. Re-enabling resets the failure count, so a fixed receiver gets
    a fresh run of ``WEBHOOK_DISABLE_AFTER_FAILURES`` chances."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if url is not None:
        webhook.url = _clean_url(url)
    if events is not None:
        webhook.events = _clean_events(events)
    if description is not None:
        webhook.description = description.strip()[:200]
    if is_active is not None and is_active != webhook.is_active:
        webhook.is_active = is_active
        webhook.consecutive_failures = 0
        webhook.disabled_reason = "" if is_active else gettext_noop("Disabled by a project admin.")
    webhook.save()
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook) -> tuple[Webhook, str]:
    """Replace the secret at once; deliveries from now on are signed with the new one."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = secret_generate()
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
    return webhook, webhook.secret


def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()


@transaction.atomic
def webhook_send_test(*, webhook: Webhook, by) -> WebhookDelivery:
    """Queue one ``webhook.test`` delivery, even to a disabled webhook (to check a receiver
    before enabling it again). One attempt, and it never counts towards disabling."""
    payload = {
        "message": "A test event from the Annotation Platform.",
        "webhook": webhook.pk,
        "sent_by": by.pk,
    }
    return _delivery_create(webhook=webhook, event=TEST_EVENT, payload=payload, attempts=1)


def _delivery_create(
    *, webhook: Webhook, event: str, payload: dict, attempts: int
) -> WebhookDelivery:
    from integrations.jobs import webhook_deliver

    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        payload=payload,
        max_attempts=attempts,
        next_attempt_at=timezone.now(),
    )
    enqueue_on_commit(webhook_deliver, delivery.pk)
    return delivery


@transaction.atomic
def deliveries_create(*, project_id: int, event: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery per active webhook of the project subscribed to ``event``, each sent
    by a job once the transaction commits."""
    webhooks = Webhook.objects.filter(project_id=project_id, is_active=True).order_by("id")
    # A project has a handful of webhooks: filtering the JSON list here works on every
    # database (SQLite has no JSON containment lookup).
    return [
        _delivery_create(webhook=webhook, event=event, payload=payload, attempts=max_attempts())
        for webhook in webhooks
        if event in webhook.events
    ]


# --- delivery ---------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body, the same bytes on every attempt (only the signature's time changes)."""
    document = {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat().replace("+00:00", "Z"),
        "project": delivery.webhook.project_id,
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def delivery_headers(delivery: WebhookDelivery, *, secret: str, body: bytes, timestamp: int):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Delivery": str(delivery.uuid),
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature_header(secret=secret, timestamp=timestamp, body=body),
    }


@dataclass
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AttemptOutcome | None:
    """Make one attempt at a due delivery and record it; None when there is nothing to do
    (delivered already, or another worker holds it).

    The attempt is claimed in a short transaction (the next attempt time moves past the
    request's timeout), the request runs with no transaction or lock held, and the outcome
    is recorded in a second short transaction.
    """
    now = now or timezone.now()
    timeout = timeout_seconds()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("webhook")
            .filter(pk=delivery_id, status__in=OPEN_DELIVERY_STATUSES)
            .first()
        )
        if delivery is None:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None
        webhook = delivery.webhook
        if not webhook.is_active and delivery.event != TEST_EVENT:
            delivery.status = DeliveryStatus.FAILED
            delivery.error = gettext_noop("Not sent: the webhook is disabled.")
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "error", "next_attempt_at"])
            return AttemptOutcome(DeliveryStatus.FAILED)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + timedelta(seconds=timeout + 60)
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
        secret, url = webhook.secret, webhook.url

    result = _post(delivery, secret=secret, url=url, timeout=timeout)
    return _record(delivery_id=delivery_id, result=result, now=now)


def _post(delivery: WebhookDelivery, *, secret: str, url: str, timeout: float) -> PostResult:
    body = delivery_body(delivery)
    headers = delivery_headers(
        delivery, secret=secret, body=body, timestamp=int(timezone.now().timestamp())
    )
    try:
        # The URL was checked when saved; checked again here, with its addresses, because
        # settings and DNS answers change.
        destination = parse_webhook_url(url)
        result = post_pinned(destination, body=body, headers=headers, timeout=timeout)
    except HostUnresolved as exc:
        # DNS, like a network, may come back: retried as any failed connection is.
        return PostResult(None, 0, error=nested(exc.stored_detail))
    except DestinationRefused as exc:
        # The rules refuse this address (private, metadata, …): every retry would be
        # refused the same way, so the delivery fails now, saying why.
        return PostResult(
            None,
            0,
            error=stored(gettext_noop("Refused: %(reason)s"), reason=nested(exc.stored_detail)),
            refused=True,
        )
    except Exception as exc:  # a bug here must still end as a logged, failed attempt
        log.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        return PostResult(
            None,
            0,
            error=stored(gettext_noop("Internal error: %(error)s"), error=type(exc).__name__),
        )
    if result.status_code is not None and 300 <= result.status_code < 400:
        result.error = stored(
            gettext_noop(
                "Redirect to “%(location)s” not followed: webhooks are never redirected; "
                "update the webhook's URL."
            ),
            location=(result.location or "?")[:300],
        )
    elif result.status_code is not None and not result.ok and not result.error:
        result.error = stored(
            gettext_noop("The receiver answered HTTP %(status)s."), status=result.status_code
        )
    return result


@transaction.atomic
def _record(*, delivery_id: int, result: PostResult, now: datetime) -> AttemptOutcome:
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("webhook").get(pk=delivery_id)
    )
    webhook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
    delivery.status_code = result.status_code
    delivery.duration_ms = result.duration_ms
    error = encode(result.error)
    # Kept as a message id with its values when it fits; else the English text, cut.
    delivery.error = error if len(error) <= 500 else str(result.error)[:500]
    delivery.response_excerpt = result.response_excerpt[:1000]
    counts = delivery.event != TEST_EVENT
    outcome = AttemptOutcome(DeliveryStatus.SUCCEEDED)
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        if counts and webhook.consecutive_failures:
            webhook.consecutive_failures = 0
            webhook.save(update_fields=["consecutive_failures", "updated_at"])
    elif delivery.attempts < delivery.max_attempts and not result.refused:
        delay = retry_delay(delivery.attempts)
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        outcome = AttemptOutcome(DeliveryStatus.RETRYING, retry_in=delay)
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        outcome = AttemptOutcome(DeliveryStatus.FAILED)
        if counts:
            _count_failure(webhook)
    delivery.save()
    return outcome


def _count_failure(webhook: Webhook) -> None:
    webhook.consecutive_failures += 1
    limit = disable_after_failures()
    if webhook.is_active and webhook.consecutive_failures >= limit:
        webhook.is_active = False
        webhook.disabled_reason = encode(
            stored(
                gettext_noop(
                    "Disabled automatically after %(count)s deliveries in a row failed every "
                    "attempt. Fix the receiver, send a test event, then enable it again."
                ),
                count=webhook.consecutive_failures,
            )
        )
        log.warning("Webhook %s disabled after repeated failures", webhook.pk)
    webhook.save(
        update_fields=["consecutive_failures", "is_active", "disabled_reason", "updated_at"]
    )


SWEEP_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Re-send deliveries overdue by more than a minute: retries when jobs run in-process
    (no countdowns there) and deliveries whose job never reached the broker."""
    from integrations.jobs import webhook_deliver

    cutoff = (now or timezone.now()) - SWEEP_GRACE
    due = list(
        WebhookDelivery.objects.filter(
            status__in=OPEN_DELIVERY_STATUSES, next_attempt_at__lte=cutoff
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in due:
        enqueue_on_commit(webhook_deliver, pk)
    return len(due)

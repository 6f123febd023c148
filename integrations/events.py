"""The one entry point for events: other apps' hooks and signals end up here."""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save

from integrations.models import Webhook, WebhookEvent
from integrations.services import deliveries_create

# Projects known to have no active webhook, with when that was read (time.monotonic()).
# Every submit asks, and most projects have none: one query per project every few seconds
# instead of two per submit. Only "none" is remembered, so a webhook is never sent to after
# it was removed or disabled; one added or enabled is picked up at once in this process
# (the signals below) and within NO_WEBHOOKS_TTL in the others.
NO_WEBHOOKS_TTL = 5.0
_without_webhooks: dict[int, float] = {}


def _known_without_webhooks(project_id: int) -> bool:
    known = _without_webhooks.get(project_id)
    return known is not None and time.monotonic() - known < NO_WEBHOOKS_TTL


def project_has_webhooks(project_id: int) -> bool:
    """Whether the project may have an active webhook (False is at most a few seconds old)."""
    if _known_without_webhooks(project_id):
        return False
    if Webhook.objects.filter(project_id=project_id, is_active=True).exists():
        _without_webhooks.pop(project_id, None)
        return True
    if len(_without_webhooks) > 10_000:
        _without_webhooks.clear()
    _without_webhooks[project_id] = time.monotonic()
    return False


def _webhook_changed(sender, instance: Webhook, **kwargs) -> None:
    _without_webhooks.pop(instance.project_id, None)


post_save.connect(_webhook_changed, sender=Webhook, dispatch_uid="integrations:webhook-saved")
post_delete.connect(_webhook_changed, sender=Webhook, dispatch_uid="integrations:webhook-deleted")


def emit(*, project_id: int, event: str, payload: dict) -> int:
    """Create a delivery for each active webhook of the project subscribed to ``event``;
    each is sent by a job once the current transaction commits. Returns how many."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    if _known_without_webhooks(project_id):
        return 0
    return len(deliveries_create(project_id=project_id, event=event, payload=payload))

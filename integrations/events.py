"""The one entry point for events: other apps' hooks and signals end up here."""

from __future__ import annotations

from integrations.models import WebhookEvent
from integrations.services import deliveries_create


def emit(*, project_id: int, event: str, payload: dict) -> int:
    """Create a delivery for each active webhook of the project subscribed to ``event``;
    each is sent by a job once the current transaction commits. Returns how many."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    return len(deliveries_create(project_id=project_id, event=event, payload=payload))

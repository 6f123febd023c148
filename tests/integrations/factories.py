"""Webhooks for tests, made through the service as a project admin would."""

from __future__ import annotations

from integrations.models import WebhookEvent
from integrations.services import webhook_create


def make_webhook(cast, url: str, events=None):
    return webhook_create(
        project=cast.project,
        url=url,
        events=events or list(WebhookEvent.values),
        by=cast.admin,
    )

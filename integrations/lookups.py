"""Load webhooks through the permission gate, for pages and the API alike."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from integrations import permissions
from integrations.models import Webhook
from tasks.models import Project


def visible_webhook(user, pk) -> Webhook:
    """Outside your projects a 404; inside, a 403 unless you manage its webhooks."""
    webhook = get_object_or_404(
        Webhook.objects.filter(project__in=Project.objects.visible_to(user)).select_related(
            "project"
        ),
        pk=pk,
    )
    if not permissions.can_manage_webhooks(user, webhook.project):
        raise PermissionDenied("Only the project's admins manage its webhooks.")
    return webhook

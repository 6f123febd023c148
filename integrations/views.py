"""Webhook pages: a project's webhooks, and one webhook's delivery log. Each is the twin of
an endpoint in integrations/api/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from annotation_platform.confirm import confirmed
from annotation_platform.errors import DomainError
from annotation_platform.forms import add_domain_error
from integrations import lookups, permissions
from integrations.forms import WebhookForm
from integrations.models import Webhook
from integrations.services import (
    disable_after_failures,
    max_attempts,
    webhook_create,
    webhook_delete,
    webhook_rotate_secret,
    webhook_send_test,
    webhook_update,
)
from tasks import lookups as task_lookups
from tasks.services.hooks import ProjectLink

DELIVERIES_PER_PAGE = 50


@login_required
def project_webhooks(request: HttpRequest, pk: int) -> HttpResponse:
    """List and create; the new webhook's secret is shown on this response only."""
    project = task_lookups.visible_project(request.user, pk)
    if not permissions.can_manage_webhooks(request.user, project):
        raise PermissionDenied(gettext("Only the project's admins manage its webhooks."))
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            webhook, secret = webhook_create(project=project, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            created = {"webhook": webhook, "secret": secret}
            form = WebhookForm()
    return render(
        request,
        "integrations/webhooks.html",
        {
            "project": project,
            "form": form,
            "created": created,
            "webhooks": Webhook.objects.filter(project=project).order_by("id"),
            "disable_after": disable_after_failures(),
            "max_attempts": max_attempts(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def webhook_detail_page(request: HttpRequest, pk: int, secret: str | None = None) -> HttpResponse:
    """The delivery log (newest first), and the webhook's actions."""
    webhook = lookups.visible_webhook(request.user, pk)
    page = Paginator(webhook.deliveries.order_by("-id"), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "webhook": webhook,
            "project": webhook.project,
            "page": page,
            "secret": secret,
            "disable_after": disable_after_failures(),
        },
    )


@login_required
@require_POST
def webhook_toggle_page(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = lookups.visible_webhook(request.user, pk)
    enable = request.POST.get("enable") == "1"
    webhook_update(webhook=webhook, is_active=enable)
    messages.success(
        request, gettext("Webhook enabled.") if enable else gettext("Webhook disabled.")
    )
    return redirect("project-webhooks", pk=webhook.project_id)


@login_required
@require_POST
def webhook_rotate_page(request: HttpRequest, pk: int) -> HttpResponse:
    webhook, secret = webhook_rotate_secret(webhook=lookups.visible_webhook(request.user, pk))
    return webhook_detail_page(request, webhook.pk, secret=secret)


@login_required
@require_POST
def webhook_test_page(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = lookups.visible_webhook(request.user, pk)
    webhook_send_test(webhook=webhook, by=request.user)
    messages.success(request, gettext("Test event sent; its delivery is at the top of the log."))
    return redirect("webhook-detail", pk=webhook.pk)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what deleting the webhook destroys, to confirm; POST with ``confirm``: delete."""
    webhook = lookups.visible_webhook(request.user, pk)
    if not confirmed(request):
        return render(
            request,
            "integrations/confirm_webhook_delete.html",
            {"webhook": webhook, "deliveries": webhook.deliveries.count()},
        )
    project_id = webhook.project_id
    webhook_delete(webhook=webhook)
    messages.success(request, gettext("Webhook deleted."))
    return redirect("project-webhooks", pk=project_id)


def project_page_links(*, project, user) -> list[ProjectLink]:
    """The project page's link to the webhooks (registered in apps.py)."""
    if not permissions.can_manage_webhooks(user, project):
        return []
    return [ProjectLink(gettext("Webhooks"), reverse("project-webhooks", args=[project.pk]), 90)]

"""Receivers of the other apps' events, turned into webhook events.

They run inside the sender's transaction, so they only register work for after the commit
(``robust``: a webhook problem is logged and never fails a trainer's submit or an import),
and the event fires only if that transaction commits. Payloads are small: ids, statuses and
API URLs, nothing a setter could not already read through the API.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from integrations.events import emit, project_has_webhooks
from integrations.models import WebhookEvent

log = logging.getLogger(__name__)


def api_url(name: str, **kwargs) -> str | None:
    """An API URL, absolute when SITE_URL is set; None when the route does not exist (yet)."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def emit_on_commit(*, project_id, event: str, payload: dict) -> None:
    if project_id is None:
        log.warning("Webhook event %s without a project: not sent", event)
        return

    def emit_webhook_event() -> None:  # a named function: robust on_commit logs its name
        emit(project_id=project_id, event=event, payload=payload)

    transaction.on_commit(emit_webhook_event, robust=True)


def on_submission_saved(*, submission, revision: int, writes, submission_step=None) -> None:
    """tasks.services.hooks: every submit and revision, inside its transaction. It writes
    nothing: once the submission is written (and so has its id), its events are registered
    to go out after the commit."""
    project_id = getattr(submission.task, "project_id", None)
    if project_id is not None and not project_has_webhooks(project_id):
        return  # most projects: no payloads to build, no queries after the commit
    writes.on_written(lambda: _submission_events(submission, revision, project_id), submission_step)


def _submission_events(submission, revision: int, project_id) -> None:
    from tasks.models import TaskState

    task_id = submission.task_id
    body = {
        "submission": {
            "id": submission.pk,
            "revision": revision,
            "status": submission.status,
            "author": submission.author_id,
            "url": api_url("api-submission-detail", pk=submission.pk),
        },
        "task": {"id": task_id, "url": api_url("api-task-detail", pk=task_id)},
    }
    event = WebhookEvent.SUBMISSION_CREATED if revision == 1 else WebhookEvent.SUBMISSION_REVISED
    emit_on_commit(project_id=project_id, event=event, payload=body)
    # A revision never changes how many answers a task holds: only a first submission can
    # be the one that completes it. The task's state is the one this submit wrote (read
    # after the commit, it could be another submit's completion).
    if revision == 1 and submission.task.state == TaskState.COMPLETE:
        emit_on_commit(
            project_id=project_id,
            event=WebhookEvent.TASK_COMPLETED,
            payload={"task": body["task"], "completed_by_submission": submission.pk},
        )


def _attr(obj, *names):
    for name in names:
        value = getattr(obj, name, None)
        if value is not None and value != "":
            return value
    return None


def on_review_decided(sender=None, review=None, **kwargs) -> None:
    """reviews.signals.review_decided(sender=Review, review=Review)."""
    if review is None:
        return
    submission_id = _attr(review, "submission_id")
    emit_on_commit(
        project_id=_attr(review, "project_id"),
        event=WebhookEvent.REVIEW_DECIDED,
        payload={
            "review": {
                "id": review.pk,
                "kind": _attr(review, "kind"),
                "decision": _attr(review, "decision", "status"),
            },
            "submission": {
                "id": submission_id,
                "url": api_url("api-submission-detail", pk=submission_id)
                if submission_id
                else None,
            },
        },
    )


def on_import_finished(sender=None, job=None, **kwargs) -> None:
    """imports.signals.import_finished(job=ImportJob)."""
    if job is None:
        return
    emit_on_commit(
        project_id=_attr(job, "project_id"),
        event=WebhookEvent.IMPORT_FINISHED,
        payload={
            "import": {
                "id": job.pk,
                "status": _attr(job, "status"),
                "url": _job_url("api-import-detail", job.pk, "imports"),
            }
        },
    )


def on_export_finished(sender=None, job=None, **kwargs) -> None:
    """exports.signals.export_finished(job=ExportJob)."""
    if job is None:
        return
    emit_on_commit(
        project_id=_attr(job, "project_id"),
        event=WebhookEvent.EXPORT_FINISHED,
        payload={
            "export": {
                "id": job.pk,
                "status": _attr(job, "status"),
                "url": _job_url("api-export-detail", job.pk, "exports"),
            }
        },
    )


def _job_url(name: str, pk, kind: str) -> str:
    # Reversed when the imports/exports routes exist; otherwise their documented path.
    url = api_url(name, pk=pk)
    if url is None:
        url = f"{getattr(settings, 'SITE_URL', '').rstrip('/')}/api/v1/{kind}/{pk}"
    return url

"""The bodies of the work endpoints (``next``, submit, renew) built as plain dicts.

Every trainer calls ``next`` and submit once per task, so their response bodies are the
hottest serialisation in the API. A ``ModelSerializer`` rebuilds its fields (a deep copy
and a field-class lookup per model field) on every instance: about 0.7 ms of CPU per
``next`` + submit pair, more than the queue's own SQL costs. These functions write the
same bodies directly. The serializers stay the schema and the reference:
``tests/tasks/test_api_representations.py`` checks that each body equals its serializer's
output, field for field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework.fields import DateTimeField

from tasks.models import Lease, Submission, Task

# DRF's own formatting (ISO 8601, the current time zone, "Z" for UTC), kept as one instance.
_datetime = DateTimeField().to_representation


def _when(value: datetime | None) -> str | None:
    return None if value is None else _datetime(value)


def task_body(task: Task, data: Any = None) -> dict[str, Any]:
    """``TaskSerializer``: what a trainer sees of a task (``data`` is the displayed part)."""
    return {
        "id": task.pk,
        "project": task.project_id,
        "data": task.data if data is None else data,
        "created_at": _when(task.created_at),
    }


def task_manage_body(task: Task) -> dict[str, Any]:
    """``TaskManageSerializer``: setters, QA leads and admins see the whole task."""
    return {
        "id": task.pk,
        "project": task.project_id,
        "data": task.data,
        "priority": task.priority,
        "overlap": task.overlap,
        "needed": task.needed,
        "filled": task.filled,
        "leased": task.leased,
        "skips": task.skips,
        "state": task.state,
        "is_gold": task.is_gold,
        "gold_answer": task.gold_answer,
        "external_id": task.external_id,
        "created_at": _when(task.created_at),
    }


def lease_body(lease: Lease) -> dict[str, Any]:
    """``LeaseSerializer``."""
    return {
        "task": lease.task_id,
        "status": str(lease.status),
        "created_at": _when(lease.created_at),
        "expires_at": _when(lease.expires_at),
    }


def submission_body(submission: Submission) -> dict[str, Any]:
    """``SubmissionSerializer`` (the author and template are loaded with the submission)."""
    return {
        "id": submission.pk,
        "task": submission.task_id,
        "project": submission.task.project_id,
        "author": submission.author.username,
        "template_version": submission.template.version,
        "answer": submission.answer,
        "telemetry": submission.telemetry,
        "status": submission.status,
        "revision": submission.revision,
        "return_reasons": submission.return_reasons,
        "created_at": _when(submission.created_at),
        "updated_at": _when(submission.updated_at),
    }

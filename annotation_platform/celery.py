"""The Celery app: Redis broker, late acks, two queues (default and qa) and beat.

Jobs live in each app's ``jobs.py`` (never ``tasks.py``: ``tasks`` is an app here).
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")

app = Celery("annotation_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("qa"))
app.autodiscover_tasks(related_name="jobs")


@task_postrun.connect
def _close_broken_connections(**kwargs) -> None:
    """A worker keeps its database connection between jobs (CELERY_DB_REUSE_MAX), so drop
    one that broke (the database restarted: the job failed and will retry) or outlived
    CONN_MAX_AGE, as Django does after each request."""
    if not getattr(kwargs.get("task"), "request", None) or kwargs["task"].request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


# The language each running job replaced, by task id: an eager job runs inside the request
# that queued it, in that request's language, and must not take it on.
_LANGUAGE_BEFORE: dict[str, str | None] = {}


@task_prerun.connect
def _jobs_speak_the_source_language(task_id=None, **kwargs) -> None:
    """Jobs run in English, the source language, as a worker always does: text a job stores
    for people to read later (findings, import errors) is translated when it is shown, in
    the reader's language, never in the language of whoever queued the job."""
    from django.conf import settings
    from django.utils import translation

    _LANGUAGE_BEFORE[task_id] = translation.get_language()
    translation.activate(settings.LANGUAGE_CODE)


@task_postrun.connect
def _back_to_the_callers_language(task_id=None, **kwargs) -> None:
    from django.utils import translation

    if task_id not in _LANGUAGE_BEFORE:
        return
    before = _LANGUAGE_BEFORE.pop(task_id)
    if before is None:
        translation.deactivate()
    else:
        translation.activate(before)

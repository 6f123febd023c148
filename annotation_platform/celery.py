"""The Celery app: Redis broker, late acks, two queues (default and qa) and beat.

Jobs live in each app's ``jobs.py`` (never ``tasks.py``: ``tasks`` is an app here).
"""

import os

from celery import Celery
from celery.signals import task_postrun
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

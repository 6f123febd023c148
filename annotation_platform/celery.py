"""The Celery app: Redis broker, late acks, two queues (default and qa) and beat.

Jobs live in each app's ``jobs.py`` (never ``tasks.py``: ``tasks`` is an app here).
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")

app = Celery("annotation_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("qa"))
app.autodiscover_tasks(related_name="jobs")

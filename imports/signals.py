"""Signals of the imports app.

``import_finished`` is sent (``sender=ImportJob``, ``job=<ImportJob>``) once an import has
ended (done, failed or cancelled), after the transaction recording that end commits, so a
receiver (a webhook, a notification) never reports an outcome that was rolled back.
"""

from django.dispatch import Signal

import_finished = Signal()

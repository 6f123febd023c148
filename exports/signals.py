"""Signals other apps subscribe to (a webhook app, notifications), so exports import none
of them."""

from django.dispatch import Signal

# Sent once an export ends, done or failed, after the commit that recorded it:
# ``export_finished.send(sender=ExportJob, job=<ExportJob>)``.
export_finished = Signal()

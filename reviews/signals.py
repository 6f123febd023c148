"""Signals of the review workflow, for apps that react to reviews (webhooks, exports).

``review_decided`` is sent with ``sender=Review`` and ``review=<Review>`` once the
transaction that recorded a decision has committed (never for a rolled-back one): a first
review's accept, reject or return, each item of a bulk accept, and a dispute's final
decision. Second reviews and re-grades change no submission and send nothing.
"""

from django.dispatch import Signal

review_decided = Signal()

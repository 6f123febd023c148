"""Celery jobs of webhooks (the ``default`` queue): one delivery attempt per run.

The job takes the delivery's id and calls the service, which records every attempt. On a
worker a failed attempt is retried with the service's exponential delay; jobs run
in-process (no Redis) never wait in the request for a countdown, so there the sweep
sends the retries.
"""

from celery import shared_task

from integrations.services import deliveries_sweep, delivery_attempt


@shared_task(
    bind=True,
    name="integrations.jobs.webhook_deliver",
    queue="default",
    max_retries=None,  # the delivery row counts attempts (WEBHOOK_MAX_ATTEMPTS)
    soft_time_limit=60,
    time_limit=90,
)
def webhook_deliver(self, delivery_id: int) -> str:
    outcome = delivery_attempt(delivery_id=delivery_id)
    if outcome is None:
        return "skipped"
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="integrations.jobs.webhook_deliveries_sweep", queue="default")
def webhook_deliveries_sweep() -> int:
    return deliveries_sweep()

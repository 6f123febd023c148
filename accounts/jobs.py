from celery import shared_task

from accounts.services import api_tokens_purge_expired as purge


@shared_task(name="accounts.jobs.api_tokens_purge_expired")
def api_tokens_purge_expired() -> int:
    return purge()

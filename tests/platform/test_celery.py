"""Jobs are enqueued on commit and run: on a real worker through Redis, or in-process."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.jobs import api_tokens_purge_expired
from accounts.models import ApiToken
from annotation_platform.celery import app
from annotation_platform.queueing import enqueue_on_commit
from tests.factories import UserFactory


def _long_expired_token() -> ApiToken:
    return ApiToken.objects.create(
        user=UserFactory(),
        name="old",
        key_id=f"k{time.monotonic_ns() % 10**12:012d}"[:12],
        token_hash="0" * 64,
        expires_at=timezone.now() - timedelta(days=90),
    )


def _wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_on_commit_runs_on_a_live_worker(celery_worker):
    # given a row written and a job enqueued in the same transaction
    with transaction.atomic():
        token = _long_expired_token()
        enqueue_on_commit(api_tokens_purge_expired)
        # then nothing is sent before the commit, so the worker cannot miss the row
        assert ApiToken.objects.filter(pk=token.pk).exists()
    # when the transaction commits, the worker picks the job up through Redis
    assert _wait_until(lambda: not ApiToken.objects.filter(pk=token.pk).exists())
    assert celery_worker.poll() is None  # still running: the job did not crash it


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_no_job(celery_worker):
    token = _long_expired_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(api_tokens_purge_expired)
        raise RuntimeError("roll back")
    # A later job proves the worker is alive and the queue was drained in order.
    marker = _long_expired_token()
    with transaction.atomic():
        enqueue_on_commit(api_tokens_purge_expired)
    assert _wait_until(lambda: not ApiToken.objects.filter(pk=marker.pk).exists())
    # The purge removes both tokens, but only the second, committed enqueue sent a job.
    assert not ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_without_redis_jobs_run_in_process_right_after_commit():
    assert app.conf.task_always_eager
    with transaction.atomic():
        token = _long_expired_token()
        enqueue_on_commit(api_tokens_purge_expired)
        assert ApiToken.objects.filter(pk=token.pk).exists()  # not before the commit
    assert not ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_without_redis_a_rollback_runs_no_job():
    token = _long_expired_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(api_tokens_purge_expired)
        raise RuntimeError("roll back")
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_celery_is_configured_for_at_least_once_delivery():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert {queue.name for queue in conf.task_queues} == {"default", "qa"}
    assert conf.task_default_queue == "default"
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert "purge-expired-api-tokens" in conf.beat_schedule
    assert "accounts.jobs.api_tokens_purge_expired" in app.tasks

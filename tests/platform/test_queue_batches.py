"""Jobs sent in batches: one message per interval and job from each process, nothing sent
before the commit, nothing lost when the broker is down (the sweep's rows stay pending)."""

import threading
import time

import pytest
from django.db import transaction

from annotation_platform import queueing


class FakeJob:
    """A Celery job as far as the batches use one: its name, its app's eager flag and
    ``apply_async``, which records what it was sent (or fails like a broker that is down)."""

    name = "tests.fake"

    def __init__(self, *, eager: bool = False, down: bool = False) -> None:
        self.app = type("App", (), {"conf": type("Conf", (), {"task_always_eager": eager})()})()
        self.down = down
        self.sent: list[list] = []
        self.arrived = threading.Event()

    def apply_async(self, args):
        if self.down:
            raise ConnectionError("broker down")
        self.sent.append(list(args[0]))
        self.arrived.set()


@pytest.fixture
def batches(monkeypatch, settings):
    """A fresh set of batches (no sender thread yet), sending every 50 ms, 3 items at most."""
    settings.QUEUE_BATCH_SECONDS = 0.05
    settings.QUEUE_BATCH_MAX = 3
    fresh = queueing._Batches()
    monkeypatch.setattr(queueing, "_batches", fresh)
    return fresh


def test_items_of_many_commits_leave_as_one_message(batches):
    job = FakeJob()
    for item in (1, 2):
        batches.add(job, item)
    batches.send()
    assert job.sent == [[1, 2]]
    batches.send()  # nothing waiting: nothing sent
    assert job.sent == [[1, 2]]


def test_a_batch_never_exceeds_its_maximum(batches):
    job = FakeJob()
    for item in range(7):
        batches.add(job, item)
    batches.send()
    assert job.sent == [[0, 1, 2], [3, 4, 5], [6]]


def test_the_sender_thread_sends_within_the_interval(batches):
    job = FakeJob()
    batches.add(job, 41)
    assert job.arrived.wait(5), "the batch was never sent"
    assert job.sent == [[41]]
    assert batches.owner is not None  # started by the first item, in this process


def test_a_new_process_starts_its_own_sender(batches, monkeypatch):
    """After a fork the parent's thread is gone: the child's first item starts another."""
    job = FakeJob()
    batches.add(job, 1)
    assert job.arrived.wait(5)
    monkeypatch.setattr(queueing.os, "getpid", lambda: -1)  # as in a forked child
    job.arrived.clear()
    batches.add(job, 2)
    assert batches.owner == -1
    assert job.arrived.wait(5)
    assert [2] in job.sent


def test_a_broker_that_is_down_loses_the_message_quietly(batches, caplog):
    job = FakeJob(down=True)
    batches.add(job, 1)
    batches.send()
    assert "Could not send a batch of tests.fake" in caplog.text
    assert batches.waiting == {}


@pytest.mark.django_db(transaction=True)
def test_an_item_waits_for_the_commit_and_a_rollback_sends_nothing(batches, monkeypatch):
    job = FakeJob()
    with transaction.atomic():
        queueing.enqueue_batched_on_commit(job, lambda: 7)
        assert batches.waiting == {}  # nothing before the commit
    assert batches.waiting == {job: [7]} or job.sent == [[7]]
    with pytest.raises(RuntimeError), transaction.atomic():
        queueing.enqueue_batched_on_commit(job, lambda: 8)
        raise RuntimeError
    time.sleep(0.2)
    batches.send()
    assert job.sent == [[7]]


@pytest.mark.django_db(transaction=True)
def test_eager_jobs_run_at_once_alone(batches):
    job = FakeJob(eager=True)
    with transaction.atomic():
        queueing.enqueue_batched_on_commit(job, lambda: 5)
    assert job.sent == [[5]]
    assert batches.owner is None  # no thread for in-process jobs

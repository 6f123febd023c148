"""Events from the other apps become deliveries: submissions through the tasks hook, the
rest through signals connected only when their module exists."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from integrations import receivers
from integrations.events import emit
from integrations.models import WebhookDelivery
from tasks.services import submission_revise
from tests.factories import submit
from tests.integrations.factories import make_webhook

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "A"}


@pytest.fixture
def webhook(cast, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    return make_webhook(cast, "https://hooks.example.com/in")[0]


@pytest.fixture
def no_sending(monkeypatch):
    """Record what would be sent instead of sending it."""
    sent = []
    monkeypatch.setattr(
        "integrations.jobs.webhook_deliver.apply_async",
        lambda args=(), kwargs=None, **options: sent.append(args[0]),
    )
    return sent


def events_of(webhook) -> list[tuple[str, dict]]:
    return [(d.event, d.payload) for d in webhook.deliveries.order_by("id")]


def test_a_submission_emits_created_and_the_completing_one_task_completed(
    cast, mcq, webhook, no_sending, django_capture_on_commit_callbacks
):
    # given: overlap 1, so the first submission completes the task
    task = mcq["tasks"][0]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = submit(task=task, author=cast.trainer, answer=ANSWER)

    # then
    [(created, body), (completed, done)] = events_of(webhook)
    assert created == "submission.created"
    assert body["submission"]["id"] == submission.pk
    assert body["submission"]["url"] == f"/api/v1/submissions/{submission.pk}/"
    assert body["submission"]["revision"] == 1
    assert body["task"] == {"id": task.pk, "url": f"/api/v1/tasks/{task.pk}/"}
    assert "answer" not in str(body)  # ids and URLs, never the answer itself
    assert completed == "task.completed"
    assert done["task"]["id"] == task.pk
    assert len(no_sending) == 2


def test_a_submission_that_leaves_the_task_open_does_not_complete_it(
    cast, mcq, webhook, no_sending, django_capture_on_commit_callbacks
):
    task = mcq["tasks"][0]
    task.needed = 2
    task.save(update_fields=["needed"])

    with django_capture_on_commit_callbacks(execute=True):
        submit(task=task, author=cast.trainer, answer=ANSWER)

    assert [event for event, _ in events_of(webhook)] == ["submission.created"]


def test_a_revision_emits_revised(
    cast, mcq, webhook, no_sending, django_capture_on_commit_callbacks
):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer=ANSWER)

    with django_capture_on_commit_callbacks(execute=True):
        submission_revise(submission=submission, answer={"answer": "B"})

    event, body = events_of(webhook)[-1]
    assert event == "submission.revised"
    assert body["submission"]["revision"] == 2


def test_nothing_is_emitted_without_a_commit(cast, mcq, webhook, no_sending):
    # The hook runs inside the submit's transaction; the test's transaction never commits.
    submit(task=mcq["tasks"][0], author=cast.trainer, answer=ANSWER)

    assert not WebhookDelivery.objects.exists()


def test_a_webhook_failure_never_fails_the_submit(
    cast, mcq, webhook, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("webhook storage is down")

    monkeypatch.setattr(receivers, "emit", broken)

    with django_capture_on_commit_callbacks(execute=True):
        submission, created = submit(task=mcq["tasks"][1], author=cast.trainer, answer=ANSWER)

    assert created and submission.pk


def test_emit_refuses_an_unknown_event(cast):
    with pytest.raises(ValueError):
        emit(project_id=cast.project.pk, event="submission.deleted", payload={})


@pytest.mark.parametrize(
    "receiver, kwargs, event, key",
    [
        (
            receivers.on_review_decided,
            {"review": SimpleNamespace(pk=5, submission_id=9, kind="review", decision="accept")},
            "review.decided",
            "review",
        ),
        (
            receivers.on_import_finished,
            {"job": SimpleNamespace(pk=6, status="succeeded")},
            "import.finished",
            "import",
        ),
        (
            receivers.on_export_finished,
            {"job": SimpleNamespace(pk=7, status="failed")},
            "export.finished",
            "export",
        ),
    ],
)
def test_signal_receivers_emit_small_payloads(
    cast, webhook, no_sending, django_capture_on_commit_callbacks, receiver, kwargs, event, key
):
    # given: the sender's object, read only through pk, project_id and status-like fields
    obj = next(iter(kwargs.values()))
    obj.project_id = cast.project.pk

    # when
    with django_capture_on_commit_callbacks(execute=True):
        receiver(sender=type(obj), **kwargs)

    # then
    [(sent, body)] = events_of(webhook)
    assert sent == event
    assert body[key]["id"] == obj.pk
    if key == "review":
        assert body["review"]["decision"] == "accept"
        assert body["submission"]["id"] == 9
    else:
        assert body[key]["status"] == obj.status
        assert body[key]["url"] == f"/api/v1/{key}s/{obj.pk}"


def test_a_signal_without_a_project_is_dropped(cast, webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receivers.on_import_finished(job=SimpleNamespace(pk=1, status="succeeded"))

    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "module, signal_name, kwargs, event",
    [
        ("reviews.signals", "review_decided", {"review": SimpleNamespace(pk=3, decision="reject")},
         "review.decided"),
        ("imports.signals", "import_finished", {"job": SimpleNamespace(pk=4, status="done")},
         "import.finished"),
        ("exports.signals", "export_finished", {"job": SimpleNamespace(pk=5, status="done")},
         "export.finished"),
    ],
)  # fmt: skip
def test_the_other_apps_signals_are_connected(
    cast, webhook, no_sending, module, signal_name, kwargs, event,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    signal = getattr(importlib.import_module(module), signal_name)
    obj = next(iter(kwargs.values()))
    obj.project_id = cast.project.pk

    with django_capture_on_commit_callbacks(execute=True):
        signal.send(sender=type(obj), **kwargs)

    [(sent, _)] = events_of(webhook)
    assert sent == event

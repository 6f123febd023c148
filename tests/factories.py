from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import factory
from django.contrib.auth import get_user_model

from tasks.models import Membership, Project, ProjectStatus, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    description = "A project for tests."
    status = ProjectStatus.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = Role.TRAINER


def _rubric_content(n: int) -> dict:
    return {
        "schema_version": 1,
        "criteria": [
            {
                "kind": "criterion",
                "id": "states-answer",
                "title": f"States the answer to question {n}",
                "points": 5,
                "polarity": "positive",
            }
        ],
    }


class RubricFactory(factory.django.DjangoModelFactory):
    """A rubric with a one-criterion draft and nothing published (publish with rubric_publish)."""

    class Meta:
        model = "rubrics.Rubric"  # by label: this module imports no rubrics code

    title = factory.Sequence(lambda n: f"Rubric {n}")
    description = "A rubric for tests."
    tags = factory.LazyFunction(list)
    draft_content = factory.Sequence(_rubric_content)
    created_by = factory.SubFactory(UserFactory)


def submit(*, task, author, answer, **kwargs):
    """Submit as a trainer does: take a lease on the task, then submit the answer."""
    from tasks.models import Submission
    from tasks.services import submission_submit, task_lease

    if not Submission.objects.filter(task=task, author=author).exists():
        task_lease(task=task, trainer=author)
    return submission_submit(task=task, author=author, answer=answer, **kwargs)


@contextmanager
def row_locked_elsewhere(model, pk):
    """Hold ``model``'s row ``pk`` locked (FOR UPDATE) by another connection, as a request
    in flight would, for as long as the block runs (transactional tests only)."""
    from django.db import connection, transaction

    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10), "the other connection did not get the lock"
        yield
    finally:
        release.set()
        holder.join()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads released together, each on its own database connection
    (closed after), as concurrent requests would (transactional tests only). Returns what
    each call returned, or the exception it raised, in the order of ``calls``."""
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except BaseException as exc:  # handed to the test, which says what it expects
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False): for
    tests that wait on another process, such as a live Celery worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False

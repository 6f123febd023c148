"""The work gate on the pages: "Start working" shows the guidelines notice instead of taking
a task, and comes back to serve one once acknowledged; a workspace opened behind the notice
is inert, its submit disabled with the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import Lease
from tasks.services import (
    guideline_rule_add,
    guidelines_acknowledge,
    guidelines_publish,
    task_lease,
)
from tests.factories import submit

pytestmark = pytest.mark.django_db

BLOCKED = 'data-work-blocked="guidelines_not_acknowledged"'


def publish(cast, title="Stay inside the options") -> int:
    guideline_rule_add(project=cast.project, title=title, by=cast.setter)
    return guidelines_publish(project=cast.project, note="Rules", by=cast.setter).number


def test_start_working_shows_the_notice_and_takes_no_task_until_acknowledged(client, cast, mcq):
    publish(cast)
    client.force_login(cast.trainer)
    start = reverse("work-start", args=[cast.project.pk])

    refused = client.get(start)
    html = refused.content.decode()
    assert refused.status_code == 409
    assert 'data-testid="guidelines-notice"' in html and "Stay inside the options" in html
    assert 'data-refusal="guidelines_not_acknowledged"' in html
    assert f'name="next" value="{start}"' in html  # the button comes back here
    assert not Lease.objects.exists()

    back = client.post(
        reverse("guidelines-acknowledge", args=[cast.project.pk]), {"version": 1, "next": start}
    )
    assert back["Location"] == start
    served = client.get(start)
    assert served.status_code == 302 and served["Location"].endswith("/work/")
    assert Lease.objects.filter(trainer=cast.trainer).count() == 1


def test_a_held_task_opens_behind_the_notice_with_submit_disabled(client, cast, mcq):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    publish(cast)
    client.force_login(cast.trainer)
    url = reverse("task-work", args=[task.pk])

    html = client.get(url).content.decode()
    assert BLOCKED in html
    assert 'data-testid="blocked-by-notice"' in html  # the form is inert
    assert 'disabled aria-describedby="submit-blocked"' in html
    assert "once you confirm the guidelines notice above" in html

    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    html = client.get(url).content.decode()
    assert "data-work-blocked" not in html and 'id="submit-blocked"' not in html
    assert 'data-testid="blocked-by-notice"' not in html


def test_revising_behind_a_new_version_is_blocked_too(client, cast, mcq):
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=publish(cast))
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    publish(cast, title="Note nasal finals")
    client.force_login(cast.trainer)

    html = client.get(reverse("submission-revise", args=[submission.pk])).content.decode()

    assert BLOCKED in html and "The guidelines changed since you last worked" in html


def test_without_guidelines_nothing_is_blocked(client, cast, mcq):
    client.force_login(cast.trainer)

    served = client.get(reverse("work-start", args=[cast.project.pk]))
    html = client.get(served["Location"]).content.decode()

    button = html.split('id="submit-button"')[1].split(">")[0]
    assert served.status_code == 302
    assert "data-work-blocked" not in html and "disabled" not in button

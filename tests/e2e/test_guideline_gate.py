"""The guideline gate in a real Chromium: behind the "read the guidelines" notice no shortcut
answers, saves or submits; once acknowledged the same keys work; "Start working" shows the
notice before taking a task; a version published mid-task makes the server refuse the submit,
and the page says why."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tasks.models import Draft, Lease, LeaseStatus, Submission
from tasks.services import (
    guideline_rule_add,
    guidelines_acknowledge,
    guidelines_publish,
    lease_release,
)
from tests.e2e.conftest import READY
from tests.e2e.workspace_fixtures import definition_with, setup_workspace

pytestmark = pytest.mark.e2e

COLOUR = {
    "id": "colour",
    "type": "single_choice",
    "prompt": "Which colour is named?",
    "options": [{"value": v, "label": v.title()} for v in ("red", "green", "blue")],
}
QUALITY = {"id": "quality", "type": "rating", "prompt": "Quality", "scale": {"min": 1, "max": 5}}
# Every kind of shortcut the workspace has for these questions, and the submit keys.
KEYS = ["1", "2", "j", "3", "k", "4", "s", "Enter", "Control+Enter"]


def publish(cast, title="Name the colour, not the shade", note="First rules") -> int:
    guideline_rule_add(project=cast.project, title=title, by=cast.setter)
    return guidelines_publish(project=cast.project, note=note, by=cast.setter).number


def writes(page) -> list[str]:
    """Every request the page sends that would change something on the server."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}") if r.method != "GET" else None)
    return sent


def checked(page) -> list[str]:
    return page.locator("#answer-form input:checked").evaluate_all("els => els.map(e => e.value)")


def test_shortcuts_are_inert_behind_the_notice_and_work_once_acknowledged(
    trainer, live_server, cast
):
    # given: a task the trainer holds, and guidelines published they have not read
    work = setup_workspace(cast, definition_with(COLOUR, QUALITY), [{}])
    publish(cast)
    sent = writes(trainer)
    trainer.goto(live_server.url + work.work_url())
    trainer.wait_for_function(READY)
    notice = trainer.get_by_test_id("guidelines-notice")
    expect(notice).to_contain_text("Read the guidelines before you start")
    expect(trainer.get_by_test_id("submit")).to_be_disabled()
    expect(trainer.get_by_test_id("submit-blocked")).to_contain_text(
        "once you confirm the guidelines notice above"
    )

    # when: every shortcut is pressed, with the focus on the page and then on the notice
    for key in KEYS:
        trainer.keyboard.press(key)
    notice.get_by_role("link", name="Read the full guidelines").focus()
    for key in ("1", "j", "2", "s"):
        trainer.keyboard.press(key)
    trainer.wait_for_timeout(1500)  # longer than the draft's debounce

    # then: nothing was answered, saved, skipped or submitted
    assert checked(trainer) == []
    expect(trainer.locator("#skip-dialog[open]")).to_have_count(0)
    expect(trainer).to_have_url(re.compile(rf"/tasks/{work.task.pk}/work/$"))
    assert sent == []
    assert not Draft.objects.exists() and not Submission.objects.exists()

    # when: the trainer acknowledges (the notice's own button, by the keyboard)
    button = notice.get_by_role("button", name="I have read the guidelines")
    button.focus()
    trainer.keyboard.press("Enter")
    expect(trainer.get_by_test_id("guidelines-notice")).to_have_count(0)
    trainer.wait_for_function(READY)

    # then: the same keys answer and submit
    expect(trainer.get_by_test_id("submit")).to_be_enabled()
    trainer.keyboard.press("2")  # green, then on to the rating
    trainer.keyboard.press("4")
    assert checked(trainer) == ["green", "4"]
    before = trainer.url
    trainer.keyboard.press("Enter")
    trainer.wait_for_url(lambda url: url != before)
    assert Submission.objects.get(task=work.task).answer == {"colour": "green", "quality": 4}


def test_start_working_shows_the_notice_first_then_serves_a_task(trainer, live_server, cast):
    work = setup_workspace(cast, definition_with(COLOUR, QUALITY), [{}])
    lease_release(task=work.task, trainer=cast.trainer)  # nothing held: a task must be taken
    publish(cast)

    trainer.goto(f"{live_server.url}/projects/{cast.project.pk}/work/")
    expect(trainer.get_by_test_id("work-reason")).to_contain_text("Read the guidelines below")
    expect(trainer.get_by_test_id("guidelines-notice")).to_contain_text(
        "Name the colour, not the shade"
    )
    assert not Lease.objects.filter(status=LeaseStatus.ACTIVE).exists()

    trainer.get_by_role("button", name="I have read the guidelines").click()
    expect(trainer).to_have_url(re.compile(r"/tasks/\d+/work/$"))
    trainer.wait_for_function(READY)
    expect(trainer.get_by_test_id("guidelines-notice")).to_have_count(0)
    trainer.keyboard.press("1")
    trainer.keyboard.press("5")
    before = trainer.url
    trainer.keyboard.press("Enter")
    trainer.wait_for_url(lambda url: url != before)
    assert Submission.objects.get(author=cast.trainer).answer == {"colour": "red", "quality": 5}


def test_a_version_published_mid_task_refuses_the_submit_and_says_why(trainer, live_server, cast):
    # given: the trainer read v1 and is answering when v2 is published
    work = setup_workspace(cast, definition_with(COLOUR, QUALITY), [{}])
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=publish(cast))
    trainer.goto(live_server.url + work.work_url())
    trainer.wait_for_function(READY)
    trainer.keyboard.press("3")
    publish(cast, title="Say so when no colour is named", note="A new rule")

    # when: they submit
    trainer.keyboard.press("2")
    trainer.keyboard.press("Enter")

    # then: the server refuses, the page says what to do and where, and keeps the answer
    errors = trainer.locator("#form-errors")
    expect(errors).to_contain_text("version 2 is in force and you last read version 1")
    expect(errors).to_contain_text(f"/projects/{cast.project.pk}/guidelines/")
    assert checked(trainer) == ["blue", "2"]
    time.sleep(0.3)
    assert not Submission.objects.exists()

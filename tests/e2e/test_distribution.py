"""Task distribution in a real Chromium: a setter finds tasks, makes one gold and assigns
another; the trainer gets the assigned task first, skips with S and with the Skip button,
and never receives the expected answer of the gold task."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tasks.models import Assignment, Skip, Task
from tasks.services import (
    project_distribution_update,
    task_lease,
    task_update_settings,
    tasks_create,
    template_save,
)
from tests.e2e.conftest import READY, STOP, TIMEOUT_MS, login
from tests.factories import MembershipFactory

pytestmark = pytest.mark.e2e


QUIZ = {
    "schema_version": 1,
    "title": "Quiz",
    "display": [{"type": "markdown", "field": "question", "label": "Question"}],
    "questions": [
        {
            "id": "answer",
            "type": "single_choice",
            "prompt": "Your answer",
            "options": [{"value": v, "label": v} for v in "ABC"],
        },
        {"id": "reason", "type": "text", "prompt": "Why", "required": False},
    ],
}
# What the expected answer looks like on the setter's page; never on a trainer's.
GOLD_SHOWN = '"answer": "B"'


@pytest.fixture
def quiz(cast):
    """Four tasks: 0 for the assignment, 1 to become gold, 2 first in the queue (priority 5),
    3 held by another trainer (in progress)."""
    project_distribution_update(project=cast.project, gold_rate=1.0)
    template_save(project=cast.project, name="Quiz", definition=QUIZ, by=cast.setter)
    tasks = tasks_create(
        project=cast.project,
        items=[
            {"question": "Which lake is in Hangzhou?"},
            {"question": "Which dynasty built the canal to Hangzhou?"},
            {"question": "Which river flows through Guangzhou?"},
            {"question": "Which tea grows near Hangzhou?"},
        ],
        by=cast.setter,
    )
    task_update_settings(task=tasks[2], priority=5)
    task_lease(task=tasks[3], trainer=MembershipFactory(project=cast.project).user)
    return tasks


def task_rows(page) -> list[int]:
    return [
        int(pk)
        for pk in page.locator("[data-task-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.taskId)"
        )
    ]


def test_setter_makes_gold_and_assigns_then_trainer_is_served_in_order(
    page, browser, live_server, cast, quiz
):
    lake, canal, river, tea = quiz
    base = live_server.url

    # --- the setter finds the new Hangzhou tasks ------------------------------------------
    login(page, live_server, cast.setter)
    page.goto(base + reverse("project-tasks", args=[cast.project.pk]))
    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.get_by_test_id("count-in_progress")).to_have_text("1")
    page.get_by_label("Text in the data").fill("Hangzhou")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"contains=Hangzhou"))
    assert task_rows(page) == [lake.pk, canal.pk, tea.pk]
    page.get_by_label("State").select_option("new")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"state=new"))
    assert task_rows(page) == [lake.pk, canal.pk]

    # --- opens the canal task and marks it gold --------------------------------------------
    page.get_by_role("link", name=f"Task {canal.pk}", exact=True).click()
    page.wait_for_url(base + reverse("task-detail", args=[canal.pk]))
    expect(page.locator(".display-blocks")).to_contain_text("Which dynasty built the canal")
    gold_box = page.get_by_label("Expected answer (JSON object keyed by question id)")
    gold_box.fill(json.dumps({"answer": "Z"}))
    page.get_by_role("button", name="Mark as gold").click()
    expect(page.get_by_test_id("gold-errors")).to_contain_text("answer")
    expect(page.get_by_test_id("gold-errors")).to_contain_text("Your answer")
    # free text is never part of a gold answer: it is refused, naming the question
    page.get_by_label("Expected answer (JSON object keyed by question id)").fill(
        json.dumps({"answer": "B", "reason": "The Sui joined the canals"})
    )
    page.get_by_role("button", name="Mark as gold").click()
    expect(page.get_by_test_id("gold-errors")).to_contain_text("not scored")
    page.get_by_label("Expected answer (JSON object keyed by question id)").fill(
        json.dumps({"answer": "B"})
    )
    page.get_by_role("button", name="Mark as gold").click()
    expect(page.locator(".messages")).to_contain_text(f"Task {canal.pk} is now gold.")
    expect(page.get_by_test_id("gold-badge")).to_be_visible()
    expect(page.get_by_test_id("gold-answer")).to_contain_text(GOLD_SHOWN)
    assert Task.objects.get(pk=canal.pk).is_gold

    # --- and assigns the lake task to the trainer -------------------------------------------
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_role("link", name=f"Task {lake.pk}", exact=True).click()
    page.get_by_label("Trainer (username or email)").fill("qa_lead-user")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#id_trainer_error")).to_contain_text("Name a trainer of this project.")
    page.get_by_label("Trainer (username or email)").fill("trainer-user")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text(f"Task {lake.pk} assigned to trainer-user.")
    expect(page.get_by_test_id("assignments")).to_contain_text("trainer-user")
    assert Assignment.objects.get().trainer == cast.trainer

    # --- the trainer starts working: the assigned task comes first ----------------------------
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    trainer = context.new_page()
    browser_dialogs: list[str] = []
    trainer.on("dialog", lambda dialog: browser_dialogs.append(dialog.message))
    try:
        login(trainer, live_server, cast.trainer)
        trainer.goto(base + reverse("project-detail", args=[cast.project.pk]))
        trainer.get_by_role("link", name="Start working").click()
        trainer.wait_for_url(base + reverse("task-work", args=[lake.pk]))
        trainer.wait_for_function(READY)
        expect(trainer.locator(".display-blocks")).to_contain_text("Which lake is in Hangzhou?")
        assert GOLD_SHOWN not in trainer.content()

        # S asks in the page's dialog; Escape keeps working, and keys behind it answer nothing
        trainer.evaluate("() => document.activeElement && document.activeElement.blur()")
        dialog = trainer.get_by_test_id("skip-dialog")
        trainer.keyboard.press("s")
        expect(dialog).to_be_visible()
        expect(trainer.get_by_label("Reason (optional)")).to_be_focused()
        trainer.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(trainer.get_by_test_id("skip")).to_be_focused()
        assert trainer.url.endswith(reverse("task-work", args=[lake.pk]))

        # S again, a reason, Enter on "Skip task": another task is served, the gold one
        trainer.evaluate("() => document.activeElement && document.activeElement.blur()")
        trainer.keyboard.press("s")
        trainer.get_by_label("Reason (optional)").fill("Unclear wording")
        trainer.get_by_test_id("skip-confirm").click()
        trainer.wait_for_url(base + reverse("task-work", args=[canal.pk]))
        trainer.wait_for_function(READY)
        expect(trainer.locator(".display-blocks")).to_contain_text("Which dynasty built")
        html = trainer.content()
        assert GOLD_SHOWN not in html and 'data-testid="gold-answer"' not in html

        # the Skip button does the same; then the queue's highest priority task
        trainer.get_by_test_id("skip").click()
        trainer.get_by_label("Reason (optional)").fill("Unclear wording")
        trainer.keyboard.press("Tab")
        trainer.keyboard.press("Enter")
        trainer.wait_for_url(base + reverse("task-work", args=[river.pk]))
        trainer.wait_for_function(READY)
        assert GOLD_SHOWN not in trainer.content()
        assert browser_dialogs == []  # no window.prompt any more
        trainer.evaluate(STOP)
    finally:
        context.close()

    skips = dict(Skip.objects.values_list("task_id", "reason"))
    assert skips == {lake.pk: "Unclear wording", canal.pk: "Unclear wording"}

    # --- the setter sees the skip and its reason on the task page -----------------------------
    page.goto(base + reverse("task-detail", args=[lake.pk]))
    expect(page.get_by_test_id("skips")).to_contain_text("Unclear wording")

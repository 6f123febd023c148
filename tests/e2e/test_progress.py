"""Progress and time in a real Chromium: n of N and a live active-time timer in the
workspace, done today on the dashboard in the browser's own time zone, and a returned
submission in the returned counts and in "my work"."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from annotation_platform.time_zones import day_start
from tasks.models import Submission, SubmissionStatus
from tasks.services import task_lease
from tasks.services.reviewing import submission_return_for_rework
from tests.e2e.conftest import READY, STOP, TIMEOUT_MS, login
from tests.tasks.progress_fixtures import RETURN_REASON, build_world

pytestmark = pytest.mark.e2e

RECORDED = "() => window.AnnotationWorkspace.current.telemetry().active_seconds"
# The tab going to the background, as Chromium reports it to the page.
SET_VISIBILITY = """
(state) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}
"""
AUCKLAND = "Pacific/Auckland"


@pytest.fixture
def world(cast):
    world = build_world(cast)
    task_lease(task=world.tasks[5], trainer=cast.trainer)  # the queue just served it
    return world


@pytest.fixture
def problems(page) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return seen


@pytest.fixture
def in_auckland(browser, problems):
    """A trainer's browser whose clock is in Auckland (UTC+12/+13)."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="en-GB", timezone_id=AUCKLAND
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    yield page
    context.close()
    assert seen == []


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _card(page, project):
    return page.locator(f'[data-testid="my-progress"][data-project="{project.pk}"]')


def test_the_workspace_shows_n_of_n_and_an_active_timer_that_pauses_when_hidden(
    page, problems, live_server, cast, world
):
    # given: a trainer with 3 submissions in the project, holding task 5
    login(page, live_server, cast.trainer)

    # when they open the task they hold
    page.goto(live_server.url + f"/tasks/{world.tasks[5].pk}/work/")
    page.wait_for_function(READY)

    # then: 3 done of 4 (3 of theirs + the one they hold; the colleague completed 2)
    progress = page.get_by_test_id("ws-progress")
    expect(progress.get_by_test_id("progress-done")).to_have_text("3")
    expect(progress.get_by_test_id("progress-total")).to_have_text("4")
    expect(progress.get_by_test_id("progress-of")).to_have_attribute(
        "title", re.compile("this one included")
    )
    expect(progress.get_by_test_id("progress-today")).to_have_text("3 today")
    expect(progress.get_by_test_id("progress-returned")).to_have_text("1 returned to you")

    # and the active time ticks, showing what the workspace records
    timer = page.get_by_test_id("work-timer")
    value = page.locator("#work-timer-value")
    page.mouse.move(200, 200)
    expect(timer).to_have_attribute("data-state", "running")
    expect(value).not_to_have_text("0:00", timeout=5000)
    page.mouse.move(220, 240)
    page.wait_for_timeout(1200)
    shown = _seconds(value.inner_text())
    recorded = page.evaluate(RECORDED)
    assert shown >= 1 and abs(shown - recorded) <= 1.5
    expect(page.get_by_test_id("work-timer-paused")).to_be_hidden()

    # when the tab goes to the background, the timer stops with the recorded time
    page.evaluate(SET_VISIBILITY, "hidden")
    expect(timer).to_have_attribute("data-state", "paused", timeout=5000)
    stopped = value.inner_text()
    page.wait_for_timeout(2000)
    expect(value).to_have_text(stopped)
    expect(page.get_by_test_id("work-timer-paused")).to_be_visible()
    assert abs(page.evaluate(RECORDED) - _seconds(stopped)) <= 1.5

    # and it goes on when the trainer is back
    page.evaluate(SET_VISIBILITY, "visible")
    page.mouse.move(300, 300)
    expect(timer).to_have_attribute("data-state", "running", timeout=5000)
    expect(value).not_to_have_text(stopped, timeout=5000)

    page.evaluate(STOP)
    assert problems == []


def test_done_today_counts_from_midnight_where_the_trainer_is(
    in_auckland, live_server, cast, world
):
    page = in_auckland
    # given: one of the trainer's 3 submissions was made a minute before midnight in Auckland
    midnight = day_start(ZoneInfo(AUCKLAND))
    Submission.objects.filter(pk=world.mine["accepted"].pk).update(
        created_at=midnight - timedelta(minutes=1)
    )
    login(page, live_server, cast.trainer)
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("tz") == AUCKLAND
    # (2 of 3 in this project, and 1 in the other project)
    expect(page.get_by_test_id("day-today")).to_have_text("3")
    card = _card(page, world.project)
    expect(card.get_by_test_id("progress-of")).to_have_text("3 of 4")
    expect(card.get_by_test_id("progress-today")).to_have_text("2")
    expect(card.locator("[title*='Pacific/Auckland time']")).to_have_count(1)

    # when they answer the task they hold
    page.goto(live_server.url + f"/tasks/{world.tasks[5].pk}/work/")
    page.wait_for_function(READY)
    page.keyboard.press("a")
    before = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != before)

    # then the dashboard counts it: one more today, and 4 of 4 in the project
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My projects").click()
    expect(page.get_by_test_id("day-today")).to_have_text("4")
    expect(card.get_by_test_id("progress-of")).to_have_text("4 of 4")
    expect(card.get_by_test_id("progress-today")).to_have_text("3")
    assert Submission.objects.filter(author=cast.trainer, task=world.tasks[5]).exists()


def test_a_returned_submission_shows_in_the_returned_counts_and_in_my_work(
    page, problems, live_server, cast, world
):
    # given: the trainer answers the task they hold in the browser
    login(page, live_server, cast.trainer)
    page.goto(live_server.url + f"/tasks/{world.tasks[5].pk}/work/")
    page.wait_for_function(READY)
    page.keyboard.press("b")
    before = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != before)
    mine = Submission.objects.get(author=cast.trainer, task=world.tasks[5])

    # when a reviewer returns it for rework
    submission_return_for_rework(submission=mine, reasons=["Explain why B."])

    # then the dashboard counts 2 returned, in the project and in all
    page.goto(live_server.url + "/")
    card = _card(page, world.project)
    expect(card.get_by_test_id("progress-returned")).to_contain_text("2")
    expect(page.get_by_test_id("day-returned")).to_have_text("2 returned to you for rework")

    # and the project page too
    page.goto(live_server.url + f"/projects/{world.project.pk}/")
    expect(_card(page, world.project).get_by_test_id("progress-returned")).to_contain_text("2")

    # and following the link lists exactly the returned work, across projects
    page.goto(live_server.url + "/")
    page.get_by_test_id("day-returned").click()
    expect(page).to_have_url(re.compile(r"/me/work/\?status=returned$"))
    rows = page.get_by_test_id("my-submissions").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-submission", str(mine.pk))
    expect(rows.first).to_contain_text("Explain why B.")
    expect(rows.nth(1)).to_contain_text(RETURN_REASON)
    expect(page.get_by_test_id("count-returned")).to_have_text("2")
    expect(page.get_by_test_id("count-all")).to_have_text("5")
    expect(page.locator(".status-tabs a[aria-current='page']")).to_contain_text(
        "Returned for rework"
    )
    expect(page.get_by_text("The colleague's private reason.")).to_have_count(0)

    # "All" lists every status; "My work" in the header leads to the same page
    page.locator(".status-tabs a[data-status='all']").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("my-submissions")).to_contain_text("Image captions")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("in all your projects")

    # and Revise opens the workspace with the reasons
    page.goto(live_server.url + "/me/work/?status=returned")
    rows.first.get_by_role("link", name="Revise").click()
    expect(page.get_by_test_id("rework-reasons")).to_contain_text("Explain why B.")
    page.wait_for_function(READY)
    expect(page.get_by_test_id("progress-done")).to_have_text("4")
    assert Submission.objects.get(pk=mine.pk).status == SubmissionStatus.RETURNED
    page.evaluate(STOP)
    assert problems == []

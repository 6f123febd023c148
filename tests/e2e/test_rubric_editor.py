"""The rubric editor in a real Chromium: a setter builds a rubric with the keyboard, sees
errors as they type, publishes, edits a new draft and reads the diff; a trainer reads the
version their project uses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rubrics.models import Rubric
from tasks.services import project_rubric_create, project_rubric_publish
from tests.e2e.conftest import login
from tests.tasks.rubric_fixtures import CITATIONS

pytestmark = pytest.mark.e2e

PAPER = "Names the paper each claim rests on"
PAPER_V2 = "Names the paper or official document each claim rests on"
INVENTED = "Cites a paper that does not exist"


def node(page, name: str):
    """A criterion or section of the editor by its position label ("Criterion 2")."""
    return page.get_by_role("group", name=name, exact=True)


def test_setter_builds_publishes_and_revises_a_rubric_with_the_keyboard(page, live_server, cast):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    login(page, live_server, cast.setter)
    page.goto(f"{live_server.url}/projects/{cast.project.pk}/rubric/")

    # create: type a title and press Enter
    page.get_by_label("Title of the new rubric").fill("Citation logic")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Citation logic", exact=True)).to_be_visible()
    status = page.get_by_test_id("live-status")

    # first criterion: the add button puts the cursor in its statement
    page.get_by_role("button", name="Add a criterion").press("Enter")
    page.keyboard.type(PAPER)
    page.keyboard.press("Tab")  # points
    page.keyboard.press("Control+A")
    page.keyboard.type("5")

    # second criterion: a pitfall typed with a stray minus is flagged as you type
    page.get_by_role("button", name="Add a criterion").press("Enter")
    page.keyboard.type(INVENTED)
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("-5")
    second = node(page, "Criterion 2")
    expect(second.get_by_text("is a pitfall")).to_be_visible()
    expect(second.get_by_label("Polarity")).to_have_attribute("aria-invalid", "true")
    second.get_by_label("Polarity").select_option("pitfall")
    expect(status).to_contain_text("No problems.")

    # points that are not a number: the path's message sits next to the field
    points = second.get_by_label("Points")
    points.fill("lots")
    expect(second.get_by_text("Must be a number")).to_be_visible()
    points.fill("-5")
    expect(status).to_contain_text("No problems.")

    # reorder with Alt+Up, from any field of the criterion
    second.get_by_label("Criterion", exact=True).press("Alt+ArrowUp")
    expect(node(page, "Criterion 1").get_by_label("Criterion", exact=True)).to_have_value(INVENTED)
    expect(node(page, "Criterion 1").get_by_label("Criterion", exact=True)).to_be_focused()

    # group: a section moved up one place, then the criterion below it moved in (Alt+Right)
    page.get_by_role("button", name="Add a section").press("Enter")
    page.keyboard.type("Citations")
    page.keyboard.press("Alt+ArrowUp")
    node(page, "Criterion 3").get_by_label("Criterion", exact=True).press("Alt+ArrowRight")
    section = node(page, "Section 2")
    expect(section.get_by_role("group", name="Criterion 2.1")).to_have_count(1)
    expect(status).to_contain_text("No problems.")

    # the preview shows it as a reviewer will
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("criterion")).to_have_count(2)
    expect(preview).to_contain_text("pitfall -5 pts")

    # save with Ctrl+S; publishing waits for a saved draft
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("status").first).to_contain_text("Draft saved.")
    page.get_by_label("Change note").fill("First version")
    page.get_by_label("Change note").press("Enter")
    expect(page.get_by_role("status").first).to_contain_text(
        "Published version 1 and pinned in this project."
    )

    # a new draft: reword the first criterion and save
    statement = section.get_by_label("Criterion", exact=True)
    expect(statement).to_have_value(PAPER)
    statement.fill(PAPER_V2)
    expect(status).to_contain_text("Unsaved changes")
    statement.press("Control+s")
    expect(page.get_by_role("status").first).to_contain_text("Draft saved.")

    # the diff: what the draft changes against version 1, criterion by criterion
    page.get_by_role("link", name="Compare versions").click()
    expect(page.get_by_test_id("diff-heading")).to_have_text("From version 1 to the draft")
    entry = page.get_by_test_id("diff").locator("li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("changed")
    expect(entry.locator("del")).to_have_text(PAPER)
    expect(entry.locator("ins")).to_have_text(PAPER_V2)

    rubric = Rubric.objects.get(title="Citation logic")
    assert [n["kind"] for n in rubric.versions.get().content["criteria"]] == [
        "criterion",
        "section",
    ]
    assert problems == []


def test_saving_bad_content_without_javascript_shows_each_path(browser, live_server, cast):
    # given: a browser with JavaScript off edits the JSON directly
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    link = project_rubric_create(project=cast.project, title="Raw", by=cast.setter)
    login(page, live_server, cast.setter)
    page.goto(f"{live_server.url}/projects/{cast.project.pk}/rubrics/{link.rubric_id}/")

    page.get_by_label("Content (JSON)").fill(
        '{"schema_version": 1, "criteria": [{"kind": "criterion", "id": "a", "title": "",'
        ' "points": 1, "polarity": "positive"}]}'
    )
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_test_id("save-errors")).to_contain_text("content.criteria[0].title")
    context.close()


def test_a_trainer_reads_the_version_their_project_uses(page, live_server, cast):
    link = project_rubric_create(
        project=cast.project, title="Citation logic", content=CITATIONS, by=cast.setter
    )
    project_rubric_publish(link=link, note="First version", pin=True, by=cast.setter)
    login(page, live_server, cast.trainer)

    page.goto(f"{live_server.url}/projects/{cast.project.pk}/")
    page.get_by_role("link", name="Rubric", exact=True).click()

    expect(page.get_by_test_id("pinned-version")).to_have_text("Citation logic · version 1")
    view = page.get_by_test_id("reviewer-view")
    expect(view.get_by_test_id("criterion")).to_have_count(3)
    expect(view).to_contain_text(PAPER)
    expect(page.get_by_role("button", name=re.compile("Create|Import|Publish"))).to_have_count(0)

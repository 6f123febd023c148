"""The rubric traps of issue #19 in a real Chromium: a deleted criterion's id is never given
to a new one (the editor proposes the next id, the server refuses a reused one), criteria
fold away, and a version a project still uses cannot be retired without choosing the
version that replaces it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rubrics.models import VersionStatus
from tasks.models import Project
from tasks.services.rubrics import project_rubric_create, project_rubric_publish
from tests.e2e.conftest import login
from tests.tasks.rubric_fixtures import content, crit

pytestmark = pytest.mark.e2e


def node(page, name: str):
    return page.get_by_role("group", name=name, exact=True)


@pytest.fixture
def link(cast):
    made = project_rubric_create(
        project=cast.project,
        title="Citation logic",
        content=content(crit("c1", 5, "Names the paper"), crit("c2", 3, "Explains why")),
        by=cast.setter,
    )
    project_rubric_publish(link=made, note="First version", pin=True, by=cast.setter)
    return made


def test_a_deleted_criterions_id_is_never_reused(page, live_server, cast, link):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    login(page, live_server, cast.setter)
    editor = f"{live_server.url}/projects/{cast.project.pk}/rubrics/{link.rubric_id}/"
    page.goto(editor)

    # criteria fold away and come back
    title_field = node(page, "Criterion 1").get_by_label("Criterion", exact=True)
    expect(title_field).to_be_visible()
    page.get_by_role("button", name="Collapse every criterion and section").click()
    expect(title_field).to_be_hidden()
    expect(node(page, "Criterion 2").get_by_test_id("node-summary")).to_contain_text("c2")
    page.get_by_role("button", name="Expand every criterion and section").click()
    expect(title_field).to_be_visible()

    # when: c2 is removed and a new criterion added, it gets c3, not c2
    node(page, "Criterion 2").get_by_role("button", name=re.compile("^Remove")).click()
    page.get_by_role("button", name="Add a criterion").click()
    new = node(page, "Criterion 2")
    expect(new.get_by_label("Id", exact=True)).to_have_value("c3")
    page.keyboard.type("Is polite")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    link.rubric.refresh_from_db()
    assert [c["id"] for c in link.rubric.draft_content["criteria"]] == ["c1", "c3"]

    # then: the diff from version 1 reads "removed c2, added c3", never "changed c2"
    page.goto(editor + "diff/")
    expect(page.locator('[data-kind="removed"]')).to_contain_text("c2")
    expect(page.locator('[data-kind="added"]')).to_contain_text("c3")
    expect(page.locator('[data-kind="changed"]')).to_have_count(0)

    # and: typing the deleted id by hand is refused by the server, at that field
    page.goto(editor)
    new = node(page, "Criterion 2")
    new.get_by_label("Id", exact=True).fill("c2")
    page.get_by_role("button", name="Save draft").click()
    errors = page.get_by_test_id("save-errors")
    expect(errors).to_contain_text("content.criteria[1].id")
    expect(errors).to_contain_text("never reused")
    link.rubric.refresh_from_db()
    assert [c["id"] for c in link.rubric.draft_content["criteria"]] == ["c1", "c3"]
    assert problems == []


def test_retiring_a_pinned_version_needs_its_replacement(page, live_server, cast, link):
    login(page, live_server, cast.setter)
    base = f"{live_server.url}/projects/{cast.project.pk}/rubrics/{link.rubric_id}/"

    # given: v1 is the only version, and this project uses it: retiring it is refused
    page.goto(base + "versions/")
    row = page.locator('tr[data-version="1"]')
    row.get_by_text("Retire…").click()
    expect(row.get_by_test_id("retire-pinned-1")).to_contain_text("Cantonese TTS listening test")
    expect(row.get_by_text("publish the draft first")).to_be_visible()
    row.get_by_label("Why retire version 1?").fill("Wrong weights")
    row.get_by_role("button", name="Retire version 1").click()
    expect(page.locator(".messages")).to_contain_text(
        "is still used by “Cantonese TTS listening test”"
    )
    assert link.rubric.versions.get(number=1).status == VersionStatus.PUBLISHED

    # when: the setter publishes v2 from the editor with the re-pin box unticked
    page.goto(base)
    page.get_by_role("button", name="Add a criterion").click()
    page.keyboard.type("Is polite")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    repin = page.get_by_test_id("repin").get_by_role("checkbox")
    expect(repin).to_be_checked()  # offered, ticked by default
    repin.uncheck()
    page.get_by_label("Change note").fill("Adds politeness")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published version 2.")).to_be_visible()
    assert Project.objects.get(pk=cast.project.pk).rubric_version.number == 1

    # then: retiring v1 needs a replacement: the browser will not send the form without one
    page.goto(base + "versions/")
    row = page.locator('tr[data-version="1"]')
    row.get_by_text("Retire…").click()
    row.get_by_label("Why retire version 1?").fill("Wrong weights")
    row.get_by_role("button", name="Retire version 1").click()
    assert row.get_by_label("Replace it with").evaluate("select => select.validity.valid") is False
    expect(page).to_have_url(base + "versions/")
    assert link.rubric.versions.get(number=1).status == VersionStatus.SUPERSEDED

    # and: with version 2 chosen, v1 is retired and the project moves to v2 at once
    row.get_by_label("Replace it with").select_option("2")
    row.get_by_role("button", name="Retire version 1").click()
    expect(page.get_by_text("Version 1 retired; these projects now use version 2:")).to_be_visible()
    assert link.rubric.versions.get(number=1).status == VersionStatus.RETIRED
    assert Project.objects.get(pk=cast.project.pk).rubric_version.number == 2

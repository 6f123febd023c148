"""A setter who may create projects follows the project checklist of a new project, from
Draft to Active, by its "next step" links alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tasks.models import Project, ProjectStatus
from tests.e2e.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def back_to_the_project(page, live_server, project) -> None:
    page.goto(f"{live_server.url}/projects/{project.pk}/")


def next_step(page, code: str):
    """The highlighted next step, which must be ``code``."""
    box = page.get_by_test_id("checklist-next")
    expect(box).to_have_attribute("data-step", code)
    return box


def test_a_setter_follows_the_checklist_from_draft_to_active(page, live_server, cast):
    # given: a setter who may create projects, and two people to add
    setter = UserFactory(username="maker", can_create_projects=True)
    UserFactory(username="newtrainer")
    UserFactory(username="newlead")
    login(page, live_server, setter)

    # when: they create a project (Draft by default)
    page.get_by_role("link", name="New project").click()
    page.get_by_role("textbox", name="Name").fill("Checklist project")
    page.get_by_role("button", name="Create project").click()
    project = Project.objects.get(name="Checklist project")
    assert project.status == ProjectStatus.DRAFT

    # then: the checklist opens the page, every step to do, the template first
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("0 of 5 steps done.")
    expect(next_step(page, "template")).to_contain_text("Write the task template")
    expect(checklist).to_contain_text("The project is a draft")
    for code in ("template", "tasks", "members", "guidelines", "activate"):
        expect(page.get_by_test_id(f"step-{code}")).to_have_attribute("data-done", "false")

    # 1. the template, from the gallery
    page.get_by_test_id("checklist-next-link").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/template/$"))
    page.get_by_role("button", name="Use the gallery template Multiple-choice items").click()
    expect(page.locator(".messages")).to_contain_text("Multiple-choice items")
    back_to_the_project(page, live_server, project)
    expect(page.get_by_test_id("step-template")).to_have_attribute("data-done", "true")

    # 2. tasks, pasted as JSON
    next_step(page, "tasks")
    page.get_by_test_id("checklist-next-link").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/tasks/$"))
    page.get_by_label("Task data").fill('[{"question": "Which is a vowel?\\n\\n- A\\n- B\\n- C"}]')
    page.get_by_role("button", name="Add tasks").click()
    expect(page.get_by_test_id("count-new")).to_have_text("1")
    back_to_the_project(page, live_server, project)

    # 3. members: a trainer is not enough, a QA lead completes the step
    expect(next_step(page, "members")).to_contain_text("Add at least one trainer and a QA lead.")
    page.get_by_test_id("checklist-next-link").click()
    for username, role in (("newtrainer", "Trainer"), ("newlead", "QA lead")):
        page.get_by_role("textbox", name="Username or email").fill(username)
        page.get_by_role("combobox", name="Role", exact=True).select_option(label=role)
        page.get_by_role("button", name="Add member").click()
        expect(page.locator(".messages")).to_contain_text(f"{username} added as {role}.")
        if role == "Trainer":
            back_to_the_project(page, live_server, project)
            expect(next_step(page, "members")).to_contain_text("Add a QA lead.")
            page.get_by_test_id("checklist-next-link").click()
    back_to_the_project(page, live_server, project)

    # 4. guidelines: a rule, published
    next_step(page, "guidelines")
    page.get_by_test_id("checklist-next-link").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/guidelines/edit/$"))
    page.get_by_label("Rule", exact=True).fill("Choose exactly one option")
    page.get_by_role("button", name="Add rule").click()
    page.get_by_label("Change note").fill("First guidelines")
    page.get_by_role("button", name="Publish guidelines").click()
    expect(page.get_by_test_id("guidelines-version")).to_have_text("version 1")
    back_to_the_project(page, live_server, project)

    # 5. activate: the settings' status field
    expect(next_step(page, "activate")).to_contain_text("Activate the project")
    expect(page.get_by_test_id("checklist")).to_contain_text("4 of 5 steps done.")
    page.get_by_test_id("checklist-next-link").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/settings/#id_status$"))
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Project settings saved.")
    # the review policy is found under the settings too
    expect(page.get_by_test_id("settings-review-policy")).to_be_visible()

    # then: the project is active and the checklist folds away, every step done
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    back_to_the_project(page, live_server, project)
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("Set-up is complete: every step is done.")
    expect(page.get_by_test_id("checklist-next")).to_have_count(0)
    for code in ("template", "tasks", "members", "guidelines", "activate"):
        expect(page.get_by_test_id(f"step-{code}")).to_have_attribute("data-done", "true")
    # and the links stay grouped, the admin's Set up group first
    expect(page.get_by_test_id("links-setup")).to_contain_text("Settings")
    expect(page.get_by_test_id("links-data")).to_contain_text("Tasks")

"""Logging in and out, and the dashboard each kind of user lands on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

SECTION_TITLES = {
    "trainer": "Projects you work on",
    "setter": "Projects you design",
    "qa_lead": "Projects you review",
    "admin": "Projects you administer",
    "staff": "Other projects (site staff)",
}
# The action links each role's project card offers.
ROLE_ACTIONS = {
    "trainer": ["Start working", "My submissions"],
    "setter": ["Template", "Tasks"],
    "qa_lead": ["Submissions", "Tasks"],
    "admin": ["Settings", "Members", "Template"],
    "staff": [],
}
ALL_ACTIONS = {
    "Start working",
    "My submissions",
    "Template",
    "Tasks",
    "Submissions",
    "Settings",
    "Members",
}


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead", "admin", "staff"])
def test_each_role_lands_on_its_own_dashboard_section(page, live_server, cast, person):
    # given
    user = cast.by_role(person)

    # when
    login(page, live_server, user)

    # then: exactly one section, the one for this role, listing the project
    sections = page.locator("section.role-section")
    expect(sections).to_have_count(1)
    section = page.locator(f'section[data-role="{person}"]')
    expect(section.get_by_role("heading", level=2)).to_have_text(SECTION_TITLES[person])
    card = section.locator("li.project-card")
    expect(card.get_by_role("link", name=cast.project.name)).to_be_visible()
    # the outsider's project never shows, staff included (it is theirs to see only as staff)
    if person != "staff":
        expect(page.get_by_text("Someone else's project")).to_have_count(0)

    for action in ALL_ACTIONS:
        expected = 1 if action in ROLE_ACTIONS[person] else 0
        expect(card.get_by_role("link", name=action, exact=True)).to_have_count(expected)

    # only staff (or users granted it) may create projects
    new_project = page.get_by_role("link", name="New project")
    expect(new_project).to_have_count(1 if person == "staff" else 0)


def test_admin_card_links_lead_to_settings_and_members(page, live_server, cast):
    login(page, live_server, cast.admin)
    card = page.locator('section[data-role="admin"] li.project-card')

    card.get_by_role("link", name="Members", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/projects/{cast.project.pk}/members/")
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()


def test_user_allowed_to_create_projects_sees_new_project_button(page, live_server, cast):
    # given
    cast.trainer.can_create_projects = True
    cast.trainer.save(update_fields=["can_create_projects"])

    # when
    login(page, live_server, cast.trainer)
    page.get_by_role("link", name="New project").click()

    # then
    expect(page.get_by_role("heading", name="New project", level=1)).to_be_visible()


def test_outsider_does_not_see_the_cast_project(page, live_server, cast):
    login(page, live_server, cast.outsider)

    expect(page.get_by_role("link", name=cast.project.name)).to_have_count(0)
    admin_section = page.locator('section[data-role="admin"]')
    expect(admin_section.get_by_role("link", name="Someone else's project")).to_be_visible()
    expect(page.locator('section[data-role="staff"]')).to_have_count(0)


def test_wrong_password_shows_the_error_and_stays_on_login(page, live_server, cast):
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(cast.trainer.username)
    page.get_by_label("Password").fill("not-the-password")

    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page).to_have_url(re.compile(r"/account/login/$"))
    # the username is kept, the password is not
    expect(page.get_by_label("Username")).to_have_value(cast.trainer.username)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_login_with_the_keyboard_only(page, live_server, cast):
    # given: the login page of a protected URL
    page.goto(f"{live_server.url}/account/tokens/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next="))

    # when: the username field has focus; Tab reaches password, Enter submits
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(cast.setter.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log in")).to_be_focused()
    page.keyboard.press("Enter")

    # then: back where the user was going
    expect(page).to_have_url(f"{live_server.url}/account/tokens/")
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()


def test_skip_link_is_the_first_tab_stop(page, live_server, cast):
    login(page, live_server, cast.trainer)

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_logout_button_logs_out(page, live_server, cast):
    # given
    login(page, live_server, cast.qa_lead)

    # when
    page.get_by_role("button", name="Log out").click()

    # then: back on the login page; the session is gone, so protected pages ask again
    expect(page).to_have_url(re.compile(r"/account/login/$"))
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/login/\?next=/$"))

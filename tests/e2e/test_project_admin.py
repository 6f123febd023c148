"""A project admin manages members and settings in the browser; others are turned away."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tasks.models import Membership, ProjectStatus, Role
from tests.e2e.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def members_url(live_server, project) -> str:
    return f"{live_server.url}/projects/{project.pk}/members/"


def member_row(page, username: str):
    return page.get_by_test_id("members").locator(f'tr[data-username="{username}"]')


# Required fields' labels end in an aria-hidden "*": get_by_label matches the label's text
# ("Name *"), get_by_role the accessible name ("Name") a screen reader announces.


def test_admin_adds_changes_and_removes_a_member(page, live_server, cast):
    # given
    newcomer = UserFactory(username="newcomer")
    login(page, live_server, cast.admin)
    page.goto(members_url(live_server, cast.project))

    # when: add by username as a question setter
    page.get_by_role("textbox", name="Username or email").fill("newcomer")
    page.get_by_role("combobox", name="Role", exact=True).select_option(label="Question setter")
    page.get_by_role("button", name="Add member").click()

    # then
    expect(page.get_by_role("status")).to_contain_text("newcomer added as Question setter.")
    row = member_row(page, "newcomer")
    expect(row.get_by_label("Role of newcomer")).to_have_value(Role.SETTER)

    # when: promote to QA lead
    row.get_by_label("Role of newcomer").select_option(label="QA lead")
    row.get_by_role("button", name="Change").click()

    # then
    expect(page.get_by_role("status")).to_contain_text("newcomer is now QA lead.")
    expect(member_row(page, "newcomer").get_by_label("Role of newcomer")).to_have_value(
        Role.QA_LEAD
    )

    # when: remove, confirmed on the page that says what it means
    member_row(page, "newcomer").get_by_role("button", name="Remove newcomer").click()
    page.get_by_test_id("confirm").click()

    # then
    expect(page.get_by_role("status")).to_contain_text("newcomer removed.")
    expect(member_row(page, "newcomer")).to_have_count(0)
    assert not Membership.objects.filter(project=cast.project, user=newcomer).exists()


def test_adding_an_unknown_user_shows_the_field_error(page, live_server, cast):
    login(page, live_server, cast.admin)
    page.goto(members_url(live_server, cast.project))

    field = page.get_by_role("textbox", name="Username or email")
    field.fill("nobody-by-this-name")
    page.get_by_role("button", name="Add member").click()

    expect(page.get_by_role("alert")).to_contain_text("No active user")
    # the error is tied to its field, so a screen reader reads it with the field
    expect(field).to_have_value("nobody-by-this-name")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("No active user"))


def test_demoting_the_last_admin_is_refused(page, live_server, cast):
    # given: the cast admin is the project's only admin
    login(page, live_server, cast.admin)
    page.goto(members_url(live_server, cast.project))
    row = member_row(page, cast.admin.username)

    # when
    row.get_by_label(f"Role of {cast.admin.username}").select_option(Role.TRAINER)
    row.get_by_role("button", name="Change").click()

    # then
    expect(page.locator(".message.error")).to_contain_text("at least one project admin")
    expect(
        member_row(page, cast.admin.username).get_by_label(f"Role of {cast.admin.username}")
    ).to_have_value(Role.ADMIN)
    assert Membership.objects.get(project=cast.project, user=cast.admin).role == Role.ADMIN


def test_admin_edits_settings_and_sees_them_saved(page, live_server, cast):
    # given
    login(page, live_server, cast.admin)
    page.locator('section[data-role="admin"]').get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Project settings")).to_be_visible()

    # when
    name = page.get_by_role("textbox", name="Name", exact=True)
    status = page.get_by_role("combobox", name="Status")
    name.fill("Cantonese TTS, round two")
    status.select_option(label="Paused")
    page.get_by_role("button", name="Save").click()

    # then: the form shows the saved values, and so does the dashboard
    expect(page.get_by_role("status")).to_contain_text("Project settings saved.")
    expect(name).to_have_value("Cantonese TTS, round two")
    expect(status).to_have_value(ProjectStatus.PAUSED)
    page.get_by_role("link", name="My projects").click()
    card = page.locator('section[data-role="admin"] li.project-card')
    expect(card.get_by_role("link", name="Cantonese TTS, round two")).to_be_visible()
    expect(card.locator(".badge")).to_have_text("Paused")


@pytest.mark.parametrize(
    ("person", "status", "heading"),
    [("trainer", 403, "Not allowed"), ("outsider", 404, "Not found")],
)
def test_members_page_is_closed_to_trainer_and_outsider(
    page, live_server, cast, person, status, heading
):
    login(page, live_server, cast.by_role(person))

    response = page.goto(members_url(live_server, cast.project))

    assert response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text("Add a member")).to_have_count(0)
    expect(page.get_by_text(cast.admin.username)).to_have_count(0)

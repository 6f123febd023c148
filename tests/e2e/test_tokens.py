"""API tokens made on the tokens page work against the API until revoked there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_token_created_in_the_page_works_until_revoked_there(page, live_server, cast, api_request):
    # given
    login(page, live_server, cast.setter)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()

    # when: create a token
    name = page.get_by_role("textbox", name="Name", exact=True)
    expect(name).to_have_accessible_description(re.compile("What the token is for"))
    name.fill("import script")
    expect(page.get_by_label("Read only")).to_be_checked()  # least privilege by default
    page.get_by_label("Annotate").check()
    page.get_by_role("button", name="Create token").click()

    # then: the secret is shown once
    new_token = page.get_by_test_id("new-token")
    expect(new_token).to_contain_text("shown only once")
    raw = page.locator("#new-token-value").inner_text().strip()
    assert re.fullmatch(r"ap_\w+_\S+", raw), raw
    row = page.get_by_role("row").filter(has_text="import script")
    expect(row).to_contain_text("active")
    expect(row.get_by_test_id("token-scope")).to_have_text("Annotate")

    # and the secret is gone after reloading the list
    page.goto(f"{live_server.url}/account/tokens/")
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(raw)

    # when: a client with no cookies uses it
    headers = {"Authorization": f"Bearer {raw}"}
    response = api_request.get("/api/v1/me/", headers=headers)

    # then
    assert response.status == 200, response.text()
    assert response.json()["username"] == cast.setter.username

    # when: the token is revoked in the page, confirmed on the page that says what stops
    page.get_by_role("button", name="Revoke token import script").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token “import script”?")
    page.get_by_test_id("confirm").click()

    # then
    expect(page.get_by_role("status")).to_contain_text("Token “import script” revoked.")
    expect(page.get_by_role("row").filter(has_text="import script")).to_contain_text("revoked")
    expect(page.get_by_role("button", name="Revoke token import script")).to_have_count(0)
    response = api_request.get("/api/v1/me/", headers=headers)
    assert response.status == 401, response.text()


def test_api_without_a_token_is_unauthorised(api_request):
    # The success test above would pass for the wrong reason if the API let anyone in.
    response = api_request.get("/api/v1/me/")

    assert response.status == 401

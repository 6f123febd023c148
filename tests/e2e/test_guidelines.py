"""Guidelines in a real Chromium: a setter retires a rule with a reason and publishes v2; a
trainer is told what changed since they last worked and acknowledges it once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasks.models import GuidelineAcknowledgement
from tasks.services import guideline_rule_add, guidelines_acknowledge, guidelines_publish
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

OPTION_RANGE = "The answer must not exceed the option range"


def test_a_retired_rule_reaches_the_trainer_once(page, live_server, cast):
    # given: v1 with two rules, which the trainer has acknowledged
    guideline_rule_add(project=cast.project, title=OPTION_RANGE, by=cast.setter)
    guideline_rule_add(project=cast.project, title="Mark swallowed syllables", by=cast.setter)
    guidelines_publish(project=cast.project, note="First guidelines", by=cast.setter)
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    guidelines = f"{live_server.url}/projects/{cast.project.pk}/guidelines/"

    # when: the setter retires R1 with a reason, adds a rule and publishes v2
    login(page, live_server, cast.setter)
    page.goto(guidelines + "edit/")
    page.locator("summary", has_text="Retire R1").click()
    page.get_by_label("Why retire R1?").fill("Models no longer answer outside the options")
    page.get_by_role("button", name="Retire R1").click()
    expect(page.get_by_role("status").first).to_contain_text("Rule R1 retired in the draft.")
    page.get_by_label("Rule", exact=True).fill("Note nasal finals")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_test_id("pending-changes")).to_contain_text("retired R1")
    page.get_by_label("Change note").fill("R1 is no longer needed")
    page.get_by_role("button", name="Publish guidelines").click()
    expect(page.get_by_test_id("guidelines-version")).to_have_text("version 2")
    page.get_by_role("button", name="Log out").click()

    # then: the trainer is told what changed since version 1
    login(page, live_server, cast.trainer)
    page.goto(guidelines)
    notice = page.get_by_test_id("guidelines-notice")
    expect(notice).to_contain_text("changed since you last worked")
    expect(notice.get_by_test_id("notice-added")).to_have_text("R3Note nasal finals")
    expect(notice.get_by_test_id("notice-retired")).to_contain_text(OPTION_RANGE)
    expect(notice.get_by_test_id("notice-retired")).to_contain_text("outside the options")

    # and acknowledges once: the notice is gone, and stays gone
    notice.get_by_role("button", name="I have read the changes").click()
    expect(page.get_by_role("status").first).to_contain_text("version 2")
    expect(page.get_by_test_id("guidelines-notice")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("guidelines-notice")).to_have_count(0)
    assert GuidelineAcknowledgement.objects.filter(trainer=cast.trainer, version=2).count() == 1

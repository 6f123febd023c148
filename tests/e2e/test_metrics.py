"""Quality metrics in a real Chromium: a QA lead reads the project's charts and tables; a
trainer opens "my work" and finds their returned submission with its reason, and nothing
of another trainer's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tasks.services.reviewing import submission_return_for_rework
from tests.e2e.conftest import login
from tests.metrics.conftest import ACCEPTED, decide, rate
from tests.metrics.conftest import tts as tts

pytestmark = pytest.mark.e2e


@pytest.fixture
def work(cast, tts):
    t = tts["tasks"]
    decide(rate(t[0], cast.trainer, 4, active_seconds=95), ACCEPTED)
    rate(t[0], tts["ann"], 5, active_seconds=40)
    returned = rate(t[2], cast.trainer, 2, active_seconds=30)
    submission_return_for_rework(submission=returned, reasons=["Play the clip to the end."])
    hers = rate(t[2], tts["ann"], 3)
    submission_return_for_rework(submission=hers, reasons=["Ann: check the tones."])
    return {"returned": returned, "hers": hers}


def test_qa_lead_sees_charts_and_tables(page, live_server, cast, work):
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("project-metrics", args=[cast.project.pk]))
    expect(page.get_by_role("heading", name="Quality metrics")).to_be_visible()
    chart = page.get_by_test_id("throughput-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(30)
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50  # drawn, not collapsed
    expect(page.get_by_test_id("acceptance-chart").locator("circle")).to_have_count(1)
    expect(page.get_by_test_id("agreement-table")).to_contain_text("naturalness")
    expect(page.get_by_test_id("mos-table")).to_contain_text("3.50")  # 4, 5, 2, 3
    trainers = page.get_by_test_id("trainers-table")
    expect(trainers).to_contain_text("trainer-user")
    expect(trainers).to_contain_text("ann")
    expect(page.get_by_test_id("computed-at")).to_contain_text("Computed")


def test_trainer_sees_their_returned_submission_with_its_reason(page, live_server, cast, work):
    login(page, live_server, cast.trainer)
    page.goto(live_server.url + reverse("my-work"))
    row = page.locator(f'tr[data-submission="{work["returned"].pk}"]')
    expect(row).to_contain_text("Returned for rework")
    expect(row).to_contain_text("Play the clip to the end.")
    expect(row.get_by_role("link", name="Revise")).to_be_visible()
    expect(page.get_by_test_id("my-acceptance")).to_contain_text("100%")
    expect(page.get_by_text("Ann: check the tones.")).to_have_count(0)
    expect(page.locator(f'tr[data-submission="{work["hers"].pk}"]')).to_have_count(0)
    # and the project's figures stay closed to a trainer
    response = page.goto(live_server.url + reverse("project-metrics", args=[cast.project.pk]))
    assert response.status == 403

# ruff: noqa: F811 - `reviewing` is an imported fixture
"""A QA lead works through the near-duplicates alone in a real Chromium (issue 19): the
queue filtered by a failed check (the filters in the URL, shareable), "Review next of
these" opening only matching items, each decision coming back to the filtered queue,
until nothing that matches is left while the other work waits. Then the confirmation
page of removing a member, in English and in Hong Kong Chinese. Screenshots go to
$RQUEUE_SHOTS_DIR (default /tmp/shots/rqueue) at the two screen sizes."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import ReviewItem
from tasks.models import Membership, Submission
from tests.e2e.conftest import login, shoot
from tests.e2e.test_review_flow import reviewing  # noqa: F401 (a fixture)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("RQUEUE_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "rqueue"))


@pytest.fixture
def flagged(cast, reviewing):
    """Five submissions by two trainers: three failed the near-duplicate check (one with
    telemetry too), one only telemetry, one clean. The check's verdicts are set on the
    queue items (the near-duplicate index itself is tested in tests/quality)."""
    other = MembershipFactory(project=cast.project, role="trainer", user__username="wen").user
    from tasks.services import guidelines_acknowledge, task_update_settings

    guidelines_acknowledge(user=other, project=cast.project, version=1)
    for task in reviewing["tasks"][:2]:
        task_update_settings(task=task, overlap=2)
    subs = [
        reviewing["submit"](task=0, answer="C"),
        reviewing["submit"](task=1, answer="C"),
        reviewing["submit"](task=2, answer="A"),
        reviewing["submit"](task=0, answer="C", author=other),
        reviewing["submit"](task=1, answer="A", author=other),
    ]
    near = [subs[0], subs[2], subs[3]]
    for submission, checks in (
        (subs[0], ["near_duplicate", "telemetry"]),
        (subs[2], ["near_duplicate"]),
        (subs[3], ["near_duplicate"]),
    ):
        ReviewItem.objects.filter(submission=submission).update(flagged_checks=checks, risk=0)
    assert ReviewItem.objects.filter(status="queued").count() == 5
    return {"near": near, "others": [subs[1], subs[4]]}


def test_qa_lead_works_through_the_near_duplicates_with_next(
    page,
    live_server,
    cast,
    reviewing,
    flagged,
    page_problems,
):
    login(page, live_server, cast.qa_lead)
    queue = live_server.url + reverse("review-queue", args=[cast.project.pk])
    page.goto(queue)
    rows = page.get_by_test_id("review-queue").locator("tbody tr")
    expect(rows).to_have_count(5)
    # Check names read as words, not ids.
    expect(page.get_by_test_id("review-queue")).to_contain_text("Near-duplicate")
    expect(page.get_by_test_id("review-queue")).not_to_contain_text("near_duplicate")

    # when: the QA lead filters by the failed check
    filters = page.get_by_test_id("queue-filters")
    filters.get_by_label("Flagged by check").select_option(label="Near-duplicate")
    filters.get_by_test_id("filter").click()

    # then: only the near-duplicates, and the URL says so (shareable)
    expect(rows).to_have_count(3)
    assert parse_qs(urlparse(page.url).query)["check"] == ["near_duplicate"]
    for submission in flagged["near"]:
        expect(page.locator(f'tr[data-submission="{submission.pk}"]')).to_have_count(1)
    shoot(page, SHOTS, "en-queue-filtered")

    # when: they work through them with "Review next of these", accepting each
    seen = []
    for _ in flagged["near"]:
        page.get_by_test_id("review-next").click()
        expect(page).to_have_url(re.compile(r"/submissions/(\d+)/review/\?check=near_duplicate$"))
        seen.append(int(re.search(r"/submissions/(\d+)/", page.url).group(1)))
        form = page.get_by_test_id("review-form")
        form.get_by_label("Accept").check()
        form.get_by_test_id("submit-review").click()
        # back on the filtered queue
        expect(page).to_have_url(re.compile(r"/review/\?check=near_duplicate$"))
        expect(page.get_by_label("Flagged by check")).to_have_value("near_duplicate")

    # then: every near-duplicate was opened once, and nothing else
    assert sorted(seen) == sorted(s.pk for s in flagged["near"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nothing waiting for review matches these filters.")
    page.get_by_test_id("review-next").click()
    expect(page.locator(".messages")).to_contain_text(
        "Nothing that matches these filters is waiting for your review."
    )
    statuses = dict(
        Submission.objects.filter(
            pk__in=[s.pk for s in flagged["near"] + flagged["others"]]
        ).values_list("pk", "status")
    )
    assert {statuses[s.pk] for s in flagged["near"]} == {"accepted"}
    assert {statuses[s.pk] for s in flagged["others"]} == {"submitted"}

    # and clearing the filters shows the rest of the queue
    page.get_by_test_id("clear-filters").click()
    expect(rows).to_have_count(2)
    assert page_problems == []


def test_the_filtered_queue_and_a_confirmation_in_hong_kong_chinese(
    page,
    live_server,
    cast,
    reviewing,
    flagged,
):
    login(page, live_server, cast.admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hant", "url": live_server.url}]
    )
    page.goto(
        live_server.url
        + reverse("review-queue", args=[cast.project.pk])
        + "?check=near_duplicate&risk=failed"
    )
    expect(page.get_by_test_id("review-queue")).to_contain_text("近似重複")
    expect(page.get_by_test_id("review-next")).to_have_text("審核其中下一項")
    shoot(page, SHOTS, "zh-hant-queue-filtered")

    # The member removal asks first, and Cancel changes nothing.
    membership = Membership.objects.get(project=cast.project, user=cast.qa_lead)
    page.goto(live_server.url + reverse("project-members", args=[cast.project.pk]))
    page.locator(f'form[action$="/members/{membership.pk}/remove/"] button').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("從")
    shoot(page, SHOTS, "zh-hant-confirm-member-remove")
    page.get_by_test_id("cancel").click()
    expect(page).to_have_url(re.compile(r"/members/$"))
    assert Membership.objects.filter(pk=membership.pk).exists()

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.locator(f'form[action$="/members/{membership.pk}/remove/"] button').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Remove {cast.qa_lead.username} from “{cast.project.name}”?"
    )
    shoot(page, SHOTS, "en-confirm-member-remove")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"{cast.qa_lead.username} removed.")
    assert not Membership.objects.filter(pk=membership.pk).exists()

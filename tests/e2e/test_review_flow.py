"""The review workflow in a real Chromium: a QA lead reviews from the risk-ordered queue,
returned work goes back to its author first and comes back with a revision diff, and a
rejection is disputed once and decided for good by another reviewer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Dispute, Review
from reviews.workflow import ReviewInput, review_submit
from tasks.models import Submission
from tests.e2e.conftest import TIMEOUT_MS, login
from tests.factories import MembershipFactory, submit
from tests.reviews.conftest import REVIEW_RUBRIC

pytestmark = pytest.mark.e2e


@pytest.fixture
def reviewing(cast, mcq, monkeypatch):
    """The cast's project with a pinned rubric (criteria "correct" and "clear"), a
    published guideline rule R1 and checks that warn on answer "B" and fail on "C"."""
    import quality.checks as checks
    from quality.checks.findings import Finding
    from tasks.services import (
        guideline_rule_add,
        guidelines_acknowledge,
        guidelines_publish,
        project_rubric_create,
        project_rubric_publish,
    )

    link = project_rubric_create(
        project=cast.project, title="MCQ quality", content=REVIEW_RUBRIC, by=cast.setter
    )
    version = project_rubric_publish(link=link, note="v1", by=cast.setter, pin=True)
    guideline_rule_add(project=cast.project, title="Answer in English", by=cast.setter)
    guidelines_publish(project=cast.project, note="First rules", by=cast.setter)
    # The trainer has read them: the work gate lets them work (tests/e2e/test_guideline_gate.py).
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    real_run_check = checks.run_check

    def run_check(name, data, config=None):
        answer = data.answer.get("answer") if isinstance(data.answer, dict) else None
        if name == "telemetry" and answer in ("B", "C"):
            status = "warn" if answer == "B" else "fail"
            return [Finding(status, f"Telemetry {status}", "answer", {"seconds": 1})]
        return real_run_check(name, data, config)

    # The live server runs in this process, so its check jobs (run eagerly) see this too.
    monkeypatch.setattr(checks, "run_check", run_check)

    def submit_checked(task=0, answer="A", author=None):
        submission, _ = submit(
            task=mcq["tasks"][task], author=author or cast.trainer, answer={"answer": answer}
        )
        return submission

    return {"version": version, "submit": submit_checked, "tasks": mcq["tasks"]}


def open_as(browser, live_server, user):
    """A second person's browser: a fresh context (own cookies) logged in as ``user``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    login(page, live_server, user)
    return page


def queue_url(live_server, cast):
    return live_server.url + reverse("review-queue", args=[cast.project.pk])


def test_qa_lead_rejects_the_failed_item_from_the_queue(page, live_server, cast, reviewing):
    clean = reviewing["submit"](task=0, answer="A")
    failed = reviewing["submit"](task=1, answer="C")
    login(page, live_server, cast.qa_lead)
    page.goto(queue_url(live_server, cast))

    rows = page.get_by_test_id("review-queue").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-submission", str(failed.pk))
    expect(rows.first).to_contain_text("Failed a check")
    expect(rows.nth(1)).to_have_attribute("data-submission", str(clean.pk))

    rows.first.get_by_role("link", name=f"#{failed.pk}").click()
    checks = page.get_by_test_id("review-checks")
    expect(checks.locator('[data-check="telemetry"]')).to_contain_text("Telemetry fail")
    checks.locator('[data-check="telemetry"]').get_by_text("Evidence").click()
    expect(checks.locator('[data-check="telemetry"] pre')).to_contain_text("seconds")

    form = page.get_by_test_id("review-form")
    form.locator('[data-criterion="correct"]').get_by_label("Not met").check()
    form.locator('[data-criterion="clear"]').get_by_label("1 · Partly").check()
    # healthbench: (5·0 + 3·0.5) / 8
    expect(page.get_by_test_id("live-score")).to_contain_text("0.19 (2 of 2 criteria judged)")
    form.get_by_label("Reject").check()
    form.get_by_test_id("reasons").get_by_label("Picks the correct option (correct)").check()
    form.get_by_label("Comment for the author").fill("The right option is B.")
    form.get_by_test_id("submit-review").click()

    expect(page.locator(".messages")).to_contain_text(f"Submission #{failed.pk}: reject")
    expect(page.locator(".messages")).to_contain_text("rubric score 0.19")
    review = Review.objects.get(submission=failed)
    assert (review.decision, review.comment) == ("reject", "The right option is B.")
    assert review.reasons == [{"criterion": "correct", "label": "Picks the correct option"}]
    assert review.judgments == {"correct": {"met": False}, "clear": {"level": 1}}
    assert review.score_value == pytest.approx(1.5 / 8)
    expect(rows).to_have_count(1)  # the decided item left the queue


def test_returned_work_goes_back_to_its_author_and_comes_back_with_a_diff(
    page, browser, live_server, cast, reviewing
):
    submission = reviewing["submit"](task=0, answer="A")
    login(page, live_server, cast.qa_lead)
    page.goto(queue_url(live_server, cast))
    page.get_by_test_id("review-next").click()
    expect(page).to_have_url(re.compile(rf"/submissions/{submission.pk}/review/$"))
    expect(page.get_by_test_id("lease")).to_contain_text("You hold this submission")
    form = page.get_by_test_id("review-form")
    form.get_by_label("Return for rework").check()
    form.get_by_test_id("reasons").get_by_label("R1: Answer in English").check()
    form.get_by_label("Comment for the author").fill("Say why A is right.")
    form.get_by_test_id("submit-review").click()
    expect(page.locator(".messages")).to_contain_text("return for rework")

    trainer = open_as(browser, live_server, cast.trainer)
    trainer.goto(live_server.url + reverse("project-detail", args=[cast.project.pk]))
    trainer.get_by_role("link", name="Start working").click()
    expect(trainer).to_have_url(re.compile(rf"/submissions/{submission.pk}/revise/$"))
    reasons = trainer.get_by_test_id("rework-reasons")
    expect(reasons).to_contain_text("Guideline rule R1: Answer in English")
    expect(reasons).to_contain_text("Say why A is right.")
    # amber like other things to act on, not the green of a success
    assert reasons.evaluate("n => getComputedStyle(n).borderTopColor") == "rgb(154, 103, 0)"
    trainer.wait_for_function("() => Boolean(window.AnnotationWorkspace?.current)")
    trainer.keyboard.press("b")  # the exam's options are keyed by their letters
    trainer.keyboard.press("Enter")
    expect(trainer).to_have_url(re.compile(rf"/submissions/{submission.pk}/$"))
    submission.refresh_from_db()
    assert (submission.status, submission.revision) == ("submitted", 2)
    trainer.context.close()

    page.goto(queue_url(live_server, cast))
    row = page.locator(f'tr[data-submission="{submission.pk}"]')
    expect(row).to_contain_text("Warned by a check")  # back in the queue, checked again
    page.get_by_test_id("review-next").click()
    diff = page.get_by_test_id("revision-diff")
    expect(diff).to_contain_text("Changes from revision 1 to 2")
    expect(diff.locator(".del")).to_contain_text(["-A"])
    expect(diff.locator(".add")).to_contain_text(["+B"])
    form = page.get_by_test_id("review-form")
    form.get_by_label("Accept").check()
    form.get_by_test_id("submit-review").click()
    expect(page.locator(".messages")).to_contain_text("accept")
    submission.refresh_from_db()
    assert submission.status == "accepted"


def test_a_rejection_is_disputed_once_and_decided_for_good(
    page, browser, live_server, cast, reviewing
):
    submission = reviewing["submit"](task=0, answer="A")
    review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=ReviewInput(
            decision="reject",
            reasons=[{"criterion": "correct"}],
            comment="A is wrong.",
            rubric_version=reviewing["version"].pk,
        ),
    )
    detail = live_server.url + reverse("submission-detail", args=[submission.pk])
    login(page, live_server, cast.trainer)
    page.goto(detail)
    outcome = page.get_by_test_id("review-outcome")
    expect(outcome).to_contain_text("A is wrong.")
    expect(outcome).to_contain_text("Picks the correct option")
    stale = page.context.new_page()  # a second tab, opened before the dispute is filed
    stale.goto(detail)

    outcome.get_by_label("Why the rejection is wrong").fill("A is the right option.")
    outcome.get_by_role("button", name="Dispute this rejection").click()
    expect(page.locator(".messages")).to_contain_text("Your dispute is filed")
    expect(page.get_by_test_id("dispute-status")).to_contain_text("another reviewer will decide")
    expect(page.get_by_test_id("dispute-form")).to_have_count(0)

    stale.get_by_label("Why the rejection is wrong").fill("Again.")
    stale.get_by_role("button", name="Dispute this rejection").click()
    expect(stale.get_by_test_id("dispute-form")).to_contain_text(
        "You already disputed this decision."
    )
    assert Dispute.objects.count() == 1

    other_lead = MembershipFactory(
        project=cast.project, role="qa_lead", user__username="qa-two"
    ).user
    lead = open_as(browser, live_server, other_lead)
    lead.goto(live_server.url + reverse("project-disputes", args=[cast.project.pk]))
    lead.get_by_role("link", name="Resolve").click()
    expect(lead.get_by_test_id("dispute")).to_contain_text("A is the right option.")
    form = lead.get_by_test_id("resolve-form")
    form.get_by_label("Accept").check()
    form.get_by_label("Your decision, for the author").fill("You are right, A is correct.")
    form.get_by_test_id("resolve").click()
    expect(lead.locator(".messages")).to_contain_text("decided")
    expect(lead.get_by_test_id("disputes")).to_contain_text("Resolved")
    lead.context.close()

    page.reload()
    expect(page.get_by_test_id("submission-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("review-decision")).to_have_text("accept")
    expect(page.get_by_test_id("review-outcome")).to_contain_text("You are right, A is correct.")
    expect(page.get_by_test_id("dispute-status")).to_contain_text("This decision is final")
    expect(page.get_by_test_id("dispute-form")).to_have_count(0)
    assert Submission.objects.get(pk=submission.pk).status == "accepted"
    assert Dispute.objects.get().status == "resolved"


def test_qa_lead_reconsiders_an_accepted_answer_the_checks_flag_later(
    page, live_server, cast, reviewing
):
    from tasks.services import task_update_settings

    # given an answer accepted while nobody else had answered its task
    task_update_settings(task=reviewing["tasks"][0], overlap=10)
    first = reviewing["submit"](task=0, answer="A")
    review_submit(
        submission=first,
        reviewer=cast.admin,
        data=ReviewInput(decision="accept", rubric_version=reviewing["version"].pk),
    )
    # when three others answer B, the agreement check judges it again and flags it
    for _ in range(3):
        peer = MembershipFactory(project=cast.project, role="trainer").user
        reviewing["submit"](task=0, answer="B", author=peer)

    login(page, live_server, cast.qa_lead)
    page.goto(queue_url(live_server, cast))
    row = page.locator(f'tr[data-submission="{first.pk}"]')
    expect(row).to_contain_text("Agreement outlier")  # the check by name, not id
    expect(row).to_contain_text("the checks changed after the decision")
    row.get_by_role("link", name=f"#{first.pk}").click()

    notice = page.get_by_test_id("reconsider")
    expect(notice).to_contain_text("The checks changed after this submission was accepted.")
    expect(notice).to_contain_text("Agrees with the other trainers")
    expect(page.get_by_test_id("submission-status")).to_have_text("Accepted")
    checks = page.get_by_test_id("review-checks")
    expect(checks.locator('[data-check="agreement_outlier"]')).to_contain_text(
        "3 of 3 other trainers chose B"
    )
    form = page.get_by_test_id("review-form")
    form.get_by_label("Reject").check()
    form.get_by_test_id("reasons").get_by_label("Picks the correct option (correct)").check()
    form.get_by_label("Comment for the author").fill("The other trainers all chose B.")
    form.get_by_test_id("submit-review").click()

    expect(page.locator(".messages")).to_contain_text(f"Submission #{first.pk}: reject")
    first.refresh_from_db()
    assert first.status == "rejected"
    kinds = list(
        Review.objects.filter(submission=first).order_by("id").values_list("kind", "decision")
    )
    assert kinds == [("review", "accept"), ("reconsider", "reject")]
    expect(page.locator(f'tr[data-submission="{first.pk}"]')).to_have_count(0)

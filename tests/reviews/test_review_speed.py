"""Review at speed (#19): "Decide and go to next" records the decision and opens the next
item of the queue in one POST and one redirect, in the order "Review next" uses; who may
do it; its cost in queries; and what the faster review page shows (rubric sections and
reviewer guidance, reasons as filterable checkboxes, passing checks folded)."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import ItemStatus, Review, ReviewEvent, ReviewItem
from reviews.workflow import review_lease, review_submit_and_next
from reviews.workflow._common import ReviewInput
from tasks.models import Role
from tests.factories import MembershipFactory
from tests.reviews.conftest import REVIEW_RUBRIC

pytestmark = pytest.mark.django_db


def _accept(reviewing, submission, **extra):
    return {
        "decision": "accept",
        "rubric_version": reviewing["version"].pk,
        "revision": submission.revision,
        "then": "next",
        **extra,
    }


def _more_tasks(cast, count):
    from tasks.services import tasks_create

    return tasks_create(
        project=cast.project,
        items=[{"question": f"Extra {n}?\n\n- A\n- B\n- C"} for n in range(count)],
        by=cast.setter,
    )


def test_decide_and_next_opens_the_next_item_of_the_queue_and_leases_it(client, cast, reviewing):
    clean = reviewing["submit"](task=0, answer="A")
    warned = reviewing["submit"](task=1, answer="B")
    failed = reviewing["submit"](task=2, answer="C")
    client.force_login(cast.qa_lead)

    response = client.post(reverse("submission-review", args=[clean.pk]), _accept(reviewing, clean))

    # Failed work comes first, as in "Review next"; one redirect, straight to it.
    assert response.status_code == 302
    assert response.url == reverse("submission-review", args=[failed.pk])
    clean.refresh_from_db()
    assert clean.status == "accepted"
    item = ReviewItem.objects.get(submission=failed)
    assert item.leased_by == cast.qa_lead and item.lease_expires_at is not None
    assert ReviewItem.objects.get(submission=warned).leased_by is None
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Submission #{clean.pk}: accept" in text
    assert "You hold this submission" in text


def test_decide_and_next_goes_to_the_queue_when_nothing_is_left(client, cast, reviewing):
    only = reviewing["submit"](task=0, answer="A")
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[only.pk]), _accept(reviewing, only), follow=True
    )
    assert response.redirect_chain == [(reverse("review-queue", args=[cast.project.pk]), 302)]
    text = response.content.decode()
    assert f"Submission #{only.pk}: accept" in text
    assert "Nothing is waiting for your review in this project." in text


def test_the_plain_decide_button_goes_back_to_the_queue_and_leases_nothing(client, cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    second = reviewing["submit"](task=1, answer="C")
    client.force_login(cast.qa_lead)
    data = _accept(reviewing, first)
    del data["then"]
    response = client.post(reverse("submission-review", args=[first.pk]), data)
    assert response.url == reverse("review-queue", args=[cast.project.pk])
    assert ReviewItem.objects.get(submission=second).leased_by is None


def test_the_next_item_is_the_one_the_reviewer_already_holds(client, cast, reviewing):
    failed = reviewing["submit"](task=0, answer="C")
    clean = reviewing["submit"](task=1, answer="A")
    held = reviewing["submit"](task=2, answer="A")
    review_lease(submission=held, reviewer=cast.qa_lead)
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[failed.pk]), _accept(reviewing, failed)
    )
    assert response.url == reverse("submission-review", args=[held.pk])
    assert ReviewItem.objects.get(submission=clean).leased_by is None


def test_an_item_another_reviewer_holds_is_skipped(client, cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    taken = reviewing["submit"](task=1, answer="C")
    free = reviewing["submit"](task=2, answer="B")
    other = MembershipFactory(project=cast.project, role=Role.QA_LEAD).user
    review_lease(submission=taken, reviewer=other)
    client.force_login(cast.qa_lead)
    response = client.post(reverse("submission-review", args=[first.pk]), _accept(reviewing, first))
    assert response.url == reverse("submission-review", args=[free.pk])
    assert ReviewItem.objects.get(submission=taken).leased_by == other


def test_a_refused_decision_stays_on_the_page_and_leases_nothing(client, cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    second = reviewing["submit"](task=1, answer="C")
    client.force_login(cast.qa_lead)
    before = (Review.objects.count(), ReviewEvent.objects.count())
    # A rejection needs a reason and a comment.
    response = client.post(
        reverse("submission-review", args=[first.pk]),
        _accept(reviewing, first, decision="reject"),
    )
    assert response.status_code == 400
    assert "Decide and go to next" in response.content.decode()
    assert (Review.objects.count(), ReviewEvent.objects.count()) == before
    assert ReviewItem.objects.get(submission=second).leased_by is None


@pytest.mark.parametrize("person", ["trainer", "setter", "outsider"])
def test_only_reviewers_of_the_project_decide_and_go_to_next(client, cast, reviewing, person):
    submission = reviewing["submit"](task=0, answer="A")
    other = reviewing["submit"](task=1, answer="C")
    client.force_login(cast.by_role(person))
    response = client.post(
        reverse("submission-review", args=[submission.pk]), _accept(reviewing, submission)
    )
    expected = {"trainer": 403, "setter": 403, "outsider": 404}[person]
    assert response.status_code == expected
    assert Review.objects.count() == 0
    assert not ReviewItem.objects.filter(leased_by__isnull=False).exists()
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert ReviewItem.objects.get(submission=other).status == ItemStatus.QUEUED


def test_a_qa_lead_of_another_project_gets_404_on_decide_and_go_to_next(client, reviewing):
    submission = reviewing["submit"](task=0, answer="A")
    stranger = MembershipFactory(role=Role.QA_LEAD, user__username="qa-elsewhere").user
    client.force_login(stranger)
    response = client.post(
        reverse("submission-review", args=[submission.pk]), _accept(reviewing, submission)
    )
    assert response.status_code == 404
    assert Review.objects.count() == 0
    assert not ReviewItem.objects.filter(leased_by=stranger).exists()


def test_the_author_cannot_decide_and_go_to_next_on_their_own_work(client, cast, reviewing):
    # A QA lead who is also a trainer here: their own work is neither decided nor handed
    # to them as the next item.
    mine = reviewing["submit"](author=cast.qa_lead, task=0, answer="C")
    theirs = reviewing["submit"](task=1, answer="A")
    client.force_login(cast.qa_lead)
    refused = client.post(reverse("submission-review", args=[mine.pk]), _accept(reviewing, mine))
    assert refused.status_code == 403
    response = client.post(
        reverse("submission-review", args=[theirs.pk]), _accept(reviewing, theirs)
    )
    assert response.url == reverse("review-queue", args=[cast.project.pk])
    assert ReviewItem.objects.get(submission=mine).leased_by is None


def test_decide_and_go_to_next_costs_the_same_queries_whatever_the_queue_length(
    client, cast, reviewing, django_capture_on_commit_callbacks
):
    from tests.factories import submit

    first = reviewing["submit"](task=0, answer="A")
    second = reviewing["submit"](task=1, answer="A")
    third = reviewing["submit"](task=2, answer="A")
    client.force_login(cast.qa_lead)
    with CaptureQueriesContext(connection) as small:
        client.post(reverse("submission-review", args=[first.pk]), _accept(reviewing, first))
    # Ten more queued items, failed ones (they come first).
    with django_capture_on_commit_callbacks(execute=True):
        for task in _more_tasks(cast, 10):
            submit(task=task, author=reviewing["trainer2"], answer={"answer": "C"})
    assert ReviewItem.objects.filter(status=ItemStatus.QUEUED).count() == 12
    # The reviewer holds ``second`` (leased by the first POST): decide it, get the next.
    assert ReviewItem.objects.get(submission=second).leased_by == cast.qa_lead
    with CaptureQueriesContext(connection) as large:
        response = client.post(
            reverse("submission-review", args=[second.pk]), _accept(reviewing, second)
        )
    assert response.status_code == 302 and response.url != reverse(
        "submission-review", args=[third.pk]
    )
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_the_service_records_the_decision_then_leases_the_next(cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    second = reviewing["submit"](task=1, answer="B")
    outcome = review_submit_and_next(
        submission=first,
        reviewer=cast.qa_lead,
        data=ReviewInput(decision="accept", rubric_version=reviewing["version"].pk),
    )
    assert outcome.review.decision == "accept"
    assert outcome.next_item.submission_id == second.pk
    assert outcome.next_item.leased_by == cast.qa_lead


# --- what the page shows --------------------------------------------------------------------


@pytest.fixture
def sectioned(cast, reviewing):
    """A rubric version with a section and reviewer guidance, pinned to the project."""
    from rubrics.services import rubric_update_draft
    from tasks.services import project_rubric_publish

    content = copy.deepcopy(REVIEW_RUBRIC)
    content["criteria"][0]["description"] = "Compare with the answer key."
    content["criteria"] = [
        content["criteria"][0],
        {
            "kind": "section",
            "id": "style",
            "title": "Style of the explanation",
            "description": "Judge the wording, not the facts.",
            "children": [content["criteria"][1]],
        },
    ]
    rubric_update_draft(rubric=reviewing["link"].rubric, content=content, by=cast.setter)
    version = project_rubric_publish(
        link=reviewing["link"], note="sections", by=cast.setter, pin=True
    )
    cast.project.refresh_from_db()
    return version


def test_the_judging_form_shows_sections_and_reviewer_guidance(client, cast, reviewing, sectioned):
    submission = reviewing["submit"](task=0, answer="A")
    client.force_login(cast.qa_lead)
    text = client.get(reverse("submission-review", args=[submission.pk])).content.decode()
    assert 'data-section="style"' in text
    assert "Style of the explanation" in text
    assert "Judge the wording, not the facts." in text
    assert "Reviewer guidance:" in text
    assert "Compare with the answer key." in text
    # The section's heading comes before its criterion.
    assert text.index('data-section="style"') < text.index('data-criterion="clear"')


def test_reasons_are_checkboxes_with_a_filter_and_the_form_has_both_buttons(
    client, cast, reviewing
):
    submission = reviewing["submit"](task=0, answer="A")
    client.force_login(cast.qa_lead)
    text = client.get(reverse("submission-review", args=[submission.pk])).content.decode()
    assert 'type="checkbox" name="reasons" value="criterion:correct"' in text
    assert 'type="checkbox" name="reasons" value="rule:R1"' in text
    assert "<select" not in text.split("data-reasons")[1].split("</fieldset>")[0]
    assert "data-reason-filter" in text
    assert 'name="then" value="next"' in text
    assert 'data-testid="submit-review"' in text
    assert 'data-testid="shortcut-legend"' in text
    # The default button (first in the form) is "Decide and go to next".
    assert text.index('value="next"') < text.index('data-testid="submit-review"')


def test_passing_checks_are_folded_and_failing_ones_open(client, cast, reviewing):
    submission = reviewing["submit"](task=0, answer="C")
    client.force_login(cast.qa_lead)
    text = client.get(reverse("submission-review", args=[submission.pk])).content.decode()
    failing = text.split('data-check="telemetry"')[1].split(">")[0]
    assert "open" in failing
    passing = [
        chunk.split(">")[0] for chunk in text.split('<details class="check-result check-pass"')[1:]
    ]
    assert passing, "the MCQ checks include at least one that passes"
    assert all("open" not in attrs for attrs in passing)


def test_reasons_posted_as_checkboxes_are_recorded(client, cast, reviewing):
    first = reviewing["submit"](task=0, answer="C")
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[first.pk]),
        _accept(
            reviewing,
            first,
            decision="return",
            reasons=["criterion:correct", "rule:R1"],
            comment="Say why.",
        ),
    )
    assert response.status_code == 302
    review = Review.objects.get(submission=first)
    assert review.reasons == [
        {"criterion": "correct", "label": "Picks the correct option"},
        {"rule": "R1", "label": "Answer in English"},
    ]

"""A decided submission whose checks change afterwards (a late re-judgment) goes back to
the review queue with the reason; the decision stands until a reviewer keeps or changes it.

The re-judgment here is the real one: agreement_outlier judges an answer again each time
another trainer answers the same task (``quality.services``)."""

from __future__ import annotations

import pytest

from reviews.models import ItemStatus, Review, ReviewEvent, ReviewItem
from reviews.workflow import ReviewInput, review_lease, review_queue, review_submit
from tasks.models import SubmissionStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wide_task(reviewing):
    from tasks.services import task_update_settings

    task_update_settings(task=reviewing["tasks"][0], overlap=10)


def _decide(reviewing, reviewer, submission, kind):
    submission.refresh_from_db()
    data = ReviewInput(
        decision=kind,
        reasons=[] if kind == "accept" else [{"criterion": "correct"}],
        comment="" if kind == "accept" else "The others agree on another option.",
        rubric_version=reviewing["version"].pk,
    )
    return review_submit(submission=submission, reviewer=reviewer, data=data)


def _peers(cast, reviewing, answers):
    """Other trainers answer task 0 (each answer re-judges the earlier ones)."""
    for answer in answers:
        peer = MembershipFactory(project=cast.project, role="trainer").user
        reviewing["submit"](author=peer, task=0, answer=answer)


def _item(submission):
    return ReviewItem.objects.get(submission=submission)


def test_an_accepted_answer_that_becomes_an_outlier_comes_back_with_the_reason(cast, reviewing):
    # given an answer accepted while nobody else had answered its task
    first = reviewing["submit"](task=0, answer="A")
    accepted = _decide(reviewing, cast.qa_lead, first, "accept")
    assert _item(first).status == ItemStatus.DECIDED
    # when three other trainers answer B, the re-judgment flags it
    _peers(cast, reviewing, ["B", "B", "B"])
    first.refresh_from_db()
    item = _item(first)
    assert (item.status, item.reason, item.flagged_checks) == (
        ItemStatus.QUEUED,
        "rejudged",
        ["agreement_outlier"],
    )
    # then the decision itself did not change, and the log says why it is back
    assert first.status == SubmissionStatus.ACCEPTED
    event = ReviewEvent.objects.get(submission=first, action="requeued")
    assert event.actor is None
    assert event.before["flagged_checks"] == [] and event.after["flagged_checks"] == [
        "agreement_outlier"
    ]
    # and a reviewer takes it from the queue and changes the decision
    queued = review_queue(project=cast.project, reviewer=cast.admin)
    assert first.pk in {item.submission_id for item in queued}
    review_lease(submission=first, reviewer=cast.admin)
    changed = _decide(reviewing, cast.admin, first, "reject")
    first.refresh_from_db()
    assert first.status == SubmissionStatus.REJECTED
    assert (changed.kind, changed.parent_id, changed.decision) == (
        "reconsider",
        accepted.pk,
        "reject",
    )
    accepted.refresh_from_db()
    assert accepted.decision == "accept"  # the first review is kept as it was
    assert _item(first).status == ItemStatus.DECIDED
    assert ReviewEvent.objects.filter(submission=first, action="reconsider").exists()


def test_a_rejection_whose_flag_clears_comes_back_and_may_be_kept(cast, reviewing):
    # given an answer flagged as the only A against three Bs, and rejected for it
    _peers(cast, reviewing, ["B", "B", "B"])
    lone = reviewing["submit"](task=0, answer="A")
    assert _item(lone).flagged_checks == ["agreement_outlier"]
    rejected = _decide(reviewing, cast.qa_lead, lone, "reject")
    # when two more trainers answer A, it is no longer alone: the flag clears
    _peers(cast, reviewing, ["A", "A"])
    item = _item(lone)
    assert (item.status, item.reason, item.flagged_checks) == (ItemStatus.QUEUED, "rejudged", [])
    # a reviewer may keep the rejection
    review_lease(submission=lone, reviewer=cast.admin)
    kept = _decide(reviewing, cast.admin, lone, "reject")
    lone.refresh_from_db()
    assert lone.status == SubmissionStatus.REJECTED
    assert (kept.kind, kept.parent_id) == ("reconsider", rejected.pk)


def test_a_re_judgment_that_changes_nothing_the_decision_rested_on_does_not_requeue(
    cast, reviewing
):
    first = reviewing["submit"](task=0, answer="A")
    _decide(reviewing, cast.qa_lead, first, "accept")
    _peers(cast, reviewing, ["A", "A", "A"])  # agreement passes: nothing new is flagged
    assert _item(first).status == ItemStatus.DECIDED
    assert not ReviewEvent.objects.filter(submission=first, action="requeued").exists()
    # an accepted item stays decided: reviewing it again is refused as before
    with pytest.raises(Exception, match="already accepted"):
        _decide(reviewing, cast.admin, first, "reject")
    assert Review.objects.filter(submission=first).count() == 1


def test_reconsidering_is_for_reviewers_only_and_never_ones_own_work(cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    _decide(reviewing, cast.qa_lead, first, "accept")
    _peers(cast, reviewing, ["B", "B", "B"])
    from django.core.exceptions import PermissionDenied

    for person in (cast.trainer, cast.setter, cast.outsider):
        with pytest.raises(PermissionDenied):
            _decide(reviewing, person, first, "reject")
    first.refresh_from_db()
    assert first.status == SubmissionStatus.ACCEPTED
    assert _item(first).status == ItemStatus.QUEUED


def _requeued(cast, reviewing):
    first = reviewing["submit"](task=0, answer="A")
    _decide(reviewing, cast.qa_lead, first, "accept")
    _peers(cast, reviewing, ["B", "B", "B"])
    return first


def test_the_api_shows_why_it_is_back_and_takes_the_new_decision(cast, reviewing, client_as):
    first = _requeued(cast, reviewing)
    admin = client_as(cast.admin)
    context = admin.get(f"/api/v1/submissions/{first.pk}/review").json()
    assert context["submission"]["status"] == "accepted"
    assert (context["queue"]["status"], context["queue"]["reason"]) == ("queued", "rejudged")
    assert context["queue"]["flagged_checks"] == ["agreement_outlier"]
    created = admin.post(
        f"/api/v1/submissions/{first.pk}/reviews",
        {
            "decision": "reject",
            "rubric_version": reviewing["version"].pk,
            "reasons": [{"criterion": "correct"}],
            "comment": "Three others chose B.",
            "revision": 1,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["decision"] == "reject"
    first.refresh_from_db()
    assert first.status == SubmissionStatus.REJECTED
    # decided again: a second decision is refused as for any decided submission
    again = admin.post(
        f"/api/v1/submissions/{first.pk}/reviews",
        {"decision": "accept", "rubric_version": reviewing["version"].pk},
        format="json",
    )
    assert (again.status_code, again.json()["error"]) == (409, "already_reviewed")
    # the author is not told the checks changed: they see decisions only
    assert client_as(cast.trainer).get(f"/api/v1/submissions/{first.pk}/review").status_code == 403


def test_the_review_page_says_the_checks_changed_and_offers_the_form(client, cast, reviewing):
    from django.urls import reverse

    first = _requeued(cast, reviewing)
    client.force_login(cast.admin)
    url = reverse("submission-review", args=[first.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="reconsider"' in page
    assert "The checks changed after this submission was accepted." in page
    assert "Agrees with the other trainers" in page  # the flagged check, by its title
    assert 'data-testid="review-form"' in page
    # checks with nothing to judge are folded under one line, below those that judged
    assert 'data-testid="not-applicable"' in page and "had nothing to judge" in page
    assert page.index('data-check="agreement_outlier"') < page.index('data-testid="not-applicable"')
    response = client.post(
        url,
        {
            "decision": "accept",
            "rubric_version": reviewing["version"].pk,
            "revision": 1,
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == SubmissionStatus.ACCEPTED
    assert Review.objects.filter(submission=first, kind="reconsider", decision="accept").exists()
    page = client.get(url).content.decode()
    assert 'data-testid="reconsider"' not in page and 'data-testid="review-form"' not in page

"""The review workflow's pages: who may open what (404 outside your projects, 403 for the
wrong role), and POSTs that go through the same services as the API: refusals re-render
with the message next to the field and write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Dispute, Review, ReviewEvent, ReviewItem, ReviewPolicy
from reviews.workflow import ReviewInput, review_lease, review_submit
from tasks.models import Role, Submission
from tests.conftest import ALL_PEOPLE
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# page: (url name, takes "project" or "submission", status per person in ALL_PEOPLE order)
PAGES = {
    "queue": ("review-queue", "project", (403, 403, 200, 200, 404, 200)),
    "audit": ("review-audit", "project", (403, 403, 200, 200, 404, 200)),
    "disputes": ("project-disputes", "project", (403, 403, 200, 200, 404, 200)),
    "log": ("review-log", "project", (403, 403, 200, 200, 404, 200)),
    "policy": ("review-policy", "project", (403, 200, 200, 200, 404, 200)),
    # The submission is the trainer's own: nobody reviews their own work.
    "review": ("submission-review", "submission", (403, 403, 200, 200, 404, 200)),
}


def _counts():
    return (Review.objects.count(), ReviewEvent.objects.count(), Dispute.objects.count())


def _reject_form(reviewing, submission, **extra):
    return {
        "decision": "reject",
        "rubric_version": reviewing["version"].pk,
        "revision": submission.revision,
        "reasons": ["criterion:correct"],
        "comment": "Option B is right.",
        "j-correct": "not_met",
        **extra,
    }


@pytest.fixture
def elsewhere_qa(db):
    """A QA lead of another project."""
    return MembershipFactory(role=Role.QA_LEAD, user__username="qa-elsewhere").user


@pytest.mark.parametrize("person_index", range(len(ALL_PEOPLE)), ids=ALL_PEOPLE)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_answer_by_role(client, cast, reviewing, page, person_index):
    submission = reviewing["submit"]()
    name, takes, statuses = PAGES[page]
    client.force_login(cast.by_role(ALL_PEOPLE[person_index]))
    target = cast.project.pk if takes == "project" else submission.pk
    response = client.get(reverse(name, args=[target]))
    assert response.status_code == statuses[person_index]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_qa_lead_of_another_project_gets_404(client, reviewing, elsewhere_qa, page):
    submission = reviewing["submit"]()
    name, takes, _ = PAGES[page]
    client.force_login(elsewhere_qa)
    target = reviewing["project"].pk if takes == "project" else submission.pk
    assert client.get(reverse(name, args=[target])).status_code == 404


def test_queue_lists_failed_first_and_hides_author_names(client, cast, reviewing):
    clean = reviewing["submit"](task=0, answer="A")
    warned = reviewing["submit"](task=1, answer="B")
    failed = reviewing["submit"](task=2, answer="C")
    client.force_login(cast.qa_lead)
    response = client.get(reverse("review-queue", args=[cast.project.pk]))
    rows = [row["item"].submission_id for row in response.context["rows"]]
    assert rows == [failed.pk, warned.pk, clean.pk]
    html = response.content.decode()
    assert cast.trainer.username not in html  # the default policy hides names
    assert "Trainer " in html
    # only clean work can be selected for a bulk accept
    assert f'value="{clean.pk}"' in html
    assert f'value="{failed.pk}"' not in html
    # why each item is queued, in words (the API keeps the codes)
    assert "(a check failed)" in html
    assert "(one of the trainer&#x27;s first submissions)" in html
    assert "first_n" not in html


def test_queue_page_queries_do_not_grow_with_items(client, cast, reviewing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.qa_lead)
    url = reverse("review-queue", args=[cast.project.pk])
    reviewing["submit"](task=0)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    reviewing["submit"](task=1, answer="B")
    reviewing["submit"](task=2, answer="C")
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["rows"]) == 3
    assert len(three) == len(one) <= 12


def test_review_next_leases_the_riskiest_item_and_opens_it(client, cast, reviewing):
    reviewing["submit"](task=0, answer="A")
    failed = reviewing["submit"](task=1, answer="C")
    client.force_login(cast.qa_lead)
    response = client.post(reverse("review-next", args=[cast.project.pk]))
    assert response.url == reverse("submission-review", args=[failed.pk])
    assert ReviewItem.objects.get(submission=failed).leased_by == cast.qa_lead
    page = client.get(response.url)
    assert page.context["lease"]["mine"] is True
    assert "Telemetry fail" in page.content.decode()  # the finding, with its evidence
    assert "Evidence" in page.content.decode()


def test_review_next_with_nothing_left_says_so(client, cast, reviewing):
    client.force_login(cast.qa_lead)
    response = client.post(reverse("review-next", args=[cast.project.pk]), follow=True)
    assert "Nothing is waiting for your review" in response.content.decode()


def test_a_reject_with_judgments_records_the_review(client, cast, reviewing):
    submission = reviewing["submit"]()
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[submission.pk]),
        _reject_form(reviewing, submission, **{"j-clear": "1"}),
    )
    assert response.status_code == 302
    review = Review.objects.get(submission=submission)
    assert (review.decision, review.reviewer) == ("reject", cast.qa_lead)
    assert review.judgments == {"correct": {"met": False}, "clear": {"level": 1}}
    assert review.reasons == [{"criterion": "correct", "label": "Picks the correct option"}]
    assert review.score is not None
    submission.refresh_from_db()
    assert submission.status == "rejected"


def test_a_reject_without_a_reason_re_renders_and_writes_nothing(client, cast, reviewing):
    submission = reviewing["submit"]()
    before = _counts()
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[submission.pk]),
        _reject_form(reviewing, submission, reasons=[]),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["reasons"] == ["At least one reason (a criterion or a guideline rule)."]
    assert _counts() == before
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_a_bad_judgment_is_shown_next_to_its_criterion(client, cast, reviewing):
    submission = reviewing["submit"]()
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[submission.pk]),
        _reject_form(reviewing, submission, **{"j-clear": "7"}),
    )
    assert response.status_code == 400
    assert "j-clear" in response.context["form"].errors
    assert not Review.objects.exists()


def test_a_stale_rubric_version_is_refused_with_409(client, cast, reviewing):
    submission = reviewing["submit"]()
    reviewing["publish_next"]()
    client.force_login(cast.qa_lead)
    response = client.post(
        reverse("submission-review", args=[submission.pk]), _reject_form(reviewing, submission)
    )
    assert response.status_code == 409
    assert "Reload the review" in response.content.decode()
    assert not Review.objects.exists()


def test_a_trainer_cannot_open_or_post_the_review_of_their_own_work(client, cast, reviewing):
    submission = reviewing["submit"]()
    client.force_login(cast.trainer)
    url = reverse("submission-review", args=[submission.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _reject_form(reviewing, submission)).status_code == 403
    assert not Review.objects.exists()


def test_accept_on_work_another_reviewer_holds_is_refused(client, cast, reviewing):
    submission = reviewing["submit"]()
    review_lease(submission=submission, reviewer=cast.admin)
    before = _counts()
    client.force_login(cast.qa_lead)
    url = reverse("submission-review", args=[submission.pk])
    page = client.get(url)
    assert page.context["lease"]["other"] == cast.admin.username
    response = client.post(
        url,
        {
            "decision": "accept",
            "rubric_version": reviewing["version"].pk,
            "revision": submission.revision,
        },
    )
    assert response.status_code == 409
    assert "Another reviewer holds this submission" in response.content.decode()
    assert _counts() == before
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_hold_and_release(client, cast, reviewing):
    submission = reviewing["submit"]()
    client.force_login(cast.qa_lead)
    client.post(reverse("review-hold", args=[submission.pk]))
    assert ReviewItem.objects.get(submission=submission).leased_by == cast.qa_lead
    response = client.post(reverse("review-release", args=[submission.pk]))
    assert response.url == reverse("review-queue", args=[cast.project.pk])
    assert ReviewItem.objects.get(submission=submission).leased_by is None
    # leaving the page sends a quiet release: no message waits for the next page
    client.post(reverse("review-hold", args=[submission.pk]))
    quiet = client.post(reverse("review-release", args=[submission.pk]), {"quiet": "1"})
    assert quiet.status_code == 204
    assert (
        client.post(reverse("review-release", args=[submission.pk]), {"quiet": "1"}).status_code
        == 409
    )


def test_hold_of_work_someone_else_holds_says_who(client, cast, reviewing):
    submission = reviewing["submit"]()
    review_lease(submission=submission, reviewer=cast.admin)
    client.force_login(cast.qa_lead)
    response = client.post(reverse("review-hold", args=[submission.pk]), follow=True)
    assert "Another reviewer holds this submission" in response.content.decode()
    assert ReviewItem.objects.get(submission=submission).leased_by == cast.admin


def test_bulk_accept_is_all_or_nothing_with_errors_per_row(client, cast, reviewing):
    clean = reviewing["submit"](task=0, answer="A")
    failed = reviewing["submit"](task=1, answer="C")
    before = _counts()
    client.force_login(cast.qa_lead)
    url = reverse("review-bulk-accept", args=[cast.project.pk])
    response = client.post(url, {"submissions": [clean.pk, failed.pk]})
    assert response.status_code == 400
    rows = {row["item"].submission_id: row for row in response.context["rows"]}
    assert rows[failed.pk]["errors"] == [
        f"Submission {failed.pk} has check findings; review it on its own."
    ]
    assert rows[clean.pk]["errors"] == [] and rows[clean.pk]["checked"]
    assert _counts() == before
    # the same selection without the flagged item goes through
    response = client.post(url, {"submissions": [clean.pk], "comment": "Fine."})
    assert response.status_code == 302
    clean.refresh_from_db()
    assert clean.status == "accepted"
    assert Review.objects.get(submission=clean).comment == "Fine."


def test_bulk_accept_with_nothing_selected_says_so(client, cast, reviewing):
    reviewing["submit"]()
    client.force_login(cast.qa_lead)
    response = client.post(reverse("review-bulk-accept", args=[cast.project.pk]), {})
    assert response.status_code == 400
    assert "Select at least one submission." in response.content.decode()


def test_bulk_accept_by_a_trainer_is_forbidden(client, cast, reviewing):
    submission = reviewing["submit"]()
    client.force_login(cast.setter)
    response = client.post(
        reverse("review-bulk-accept", args=[cast.project.pk]), {"submissions": [submission.pk]}
    )
    assert response.status_code == 403
    assert not Review.objects.exists()


# --- the trainer's side: outcome, disputes, rework ----------------------------------------


def _reject(reviewing, submission, reviewer):
    return review_submit(
        submission=submission,
        reviewer=reviewer,
        data=ReviewInput(
            decision="reject",
            reasons=[{"rule": "R1"}],
            comment="Please answer in English.",
            rubric_version=reviewing["version"].pk,
        ),
    )


def test_the_author_reads_the_decision_and_disputes_it_once(client, cast, reviewing):
    submission = reviewing["submit"]()
    _reject(reviewing, submission, cast.qa_lead)
    client.force_login(cast.trainer)
    page = client.get(reverse("submission-detail", args=[submission.pk]))
    html = page.content.decode()
    assert "Please answer in English." in html
    assert "Guideline rule <code>R1</code>" in html
    assert cast.qa_lead.username not in html  # reviewers stay anonymous to the author
    assert page.context["dispute_form"] is not None
    url = reverse("submission-dispute", args=[submission.pk])
    assert client.post(url, {"comment": "It was in English."}).status_code == 302
    assert Dispute.objects.get(submission=submission).comment == "It was in English."
    again = client.post(url, {"comment": "Really."})
    assert again.status_code == 409
    assert "You already disputed this decision." in again.content.decode()
    assert Dispute.objects.count() == 1


def test_a_dispute_without_a_comment_is_refused_next_to_the_field(client, cast, reviewing):
    submission = reviewing["submit"]()
    _reject(reviewing, submission, cast.qa_lead)
    client.force_login(cast.trainer)
    response = client.post(reverse("submission-dispute", args=[submission.pk]), {"comment": ""})
    assert response.status_code == 400
    assert response.context["dispute_form"].errors["comment"]
    assert not Dispute.objects.exists()


def test_only_the_author_disputes(client, cast, reviewing):
    submission = reviewing["submit"]()
    _reject(reviewing, submission, cast.qa_lead)
    client.force_login(cast.admin)
    response = client.post(reverse("submission-dispute", args=[submission.pk]), {"comment": "x"})
    assert response.status_code == 403
    assert not Dispute.objects.exists()


def test_dispute_resolution_by_another_reviewer_is_final(client, cast, reviewing):
    from reviews.workflow import dispute_file

    submission = reviewing["submit"]()
    _reject(reviewing, submission, cast.qa_lead)
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="It was in English.")
    url = reverse("dispute-resolve", args=[dispute.pk])
    # the reviewer who rejected may not decide; the author may not either
    client.force_login(cast.qa_lead)
    assert client.get(url).status_code == 403
    client.force_login(cast.trainer)
    assert client.get(url).status_code == 403
    client.force_login(cast.admin)
    listing = client.get(reverse("project-disputes", args=[cast.project.pk]))
    assert listing.context["rows"][0]["can_resolve"] is True
    missing = client.post(url, {"decision": "accept", "comment": ""})
    assert missing.status_code == 400
    assert missing.context["form"].errors["comment"]
    response = client.post(url, {"decision": "accept", "comment": "You were right."})
    assert response.status_code == 302
    dispute.refresh_from_db()
    submission.refresh_from_db()
    assert (dispute.status, submission.status) == ("resolved", "accepted")
    final = client.post(url, {"decision": "reject", "comment": "Changed my mind."}, follow=True)
    assert "the decision is final" in final.content.decode()
    assert Review.objects.filter(kind="dispute").count() == 1


def test_start_working_sends_the_trainer_to_returned_work_first(client, cast, reviewing):
    older = reviewing["submit"](task=0)
    newer = reviewing["submit"](task=1)
    for submission in (newer, older):
        review_submit(
            submission=submission,
            reviewer=cast.qa_lead,
            data=ReviewInput(
                decision="return",
                reasons=[{"criterion": "clear"}],
                comment="Explain why.",
                rubric_version=reviewing["version"].pk,
            ),
        )
    client.force_login(cast.trainer)
    response = client.get(reverse("work-start", args=[cast.project.pk]))
    assert response.url == reverse("submission-revise", args=[older.pk])
    workspace = client.get(response.url).content.decode()
    assert "Returned for rework: what to change" in workspace
    assert "Explain why." in workspace
    listing = client.get(reverse("submission-list", args=[cast.project.pk]))
    statuses = [s.status for s in listing.context["page"].object_list]
    assert statuses[:2] == ["returned", "returned"]


def test_start_working_without_returned_work_serves_a_task(client, cast, reviewing):
    reviewing["submit"](task=0)
    client.force_login(cast.trainer)
    response = client.get(reverse("work-start", args=[cast.project.pk]))
    assert response.url.startswith("/tasks/")


# --- second reviews, re-grades, log, policy -----------------------------------------------


def _accepted(reviewing, reviewer):
    submission = reviewing["submit"]()
    return review_submit(
        submission=submission,
        reviewer=reviewer,
        data=ReviewInput(
            decision="accept",
            judgments={"correct": {"met": True}},
            rubric_version=reviewing["version"].pk,
        ),
    )


def test_a_second_review_is_recorded_and_the_first_reviewer_cannot_audit_it(
    client, cast, reviewing
):
    first = _accepted(reviewing, cast.qa_lead)
    url = reverse("review-second", args=[first.pk])
    client.force_login(cast.qa_lead)
    assert client.get(url).status_code == 403
    client.force_login(cast.admin)
    audit = client.get(reverse("review-audit", args=[cast.project.pk]))
    assert [r.pk for r in audit.context["candidates"]] == [first.pk]
    response = client.post(
        url,
        {
            "decision": "reject",
            "rubric_version": reviewing["version"].pk,
            "reasons": ["criterion:correct"],
            "comment": "Not correct.",
            "j-correct": "not_met",
        },
    )
    assert response.status_code == 302
    second = Review.objects.get(kind="second")
    assert (second.parent_id, second.decision) == (first.pk, "reject")
    first.submission.refresh_from_db()
    assert first.submission.status == "accepted"  # an audit never changes the submission
    log = client.get(reverse("review-log", args=[cast.project.pk]))
    assert log.context["disagreement"]["rate"] == 1.0
    assert "second_review" in log.content.decode()


def test_a_regrade_keeps_both_results(client, cast, reviewing):
    first = _accepted(reviewing, cast.qa_lead)
    new_version = reviewing["publish_next"]()
    client.force_login(cast.admin)
    audit = client.get(reverse("review-audit", args=[cast.project.pk]))
    assert [r.pk for r in audit.context["regrades"]] == [first.pk]
    url = reverse("review-regrade", args=[first.pk])
    response = client.post(url, {"rubric_version": new_version.pk, "j-correct": "not_met"})
    assert response.status_code == 302
    regrade = Review.objects.get(kind="regrade")
    first.refresh_from_db()
    assert (regrade.rubric_version_id, first.rubric_version_id) == (
        new_version.pk,
        reviewing["version"].pk,
    )
    assert (first.score_value, regrade.score_value) != (None, None)
    assert first.score_value != regrade.score_value
    again = client.get(reverse("review-audit", args=[cast.project.pk]))
    assert again.context["regrades"] == []


def test_a_regrade_against_the_same_version_is_refused(client, cast, reviewing):
    first = _accepted(reviewing, cast.qa_lead)
    client.force_login(cast.admin)
    response = client.post(
        reverse("review-regrade", args=[first.pk]),
        {"rubric_version": reviewing["version"].pk, "j-correct": "met"},
    )
    assert response.status_code == 409
    assert not Review.objects.filter(kind="regrade").exists()


def test_log_pages_are_keyset_pages(client, cast, reviewing, monkeypatch):
    import reviews.review_views as views

    monkeypatch.setattr(views, "LOG_PAGE_SIZE", 2)
    submission = reviewing["submit"]()
    for _ in range(2):
        review_lease(submission=submission, reviewer=cast.qa_lead)
    review_lease(
        submission=submission, reviewer=cast.qa_lead, now=timezone.now() + timedelta(seconds=1)
    )
    client.force_login(cast.qa_lead)
    first = client.get(reverse("review-log", args=[cast.project.pk]))
    assert len(first.context["events"]) == 2
    older = client.get(first.context["older_url"])
    ids = [row["event"].pk for row in first.context["events"] + older.context["events"]]
    assert ids == sorted(ReviewEvent.objects.values_list("pk", flat=True), reverse=True)
    assert older.context["older_url"] is None


def test_policy_page_saves_for_setters_and_names_bad_values(client, cast, reviewing):
    url = reverse("review-policy", args=[cast.project.pk])
    values = {
        "clean_sample_rate": "2",
        "full_review_first_n": "5",
        "lease_seconds": "600",
        "scoring_method": "rar",
        "missing_judgments": "exclude",
    }
    client.force_login(cast.setter)
    response = client.post(url, values)
    assert response.status_code == 400
    assert response.context["form"].errors["clean_sample_rate"]
    assert not ReviewPolicy.objects.exists()
    response = client.post(url, {**values, "clean_sample_rate": "0.5", "show_author_names": "on"})
    assert response.status_code == 302
    policy = ReviewPolicy.objects.get(project=cast.project)
    assert (policy.clean_sample_rate, policy.show_author_names, policy.scoring_method) == (
        0.5,
        True,
        "rar",
    )
    assert ReviewEvent.objects.filter(action="policy_update").count() == 1
    # QA leads read it but may not change it
    client.force_login(cast.qa_lead)
    assert client.get(url).status_code == 200
    assert client.post(url, values).status_code == 403


def test_author_names_show_when_the_policy_says_so(client, cast, reviewing):
    from reviews.workflow import review_policy_update

    review_policy_update(project=cast.project, by=cast.setter, show_author_names=True)
    reviewing["submit"]()
    client.force_login(cast.qa_lead)
    response = client.get(reverse("review-queue", args=[cast.project.pk]))
    assert cast.trainer.username in response.content.decode()


def test_quality_page_links_the_review_pages_for_reviewers(client, cast, reviewing):
    client.force_login(cast.qa_lead)
    html = client.get(reverse("project-quality", args=[cast.project.pk])).content.decode()
    for name in ("review-queue", "project-disputes", "review-log", "review-policy"):
        assert reverse(name, args=[cast.project.pk]) in html
    client.force_login(cast.setter)
    html = client.get(reverse("project-quality", args=[cast.project.pk])).content.decode()
    assert reverse("review-policy", args=[cast.project.pk]) in html
    assert reverse("review-queue", args=[cast.project.pk]) not in html


def test_submission_list_of_others_is_unchanged_for_reviewers(client, cast, reviewing):
    reviewing["submit"]()
    client.force_login(cast.qa_lead)
    response = client.get(reverse("submission-list", args=[cast.project.pk]))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == list(
        Submission.objects.order_by("-created_at", "-id")
    )


def test_answers_read_as_text_question_by_question():
    from tasks.presentation import answer_rows

    definition = {
        "display": [],
        "questions": [
            {"id": "preference", "type": "pairwise", "prompt": "Which is better?"},
            {
                "id": "tags",
                "type": "multi_choice",
                "prompt": "Tags",
                "options": [{"value": "lighting", "label": "Lighting"}, {"value": "text"}],
            },
            {"id": "spans", "type": "spans", "prompt": "Spans", "target": {"kind": "text"}},
            {"id": "heard", "type": "spans", "prompt": "Heard", "target": {"kind": "audio"}},
            {"id": "sources", "type": "citations", "prompt": "Sources"},
        ],
    }
    rows = answer_rows(
        definition,
        {
            "preference": {"choice": "A", "strength": -2},
            "tags": ["lighting", "text"],
            "spans": [{"start": 1, "end": 3, "tag": "typo"}],
            "heard": [
                {"start": 1.2, "end": 1.456, "tag": "swallowed", "comment": "第二個字"},
                {"start": 3, "end": 4, "tag": "nasal"},
            ],
            "sources": [{"id": "s1", "title": "A paper", "why": ""}],
            "legacy": {"nested": {"deep": [1]}},
        },
    )
    texts = {row["id"]: row["text"] for row in rows}
    assert texts["preference"] == "choice: A · strength: -2"
    assert texts["tags"] == "Lighting (lighting), text"  # labels as the trainer saw them
    assert texts["spans"] == "1. typo — characters 1-3"
    assert texts["heard"] == "1. swallowed — 1.20-1.46 s · 第二個字\n2. nasal — 3.00-4.00 s"
    assert texts["sources"] == "1. id: s1 · title: A paper"  # empty fields left out
    assert texts["legacy"].startswith("{")  # nested values stay JSON
    assert [row["id"] for row in rows][-1] == "legacy"  # no longer in the template: last


def test_the_submission_page_shows_no_template_comment(client, cast, mcq):
    # a {# #} comment spans one line only; a longer one is printed on the page
    from django.urls import reverse

    from tests.factories import submit

    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.trainer)
    page = client.get(reverse("submission-detail", args=[submission.pk])).content.decode()
    assert "{#" not in page and "#}" not in page

"""Second reviews and the disagreement rate, re-grades, bulk accepts and the policy."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from annotation_platform.errors import ConflictError, DomainError
from reviews.models import Review, ReviewEvent, ReviewPolicy
from reviews.workflow import (
    ReviewInput,
    audit_candidates,
    review_policy_for,
    review_policy_update,
    review_regrade,
    review_second,
    review_submit,
    reviewer_disagreement,
    reviews_bulk_accept,
)
from tasks.models import Role, SubmissionStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _review(cast, reviewing, kind="accept", reviewer=None, task=0, author=None, judgments=None):
    submission = reviewing["submit"](author or cast.trainer, task=task)
    data = ReviewInput(
        decision=kind,
        reasons=[] if kind == "accept" else [{"criterion": "correct"}],
        comment="" if kind == "accept" else "Wrong option.",
        rubric_version=reviewing["version"].pk,
        judgments=judgments,
    )
    return review_submit(submission=submission, reviewer=reviewer or cast.qa_lead, data=data)


def _second(kind="accept", **kwargs):
    return ReviewInput(
        decision=kind,
        reasons=[] if kind == "accept" else [{"criterion": "correct"}],
        comment="" if kind == "accept" else "Should not pass.",
        **kwargs,
    )


# --- second reviews -----------------------------------------------------------------------


def test_disagreement_counts_and_rates_overall_and_per_reviewer(cast, reviewing):
    qa2 = MembershipFactory(project=cast.project, role=Role.QA_LEAD, user__username="qa-two").user
    first = _review(cast, reviewing, "accept", cast.qa_lead, task=0)
    second = _review(cast, reviewing, "reject", cast.qa_lead, task=1)
    third = _review(cast, reviewing, "accept", qa2, task=2)
    review_second(review=first, reviewer=cast.admin, data=_second("reject"))  # disagrees
    review_second(review=second, reviewer=cast.admin, data=_second("reject"))  # agrees
    review_second(review=third, reviewer=cast.qa_lead, data=_second("accept"))  # agrees
    result = reviewer_disagreement(project=cast.project)
    assert (result["audited"], result["disagreed"], result["rate"]) == (3, 1, pytest.approx(1 / 3))
    per = {
        row["username"]: (row["audited"], row["disagreed"], row["rate"])
        for row in result["reviewers"]
    }
    assert per == {"qa_lead-user": (2, 1, 0.5), "qa-two": (1, 0, 0.0)}
    # the audit changes nothing about the submission
    assert first.submission.__class__.objects.get(pk=first.submission_id).status == "accepted"


def test_no_audits_means_no_rate(cast, reviewing):
    assert reviewer_disagreement(project=cast.project) == {
        "audited": 0,
        "disagreed": 0,
        "rate": None,
        "reviewers": [],
    }


@pytest.mark.parametrize("who", ["qa_lead", "trainer", "setter", "outsider"])
def test_the_first_reviewer_and_non_reviewers_never_audit(cast, reviewing, who):
    review = _review(cast, reviewing)
    with pytest.raises(PermissionDenied):
        review_second(review=review, reviewer=cast.by_role(who), data=_second())
    assert Review.objects.filter(kind="second").count() == 0


def test_one_second_review_per_review_and_only_of_accepts_and_rejections(cast, reviewing):
    review = _review(cast, reviewing)
    review_second(review=review, reviewer=cast.admin, data=_second())
    with pytest.raises(ConflictError) as refused:
        review_second(review=review, reviewer=cast.staff, data=_second())
    assert refused.value.code == "already_audited"
    returned = _review(cast, reviewing, "return", task=1)
    with pytest.raises(ConflictError) as refused:
        review_second(review=returned, reviewer=cast.admin, data=_second())
    assert refused.value.code == "not_auditable"


def test_the_audit_sample_skips_own_reviews_and_audited_ones(cast, reviewing):
    mine = _review(cast, reviewing, "accept", cast.admin, task=0)
    theirs = _review(cast, reviewing, "reject", cast.qa_lead, task=1)
    audited = _review(cast, reviewing, "accept", cast.qa_lead, task=2)
    review_second(review=audited, reviewer=cast.staff, data=_second())
    sample = audit_candidates(project=cast.project, reviewer=cast.admin)
    assert [r.pk for r in sample] == [theirs.pk]
    assert mine.pk not in [
        r.pk for r in audit_candidates(project=cast.project, reviewer=cast.admin)
    ]


# --- re-grades ------------------------------------------------------------------------------


def test_a_regrade_keeps_the_old_review_and_records_the_new_version(cast, reviewing):
    review = _review(cast, reviewing, judgments={"correct": {"met": True}, "clear": {"level": 0}})
    new_version = reviewing["publish_next"]()
    regrade = review_regrade(
        review=review,
        reviewer=cast.admin,
        judgments={"correct": {"met": True}, "clear": {"level": 2}},
        rubric_version=new_version.pk,
    )
    review.refresh_from_db()
    assert review.rubric_version == reviewing["version"]
    assert review.score_value == pytest.approx(5 / 8)
    assert (regrade.kind, regrade.parent, regrade.rubric_version) == (
        "regrade",
        review,
        new_version,
    )
    assert regrade.score_value == 1.0
    assert regrade.revision == review.revision
    assert regrade.submission.status == "accepted"
    assert (
        ReviewEvent.objects.get(action="regrade").before["rubric_version"]
        == review.rubric_version_id
    )


def test_a_regrade_needs_a_newer_version(cast, reviewing):
    review = _review(cast, reviewing)
    with pytest.raises(ConflictError) as refused:
        review_regrade(
            review=review,
            reviewer=cast.admin,
            judgments={"correct": {"met": True}},
            rubric_version=reviewing["version"].pk,
        )
    assert refused.value.code == "already_current"
    new_version = reviewing["publish_next"]()
    with pytest.raises(ConflictError) as refused:  # naming the old one is refused
        review_regrade(
            review=review,
            reviewer=cast.admin,
            judgments={"correct": {"met": True}},
            rubric_version=reviewing["version"].pk,
        )
    assert refused.value.code == "rubric_version_not_current"
    with pytest.raises(DomainError):
        review_regrade(
            review=review, reviewer=cast.admin, judgments={}, rubric_version=new_version.pk
        )
    with pytest.raises(PermissionDenied):
        review_regrade(
            review=review,
            reviewer=cast.trainer,
            judgments={"correct": {"met": True}},
            rubric_version=new_version.pk,
        )
    assert Review.objects.filter(kind="regrade").count() == 0


# --- bulk accept ----------------------------------------------------------------------------


def test_bulk_accept_accepts_every_selected_clean_item(cast, reviewing):
    subs = [reviewing["submit"](cast.trainer, task=n) for n in range(2)]
    result = reviews_bulk_accept(
        project=cast.project, reviewer=cast.qa_lead, submission_ids=[s.pk for s in subs]
    )
    assert [r.submission_id for r in result.reviews] == [s.pk for s in subs]
    for submission in subs:
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.ACCEPTED
    assert ReviewEvent.objects.filter(action="bulk_accept").count() == 2


def test_bulk_accept_is_all_or_nothing_with_per_item_errors(cast, reviewing):
    clean = reviewing["submit"](cast.trainer, task=0, answer="A")
    warned = reviewing["submit"](cast.trainer, task=1, answer="B")
    own = reviewing["submit"](reviewing["trainer2"], task=2, answer="A")
    before = (Review.objects.count(), ReviewEvent.objects.count())
    with pytest.raises(DomainError) as refused:
        reviews_bulk_accept(
            project=cast.project,
            reviewer=cast.qa_lead,
            submission_ids=[clean.pk, warned.pk, 999999, clean.pk],
        )
    assert refused.value.status_code == 400
    assert set(refused.value.fields) == {"submissions[1]", "submissions[2]", "submissions[3]"}
    assert (Review.objects.count(), ReviewEvent.objects.count()) == before
    clean.refresh_from_db()
    assert clean.status == SubmissionStatus.SUBMITTED
    # someone else holds one: a conflict
    from reviews.workflow import review_lease

    review_lease(submission=own, reviewer=cast.admin)
    with pytest.raises(ConflictError) as refused:
        reviews_bulk_accept(
            project=cast.project, reviewer=cast.qa_lead, submission_ids=[clean.pk, own.pk]
        )
    assert list(refused.value.fields) == ["submissions[1]"]
    clean.refresh_from_db()
    assert clean.status == SubmissionStatus.SUBMITTED


def test_bulk_accept_refuses_the_reviewers_own_work_and_non_reviewers(cast, reviewing):
    submission = reviewing["submit"]()
    with pytest.raises(PermissionDenied):
        reviews_bulk_accept(
            project=cast.project, reviewer=cast.setter, submission_ids=[submission.pk]
        )
    from tasks.models import Membership

    Membership.objects.filter(user=cast.trainer, project=cast.project).update(role=Role.QA_LEAD)
    with pytest.raises(DomainError) as refused:
        reviews_bulk_accept(
            project=cast.project, reviewer=cast.trainer, submission_ids=[submission.pk]
        )
    assert "own work" in refused.value.fields["submissions[0]"][0]


# --- policy ---------------------------------------------------------------------------------


def test_the_policy_has_defaults_and_is_changed_by_setters_and_admins(cast, reviewing):
    policy = review_policy_for(cast.project)
    assert (policy.pk, policy.clean_sample_rate, policy.full_review_first_n) == (None, 0.2, 20)
    review_policy_update(project=cast.project, by=cast.admin, show_author_names=True)
    assert ReviewPolicy.objects.get(project=cast.project).show_author_names is True
    event = ReviewEvent.objects.get(action="policy_update")
    assert (event.before["show_author_names"], event.after["show_author_names"]) == (False, True)
    with pytest.raises(PermissionDenied):
        review_policy_update(project=cast.project, by=cast.qa_lead, clean_sample_rate=1.0)
    with pytest.raises(DomainError) as refused:
        review_policy_update(
            project=cast.project, by=cast.setter, clean_sample_rate=1.5, scoring_method="mean"
        )
    assert set(refused.value.fields) == {"clean_sample_rate", "scoring_method"}

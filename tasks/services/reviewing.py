"""State changes of a submission decided outside the trainer's hands (quality checks now,
reviewers with the review workflow)."""

from __future__ import annotations

from django.db import transaction

from tasks.models import Submission, SubmissionStatus


@transaction.atomic
def submission_return_for_rework(*, submission: Submission, reasons: list[str]) -> Submission:
    """Send a submission back to its author (it becomes revisable with the reasons shown).

    Only an undecided submission is returned; one a reviewer already decided is left as
    it is (a late automated result never overrides a human decision).
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.SUBMITTED:
        return submission
    submission.status = SubmissionStatus.RETURNED
    submission.return_reasons = [str(reason)[:500] for reason in reasons][:20]
    submission.save(update_fields=["status", "return_reasons", "updated_at"])
    return submission

"""Reading a submission's check results as a given person may see them (the page and the
API both call this, so the rule of what an author never sees lives once)."""

from __future__ import annotations

from quality import permissions
from quality.models import CheckResult, CheckRun
from tasks.models import Submission


def submission_check_results(
    *, submission: Submission, user
) -> tuple[CheckRun | None, list[CheckResult]]:
    """The run of the submission's current revision (None before one exists) and the
    results of it ``user`` may see, by check name."""
    run = CheckRun.objects.filter(submission=submission, revision=submission.revision).first()
    if run is None:
        return None, []
    results = run.results.order_by("check_name")
    shown = []
    for result in results:
        if not permissions.sees_check(user, submission, result.check_name, result.status):
            continue
        # Filtered here, for the page and the API alike (not saved).
        result.findings = [
            f for f in result.findings if permissions.sees_finding(user, submission, f["status"])
        ]
        shown.append(result)
    return run, shown

"""Extension points other apps register with, so `tasks` never imports them.

`reviews` (quality checks) depends on `tasks`, not the other way round: it registers a
function here at start-up, and the submission services call it inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable

SubmissionHook = Callable[..., None]
_submission_saved: list[SubmissionHook] = []


def on_submission_saved(hook: SubmissionHook) -> SubmissionHook:
    """Register ``hook(submission=…, revision=…)``; called for every submit and revision."""
    if hook not in _submission_saved:
        _submission_saved.append(hook)
    return hook


def submission_saved(*, submission, revision: int) -> None:
    for hook in list(_submission_saved):
        hook(submission=submission, revision=revision)

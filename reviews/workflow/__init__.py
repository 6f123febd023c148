"""The review workflow: the risk-ordered queue and its leases, reviews and their decisions,
second reviews (audits), re-grades, disputes, bulk accepts, the review policy and the
audit log. Pages, the API and jobs all call these functions.

- Every service that changes state is atomic and writes a ``ReviewEvent`` (who, what,
  before, after) in the same transaction; a refusal writes nothing.
- ``Submission.status`` stays the canonical summary and changes only through
  ``tasks.services.reviewing`` (which also keeps the task's overlap counts right).
- Access is checked here too (``reviews.permissions``), so no caller can skip the rule
  that nobody reviews their own work; refusals raise Django's ``PermissionDenied`` (403),
  ``DomainError`` (400, naming the field) or ``ConflictError`` (409).
- ``reviews.signals.review_decided`` is sent after the commit of each decision.

The queue: when the checks of a revision finish (``quality.services.checks_run``,
through ``quality.hooks.on_checks_done``),
``review_items_sync`` puts each submission in its project's queue, ordered failed checks
first, then warnings, then the clean work sampled for review (the policy's share of
clean work, every submission of a trainer's first N, and all reworked work). Reviewers
take items with ``review_next`` or ``review_lease``; a live lease keeps everyone else off
the item. When a decided submission's checks change afterwards (a late re-judgment), its
item goes back to the queue with reason "rejudged" and the decision stands until a reviewer
keeps or changes it (a review of kind ``reconsider``). On PostgreSQL ``review_next`` skips
rows other reviewers are locking at that moment (``SKIP LOCKED``); everywhere, the claim is
a conditional UPDATE, so two reviewers can never both hold an item, even on SQLite.

The code is split by concern; import from ``reviews.workflow`` (this module re-exports
every public name): ``policy`` (the review policy), ``queue`` (queuing and leases),
``decisions`` (reviews and bulk accepts), ``audit`` (second reviews, re-grades, the
disagreement figure), ``disputes``, ``reading`` (what reviewers and authors read, the
audit log, revision diffs), and ``_common`` (internals shared by them).
"""

from reviews.workflow._common import MAX_BULK, MAX_COMMENT_CHARS, STATUS_FOR, ReviewInput
from reviews.workflow.audit import (
    audit_candidates,
    regrade_candidates,
    review_regrade,
    review_second,
    reviewer_disagreement,
)
from reviews.workflow.decisions import BulkResult, review_submit, reviews_bulk_accept
from reviews.workflow.disputes import dispute_file, dispute_resolve, project_disputes
from reviews.workflow.next_item import DecidedAndNext, review_submit_and_next
from reviews.workflow.policy import POLICY_FIELDS, review_policy_for, review_policy_update
from reviews.workflow.queue import (
    FILTER_PARAMS,
    NO_FILTERS,
    QueueFilters,
    _sampled,
    queue_filters,
    queue_trainers,
    review_items_sync,
    review_lease,
    review_next,
    review_queue,
    review_release,
)
from reviews.workflow.reading import (
    author_alias,
    author_code,
    author_history,
    dispute_as_dict,
    judging_context,
    log_actors,
    person_as_dict,
    review_as_dict,
    review_context,
    review_log,
    reviews_for,
    revisions_diff,
    submission_outcome,
)

__all__ = [
    "FILTER_PARAMS",
    "MAX_BULK",
    "MAX_COMMENT_CHARS",
    "NO_FILTERS",
    "POLICY_FIELDS",
    "STATUS_FOR",
    "BulkResult",
    "DecidedAndNext",
    "QueueFilters",
    "ReviewInput",
    "_sampled",
    "audit_candidates",
    "author_alias",
    "author_code",
    "author_history",
    "dispute_as_dict",
    "dispute_file",
    "dispute_resolve",
    "judging_context",
    "log_actors",
    "person_as_dict",
    "project_disputes",
    "queue_filters",
    "queue_trainers",
    "regrade_candidates",
    "review_as_dict",
    "review_context",
    "review_items_sync",
    "review_lease",
    "review_log",
    "review_next",
    "review_policy_for",
    "review_policy_update",
    "review_queue",
    "review_regrade",
    "review_release",
    "review_second",
    "review_submit",
    "review_submit_and_next",
    "reviewer_disagreement",
    "reviews_bulk_accept",
    "reviews_for",
    "revisions_diff",
    "submission_outcome",
]

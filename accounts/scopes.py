"""What each API token scope opens, decided from the request's method and URL name alone.

Scopes only ever restrict: the views still check the user's role, so a manage token of a
trainer is still a trainer. Keeping the allow-list here, keyed by URL name, means no other
app's views change when a scope is added or an endpoint moves: name the route, list it here.

- ``read``: safe methods (GET, HEAD, OPTIONS) only.
- ``annotate``: safe methods, plus the unsafe methods listed in ``ANNOTATE_ENDPOINTS``,
  a trainer's work: next task, lease renew/release, skip, drafts, submit, revise, disputes.
- ``manage``: whatever the user's role allows.
"""

from __future__ import annotations

from accounts.models import TokenScope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# URL name -> the unsafe methods an annotate token may call there.
ANNOTATE_ENDPOINTS: dict[str, frozenset[str]] = {
    "api-project-next": frozenset({"POST"}),
    # The trailing-slash twin of next has no URL name yet (tasks/api/urls.py); listed under
    # the name it should get so it opens the moment it is named.
    "api-project-next-slash": frozenset({"POST"}),
    "api-task-renew": frozenset({"POST"}),
    "api-task-release": frozenset({"POST"}),
    "api-task-skip": frozenset({"POST"}),
    "api-task-draft": frozenset({"PUT", "DELETE"}),
    "api-task-submit": frozenset({"POST"}),
    # PATCH on a submission is its author's revision (the view refuses anyone else).
    "api-submission-detail": frozenset({"PATCH"}),
    # A trainer disputing a rejection of their submission.
    "api-submission-disputes": frozenset({"POST"}),
    # A trainer's tool choosing the language of the messages it shows them.
    "api-me-preferences": frozenset({"PATCH"}),
}


def scope_allows(*, scope: str, method: str, url_name: str | None) -> bool:
    """Whether a token of ``scope`` may call ``method`` on the route named ``url_name``."""
    method = method.upper()
    if scope == TokenScope.MANAGE:
        return True
    if method in SAFE_METHODS:
        return scope in (TokenScope.READ, TokenScope.ANNOTATE)
    if scope == TokenScope.ANNOTATE:
        return method in ANNOTATE_ENDPOINTS.get(url_name or "", frozenset())
    return False


def scope_refusal(scope: str) -> str:
    """The message a refused token gets: what its scope allows and what to do instead."""
    if scope == TokenScope.READ:
        return (
            "This API token is read-only: it may only read (GET). Use a token with a wider scope."
        )
    if scope == TokenScope.ANNOTATE:
        return (
            "This API token's scope (annotate) allows reading and a trainer's work (next, "
            "drafts, submit, revise, skip, leases, disputes) only. Use a manage token."
        )
    return "This API token's scope does not allow this request."

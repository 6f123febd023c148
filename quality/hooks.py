"""Extension points of the quality pipeline, so it never imports the apps that read it.

The review workflow (``reviews``) depends on the pipeline, not the other way round: it
registers here at start-up to hear of every finished run (the checks decide the review
queue's order) and to add its links to the findings page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ChecksDoneHook = Callable[..., None]
FindingsLinksHook = Callable[..., list[Any]]
_checks_done: list[ChecksDoneHook] = []
_findings_links: list[FindingsLinksHook] = []


def on_checks_done(hook: ChecksDoneHook) -> ChecksDoneHook:
    """Register ``hook(items=[(submission, run), …])``; called inside the runs' transaction
    once their results are written (or judged again), so what the hook writes commits (or
    not) with them. A worker's batch comes as one call: keep the hook's queries per call."""
    if hook not in _checks_done:
        _checks_done.append(hook)
    return hook


def checks_done(*, items) -> None:
    if not items:
        return
    for hook in list(_checks_done):
        hook(items=items)


def on_findings_links(hook: FindingsLinksHook) -> FindingsLinksHook:
    """Register ``hook(project=…, user=…) -> [ProjectLink]``: links the findings page shows
    to this user (the hook decides with its own app's permissions)."""
    if hook not in _findings_links:
        _findings_links.append(hook)
    return hook


def findings_links(*, project, user) -> list[Any]:
    links = [link for hook in list(_findings_links) for link in hook(project=project, user=user)]
    return sorted(links, key=lambda link: link.order)

"""Extension points other apps register with, so `tasks` never imports them.

`reviews` (quality checks) depends on `tasks`, not the other way round: it registers a
function here at start-up, and the submission services call it inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotation_platform.rawsql import Writes

SubmissionHook = Callable[..., None]
_submission_saved: list[SubmissionHook] = []


def on_submission_saved(hook: SubmissionHook) -> SubmissionHook:
    """Register ``hook(submission=…, revision=…, writes=…, submission_step=…)``; called for
    every submit and revision, inside its transaction, before its writes are sent.

    ``writes`` (an ``annotation_platform.rawsql.Writes``) is the submit's or revision's own
    batch: a hook adds its writes there instead of running them, so the whole submit
    (claim, submission, the hooks' rows) is one statement on PostgreSQL, and the hooks'
    rows are written exactly when the submission is. ``submission_step`` is the step of
    ``writes`` that inserts the submission (its id: ``parent=("…_id", submission_step)``;
    ``after=submission_step`` for a write that depends on it); None when the submission
    is already written and has its id. Work for after the write goes to
    ``writes.on_written(…, submission_step)``.
    """
    if hook not in _submission_saved:
        _submission_saved.append(hook)
    return hook


def submission_saved(*, submission, revision: int, writes: Writes, submission_step=None) -> None:
    """Let every registered app add its writes to ``writes`` (the caller flushes it)."""
    for hook in list(_submission_saved):
        hook(
            submission=submission, revision=revision, writes=writes, submission_step=submission_step
        )


# --- page extensions ---------------------------------------------------------------------
# The project page and the submission page show what other apps add (review queue, metrics,
# exports, webhooks; a submission's review outcome) without `tasks` importing them: each
# app registers here in its AppConfig.ready().


@dataclass(frozen=True)
class ProjectLink:
    label: str
    url: str
    order: int = 100  # lower first; ties keep registration order


ProjectLinksHook = Callable[..., list[ProjectLink]]
SubmissionPageHook = Callable[..., dict[str, Any]]
_project_links: list[ProjectLinksHook] = []
_submission_page: list[SubmissionPageHook] = []


def on_project_links(hook: ProjectLinksHook) -> ProjectLinksHook:
    """Register ``hook(project=…, user=…) -> [ProjectLink]``: the links of the project page
    this user may follow (the hook decides with its own app's permissions)."""
    if hook not in _project_links:
        _project_links.append(hook)
    return hook


def project_links(*, project, user) -> list[ProjectLink]:
    links = [link for hook in list(_project_links) for link in hook(project=project, user=user)]
    return sorted(links, key=lambda link: link.order)


def on_submission_page(hook: SubmissionPageHook) -> SubmissionPageHook:
    """Register ``hook(submission=…, user=…, **extra) -> dict``: context the submission page
    renders (its template includes the registering app's own partials)."""
    if hook not in _submission_page:
        _submission_page.append(hook)
    return hook


def submission_page_context(*, submission, user, **extra: Any) -> dict[str, Any]:
    """Every registered app's context, merged; ``submission_partials`` (templates to
    include) and ``submission_links`` (ProjectLink buttons) are concatenated."""
    context: dict[str, Any] = {"submission_partials": [], "submission_links": []}
    for hook in list(_submission_page):
        added = dict(hook(submission=submission, user=user, **extra))
        context["submission_partials"] += added.pop("submission_partials", [])
        context["submission_links"] += added.pop("submission_links", [])
        context.update(added)
    return context


# --- task data and templates -------------------------------------------------------------
# Apps that index what task data refers to (``mediafiles``: which project's tasks name which
# media key) hear of every write of task data and of every template saved, inside the
# transaction of the write, without `tasks` importing them.

TaskDataHook = Callable[..., None]
TemplateSavedHook = Callable[..., None]
_task_data_saved: list[TaskDataHook] = []
_template_saved: list[TemplateSavedHook] = []


def on_task_data_saved(hook: TaskDataHook) -> TaskDataHook:
    """Register ``hook(project=…, datas=[…], definition=…, by=…)``: called once per batch of
    task data written (created, imported or updated), inside its transaction. ``definition``
    is the template the data was checked against, or None when the writer did not have it
    at hand; ``by`` is the user writing (None for the system: migrations, scripts). A hook
    may refuse the write with a DomainError (the transaction then writes nothing). It works
    in bulk (a fixed number of statements per call), never one query per row: imports call
    it for every batch of thousands of rows."""
    if hook not in _task_data_saved:
        _task_data_saved.append(hook)
    return hook


def task_data_saved(
    *,
    project,
    datas: Sequence[Mapping[str, Any]],
    definition: Mapping[str, Any] | None = None,
    by=None,
) -> None:
    for hook in list(_task_data_saved):
        hook(project=project, datas=datas, definition=definition, by=by)


def on_template_saved(hook: TemplateSavedHook) -> TemplateSavedHook:
    """Register ``hook(project=…, definition=…, previous=…, by=…)``: called when a project's
    template is saved (a new version or an edit in place), inside its transaction;
    ``previous`` is the definition in force before (None for the first), ``by`` the user.
    A new template can read existing task data differently (a field becomes an image), so
    an index of task data may need to look at the project's tasks again."""
    if hook not in _template_saved:
        _template_saved.append(hook)
    return hook


def template_saved(
    *, project, definition: Mapping[str, Any], previous: Mapping[str, Any] | None, by=None
) -> None:
    for hook in list(_template_saved):
        hook(project=project, definition=definition, previous=previous, by=by)

"""Project guidelines: a Markdown intro and identifiable rules, edited as one draft per
project and published as immutable, numbered versions; trainers acknowledge each change once.

Rules change under trainers as models improve ("the answer must not exceed the option range"
stopped being needed), so a rule is never deleted once published: it is retired with a
reason, and its id ("R1", "R2" …) is never given to another rule. What changed between two
versions is computed from those ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

from annotation_platform import jsonguard
from annotation_platform.errors import ConflictError, DomainError
from tasks.lookups import guidelines_forget
from tasks.models import (
    RULE_ACTIVE,
    RULE_RETIRED,
    GuidelineAcknowledgement,
    GuidelineDraft,
    GuidelineVersion,
    Project,
)

MAX_INTRO_CHARS: Final = 50_000
MAX_RULE_TITLE_CHARS: Final = 200
MAX_RULE_TEXT_CHARS: Final = 20_000
MAX_REASON_CHARS: Final = 500
MAX_NOTE_CHARS: Final = 500
MAX_RULES: Final = 500
DRAFT: Final = "draft"

# Each field _clean checks, named in whole sentences (word order differs in Chinese):
# (not text, missing, too long, cannot be stored: %(problem)s).
_FIELD_REFUSALS: Final = {
    "intro": (
        gettext_lazy("The intro must be text."),
        gettext_lazy("An intro is required."),
        gettext_lazy("The intro is too long."),
        gettext_lazy("The intro cannot be stored: %(problem)s"),
    ),
    "title": (
        gettext_lazy("The title must be text."),
        gettext_lazy("A title is required."),
        gettext_lazy("The title is too long."),
        gettext_lazy("The title cannot be stored: %(problem)s"),
    ),
    "text": (
        gettext_lazy("The text must be text."),
        gettext_lazy("A text is required."),
        gettext_lazy("The text is too long."),
        gettext_lazy("The text cannot be stored: %(problem)s"),
    ),
    "reason": (
        gettext_lazy("The reason must be text."),
        gettext_lazy("A reason is required."),
        gettext_lazy("The reason is too long."),
        gettext_lazy("The reason cannot be stored: %(problem)s"),
    ),
    "note": (
        gettext_lazy("The note must be text."),
        gettext_lazy("A note is required."),
        gettext_lazy("The note is too long."),
        gettext_lazy("The note cannot be stored: %(problem)s"),
    ),
}


def _clean(value: Any, name: str, *, required: bool, max_chars: int) -> str:
    not_text, missing, too_long, unstorable = _FIELD_REFUSALS[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(str(not_text), fields={name: [gettext("Must be text.")]})
    value = value.strip()
    if required and not value:
        raise DomainError(str(missing), fields={name: [gettext("This field is required.")]})
    if len(value) > max_chars:
        raise DomainError(
            str(too_long),
            fields={name: [gettext("At most %(count)s characters.") % {"count": max_chars}]},
        )
    # Pages hand raw form text here: a NUL would fail the write on PostgreSQL (a 500).
    problem = jsonguard.text_problem(value, max_chars=max_chars)
    if problem:
        raise DomainError(str(unstorable) % {"problem": problem}, fields={name: [problem]})
    return value


def guidelines_current(project: Project) -> GuidelineVersion | None:
    """The version in force: the newest published one."""
    return project.guideline_versions.order_by("-number").first()


def guidelines_draft(project: Project) -> GuidelineDraft:
    """The project's draft, or an unsaved empty one if nobody has edited yet (no write)."""
    return GuidelineDraft.objects.filter(project=project).first() or GuidelineDraft(project=project)


def _locked_draft(project: Project, expected_revision: int | None) -> GuidelineDraft:
    GuidelineDraft.objects.get_or_create(project=project)
    draft = GuidelineDraft.objects.select_for_update().get(project=project)
    if expected_revision is not None and expected_revision != draft.revision:
        raise ConflictError(
            gettext(
                "Someone else saved these guidelines after you opened them; reload and apply "
                "your changes again."
            ),
            code="draft_changed",
        )
    return draft


def _save(draft: GuidelineDraft, by) -> GuidelineDraft:
    draft.revision += 1
    draft.updated_by = by
    draft.save()
    return draft


def _rule(draft: GuidelineDraft, rule_id: str) -> dict[str, Any]:
    for rule in draft.rules:
        if rule["id"] == rule_id:
            return rule
    raise Http404(gettext("There is no rule %(id)s in these guidelines.") % {"id": repr(rule_id)})


def _published_rule_ids(project: Project) -> set[str]:
    current = guidelines_current(project)
    return {rule["id"] for rule in current.rules} if current else set()


@transaction.atomic
def guidelines_update_intro(
    *, project: Project, intro: str, by, expected_revision: int | None = None
) -> GuidelineDraft:
    """Replace the draft's Markdown intro (shown sanitised, above the rules)."""
    intro = _clean(intro, "intro", required=False, max_chars=MAX_INTRO_CHARS)
    draft = _locked_draft(project, expected_revision)
    draft.intro = intro
    return _save(draft, by)


@transaction.atomic
def guideline_rule_add(
    *, project: Project, title: str, text: str = "", by, expected_revision: int | None = None
) -> tuple[GuidelineDraft, dict[str, Any]]:
    """Add an active rule to the draft with the next unused id ("R<n>")."""
    title = _clean(title, "title", required=True, max_chars=MAX_RULE_TITLE_CHARS)
    text = _clean(text, "text", required=False, max_chars=MAX_RULE_TEXT_CHARS)
    draft = _locked_draft(project, expected_revision)
    if len(draft.rules) >= MAX_RULES:
        raise DomainError(
            gettext("Guidelines hold at most %(count)s rules.") % {"count": MAX_RULES},
            code="too_many_rules",
        )
    rule = {
        "id": f"R{draft.next_rule_number}",
        "title": title,
        "text": text,
        "status": RULE_ACTIVE,
        "retired_reason": "",
    }
    draft.next_rule_number += 1
    draft.rules = [*draft.rules, rule]
    return _save(draft, by), rule


@transaction.atomic
def guideline_rule_edit(
    *,
    project: Project,
    rule_id: str,
    title: str | None = None,
    text: str | None = None,
    by,
    expected_revision: int | None = None,
) -> tuple[GuidelineDraft, dict[str, Any]]:
    """Change an active rule's title and/or text (None leaves it); its id stays."""
    if title is not None:
        title = _clean(title, "title", required=True, max_chars=MAX_RULE_TITLE_CHARS)
    if text is not None:
        text = _clean(text, "text", required=False, max_chars=MAX_RULE_TEXT_CHARS)
    draft = _locked_draft(project, expected_revision)
    rule = _rule(draft, rule_id)
    if rule["status"] == RULE_RETIRED:
        raise ConflictError(
            gettext("Rule %(id)s is retired and cannot be edited; add a new rule instead.")
            % {"id": rule_id},
            code="rule_retired",
        )
    if title is not None:
        rule["title"] = title
    if text is not None:
        rule["text"] = text
    return _save(draft, by), rule


@transaction.atomic
def guideline_rule_retire(
    *, project: Project, rule_id: str, reason: str, by, expected_revision: int | None = None
) -> tuple[GuidelineDraft, dict[str, Any] | None]:
    """Retire a rule with a reason: it stays in the guidelines, marked retired, and trainers
    are told. A rule no published version holds was never seen, so it is simply dropped
    (the second value is then None); its id is not reused either way."""
    reason = _clean(reason, "reason", required=True, max_chars=MAX_REASON_CHARS)
    draft = _locked_draft(project, expected_revision)
    rule = _rule(draft, rule_id)
    if rule["status"] == RULE_RETIRED:
        raise ConflictError(
            gettext("Rule %(id)s is already retired.") % {"id": rule_id}, code="rule_retired"
        )
    if rule_id not in _published_rule_ids(project):
        draft.rules = [other for other in draft.rules if other["id"] != rule_id]
        return _save(draft, by), None
    rule["status"] = RULE_RETIRED
    rule["retired_reason"] = reason
    return _save(draft, by), rule


@transaction.atomic
def guidelines_publish(*, project: Project, note: str, by) -> GuidelineVersion:
    """Publish the draft as the next version, which is then in force and never changes.

    Refuses empty guidelines ("empty_guidelines") and a draft identical to the version in
    force (409 "nothing_to_publish"). Publishes of one project are serialised on its row.
    """
    note = _clean(note, "note", required=True, max_chars=MAX_NOTE_CHARS)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    draft = GuidelineDraft.objects.filter(project=project).first()
    if draft is None or not (draft.intro.strip() or draft.rules):
        raise DomainError(
            gettext("Write an introduction or add a rule before publishing the guidelines."),
            code="empty_guidelines",
        )
    current = guidelines_current(project)
    if current is not None and (current.intro, current.rules) == (draft.intro, draft.rules):
        raise ConflictError(
            gettext(
                "The draft is the same as version %(number)s, which is in force; "
                "there is nothing new to publish."
            )
            % {"number": current.number},
            code="nothing_to_publish",
        )
    last = project.guideline_versions.aggregate(last=Max("number"))["last"] or 0
    guidelines_forget(project)  # the work gate must see the new version through it
    return GuidelineVersion.objects.create(
        project=project,
        number=last + 1,
        intro=draft.intro,
        rules=draft.rules,
        note=note,
        published_by=by,
    )


# --- what changed -------------------------------------------------------------------------


@dataclass(frozen=True)
class GuidelinesDiff:
    """Rules added, retired and changed (matched by id), and whether the intro changed."""

    added: list[dict[str, Any]] = field(default_factory=list)
    retired: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    intro_changed: bool = False
    intro_before: str = ""
    intro_after: str = ""
    # What was compared, as a request names it: a version number, "draft", or "0" (nothing).
    before_ref: str = ""
    after_ref: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.retired or self.changed or self.intro_changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "retired": self.retired,
            "changed": self.changed,
            "intro_changed": self.intro_changed,
            "intro_before": self.intro_before,
            "intro_after": self.intro_after,
        }


def guidelines_compare(
    old_intro: str,
    old_rules: Sequence[Mapping[str, Any]],
    new_intro: str,
    new_rules: Sequence[Mapping[str, Any]],
) -> GuidelinesDiff:
    """What a reader of the old guidelines needs to know about the new ones (pure).

    Only rules a reader could have seen count: a rule is "added" when it is active now and
    was not active before, "retired" when it was active and is retired now (with the
    reason), "changed" when it is active in both with another title or text.
    """
    before = {rule["id"]: rule for rule in old_rules if rule["status"] == RULE_ACTIVE}
    added, retired, changed = [], [], []
    for rule in new_rules:
        old = before.get(rule["id"])
        if rule["status"] == RULE_ACTIVE and old is None:
            added.append(dict(rule))
        elif rule["status"] == RULE_RETIRED and old is not None:
            retired.append(dict(rule))
        elif rule["status"] == RULE_ACTIVE and old is not None:
            fields = [name for name in ("title", "text") if old[name] != rule[name]]
            if fields:
                changed.append(
                    {
                        "id": rule["id"],
                        "title": rule["title"],
                        "fields": fields,
                        "before": {"title": old["title"], "text": old["text"]},
                        "after": {"title": rule["title"], "text": rule["text"]},
                    }
                )
    return GuidelinesDiff(
        added=added,
        retired=retired,
        changed=changed,
        intro_changed=(old_intro or "").strip() != (new_intro or "").strip(),
        intro_before=old_intro or "",
        intro_after=new_intro or "",
    )


def _number(ref: str | int) -> int:
    try:
        return int(ref)
    except (TypeError, ValueError):
        return 0


def _version(project: Project, ref: str | int, name: str) -> GuidelineVersion | GuidelineDraft:
    if str(ref) == DRAFT:
        return guidelines_draft(project)
    number = _number(ref)
    version = project.guideline_versions.filter(number=number).first() if number > 0 else None
    if version is None:
        raise DomainError(
            gettext("There is no version %(ref)s of these guidelines.") % {"ref": repr(ref)},
            code="unknown_version",
            fields={name: [gettext('A version number of these guidelines, or "draft".')]},
        )
    return version


def guidelines_diff(
    *, project: Project, before: str | int | None = None, after: str | int | None = None
) -> GuidelinesDiff:
    """What changed from ``before`` to ``after``: version numbers, "draft", or 0 (nothing,
    so every active rule of ``after`` counts as added). By default ``after`` is the version
    in force (the draft before the first publish) and ``before`` the version preceding it."""
    if after is None or after == "":
        current = guidelines_current(project)
        after = current.number if current else DRAFT
    if before is None or before == "":
        if str(after) == DRAFT:
            current = guidelines_current(project)
            before = current.number if current else 0
        else:
            before = max(_number(after) - 1, 0)
    if str(before) == "0":
        old_intro, old_rules = "", []
    else:
        old = _version(project, before, "from")
        old_intro, old_rules = old.intro, old.rules
    new = _version(project, after, "to")
    diff = guidelines_compare(old_intro, old_rules, new.intro, new.rules)
    return replace(diff, before_ref=str(before), after_ref=str(after))


# --- what a trainer has seen --------------------------------------------------------------


def _last_acknowledged(user, project: Project) -> int | None:
    return GuidelineAcknowledgement.objects.filter(trainer=user, project=project).aggregate(
        last=Max("version")
    )["last"]


def guidelines_notice_for(*, user, project: Project) -> dict[str, Any] | None:
    """The "what changed since you last worked" notice for ``user`` in ``project``.

    None when the project has no guidelines or ``user`` acknowledged the version in force.
    Otherwise a dict: ``version`` (the number in force, to acknowledge), ``since`` (the
    number last acknowledged, None if never: then every active rule counts as added),
    ``note``, ``published_at``, ``added`` / ``retired`` / ``changed`` (rules as in
    ``guidelines_compare``) and ``intro_changed``. Whether ``user`` must see it (trainers
    do) is the caller's permission check.
    """
    if not user.is_authenticated:
        return None
    current = guidelines_current(project)
    if current is None:
        return None
    since = _last_acknowledged(user, project)
    if since is not None and since >= current.number:
        return None
    diff = guidelines_diff(project=project, before=since or 0, after=current.number)
    return {
        "version": current.number,
        "since": since,
        "note": current.note,
        "published_at": current.published_at,
        "added": diff.added,
        "retired": diff.retired,
        "changed": diff.changed,
        "intro_changed": diff.intro_changed,
    }


@transaction.atomic
def guidelines_acknowledge(*, user, project: Project, version: int) -> GuidelineAcknowledgement:
    """Record that ``user`` read the guidelines up to ``version``; once is enough (a repeat
    returns the same record). An older version than one acknowledged changes nothing."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise DomainError(
            gettext("Name the version you read."), fields={"version": [gettext("A whole number.")]}
        )
    if not project.guideline_versions.filter(number=version).exists():
        raise DomainError(
            gettext("There is no version %(ref)s of these guidelines.") % {"ref": version},
            code="unknown_version",
            fields={"version": [gettext("Not a published version of these guidelines.")]},
        )
    acknowledgement, _ = GuidelineAcknowledgement.objects.get_or_create(
        trainer=user, project=project, version=version
    )
    guidelines_forget(project)  # the work gate opens at once through this instance
    return acknowledgement

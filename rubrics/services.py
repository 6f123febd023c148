"""Rubric workflows: create, edit the draft, publish, retire, clone, import and export.

Pages and the API call these; refusals are DomainError/ConflictError with ``fields`` keyed by
path ("content.criteria[3].title"), so an editor can show each message next to its cause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from annotation_platform.errors import ConflictError, DomainError
from rubrics.content import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    empty_content,
    has_criteria,
    iter_nodes,
    normalize_rubric_content,
    validate_rubric_content,
)
from rubrics.interchange import export_content, import_content
from rubrics.models import Rubric, RubricVersion, VersionStatus, version_immutable_error

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 500

# Whole sentences for each text field _clean_text checks (word order differs in Chinese).
_TEXT_REFUSALS = {
    "note": (gettext_lazy("A note is required."), gettext_lazy("The note is too long.")),
    "reason": (gettext_lazy("A reason is required."), gettext_lazy("The reason is too long.")),
}


def _at_most_chars(count: int) -> str:
    return gettext("At most %(count)s characters.") % {"count": count}


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        required = gettext("This field is required.")
        raise DomainError(gettext("A rubric needs a title."), fields={"title": [required]})
    if len(title) > MAX_TITLE_CHARS:
        raise DomainError(
            gettext("The title is too long."), fields={"title": [_at_most_chars(MAX_TITLE_CHARS)]}
        )
    return title


def _clean_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        strings = gettext("Must be a list of strings.")
        raise DomainError(gettext("Tags must be a list."), fields={"tags": [strings]})
    cleaned: list[str] = []
    errors: dict[str, list[str]] = {}
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip():
            errors[f"tags[{index}]"] = [gettext("Must be a non-empty string.")]
        elif len(tag.strip()) > MAX_TAG_CHARS:
            errors[f"tags[{index}]"] = [_at_most_chars(MAX_TAG_CHARS)]
        elif tag.strip() not in cleaned:
            cleaned.append(tag.strip())
    if len(cleaned) > MAX_TAGS:
        errors["tags"] = [gettext("At most %(count)s tags.") % {"count": MAX_TAGS}]
    if errors:
        raise DomainError(gettext("Some tags are invalid."), fields=errors)
    return cleaned


def _clean_text(value: str, name: str, *, required: bool, max_chars: int) -> str:
    value = (value or "").strip()
    missing, too_long = _TEXT_REFUSALS[name]
    if required and not value:
        raise DomainError(str(missing), fields={name: [gettext("This field is required.")]})
    if len(value) > max_chars:
        raise DomainError(str(too_long), fields={name: [_at_most_chars(max_chars)]})
    return value


def _clean_content(content: Any) -> dict[str, Any]:
    errors = validate_rubric_content(content)
    if errors:
        raise DomainError(
            gettext("The rubric has errors; each is listed under its path."),
            code="invalid_rubric",
            fields={f"content.{path}" if path else "content": m for path, m in errors.items()},
        )
    return normalize_rubric_content(content)


# --- criterion ids are never reused ---------------------------------------------------------
#
# Judgments, scores and the version diff key criteria by id, so an id names one criterion for
# the whole life of a rubric. Once a node id has been in a saved draft or a published
# version and is then deleted, no later draft may use it again: the server REFUSES such a
# draft (400 "criterion_id_reused", under the node's "content.….id" path, naming the next free
# id) rather than renumbering it silently, because an API client or a reviewer who wrote
# "c19" must not find it quietly turned into "c20". The editor never proposes a retired id
# (it gets them from rubric_retired_ids), so people using it never meet the refusal; the diff
# then reads "removed c19, added c20", never "changed c19".


def _ids(content: Mapping[str, Any] | None) -> dict[str, str]:
    """Each node id in ``content`` and its path ("criteria[2].children[0]")."""
    if not isinstance(content, Mapping):
        return {}
    try:
        return {located.node["id"]: located.path for located in iter_nodes(content)}
    except (KeyError, TypeError):  # content saved before validation existed: no ids to keep
        return {}


def rubric_retired_ids(rubric: Rubric) -> set[str]:
    """Ids a node of ``rubric`` once had (in a saved draft or any version) that its saved
    draft no longer holds: they are never given to a new criterion or section."""
    history = set(rubric.used_ids or [])
    for content in rubric.versions.values_list("content", flat=True):
        history |= set(_ids(content))
    return history - set(_ids(rubric.draft_content))


def next_free_id(prefix: str, taken: Iterable[str]) -> str:
    """``prefix`` and one more than the highest number any taken id has with it: ids only
    grow, so after c19 is deleted the next new criterion is c20 (the editor does the same)."""
    highest = 0
    for node_id in taken:
        rest = node_id[len(prefix) :] if node_id.startswith(prefix) else ""
        if rest.isdigit():
            highest = max(highest, int(rest))
    return f"{prefix}{highest + 1}"


def _refuse_reused_ids(content: Mapping[str, Any], retired: set[str]) -> None:
    ids = _ids(content)
    reused = {node_id: path for node_id, path in ids.items() if node_id in retired}
    if not reused:
        return
    taken = retired | set(ids)
    fields = {}
    for node_id, path in reused.items():
        fresh = next_free_id(node_id.rstrip("0123456789") or "c", taken)
        taken.add(fresh)
        fields[f"content.{path}.id"] = [
            gettext(
                "The id %(id)s belonged to a deleted criterion or section and is never "
                "reused; give this one a new id, such as %(fresh)s."
            )
            % {"id": node_id, "fresh": fresh}
        ]
    raise DomainError(
        gettext(
            "Ids of deleted criteria are never reused, so judgments never mix two criteria: "
            "%(ids)s."
        )
        % {"ids": ", ".join(sorted(reused))},
        code="criterion_id_reused",
        fields=fields,
    )


def _remember_ids(rubric: Rubric, *contents: Mapping[str, Any] | None) -> None:
    used = set(rubric.used_ids or [])
    for content in contents:
        used |= set(_ids(content))
    rubric.used_ids = sorted(used)


@transaction.atomic
def rubric_create(
    *,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    content: Any = None,
    by: AbstractBaseUser | None,
) -> Rubric:
    """A new rubric whose draft is ``content`` (empty when None); nothing is published yet."""
    return Rubric.objects.create(
        title=_clean_title(title),
        description=(description or "").strip(),
        tags=_clean_tags(tags),
        draft_content=(draft := empty_content() if content is None else _clean_content(content)),
        used_ids=sorted(_ids(draft)),
        draft_updated_by=by,
        created_by=by,
    )


@transaction.atomic
def rubric_update_draft(
    *,
    rubric: Rubric,
    content: Any = None,
    title: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    expected_revision: int | None = None,
    by: AbstractBaseUser | None = None,
) -> Rubric:
    """Change the draft (and the rubric's title, description, tags); None leaves a part as is.

    Only the draft is ever edited: passing a published version is refused with 409
    "version_immutable". With ``expected_revision`` (the ``draft_revision`` the editor
    loaded), a draft someone else saved in between is not overwritten (409 "draft_changed").
    """
    if isinstance(rubric, RubricVersion):
        raise version_immutable_error(rubric, ["content"])
    locked = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if expected_revision is not None and expected_revision != locked.draft_revision:
        raise ConflictError(
            gettext(
                "Someone else saved this draft after you opened it; reload it and apply your "
                "changes again."
            ),
            code="draft_changed",
        )
    if title is not None:
        locked.title = _clean_title(title)
    if description is not None:
        locked.description = description.strip()
    if tags is not None:
        locked.tags = _clean_tags(tags)
    if content is not None:
        cleaned = _clean_content(content)
        _refuse_reused_ids(cleaned, rubric_retired_ids(locked))
        _remember_ids(locked, locked.draft_content, cleaned)
        locked.draft_content = cleaned
    locked.draft_revision += 1
    locked.draft_updated_at = timezone.now()
    locked.draft_updated_by = by
    locked.save()
    return locked


@transaction.atomic
def rubric_publish(*, rubric: Rubric, note: str, by: AbstractBaseUser | None) -> RubricVersion:
    """Publish the draft as the next version; the version in force becomes superseded.

    Refuses an invalid draft (paths under "content."), an empty one ("empty_rubric"), and a
    draft identical to the version in force (409 "nothing_to_publish"). Concurrent publishes
    of one rubric are serialised on the rubric row, and a partial unique constraint keeps at
    most one version published even so.
    """
    note = _clean_text(note, "note", required=True, max_chars=MAX_NOTE_CHARS)
    locked = Rubric.objects.select_for_update().get(pk=rubric.pk)
    content = _clean_content(locked.draft_content)
    if not has_criteria(content):
        raise DomainError(
            gettext("A rubric needs at least one criterion before it can be published."),
            code="empty_rubric",
            fields={"content.criteria": [gettext("Add at least one criterion.")]},
        )
    current = locked.versions.filter(status=VersionStatus.PUBLISHED).first()
    if current is not None and current.content == content:
        raise ConflictError(
            gettext(
                "The draft is the same as version %(number)s, which is in force; "
                "there is nothing new to publish."
            )
            % {"number": current.number},
            code="nothing_to_publish",
        )
    last = locked.versions.aggregate(last=Max("number"))["last"] or 0
    if current is not None:
        current.mark_superseded()
    return RubricVersion.objects.create(
        rubric=locked, number=last + 1, content=content, note=note, published_by=by
    )


@transaction.atomic
def rubric_version_retire(
    *, version: RubricVersion, reason: str, by: AbstractBaseUser | None
) -> RubricVersion:
    """Retire ``version``: it is never applied again. If it was in force, none is until the
    next publish."""
    reason = _clean_text(reason, "reason", required=True, max_chars=MAX_NOTE_CHARS)
    # Lock the rubric first, as rubric_publish does, so a publish superseding this version
    # and this retirement happen one after the other.
    Rubric.objects.select_for_update().filter(pk=version.rubric_id).first()
    locked = RubricVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status == VersionStatus.RETIRED:
        raise ConflictError(
            gettext("Version %(number)s is already retired.") % {"number": locked.number},
            code="version_retired",
        )
    locked.mark_retired(reason=reason, by=by)
    return locked


@transaction.atomic
def rubric_clone(
    *, rubric: Rubric, by: AbstractBaseUser | None, title: str | None = None
) -> Rubric:
    """A new rubric whose draft copies ``rubric``'s version in force, or its draft if none."""
    source = rubric.current_version()
    content = source.content if source is not None else rubric.draft_content
    clone = Rubric.objects.create(
        title=_clean_title(
            title
            if title is not None
            else (gettext("Copy of %(title)s") % {"title": rubric.title})[:200]
        ),
        description=rubric.description,
        tags=list(rubric.tags),
        draft_content=normalize_rubric_content(content),
        draft_updated_by=by,
        cloned_from=rubric,
        cloned_from_version=source,
        created_by=by,
    )
    return clone


def rubric_import(
    *,
    data: Any,
    title: str,
    by: AbstractBaseUser | None,
    fmt: str | None = None,
    description: str = "",
    tags: Iterable[str] = (),
) -> Rubric:
    """A new rubric whose draft is ``data`` read as ``fmt`` (detected when None).

    Errors name paths inside ``data`` ("[3].points"), as the file's author wrote it.
    """
    content = import_content(data, fmt=fmt)
    return rubric_create(title=title, description=description, tags=tags, content=content, by=by)


def rubric_export(*, content: Mapping[str, Any], fmt: str) -> Any:
    """``content`` (a draft's or a version's) in ``fmt``; refused when that shape cannot
    hold it ("export_unsupported")."""
    return export_content(content, fmt=fmt)

"""Rubrics in projects: the library, sharing, cloning, and the version a project pins.

The rubric rules themselves (content, versions, publishing, retiring, interchange) live in
``rubrics.services`` and are called, never repeated, here. This module adds only what a
project brings: which project owns a rubric, where it is shared, and which version the
project's reviews apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext, ngettext, pgettext

from annotation_platform import jsonguard
from annotation_platform.errors import ConflictError, DomainError
from rubrics.diff import Change, rubric_diff
from rubrics.models import Rubric, RubricVersion, VersionStatus
from rubrics.services import (
    rubric_clone,
    rubric_create,
    rubric_import,
    rubric_publish,
    rubric_version_retire,
)
from tasks import permissions
from tasks.models import Project, ProjectRubric

DRAFT: Final = "draft"
MAX_IMPORT_BYTES: Final = 2_000_000  # a 500-criterion rubric is a few hundred kilobytes


@transaction.atomic
def project_rubric_create(
    *,
    project: Project,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    content: Any = None,
    by,
) -> ProjectRubric:
    """A new rubric owned by ``project`` (its draft is ``content``, empty when None)."""
    rubric = rubric_create(title=title, description=description, tags=tags, content=content, by=by)
    return ProjectRubric.objects.create(project=project, rubric=rubric, owner=True, added_by=by)


@transaction.atomic
def project_rubric_import(
    *, project: Project, data: Any, title: str, fmt: str | None = None, by
) -> ProjectRubric:
    """A new rubric owned by ``project`` from a file in one of the interchange shapes.

    ``data`` is parsed JSON, or a file's raw bytes. Refusals name paths inside the file
    ("[3].points"), as ``rubric_import`` reports them.
    """
    if isinstance(data, bytes | str) and len(data) > MAX_IMPORT_BYTES:
        raise DomainError(
            gettext("The file is larger than %(size)s MB.")
            % {"size": MAX_IMPORT_BYTES // 1_000_000},
            code="file_too_large",
            fields={
                "file": [gettext("At most %(size)s MB.") % {"size": MAX_IMPORT_BYTES // 1_000_000}]
            },
        )
    rubric = rubric_import(data=data, title=title, fmt=fmt, by=by)
    return ProjectRubric.objects.create(project=project, rubric=rubric, owner=True, added_by=by)


def json_lines(data: Any) -> list[tuple[int, str]] | None:
    """A JSON Lines file (HealthBench's own format: one example per line) as its non-empty
    lines with their numbers from 1; None when ``data`` is one JSON document (or not text)."""
    if not isinstance(data, bytes | str):
        return None
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2 or not all(line.lstrip().startswith("{") for _, line in lines):
        return None
    try:
        jsonguard.loads(text)
    except ValueError:  # "Extra data: line 2": several documents, one per line
        return lines
    return None


def _line_title(title: str, number: int, line: str) -> str:
    try:
        row = jsonguard.loads(line)
    except ValueError:
        row = None
    name = row.get("prompt_id") if isinstance(row, dict) else None
    suffix = name if isinstance(name, str) and name.strip() else str(number)
    return f"{title.strip()} ({suffix.strip()})"[:200]


@transaction.atomic
def project_rubric_import_many(
    *, project: Project, data: Any, title: str, fmt: str | None = None, by
) -> list[ProjectRubric]:
    """``project_rubric_import``, and for a JSON Lines file one rubric per line, titled
    "title (prompt_id)" (or "title (line number)"). All or nothing: if any line is refused,
    no rubric is created and each bad line is named by its number."""
    lines = (
        json_lines(data)
        if not isinstance(data, bytes | str) or len(data) <= MAX_IMPORT_BYTES
        else None
    )
    if lines is None:
        return [project_rubric_import(project=project, data=data, title=title, fmt=fmt, by=by)]
    links: list[ProjectRubric] = []
    fields: dict[str, list[str]] = {}
    bad: list[int] = []
    for number, line in lines:
        try:
            with transaction.atomic():
                links.append(
                    project_rubric_import(
                        project=project,
                        data=line,
                        title=_line_title(title, number, line) if title.strip() else "",
                        fmt=fmt,
                        by=by,
                    )
                )
        except DomainError as exc:
            if exc.fields.get("title"):  # no title: the same for every line, say it once
                raise
            bad.append(number)
            where = gettext("line %(line)s") % {"line": number}
            for path, found in (exc.fields or {"": [exc.detail]}).items():
                fields[f"{where}: {path}" if path else where] = list(found)
    if bad:
        lines_named = ", ".join(str(number) for number in bad)
        raise DomainError(
            ngettext(
                "Nothing was imported: line %(lines)s has errors; each is listed under its line.",
                "Nothing was imported: lines %(lines)s have errors; each is listed under its line.",
                len(bad),
            )
            % {"lines": lines_named},
            code="invalid_import",
            fields=fields,
        )
    return links


@transaction.atomic
def project_rubric_clone(
    *, source: ProjectRubric, into: Project, by, title: str | None = None
) -> ProjectRubric:
    """A copy of ``source``'s rubric (its version in force, else its draft), owned by
    ``into``; the copy's draft is then edited independently."""
    rubric = rubric_clone(rubric=source.rubric, by=by, title=title)
    return ProjectRubric.objects.create(project=into, rubric=rubric, owner=True, added_by=by)


@transaction.atomic
def project_rubric_share(*, link: ProjectRubric, into: Project, by) -> ProjectRubric:
    """Put ``link``'s rubric in ``into``'s library too: that project may pin its versions
    and clone it; it stays owned (and edited) by its owner."""
    if ProjectRubric.objects.filter(project=into, rubric_id=link.rubric_id).exists():
        raise ConflictError(
            gettext("“%(title)s” is already in the library of “%(project)s”.")
            % {"title": link.rubric.title, "project": into.name},
            code="already_in_library",
            fields={"project": [gettext("This project already has this rubric.")]},
        )
    return ProjectRubric.objects.create(project=into, rubric=link.rubric, owner=False, added_by=by)


@transaction.atomic
def project_rubric_pin(*, project: Project, version: RubricVersion, by) -> Project:
    """Make ``version`` the one ``project``'s reviews apply.

    Only a version of a rubric in the project's library, and only a published or
    superseded one: a retired version is never applied again (409 "version_retired").
    Publishing never moves the pin; this is the only way it changes.
    """
    if not ProjectRubric.objects.filter(project=project, rubric_id=version.rubric_id).exists():
        raise DomainError(
            gettext("That rubric is not in this project's library; share or clone it here first."),
            code="not_in_library",
            fields={"version": [gettext("Not a version of a rubric in this project's library.")]},
        )
    # Lock the rubric as rubric_version_retire does, then re-read: a version retired a
    # moment ago must not be pinned from a stale copy.
    Rubric.objects.select_for_update().filter(pk=version.rubric_id).first()
    version = RubricVersion.objects.select_related("rubric").get(pk=version.pk)
    version.require_applicable()
    locked = Project.objects.select_for_update().get(pk=project.pk)
    locked.rubric_version = version
    locked.save(update_fields=["rubric_version", "updated_at"])
    project.rubric_version = version
    return locked


def projects_pinning(version: RubricVersion | None) -> list[Project]:
    """The projects whose reviews apply ``version`` now, by name."""
    if version is None:
        return []
    return list(Project.objects.filter(rubric_version=version).order_by("name", "pk"))


def repin_targets(*, link: ProjectRubric, user) -> list[Project]:
    """Where publishing ``link``'s draft offers to pin the new version: the projects that pin
    the latest version now and whose rubrics ``user`` may change (a project the rubric is
    shared into, but that the user does not design, keeps its pin)."""
    return [
        project
        for project in projects_pinning(link.rubric.latest_version())
        if permissions.can_edit_rubrics(user, project)
    ]


@transaction.atomic
def project_rubric_publish(
    *, link: ProjectRubric, note: str, by, pin: bool = False, repin: bool = False
) -> RubricVersion:
    """Publish the rubric's draft as its next version (``rubric_publish``).

    ``pin`` also pins it in the owning project; ``repin`` pins it in every project that
    pinned the previous version and that ``by`` designs (``repin_targets``). The pages and
    the API turn ``repin`` on by default; here it is off, so a caller moves pins only when it
    says so. The new version's ``repinned`` lists the projects that now use it.
    """
    targets = repin_targets(link=link, user=by) if repin else []
    version = rubric_publish(rubric=link.rubric, note=note, by=by)
    if pin and link.project not in targets:
        targets.insert(0, link.project)
    for project in targets:
        project_rubric_pin(project=project, version=version, by=by)
    version.repinned = targets
    return version


@transaction.atomic
def project_rubric_version_retire(
    *,
    version: RubricVersion,
    reason: str,
    by,
    replacement: RubricVersion | int | None = None,
) -> RubricVersion:
    """Retire ``version`` (``rubric_version_retire``). If projects still pin it, their reviews
    would be left without a rubric, so ``replacement`` (a newer, applicable version of the
    same rubric, or its number) is required: those projects are re-pinned to it in the same
    transaction. Without one: 409 "version_pinned", naming the projects. The version's
    ``repinned`` lists the projects moved."""
    Rubric.objects.select_for_update().filter(pk=version.rubric_id).first()
    version = RubricVersion.objects.select_related("rubric").get(pk=version.pk)
    pinning = list(
        Project.objects.select_for_update().filter(rubric_version=version).order_by("name", "pk")
    )
    if isinstance(replacement, int):
        found = version.rubric.versions.filter(number=replacement).first()
        if found is None:
            raise DomainError(
                gettext("There is no version %(ref)s of this rubric.") % {"ref": repr(replacement)},
                code="unknown_version",
                fields={"replacement": [gettext("A newer version of this rubric.")]},
            )
        replacement = found
    if replacement is not None:
        replacement = RubricVersion.objects.get(pk=replacement.pk)
        if (
            replacement.rubric_id != version.rubric_id
            or replacement.number <= version.number
            or not replacement.is_applicable
        ):
            raise DomainError(
                gettext(
                    "The replacement must be a newer version of this rubric that is not retired."
                ),
                code="invalid_replacement",
                fields={"replacement": [gettext("A newer version of this rubric.")]},
            )
    if pinning and replacement is None:
        quoted = gettext("“%(name)s”")
        names = pgettext("list separator", ", ").join(quoted % {"name": p.name} for p in pinning)
        raise ConflictError(
            gettext(
                "Version %(number)s is still used by %(projects)s; choose the newer version "
                "they should use instead, and they move to it as it is retired."
            )
            % {"number": version.number, "projects": names},
            code="version_pinned",
            fields={
                "replacement": [
                    gettext("Required while projects use this version: %(projects)s.")
                    % {"projects": names}
                ]
            },
        )
    for project in pinning:
        project_rubric_pin(project=project, version=replacement, by=by)
    retired = rubric_version_retire(version=version, reason=reason, by=by)
    retired.repinned = pinning
    return retired


def _with_versions(queryset: QuerySet, rubric_ref: str) -> QuerySet:
    in_force = RubricVersion.objects.filter(
        rubric_id=OuterRef(rubric_ref), status=VersionStatus.PUBLISHED
    ).values("number")[:1]
    latest = RubricVersion.objects.filter(rubric_id=OuterRef(rubric_ref)).order_by("-number")
    return queryset.annotate(
        current_number=Subquery(in_force), latest_number=Subquery(latest.values("number")[:1])
    )


def project_rubric_links(*, project: Project, user) -> QuerySet[ProjectRubric]:
    """The rubrics in ``project``'s library ``user`` may browse, owned ones first, each with
    ``current_number`` (the version in force, or None) and ``latest_number``."""
    links = ProjectRubric.objects.visible_to(user).filter(project=project)
    return _with_versions(links.select_related("rubric", "project"), "rubric_id")


def rubric_library(*, user) -> QuerySet[Rubric]:
    """Every rubric in the library of a project ``user`` designs (all, for staff).

    Each rubric carries ``links`` (its library entries in those projects only, so a
    project you are not in is never named), ``current_number`` and ``latest_number``.
    """
    visible = ProjectRubric.objects.visible_to(user)
    rubrics = (
        Rubric.objects.filter(pk__in=visible.values("rubric_id"))
        .annotate(version_count=Count("versions"))
        .prefetch_related(
            Prefetch(
                "project_links",
                queryset=visible.select_related("project").order_by("-owner", "project__name"),
                to_attr="links",
            )
        )
        .order_by("title", "id")
    )
    return _with_versions(rubrics, "pk")


# --- reading versions by reference --------------------------------------------------------


@dataclass(frozen=True)
class RubricContent:
    """Content to compare or export: a published version's, or the draft's (version None)."""

    rubric_id: int
    content: Mapping[str, Any]
    version: RubricVersion | None

    @property
    def ref(self) -> str:
        """How a request names it: the version number, or "draft"."""
        return str(self.version.number) if self.version else DRAFT

    @property
    def label(self) -> str:
        if self.version:
            return gettext("version %(number)s") % {"number": self.version.number}
        return gettext("the draft")


def project_rubric_content(
    *, link: ProjectRubric, ref: str | int, name: str = "version"
) -> RubricContent:
    """``ref`` is a version number or "draft"; an unknown one is refused under ``name``."""
    if str(ref) == DRAFT:
        return RubricContent(link.rubric_id, link.rubric.draft_content, None)
    try:
        number = int(ref)
    except (TypeError, ValueError):
        number = 0
    version = link.rubric.versions.filter(number=number).first() if number > 0 else None
    if version is None:
        raise DomainError(
            gettext("There is no version %(ref)s of this rubric.") % {"ref": repr(ref)},
            code="unknown_version",
            fields={name: [gettext('A version number of this rubric, or "draft".')]},
        )
    return RubricContent(link.rubric_id, version.content, version)


@dataclass(frozen=True)
class RubricComparison:
    before: RubricContent
    after: RubricContent
    changes: list[Change]  # criterion by criterion, in the order rubric_diff gives


def project_rubric_diff(
    *, link: ProjectRubric, before: str | int | None = None, after: str | int | None = None
) -> RubricComparison:
    """What changed from ``before`` to ``after`` (version numbers or "draft"). By default,
    from the latest version (the draft if none) to the draft: what publishing would change."""
    if before is None or before == "":
        latest = link.rubric.latest_version()
        before = latest.number if latest else DRAFT
    if after is None or after == "":
        after = DRAFT
    old = project_rubric_content(link=link, ref=before, name="from")
    new = project_rubric_content(link=link, ref=after, name="to")
    return RubricComparison(old, new, rubric_diff(old.content, new.content))

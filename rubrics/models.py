from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from annotation_platform.errors import ConflictError
from rubrics.content import empty_content


class Rubric(models.Model):
    """A rubric as its authors edit it: one mutable draft, published as immutable versions.

    Who may use a rubric is not decided here: the tasks app links projects to rubric
    versions, so this app stays free of projects and memberships.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    draft_content = models.JSONField(default=empty_content)
    # Bumped on every draft save, so an editor can refuse to overwrite someone else's edit.
    draft_revision = models.PositiveIntegerField(default=1)
    draft_updated_at = models.DateTimeField(default=timezone.now)
    # Every node id a saved draft of this rubric ever held, so a deleted criterion's id is
    # never given to a new one (judgments are keyed by id). See rubrics.services.
    used_ids = models.JSONField(default=list, blank=True)
    draft_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )
    cloned_from_version = models.ForeignKey(
        "RubricVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_rubrics",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> RubricVersion | None:
        """The version in force: the one published and not yet superseded or retired."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).first()

    def latest_version(self) -> RubricVersion | None:
        return self.versions.order_by("-number").first()


class VersionStatus(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("rubric version status", "Published")
    SUPERSEDED = "superseded", pgettext_lazy("rubric version status", "Superseded")
    RETIRED = "retired", pgettext_lazy("rubric version status", "Retired")


# What a published version fixes for ever. Status and the retire/supersede stamps may change.
IMMUTABLE_FIELDS: Final = ("rubric", "number", "content", "note", "published_by", "published_at")
_IMMUTABLE_NAMES: Final = frozenset(
    {*IMMUTABLE_FIELDS, *(f"{name}_id" for name in ("rubric", "published_by"))}
)


def version_immutable_error(
    version: RubricVersion, fields: list[str] | None = None
) -> ConflictError:
    return ConflictError(
        gettext(
            "Version %(number)s of this rubric is published and can never be changed. "
            "Edit the rubric's draft and publish it as a new version instead."
        )
        % {"number": version.number},
        code="version_immutable",
        fields={name: [gettext("Published versions cannot be changed.")] for name in fields or []},
    )


class RubricVersionQuerySet(models.QuerySet):
    def applicable(self) -> RubricVersionQuerySet:
        """Versions that may still be applied to work: a retired version never is again."""
        return self.exclude(status=VersionStatus.RETIRED)

    # Bulk writes skip save(); refuse them for the fields a published version fixes.
    def update(self, **kwargs: Any) -> int:
        touched = sorted(_IMMUTABLE_NAMES & kwargs.keys())
        if touched:
            raise ConflictError(
                "Published rubric versions can never be changed. Edit the rubric's draft and "
                "publish it as a new version instead.",
                code="version_immutable",
                fields={name: ["Published versions cannot be changed."] for name in touched},
            )
        return super().update(**kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        touched = sorted(_IMMUTABLE_NAMES & set(fields))
        if touched:
            raise ConflictError(
                "Published rubric versions can never be changed. Edit the rubric's draft and "
                "publish it as a new version instead.",
                code="version_immutable",
                fields={name: ["Published versions cannot be changed."] for name in touched},
            )
        return super().bulk_update(objs, fields, *args, **kwargs)


class RubricVersion(models.Model):
    """One published, immutable version of a rubric, numbered 1..n per rubric.

    Publishing again supersedes the version in force; retiring a version means it is never
    applied again (work already scored under it keeps its record).
    """

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.CharField(max_length=500)
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.PUBLISHED
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_reason = models.CharField(max_length=500, blank=True)

    objects = RubricVersionQuerySet.as_manager()

    class Meta:
        ordering = ["rubric_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["rubric", "number"], name="rubric_version_number_unique"
            ),
            # At most one version in force per rubric, even if two publishes race.
            models.UniqueConstraint(
                fields=["rubric"],
                condition=Q(status="published"),
                name="rubric_version_one_published",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="rubric_version_number_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="retired")
                | (Q(retired_at__isnull=False) & ~Q(retired_reason="")),
                name="rubric_version_retired_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rubric} v{self.number} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An integrity guard, not business logic: whatever path tries to rewrite a published
        # version (a form, the admin, a script) gets the same 409.
        if not self._state.adding and self.pk is not None:
            update_fields = kwargs.get("update_fields")
            check_content = update_fields is None or bool(_IMMUTABLE_NAMES & set(update_fields))
            stored = (
                type(self)
                .objects.filter(pk=self.pk)
                .values("status", *(_attname(name) for name in IMMUTABLE_FIELDS))
                .first()
            )
            if stored is not None:
                if check_content:
                    changed = [
                        name
                        for name in IMMUTABLE_FIELDS
                        if stored[_attname(name)] != getattr(self, _attname(name))
                    ]
                    if changed:
                        raise version_immutable_error(self, changed)
                if (
                    stored["status"] == VersionStatus.RETIRED
                    and self.status != VersionStatus.RETIRED
                ):
                    raise ConflictError(
                        gettext(
                            "Version %(number)s is retired; a retired version is never applied "
                            "again. Publish the rubric's draft as a new version instead."
                        )
                        % {"number": self.number},
                        code="version_retired",
                    )
        super().save(*args, **kwargs)

    @property
    def is_applicable(self) -> bool:
        return self.status != VersionStatus.RETIRED

    def mark_superseded(self) -> None:
        self.status = VersionStatus.SUPERSEDED
        self.superseded_at = timezone.now()
        self.save(update_fields=["status", "superseded_at"])

    def mark_retired(self, *, reason: str, by: Any) -> None:
        self.status = VersionStatus.RETIRED
        self.retired_at = timezone.now()
        self.retired_by = by
        self.retired_reason = reason
        self.save(update_fields=["status", "retired_at", "retired_by", "retired_reason"])

    def require_applicable(self) -> None:
        """Raise ConflictError for a retired version; call before applying it to new work."""
        if not self.is_applicable:
            raise ConflictError(
                gettext(
                    "Version %(number)s of “%(rubric)s” is retired (%(reason)s) "
                    "and cannot be applied again."
                )
                % {"number": self.number, "rubric": self.rubric, "reason": self.retired_reason},
                code="version_retired",
            )


def _attname(name: str) -> str:
    return f"{name}_id" if name in ("rubric", "published_by") else name

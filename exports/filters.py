"""Which submissions an export reads: an allow-list of filters, each validated against the
project, each mapped to a known column (never to an ORM lookup the client chooses)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from annotation_platform.ids import id_or_none
from tasks.models import Project, Submission, SubmissionStatus, TaskTemplate

FILTER_NAMES: Final = ("status", "trainer", "date_from", "date_to", "template_version")
DEFAULT_STATUSES: Final = (SubmissionStatus.ACCEPTED.value,)


@dataclass(frozen=True)
class ExportFilters:
    """Validated filters. ``as_dict`` is what the export row stores and the card prints."""

    statuses: tuple[str, ...] = DEFAULT_STATUSES
    trainer_ids: tuple[int, ...] = ()
    trainer_names: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    template_versions: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": list(self.statuses)}
        if self.trainer_names:
            data["trainer"] = list(self.trainer_names)
        if self.date_from:
            data["date_from"] = self.date_from.isoformat()
        if self.date_to:
            data["date_to"] = self.date_to.isoformat()
        if self.template_versions:
            data["template_version"] = list(self.template_versions)
        return data


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value) if isinstance(value, list | tuple) else [value]


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed is None:
            moment = parse_datetime(value)
            parsed = moment.date() if moment else None
        if parsed is not None:
            return parsed
    errors[f"filters.{name}"] = [
        gettext("Not a date: %(value)s. Use YYYY-MM-DD.") % {"value": repr(value)}
    ]
    return None


def export_filters_parse(*, project: Project, data: Any) -> ExportFilters:
    """Validate ``data`` (a dict from the API or the page) for ``project``.

    Every problem is reported at once, keyed ``filters.<name>``; an unknown filter is refused
    rather than ignored, so a typo never exports more than was asked for.
    """
    if data in (None, ""):
        data = {}
    if not isinstance(data, dict):
        raise DomainError(
            gettext("Filters must be an object."),
            code="invalid_filters",
            fields={"filters": [gettext('Send an object such as {"status": ["accepted"]}.')]},
        )
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in FILTER_NAMES:
            errors[f"filters.{name}"] = [
                gettext("Unknown filter; use one of: %(names)s.")
                % {"names": ", ".join(FILTER_NAMES)}
            ]

    statuses = DEFAULT_STATUSES
    if data.get("status") not in (None, "", []):
        values = [str(v) for v in _as_list(data["status"])]
        unknown = [v for v in values if v not in SubmissionStatus.values]
        if unknown:
            errors["filters.status"] = [
                gettext("Unknown status %(unknown)s; use %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(SubmissionStatus.values)}
            ]
        statuses = tuple(dict.fromkeys(values))

    trainer_ids: list[int] = []
    trainer_names: list[str] = []
    if data.get("trainer") not in (None, "", []):
        names = [str(v).strip() for v in _as_list(data["trainer"])]
        users = dict(
            get_user_model()
            .objects.filter(username__in=names)
            .filter(
                Q(memberships__project=project) | Q(submissions__task__project=project),
            )
            .values_list("username", "pk")
            .distinct()
        )
        missing = [name for name in names if name not in users]
        if missing:
            errors["filters.trainer"] = [
                gettext("No trainer named %(names)s in this project.")
                % {"names": ", ".join(missing)}
            ]
        trainer_names = sorted(users)
        trainer_ids = [users[name] for name in trainer_names]

    date_from = _date(data.get("date_from"), "date_from", errors)
    date_to = _date(data.get("date_to"), "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors["filters.date_to"] = [gettext("Must not be before date_from.")]

    versions: list[int] = []
    if data.get("template_version") not in (None, "", []):
        raw = _as_list(data["template_version"])
        whole = [id_or_none(v) for v in raw]
        if None in whole:
            errors["filters.template_version"] = [gettext("Template versions are whole numbers.")]
        versions = sorted({v for v in whole if v is not None})
        known = set(
            TaskTemplate.objects.filter(project=project, version__in=versions).values_list(
                "version", flat=True
            )
        )
        missing_versions = [str(v) for v in versions if v not in known]
        if missing_versions and "filters.template_version" not in errors:
            errors["filters.template_version"] = [
                gettext("This project has no template version %(versions)s.")
                % {"versions": ", ".join(missing_versions)}
            ]

    if errors:
        raise DomainError(
            gettext("Invalid export filters: %(names)s.") % {"names": ", ".join(sorted(errors))},
            code="invalid_filters",
            fields=errors,
        )
    return ExportFilters(
        statuses=statuses,
        trainer_ids=tuple(trainer_ids),
        trainer_names=tuple(trainer_names),
        date_from=date_from,
        date_to=date_to,
        template_versions=tuple(versions),
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), dt.UTC)


def submissions_matching(*, project: Project, filters: ExportFilters) -> QuerySet[Submission]:
    """The submissions an export reads (not ordered: the row iterator orders by id)."""
    queryset = Submission.objects.filter(task__project=project, status__in=filters.statuses)
    if filters.trainer_ids:
        queryset = queryset.filter(author_id__in=filters.trainer_ids)
    # Dates are UTC calendar days of the first submit, both ends included.
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(1)))
    if filters.template_versions:
        queryset = queryset.filter(template__version__in=filters.template_versions)
    return queryset

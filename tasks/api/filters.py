"""Allow-listed filters and orderings for the API's lists: each maps to a known column,
never to an ORM lookup the client chooses, and a value that does not fit is a 400 naming
the parameter (django-filter's form errors, keyed by the parameter)."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Q
from django.http import QueryDict
from django.utils.translation import gettext
from django_filters.constants import EMPTY_VALUES
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from annotation_platform.api.pagination import CursorPages, KeysetRows, QuerysetNeeded
from tasks.api.representations import task_manage_columns, task_manage_rows
from tasks.models import Assignment, Lease, Submission, Task, TaskState, TaskText

MAX_ID = 2**63 - 1  # larger ids overflow the database's integer, not a "no match"


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); django-filter's BooleanFilter ignores any other value, which
    would silently list everything."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise forms.ValidationError(gettext("Use true or false."))


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IdFilter(django_filters.NumberFilter):
    """A positive whole id (django-filter's NumberFilter takes any decimal)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=TaskState.choices)
    is_gold = StrictBooleanFilter()
    priority = django_filters.NumberFilter()
    priority_min = django_filters.NumberFilter(field_name="priority", lookup_expr="gte")
    priority_max = django_filters.NumberFilter(field_name="priority", lookup_expr="lte")
    trainer = django_filters.CharFilter(
        method="filter_trainer", label="Username of a trainer the task was served or assigned to"
    )
    contains = django_filters.CharFilter(
        method="filter_contains",
        label="Text contained in the task data (2-200 characters)",
        min_length=2,
        max_length=200,
    )

    class Meta:
        model = Task
        fields = ["state", "is_gold", "priority"]

    def filter_trainer(self, queryset, name, value):
        user = get_user_model().objects.filter(username=value).first()
        if user is None:
            return queryset.none()
        return queryset.filter(
            Exists(Lease.objects.filter(task=OuterRef("pk"), trainer=user))
            | Exists(Assignment.objects.filter(task=OuterRef("pk"), trainer=user))
            | Exists(Submission.objects.filter(task=OuterRef("pk"), author=user))
        )

    def filter_contains(self, queryset, name, value):
        # The data's text lives in TaskText (trigram-indexed on PostgreSQL), where the
        # queue's row updates never rewrite it.
        first, *others = _contains_texts(value)
        matches = Q(text__contains=first)
        for other in others:
            matches |= Q(text__contains=other)
        return queryset.filter(pk__in=TaskText.objects.filter(matches).values("task_id"))


def _contains_texts(value: str) -> list[str]:
    """What the contains filter looks for in ``TaskText.text``, any one matching: SQLite
    keeps JSON with \\u escapes, so non-ASCII text (Cantonese, Chinese) is also looked for
    escaped."""
    escaped = json.dumps(value)[1:-1]
    return [value] if escaped == value else [value, escaped]


# --- the task list's fast path --------------------------------------------------------------
# Its common requests (the first pages, by state, by text) skip django-filter's FilterSet
# (~2 ms of CPU per request: a form class built and its fields deep-copied every time) and
# the ORM (~5 ms for 100 model instances): their values are cleaned by TaskFilter's own
# form fields, the page is read with one hand-written SELECT, and CursorPages runs its
# cursor logic unchanged over those rows (``KeysetRows``). Any other filter, a value that
# does not validate (the 400 then comes from the FilterSet, as always) or a cursor position
# that is not a plain number goes the general way; tests compare the two paths byte for byte.

_FAST_FILTERS = ("state", "is_gold", "contains")
_PLAIN_INTEGER = re.compile(r"-?[0-9]+")


@functools.cache
def _fast_fields() -> dict[str, forms.Field]:
    # The very fields TaskFilter's form validates these parameters with.
    form = TaskFilter(queryset=Task.objects.none()).form
    return {name: form.fields[name] for name in _FAST_FILTERS}


def task_list_fast_filters(params: QueryDict) -> dict[str, Any] | None:
    """The task list's filter values, cleaned as TaskFilter cleans them (empty ones left
    out), when only the fast path's filters are present and valid; otherwise None."""
    if any(name in params for name in TaskFilter.base_filters if name not in _FAST_FILTERS):
        return None
    values = {}
    for name, field in _fast_fields().items():
        raw = params.get(name)  # the last value, as the form's widget reads it
        if raw is None:
            continue
        try:
            value = field.clean(raw)
        except forms.ValidationError:
            return None
        if value not in EMPTY_VALUES:  # "no filter", as Filter.filter takes it
            values[name] = value
    return values


def task_list_rows(project_id: int, values: dict[str, Any]) -> KeysetRows:
    """The project's tasks filtered by ``values`` (from ``task_list_fast_filters``), as
    rows ``CursorPages`` pages: the SQL TaskFilter's queryset would run."""
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return f"t.{quote(Task._meta.get_field(name).column)}"

    where, params = [f"{column('project')} = %s"], [project_id]
    if "state" in values:
        where.append(f"{column('state')} = %s")
        params.append(values["state"])
    if "is_gold" in values:
        where.append(column("is_gold") if values["is_gold"] else f"NOT {column('is_gold')}")
    if "contains" in values:
        text = TaskText._meta.get_field("text")
        lhs = connection.ops.lookup_cast("contains", text.get_internal_type()) % (
            f"x.{quote(text.column)}"
        )
        like = connection.operators["contains"]
        found = []
        for value in _contains_texts(values["contains"]):
            found.append(f"{lhs} {like}")
            params.append(f"%{connection.ops.prep_for_like_query(value)}%")
        task_id = quote(TaskText._meta.get_field("task").column)
        texts = f"SELECT x.{task_id} FROM {quote(TaskText._meta.db_table)} x"  # noqa: S608
        where.append(f"{column('id')} IN ({texts} WHERE {' OR '.join(found)})")

    def read(ordering, position, offset: int, limit: int) -> list[dict]:
        order = ", ".join(
            f"{column(_ordered_field(term))} {'DESC' if term.startswith('-') else 'ASC'}"
            for term in ordering
        )
        conditions, arguments = list(where), list(params)
        if position is not None:
            name, operator, text = position
            conditions.append(f"{column(name)} {'>' if operator == 'gt' else '<'} %s")
            arguments.append(_position(name, text))
        sql = (
            f"SELECT {task_manage_columns('t')} FROM {quote(Task._meta.db_table)} t "  # noqa: S608 (names from the models)
            f"WHERE {' AND '.join(conditions)} ORDER BY {order} "
            f"{connection.ops.limit_offset_sql(offset, offset + limit)}"  # as the ORM writes it
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arguments)
            return task_manage_rows(cursor.fetchall())

    return KeysetRows(read)


def _ordered_field(term: str) -> str:
    """The field an ordering term names, when the ORM orders by its column alone."""
    try:
        field = Task._meta.get_field(term.removeprefix("-"))
    except FieldDoesNotExist:
        raise QuerysetNeeded from None
    if field.is_relation or not field.concrete:  # a relation orders by its model's ordering
        raise QuerysetNeeded
    return field.name


def _position(name: str, text: str) -> int:
    """A cursor's position as the ORM's lookup would take it; anything but a plain
    whole number in the column's range (which the ORM may turn into "no rows", "every
    row" or a 400) is left to it."""
    field = Task._meta.get_field(name)
    if not isinstance(field, IntegerField) or not _PLAIN_INTEGER.fullmatch(text):
        raise QuerysetNeeded
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        raise QuerysetNeeded
    return value


class SubmissionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="task__project_id", label="Only this project's submissions")
    task = IdFilter(field_name="task_id", label="Only this task's submissions")
    mine = StrictBooleanFilter(method="filter_mine", label="Only your own submissions")

    class Meta:
        model = Submission
        fields = ["project", "task", "mine"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(author=self.request.user) if value else queryset


class TaskCursorPagination(CursorPages):
    """Oldest first by default; ``ordering`` may choose another allow-listed order."""

    ordering = ("id",)


class SubmissionCursorPagination(CursorPages):
    """Newest first on the primary key: ids grow with time, and the key is indexed."""

    ordering = ("-id",)


class StrictOrderingFilter(filters.OrderingFilter):
    """Order only by allow-listed fields, and say so when asked for another."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            gettext(
                                "Unknown field %(fields)s: order by one of %(allowed)s "
                                "(prefix - for descending)."
                            )
                            % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

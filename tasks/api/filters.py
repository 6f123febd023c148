"""Allow-listed filters and orderings for the API's lists: each maps to a known column,
never to an ORM lookup the client chooses, and a value that does not fit is a 400 naming
the parameter (django-filter's form errors, keyed by the parameter)."""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from annotation_platform.api.pagination import CursorPages
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
        raise forms.ValidationError("Use true or false.")


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
        # queue's row updates never rewrite it. SQLite keeps JSON with \u escapes, so
        # non-ASCII text (Cantonese, Chinese) is also looked for escaped.
        escaped = json.dumps(value)[1:-1]
        matches = Q(text__contains=value)
        if escaped != value:
            matches |= Q(text__contains=escaped)
        return queryset.filter(pk__in=TaskText.objects.filter(matches).values("task_id"))


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
                            f"Unknown field {', '.join(unknown)}: order by one of "
                            f"{', '.join(sorted(allowed))} (prefix - for descending)."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

"""Allow-listed filters for the task list: each maps to a known column, never to an ORM
lookup the client chooses."""

from __future__ import annotations

import json

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from tasks.models import Assignment, Lease, Submission, Task, TaskState


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=TaskState.choices)
    is_gold = django_filters.BooleanFilter()
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
        # Matches the trigram index on (data::text) on PostgreSQL. SQLite keeps JSON with
        # \u escapes, so non-ASCII text (Cantonese, Chinese) is also looked for escaped.
        escaped = json.dumps(value)[1:-1]
        matches = Q(data_text__contains=value)
        if escaped != value:
            matches |= Q(data_text__contains=escaped)
        return queryset.annotate(data_text=Cast("data", TextField())).filter(matches)


class TaskCursorPagination(CursorPagination):
    """Cursor pages: page 1,000 costs what page 1 costs (no OFFSET, no COUNT)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)


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
                    {self.ordering_param: [f"Order by one of: {', '.join(sorted(allowed))}."]}
                )
        return super().get_ordering(request, queryset, view)

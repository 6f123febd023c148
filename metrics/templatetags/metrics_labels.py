"""``{% load metrics_labels %}``: the metrics pages' machine values in words people read."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

_LEVELS = {
    "nominal": pgettext_lazy("level of measurement", "nominal"),
    "ordinal": pgettext_lazy("level of measurement", "ordinal"),
    "interval": pgettext_lazy("level of measurement", "interval"),
    "ratio": pgettext_lazy("level of measurement", "ratio"),
}


@register.filter
def rating_level(level: str) -> str:
    """A level of measurement of Krippendorff's alpha ("ordinal" → 定序)."""
    return str(_LEVELS.get(level, level))

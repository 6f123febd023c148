"""``{% load review_labels %}``: a review's kind and decision as people read them.

The review lists and the trainer's outcome show the stored codes (``accept``, ``second``);
the codes stay the English words people have always read there, and the catalogs give the
Chinese ones (the API keeps the codes).
"""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

from reviews.check_labels import check_label as check_label_of

register = template.Library()

_DECISIONS = {
    "accept": pgettext_lazy("review decision code", "accept"),
    "reject": pgettext_lazy("review decision code", "reject"),
    "return": pgettext_lazy("review decision code", "return"),
}
_KINDS = {
    "review": pgettext_lazy("review kind code", "review"),
    "second": pgettext_lazy("review kind code", "second"),
    "regrade": pgettext_lazy("review kind code", "regrade"),
    "dispute": pgettext_lazy("review kind code", "dispute"),
    "reconsider": pgettext_lazy("review kind code", "reconsider"),
}


@register.filter
def review_decision(code: str) -> str:
    return str(_DECISIONS.get(code, code))


@register.filter
def review_kind(code: str) -> str:
    return str(_KINDS.get(code, code))


@register.filter
def check_label(check_id: str) -> str:
    """A quality check's name for people ("Near-duplicate" for ``near_duplicate``)."""
    return check_label_of(str(check_id))

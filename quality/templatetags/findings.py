"""``{% load findings %}``: a stored finding's message, rendered from its code in the
reader's language (``quality.checks.messages``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from quality.checks.messages import message_of

register = template.Library()


@register.filter
def finding_message(finding: Mapping[str, Any]) -> str:
    return message_of(finding) if isinstance(finding, Mapping) else ""

"""``{% load findings %}``: a stored finding's message, rendered from its code in the
reader's language (``quality.checks.messages``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import gettext, pgettext_lazy

from quality.checks import CATALOGUE
from quality.checks.messages import message_of

register = template.Library()


@register.filter
def finding_message(finding: Mapping[str, Any]) -> str:
    return message_of(finding) if isinstance(finding, Mapping) else ""


_STATUS_LABELS = {
    "not_applicable": pgettext_lazy("check status", "not applicable"),
    "pass": pgettext_lazy("check status", "pass"),
    "warn": pgettext_lazy("check status", "warning"),
    "fail": pgettext_lazy("check status", "fail"),
    "error": pgettext_lazy("check status", "error"),
    "pending": pgettext_lazy("check status", "pending"),
}
# A submission's checks run (quality.models.RunStatus), shown by its code in English.
_RUN_LABELS = {
    "pending": pgettext_lazy("checks run status", "pending"),
    "done": pgettext_lazy("checks run status", "done"),
}


@register.filter
def finding_status(status: str) -> str:
    """A result or finding status as people read it ("not applicable", "warning")."""
    return str(_STATUS_LABELS.get(status, status))


@register.filter
def checks_status(status: str) -> str:
    """Whether a submission's checks ran: its code in English, words in Chinese."""
    return str(_RUN_LABELS.get(status, status))


@register.filter
def setting_value(value: Any) -> str:
    """A "choice" setting's value as people read it ("ignore" → 忽略); other values as is."""
    from quality.forms import CHOICE_LABELS

    return str(CHOICE_LABELS.get(value, value)) if isinstance(value, str) else value


@register.filter
def check_title(check_name: str) -> str:
    """The catalogue's name of a check for people ("Sources are well formed and allowed")."""
    spec = CATALOGUE.get(check_name)
    # The titles are marked for the catalogs in quality.checks.catalogue.
    return gettext(spec.title) if spec else check_name


def _status_of(result: Any) -> str:
    return result.get("status", "") if isinstance(result, Mapping) else result.status


@register.filter
def applicable(results: list) -> list:
    """The results that judged something (shown first and in full)."""
    return [r for r in results if _status_of(r) != "not_applicable"]


@register.filter
def not_applicable(results: list) -> list:
    """The results of checks that had nothing to judge (folded away under one line)."""
    return [r for r in results if _status_of(r) == "not_applicable"]

"""Work telemetry the workspace records with a submission, cleaned to a known shape.

Trainers are told on the page what is recorded: active time on the task, and per text
answer how many characters were typed and pasted; for audio, how much of each clip was
played and whether it was played to the end. Nothing else is kept, whatever a client sends.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext

from annotation_platform.errors import DomainError

MAX_ENTRIES = 200
MAX_SECONDS = 7 * 24 * 3600  # a week on one task is already implausible


def _number(value: Any, path: str, errors: dict[str, list[str]]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors.setdefault(path, []).append(gettext("Must be a number."))
        return None
    if value < 0 or value > MAX_SECONDS:
        errors.setdefault(path, []).append(
            gettext("Must be between 0 and %(max)s.") % {"max": MAX_SECONDS}
        )
        return None
    return float(value)


def _count(value: Any, path: str, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.setdefault(path, []).append(gettext("Must be a whole number, 0 or more."))
        return None
    return value


def clean_telemetry(raw: Any) -> dict:
    """Return the known parts of ``raw``; raise ``DomainError`` naming each bad path."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise DomainError(
            gettext("Telemetry must be a JSON object."),
            fields={"telemetry": [gettext("Must be an object.")]},
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "active_seconds" in raw:
        seconds = _number(raw["active_seconds"], "telemetry.active_seconds", errors)
        if seconds is not None:
            cleaned["active_seconds"] = round(seconds, 1)
    for section, keys in (("fields", ("typed", "pasted")), ("audio", ("played_seconds",))):
        entries = raw.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict) or len(entries) > MAX_ENTRIES:
            errors.setdefault(f"telemetry.{section}", []).append(
                gettext("Must be an object with at most %(max)s entries.") % {"max": MAX_ENTRIES}
            )
            continue
        cleaned_section: dict[str, dict] = {}
        for name, entry in entries.items():
            path = f"telemetry.{section}.{name}"
            if not isinstance(entry, dict):
                errors.setdefault(path, []).append(gettext("Must be an object."))
                continue
            item: dict[str, Any] = {}
            for key in keys:
                if key in entry:
                    check = _count if section == "fields" else _number
                    value = check(entry[key], f"{path}.{key}", errors)
                    if value is not None:
                        item[key] = value
            if section == "audio":
                if "duration" in entry:
                    duration = _number(entry["duration"], f"{path}.duration", errors)
                    if duration is not None:
                        item["duration"] = duration
                item["completed"] = entry.get("completed") is True
            cleaned_section[str(name)[:64]] = item
        cleaned[section] = cleaned_section
    if errors:
        raise DomainError(
            gettext("The work telemetry is malformed."), code="invalid", fields=errors
        )
    return cleaned

"""Building blocks of the validators that report errors by path (rubric content here, task
templates in ``tasks``, which may depend on ``rubrics``). Pure Python: no Django, so the
quality checks that reuse the template validator stay importable on their own."""

from __future__ import annotations

import math
from typing import Any

Errors = dict[str, list[str]]


class ErrorCollector:
    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, path: str, message: str) -> None:
        messages = self.errors.setdefault(path, [])
        if message not in messages:
            messages.append(message)


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_int(value: Any) -> bool:
    # bool is a subclass of int in Python; a JSON true must never pass for 1.
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)

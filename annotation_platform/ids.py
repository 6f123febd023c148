"""Ids that arrive as text (URLs, query strings, forms, filters)."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # a bigint: anything larger overflows the database, not a 404


def id_or_none(value: Any) -> int | None:
    """A positive whole id, or None. ``"²"`` is a digit to ``str.isdigit`` but not to
    ``int``; booleans are not ids; ids past ``MAX_ID`` would overflow the query."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            return None
        value = int(text)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None

"""Which values in task data are media keys, and which keys the media view may serve.

Task data names its audio and image (the template's ``audio`` and ``image`` display blocks)
as storage keys ("tts/batch-07/clip-0042.wav") or http(s) URLs. Only keys concern this app:
a URL points elsewhere and is never served from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from mediafiles.models import MAX_KEY_BYTES
from tasks.template_definition import display_blocks, field_value

MEDIA_BLOCK_TYPES: Final = ("audio", "image")

# Uploaded import files and export archives are served only by their own permission-checked
# views: knowing (or guessing) a key must not be enough, even a key some task names.
PRIVATE_PREFIXES: Final = frozenset({"exports", "imports"})

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")


def servable_key(value: Any) -> str | None:
    """``value`` if it is a key the media view may serve, else None.

    A key is relative and stays inside the storage root: no leading slash, backslash,
    control character, or empty, ``.`` or ``..`` segment (so no http(s) URL either); not
    under a private prefix; at most MAX_KEY_BYTES of UTF-8.
    """
    if not isinstance(value, str) or not value or value.startswith("/"):
        return None
    if "\\" in value or _CONTROL_RE.search(value):
        return None
    parts = value.split("/")
    if parts[0] in PRIVATE_PREFIXES or any(part in ("", ".", "..") for part in parts):
        return None
    try:
        size = len(value.encode())
    except UnicodeEncodeError:  # a lone surrogate: no storage holds such a name
        return None
    return value if size <= MAX_KEY_BYTES else None


def media_fields(definition: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The task-data fields a template shows as audio or image. Tolerant of malformed
    definitions (the backfill reads every version ever stored): they name no field."""
    if not isinstance(definition, Mapping) or not isinstance(definition.get("display"), list):
        return ()
    return tuple(
        dict.fromkeys(
            block["field"]
            for block in display_blocks(definition)
            if isinstance(block, Mapping)
            and block.get("type") in MEDIA_BLOCK_TYPES
            and isinstance(block.get("field"), str)
        )
    )


def media_keys(fields: Iterable[str], datas: Iterable[Any]) -> set[str]:
    """The servable keys that ``datas`` (task data) hold in ``fields``."""
    fields = tuple(fields)
    keys: set[str] = set()
    if not fields:
        return keys
    for data in datas:
        for path in fields:
            key = servable_key(field_value(data, path))
            if key is not None:
                keys.add(key)
    return keys

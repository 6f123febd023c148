"""Starting templates for the seed stories, offered when a question-setter sets up a project.

Each ``<key>.json`` file holds a definition together with a sample task and a sample answer.
The tests validate all three with the real validators, so a new project starts from a working
example (and a live preview) rather than an empty editor. The files are data, not code, so a
question-setter can read them as examples of the format in ``docs/templates.md``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

GALLERY_DIR: Final = Path(__file__).resolve().parent
# The order the gallery is shown in, one key per story in ../shared/seeds/.
GALLERY_KEYS: Final = (
    "cantonese_tts",
    "product_image",
    "pairwise",
    "multiple_choice",
    "rubric_long_answer",
)
_FILE_KEYS: Final = frozenset(
    {"key", "name", "description", "definition", "sample_task", "sample_answer"}
)


@dataclass(frozen=True, slots=True)
class GalleryTemplate:
    key: str
    name: str
    description: str
    definition: dict[str, Any]
    sample_task: dict[str, Any]
    sample_answer: dict[str, Any]


def gallery_templates() -> list[GalleryTemplate]:
    """All gallery templates in display order; each call returns fresh copies to mutate."""
    return [_copy(template) for template in _load().values()]


def gallery_template(key: str) -> GalleryTemplate:
    """One gallery template by key; KeyError for an unknown key (a view turns it into a 404)."""
    templates = _load()
    if key not in templates:
        raise KeyError(f"No gallery template {key!r}.")
    return _copy(templates[key])


@cache
def _load() -> dict[str, GalleryTemplate]:
    templates: dict[str, GalleryTemplate] = {}
    for key in GALLERY_KEYS:
        path = GALLERY_DIR / f"{key}.json"
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or set(raw) != _FILE_KEYS or raw["key"] != key:
            raise ValueError(f"{path.name}: expected keys {sorted(_FILE_KEYS)} and key {key!r}.")
        templates[key] = GalleryTemplate(**raw)
    return templates


def _copy(template: GalleryTemplate) -> GalleryTemplate:
    # The cache is shared by every request; callers get deep copies so none can alter it.
    return GalleryTemplate(
        key=template.key,
        name=template.name,
        description=template.description,
        definition=copy.deepcopy(template.definition),
        sample_task=copy.deepcopy(template.sample_task),
        sample_answer=copy.deepcopy(template.sample_answer),
    )

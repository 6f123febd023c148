"""Boxes and points on an image (the ``boxes`` question), read back from a stored answer.

An answer keeps each region's coordinates as fractions of the image's width and height (0 to
1, checked by ``tasks.answer_validation``) together with the image's own size in pixels, as
the trainer's browser measured it: the server never opens the image. Pixel coordinates are
derived here, in one place, for the review page, the trainer's submission page and exports.

Everything here is a pure function over plain values and tolerates answers that do not have
the expected shape (a hand-edited or legacy answer): a malformed region is skipped, never a
crash, as in ``quality.checks.answers``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from tasks.template_definition import display_blocks, image_blocks

# Colours the page gives labels, by position in the question's labels (static/css/
# image_regions.css has one class per colour).
LABEL_COLOURS: Final = 8
_SIDES: Final = {"x": "width", "y": "height", "w": "width", "h": "height"}
_TIMES: Final = "\u00d7"  # the multiplication sign between a box's width and height


class Region(NamedTuple):
    """One well-formed region of an answer, numbered from 1 in the trainer's order."""

    number: int
    shape: str  # "box" | "point"
    label: str
    x: float
    y: float
    w: float  # 0 for a point
    h: float
    note: str


def image_size(value: Any) -> tuple[int, int] | None:
    """(width, height) in pixels the answer reports, or None."""
    image = value.get("image") if isinstance(value, Mapping) else None
    if not isinstance(image, Mapping):
        return None
    width, height = image.get("width"), image.get("height")
    if not all(isinstance(side, int) and not isinstance(side, bool) for side in (width, height)):
        return None
    return (width, height) if width > 0 and height > 0 else None


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0 <= value <= 1 else None


def regions(value: Any) -> list[Region]:
    """The well-formed regions of a boxes answer, in the order the trainer drew them."""
    items = value.get("regions") if isinstance(value, Mapping) else None
    found: list[Region] = []
    for number, item in enumerate(items if isinstance(items, list) else [], start=1):
        if not isinstance(item, Mapping) or item.get("shape", "box") not in ("box", "point"):
            continue
        shape = item.get("shape", "box")
        keys = ("x", "y", "w", "h") if shape == "box" else ("x", "y")
        at = {key: _fraction(item.get(key)) for key in keys}
        if None in at.values():
            continue
        label = item.get("label")
        note = item.get("note")
        found.append(
            Region(
                number=number,
                shape=shape,
                label=label if isinstance(label, str) else "",
                x=at["x"] or 0.0,
                y=at["y"] or 0.0,
                w=at.get("w") or 0.0,  # a point has no size
                h=at.get("h") or 0.0,
                note=note.strip() if isinstance(note, str) else "",
            )
        )
    return found


def pixels(region: Region, size: tuple[int, int]) -> dict[str, float]:
    """The region in pixels of the image (x, y from its top-left corner; w, h for a box),
    to two decimals."""
    width, height = size
    keys = ("x", "y", "w", "h") if region.shape == "box" else ("x", "y")
    sides = {"width": width, "height": height}
    return {key: round(getattr(region, key) * sides[_SIDES[key]], 2) for key in keys}


def label_names(question: Mapping[str, Any]) -> dict[str, str]:
    """Label value -> the label a trainer sees."""
    return {
        label["value"]: label["label"]
        for label in question.get("labels") or []
        if isinstance(label, Mapping) and isinstance(label.get("value"), str)
    }


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.005 else f"{value:.1f}"


def describe(region: Region, size: tuple[int, int] | None, names: Mapping[str, str]) -> str:
    """One line a reviewer reads: "1. Watermark — box at 412, 36, 180 by 64 px (logo)" (with
    a multiplication sign for "by")."""
    name = names.get(region.label, region.label) or "(no label)"
    if size is not None:
        at = pixels(region, size)
        where = f"{_number(at['x'])}, {_number(at['y'])}"
        if region.shape == "box":
            where += f", {_number(at['w'])}{_TIMES}{_number(at['h'])}"
        where += " px"
    else:  # no size reported: the fractions, as percentages of the image
        where = f"{region.x:.1%}, {region.y:.1%}"
        if region.shape == "box":
            where += f", {region.w:.1%}{_TIMES}{region.h:.1%} of the image"
    text = f"{region.number}. {name} — {region.shape} at {where}"
    return f"{text} ({region.note})" if region.note else text


def describe_answer(question: Mapping[str, Any], value: Any) -> str:
    """A boxes answer as lines of text, one per region."""
    size = image_size(value)
    names = label_names(question)
    lines = [describe(region, size, names) for region in regions(value)]
    return "\n".join(lines) if lines else "(no regions)"


def image_block_index(definition: Mapping[str, Any], question: Mapping[str, Any]) -> int | None:
    """Position in the display blocks of the image a boxes question marks (the page finds the
    image by it: ``data-block-index`` in tasks/_display_blocks.html)."""
    target = image_blocks(definition).get(question.get("image"))
    for index, block in enumerate(display_blocks(definition)):
        if block is target:
            return index
    return None


def overlay(definition: Mapping[str, Any], question: Mapping[str, Any], value: Any) -> dict | None:
    """What static/js/image_regions.js draws, read-only, over the image of a review page:
    None when the template no longer shows that image or no region is well-formed."""
    index = image_block_index(definition, question)
    found = regions(value)
    if index is None or not found:
        return None
    order = [label["value"] for label in question.get("labels") or [] if isinstance(label, Mapping)]
    names = label_names(question)
    return {
        "block": index,
        "question": question["id"],
        "regions": [
            {
                "n": region.number,
                "shape": region.shape,
                "label": names.get(region.label, region.label),
                "colour": order.index(region.label) % LABEL_COLOURS if region.label in order else 0,
                "x": region.x,
                "y": region.y,
                "w": region.w,
                "h": region.h,
                "note": region.note,
            }
            for region in found
        ],
    }

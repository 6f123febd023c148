"""Boxes and points on an image in exports: relative and pixel coordinates, and Label Studio.

A stored boxes answer holds fractions of the image (0 to 1) and the image's size in pixels
(``tasks.image_regions``). Exports give both: every region with ``x, y, w, h`` as fractions
and ``x_px, y_px, w_px, h_px`` in pixels of the image (from its top-left corner), and, in
JSONL, the same regions as a Label Studio annotation result, so a project can be loaded into
Label Studio or its converters (COCO, YOLO, Pascal VOC) as it is.

Label Studio's image results, as its tag reference documents them (labelstud.io/tags/
rectanglelabels, /keypointlabels, /textarea): ``from_name`` is the control (here the question
id), ``to_name`` the image (here the image block's id), ``original_width``/``original_height``
the image's size in pixels, and ``value`` holds percentages (0 to 100) of that size: a box's
top-left corner ``x, y`` with ``width, height, rotation`` and ``rectanglelabels``; a point's
``x, y`` with a ``width`` (the point's size) and ``keypointlabels``. A note becomes a per-region
``textarea`` result that shares its region's ``id``, as Label Studio stores per-region text;
its ``from_name`` is ``<question id>_note``.

Pure functions over plain values, tolerant of malformed answers (they are skipped), so each
can be tested with a dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from tasks import image_regions
from tasks.template_definition import questions

# A point has no size of its own; Label Studio draws keypoints with one. This is its
# default (0.5 % of the image), stated so a round trip keeps what Label Studio would write.
POINT_WIDTH_PERCENT: Final = 0.5
_PERCENT_DIGITS: Final = 4


@dataclass(frozen=True)
class BoxesQuestion:
    id: str
    image: str  # the image block's id: Label Studio's to_name


def boxes_questions(definition: Mapping[str, Any]) -> tuple[BoxesQuestion, ...]:
    return tuple(
        BoxesQuestion(question["id"], question["image"])
        for question in questions(definition)
        if question["type"] == "boxes"
    )


def region_records(value: Any) -> dict[str, Any]:
    """A boxes answer for a data file: the image size and each region with its fractions and
    its pixels (``None`` in pixels when the answer reports no size)."""
    size = image_regions.image_size(value)
    records = []
    for region in image_regions.regions(value):
        keys = ("x", "y", "w", "h") if region.shape == "box" else ("x", "y")
        px = image_regions.pixels(region, size) if size else {}
        record: dict[str, Any] = {"shape": region.shape, "label": region.label}
        record.update({key: getattr(region, key) for key in keys})
        record.update({f"{key}_px": px.get(key) for key in keys})
        record["note"] = region.note
        records.append(record)
    return {
        "image": {"width": size[0], "height": size[1]} if size else None,
        "regions": records,
    }


def _percent(value: float) -> float:
    return round(value * 100, _PERCENT_DIGITS)


def label_studio_results(
    question: BoxesQuestion, value: Any, *, id_prefix: str = ""
) -> list[dict[str, Any]]:
    """A boxes answer as Label Studio result items: ``rectanglelabels`` for boxes,
    ``keypointlabels`` for points, and a ``textarea`` per region with a note. Region ids are
    ``<id_prefix><question id>-<region number>``, unique within one submission."""
    size = image_regions.image_size(value)
    results: list[dict[str, Any]] = []
    for region in image_regions.regions(value):
        region_id = f"{id_prefix}{question.id}-{region.number}"
        common: dict[str, Any] = {"id": region_id, "from_name": question.id}
        common["to_name"] = question.image
        if size:
            common.update(original_width=size[0], original_height=size[1], image_rotation=0)
        if region.shape == "box":
            value_out = {
                "x": _percent(region.x),
                "y": _percent(region.y),
                "width": _percent(region.w),
                "height": _percent(region.h),
                "rotation": 0,
                "rectanglelabels": [region.label],
            }
            kind = "rectanglelabels"
        else:
            value_out = {
                "x": _percent(region.x),
                "y": _percent(region.y),
                "width": POINT_WIDTH_PERCENT,
                "keypointlabels": [region.label],
            }
            kind = "keypointlabels"
        results.append({**common, "type": kind, "value": value_out, "origin": "manual"})
        if region.note:
            results.append(
                {
                    **common,
                    "from_name": f"{question.id}_note",
                    "type": "textarea",
                    "value": {"text": [region.note]},
                    "origin": "manual",
                }
            )
    return results


def export_fields(
    boxes: tuple[BoxesQuestion, ...], answer: Any, *, submission_id: int
) -> dict[str, Any]:
    """What a full export row adds for a template with boxes questions: ``regions`` (per
    question, ``region_records``) and ``label_studio`` (one annotation's ``result`` list)."""
    if not isinstance(answer, Mapping):
        answer = {}
    regions: dict[str, Any] = {}
    result: list[dict[str, Any]] = []
    for question in boxes:
        value = answer.get(question.id)
        if value is None:
            continue
        regions[question.id] = region_records(value)
        result.extend(label_studio_results(question, value, id_prefix=f"s{submission_id}-"))
    return {"regions": regions, "label_studio": {"result": result}}

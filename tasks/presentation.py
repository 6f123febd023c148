"""What the trainer sees: a template's display blocks filled from a task's data.

The workspace, the template editor's live preview and the review page all render these
view models through the same partial templates, so a task looks the same everywhere.
Markdown is sanitised here (``render_markdown``); everything else is plain text that the
template engine escapes. Media references become URLs: http(s) as given, anything else
is a key in the project's storage (the template validator already refused ``..`` keys).
Remote (http(s)) images and audio load only from the project's listed hosts
(``remote_media_for``); others are shown as links, as remote images in Markdown are.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from annotation_platform.content_policy import allow_remote_media
from tasks import image_regions
from tasks.models import Project
from tasks.remote_media import NO_REMOTE_MEDIA, RemoteMedia, clean_remote_hosts
from tasks.rendering import render_markdown
from tasks.template_definition import (
    MAX_REGION_NOTE_CHARS,
    MISSING,
    display_blocks,
    field_value,
    is_http_url,
    is_required,
    list_bounds,
    pairwise_labels,
    questions,
    region_shapes,
)

# Questions whose answer is a list with a min/max item count.
_LIST_TYPES = ("multi_choice", "spans", "citations", "rubric_items", "boxes")


def media_url(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    if is_http_url(value):
        return value
    # A storage key: always our media view, which checks the viewer's projects (and on S3
    # redirects to a short-lived presigned URL), so a page costs no query or signing per URL.
    return reverse("media", kwargs={"path": value})


def remote_media_for(request: HttpRequest, project: Project) -> RemoteMedia:
    """The remote hosts ``project``'s pages may load images and audio from, allowed in
    this response's Content-Security-Policy as they are handed to the renderers: call it
    in every view that renders the project's Markdown or display blocks."""
    # Cleaned again here: a list edited outside the service (the admin, SQL) must never
    # put anything but a host name into the policy header.
    hosts, _ = clean_remote_hosts(project.remote_media_hosts or ())
    media = RemoteMedia(tuple(hosts))
    allow_remote_media(request, media.hosts)
    return media


def _src_or_link(value: Any, media: RemoteMedia) -> tuple[str, str]:
    """(URL to load, URL to show as a link instead): a remote URL on a host the project
    does not list is never loaded by itself."""
    if isinstance(value, str) and is_http_url(value) and not media.allows_url(value):
        return "", value
    return media_url(value), ""


def _text(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _tool_result(content: str) -> str:
    """A tool's output as plain text, JSON pretty-printed so a trainer can check facts in it."""
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to bother
        return content
    if not isinstance(parsed, dict | list):
        return content
    return json.dumps(parsed, ensure_ascii=False, indent=2)


def _message(message: dict[str, Any], media: RemoteMedia) -> dict[str, Any]:
    content = message.get("content") or ""
    is_tool = message.get("role") == "tool"
    return {
        "role": message.get("role", ""),
        "name": message.get("name", ""),
        "html": render_markdown(content, media=media),
        # Tool output is data, not prose: the partial shows it verbatim (escaped).
        "text": _tool_result(content) if is_tool and isinstance(content, str) else "",
        "tool_call_id": message.get("tool_call_id", ""),
        "tool_calls": [
            {
                "id": call.get("id", ""),
                "name": call.get("name", ""),
                "arguments": call["arguments"]
                if isinstance(call.get("arguments"), str)
                else json.dumps(call.get("arguments"), ensure_ascii=False, indent=2),
            }
            for call in message.get("tool_calls") or []
        ],
    }


def display_view(
    definition: dict[str, Any],
    data: dict[str, Any],
    *,
    media: RemoteMedia = NO_REMOTE_MEDIA,
) -> list[dict[str, Any]]:
    """One view model per display block, ready for ``tasks/_display_blocks.html``; remote
    images and audio load only from ``media``'s hosts."""
    views: list[dict[str, Any]] = []
    for index, block in enumerate(display_blocks(definition)):
        kind = block["type"]
        view: dict[str, Any] = {"type": kind, "label": block.get("label", ""), "index": index}
        if kind == "responses":
            labels = block.get("labels") or [
                gettext("Response %(letter)s") % {"letter": chr(65 + i)} for i in range(26)
            ]
            view["items"] = [
                {
                    "label": labels[i],
                    "field": field,
                    "html": render_markdown(_text(field_value(data, field)), media=media)
                    if block.get("markdown")
                    else None,
                    "text": _text(field_value(data, field)),
                }
                for i, field in enumerate(block["fields"])
            ]
        else:
            value = field_value(data, block["field"])
            view["field"] = block["field"]
            if kind == "markdown":
                view["html"] = render_markdown(_text(value), media=media)
            elif kind == "text":
                view["text"] = _text(value)
            elif kind == "conversation":
                view["messages"] = (
                    [_message(m, media) for m in value if isinstance(m, dict)]
                    if isinstance(value, list)
                    else []
                )
            elif kind == "audio":
                view["id"] = block.get("id") or block["field"]
                view["src"], view["link"] = _src_or_link(value, media)
            elif kind == "image":
                view["src"], view["link"] = _src_or_link(value, media)
            elif kind == "link":
                href = _text(value)
                view["href"] = href if is_http_url(href) else ""
                view["text"] = block.get("label") or href
        views.append(view)
    return views


# Question types answered with the number keys (a choice, a rating, a ranking's order, a
# span's tag, a region's label).
_NUMBER_KEY_TYPES = frozenset(
    {"single_choice", "multi_choice", "rating", "ranking", "spans", "boxes"}
)
_CHOICE_TYPES = frozenset({"single_choice", "multi_choice"})


def shortcut_groups(definition: dict[str, Any]) -> frozenset[str]:
    """Which rows of the workspace's shortcut help apply to this template: ``numbers``,
    ``letters`` (choices keyed by their own letters), ``pairwise``, ``questions`` (J/K
    between several), ``audio`` (play, replay, seek, speed, waveform zoom; it also loads
    static/js/waveform.js) and ``regions`` (A-B marks, drag on the waveform and loop, for
    spans on a clip). Listing every task type's keys
    on every page buried the few a trainer needs."""
    groups: set[str] = set()
    asked = questions(definition)
    types = {question["type"] for question in asked}
    reserved = _reserved_letters(definition)
    lettered = {
        question["id"]
        for question in asked
        if question["type"] in _CHOICE_TYPES and _letter_keys(question, reserved)
    }
    if lettered:
        groups.add("letters")
    if any(q["type"] in _NUMBER_KEY_TYPES and q["id"] not in lettered for q in asked):
        groups.add("numbers")
    if "pairwise" in types:
        groups.add("pairwise")
        if any(question.get("strength") for question in asked if question["type"] == "pairwise"):
            groups.add("numbers")  # "then a number for how much"
    if len(asked) > 1:
        groups.add("questions")
    if any(block["type"] == "audio" for block in display_blocks(definition)):
        groups.add("audio")
        if any(
            question["type"] == "spans" and question["target"]["kind"] == "audio"
            for question in asked
        ):
            groups.add("regions")
    if "boxes" in types:
        groups.add("boxes")  # D to draw on the image, and the drawing area's own keys
    return frozenset(groups)


# Questions answered in repeatable rows (a source, a criterion), often twenty or more each.
ROW_TYPES = frozenset({"citations", "rubric_items"})


def workspace_layout(definition: dict[str, Any]) -> str:
    """``"long"`` for a template with a written answer and rows to fill (sources, rubric
    criteria); ``"standard"`` otherwise.

    The long layout (static/css/workspace_long.css, static/js/workspace_outline.js) keeps
    the answer in view beside the rows, with an outline of counts and problems, and folds
    finished rows to one line. It is decided by the questions, not a template setting, so
    every long-answer template gets it and a short one never does (docs/templates.md)."""
    types = {question["type"] for question in questions(definition)}
    return "long" if "text" in types and types & ROW_TYPES else "standard"


def _position_key(position: int) -> str:
    """The number key of the n-th choice (1-based): 1-9, then 0 for the tenth, then none."""
    if position <= 9:
        return str(position)
    return "0" if position == 10 else ""


def _rating_key(value: int, position: int, low: int, high: int) -> str:
    # A scale whose values are digits is keyed by value (press 4 for 4); others by position.
    if low >= 0 and high <= 9:
        return str(value)
    if (low, high) == (1, 10):
        return str(value % 10)
    if (low, high) == (0, 10):
        return str(value) if value <= 9 else ""
    return _position_key(position)


def _rating_points(question: dict[str, Any]) -> list[dict[str, Any]]:
    scale = question["scale"]
    low, high = scale["min"], scale["max"]
    labels = scale.get("labels") or {}
    return [
        {
            "value": value,
            "label": labels.get(str(value), ""),
            "key": _rating_key(value, position, low, high),
        }
        for position, value in enumerate(range(low, high + 1), start=1)
    ]


def _keyed(choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**choice, "key": _position_key(position)}
        for position, choice in enumerate(choices, start=1)
    ]


# Letters the workspace already answers to: S skips and J/K move on every page; pairwise
# questions take A/B/T; a clip takes P (play), R (replay) and L (loop).
_RESERVED_LETTERS = frozenset("sjk")
_GROUP_LETTERS = {
    "pairwise": frozenset("abt"),
    "audio": frozenset("prl"),
    "boxes": frozenset("d"),
}


def _letter_keys(question: dict[str, Any], reserved: frozenset[str]) -> bool:
    """Whether a choice question's options are keyed by their own letters: every value one
    distinct letter (an exam's "A" to "D"), none of them a key the page already uses.
    Pressing 2 for "B" made trainers translate every answer."""
    values = [str(option["value"]).lower() for option in question["options"]]
    return (
        all(len(value) == 1 and "a" <= value <= "z" for value in values)
        and len(set(values)) == len(values)
        and not set(values) & reserved
    )


def _reserved_letters(definition: dict[str, Any]) -> frozenset[str]:
    reserved = set(_RESERVED_LETTERS)
    asked = questions(definition)
    if any(question["type"] == "pairwise" for question in asked):
        reserved |= _GROUP_LETTERS["pairwise"]
    if any(block["type"] == "audio" for block in display_blocks(definition)):
        reserved |= _GROUP_LETTERS["audio"]
    if any(question["type"] == "boxes" for question in asked):
        reserved |= _GROUP_LETTERS["boxes"]
    return frozenset(reserved)


def _choice_options(question: dict[str, Any], reserved: frozenset[str]) -> list[dict[str, Any]]:
    if _letter_keys(question, reserved):
        return [{**option, "key": str(option["value"]).lower()} for option in question["options"]]
    return _keyed(question["options"])


def questions_view(definition: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions with what a widget needs beyond the definition.

    Adds ``is_required``; the keyboard key of each choice (``key``: "1"-"9", "0" or ""); rating
    ``points``; pairwise ``pair_labels`` and ``strength_levels`` (1..the larger side of the
    strength scale); ranking ``rank_choices``; ``min_count``/``max_count`` of list answers;
    spans ``tag_choices`` and, for text spans, the ``target_text`` to mark.
    """
    views = []
    reserved = _reserved_letters(definition)
    for question in questions(definition):
        view = dict(question)
        kind = question["type"]
        view["is_required"] = is_required(question)
        if kind in ("single_choice", "multi_choice"):
            view["options"] = _choice_options(question, reserved)
        if kind in _LIST_TYPES:
            view["min_count"], view["max_count"] = list_bounds(question)
        if kind == "rating":
            view["points"] = _rating_points(question)
        if kind == "pairwise":
            view["pair_labels"] = list(pairwise_labels(question))
            view["allows_tie"] = question.get("allow_tie", True) is not False
            strength = question.get("strength")
            if strength:
                top = max(-strength["min"], strength["max"])
                view["strength_levels"] = list(range(1, top + 1))
        if kind == "ranking":
            view["items"] = _keyed(question["items"])
            view["rank_choices"] = list(range(1, len(question["items"]) + 1))
        if kind == "spans":
            view["tag_choices"] = _keyed([{"value": tag} for tag in question["tags"]])
            if question["target"]["kind"] == "text":
                view["target_text"] = _text(field_value(data, question["target"]["field"]))
        if kind == "boxes":
            view["label_choices"] = [
                {**choice, "colour": index % image_regions.LABEL_COLOURS}
                for index, choice in enumerate(_keyed(question["labels"]))
            ]
            view["shapes"] = list(region_shapes(question))
            view["image_block"] = image_regions.image_block_index(definition, question)
            view["note_max_chars"] = MAX_REGION_NOTE_CHARS
        views.append(view)
    return views


# --- answers read back ---------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, dict) and all(
        isinstance(v, str | int | float | bool) for v in value.values()
    ):
        # A pairwise preference and the like: "choice: A · strength: -2", not JSON.
        return " · ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list) and value and all(_flat(item) for item in value):
        # Rows (sources, rubric criteria): one numbered line each.
        return "\n".join(
            f"{number}. " + " · ".join(f"{key}: {item}" for key, item in row.items() if item != "")
            for number, row in enumerate(value, start=1)
        )
    return json.dumps(value, ensure_ascii=False, indent=2)


def _flat(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(item, str | int | float | bool) for item in value.values()
    )


def _choice_text(question: dict[str, Any], value: Any) -> str:
    """A choice by its label as the trainer saw it ("Violates a policy"), with the stored
    value after it when they differ ("violation"), so reviewers can match exports."""
    labels = {
        option["value"]: option.get("label", option["value"]) for option in question["options"]
    }

    def one(item: Any) -> str:
        label = labels.get(item)
        if label is None or str(label) == str(item):
            return str(item)
        return f"{label} ({item})"

    if isinstance(value, list):
        return ", ".join(one(item) for item in value)
    return one(value)


def _spans_text(question: dict[str, Any], value: Any) -> str:
    """Spans one per line: "1. swallowed syllable — 1.20-1.45 s · the comment"."""
    if not isinstance(value, list) or not all(_flat(span) for span in value):
        return _as_text(value)
    audio = (question.get("target") or {}).get("kind") == "audio"
    lines = []
    for number, span in enumerate(value, start=1):
        start, end = span.get("start"), span.get("end")
        where = (
            f"{start:.2f}-{end:.2f} s"
            if audio and isinstance(start, int | float) and isinstance(end, int | float)
            else f"characters {start}-{end}"
        )
        line = f"{number}. {span.get('tag', '')} — {where}"
        if span.get("comment"):
            line += f" · {span['comment']}"
        lines.append(line)
    return "\n".join(lines)


def answer_rows(definition: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
    """An answer read-only, question by question in the template's order (answers to
    questions the template no longer has come last). The review page and the trainer's own
    submission page both show answers through this.

    Boxes on an image read as one line per region, and carry ``overlay``: the regions as
    JSON for static/js/image_regions.js to draw over the task's image."""
    rows = [
        {
            "id": q["id"],
            "prompt": q.get("prompt", q["id"]),
            "answered": q["id"] in answer,
            "text": _as_text(answer.get(q["id"])),
        }
        for q in questions(definition)
    ]
    for row, question in zip(rows, questions(definition), strict=True):
        if question["type"] in _CHOICE_TYPES and row["answered"]:
            row["text"] = _choice_text(question, answer[question["id"]])
        if question["type"] == "spans" and row["answered"]:
            row["text"] = _spans_text(question, answer[question["id"]])
        if question["type"] == "boxes" and row["answered"]:
            value = answer[question["id"]]
            row["text"] = image_regions.describe_answer(question, value)
            drawn = image_regions.overlay(definition, question, value)
            row["overlay"] = json.dumps(drawn, ensure_ascii=False) if drawn else ""
    known = {row["id"] for row in rows}
    rows += [
        {"id": key, "prompt": key, "answered": True, "text": _as_text(value)}
        for key, value in answer.items()
        if key not in known
    ]
    return rows

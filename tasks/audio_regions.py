"""The spans of an answer that mark stretches of audio, by clip, for the read-only waveform
of the submission and review pages (static/js/waveform.js draws them as labelled regions).

The workspace needs none of this: there the spans question hands its spans to the player
as the trainer marks them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasks.template_definition import audio_block_id, display_blocks, questions


def has_audio(definition: Mapping[str, Any]) -> bool:
    return any(block.get("type") == "audio" for block in display_blocks(definition))


def audio_regions(definition: Mapping[str, Any], answer: Any) -> dict[str, dict[str, list]]:
    """``{clip id: {"tags": [...], "spans": [{"start", "end", "tag", "comment"}, ...]}}`` for
    every spans question on an audio block that ``answer`` answered; ``tags`` are the
    template's, in its order (a tag keeps its colour everywhere). Items that are not
    well-formed spans (an answer stored before a template change) are left out, never
    guessed at."""
    if not isinstance(answer, Mapping):
        return {}
    clips = {
        audio_block_id(block)
        for block in display_blocks(definition)
        if block.get("type") == "audio"
    }
    found: dict[str, dict[str, list]] = {}
    for question in questions(definition):
        target = question.get("target") or {}
        if question.get("type") != "spans" or target.get("kind") != "audio":
            continue
        if target.get("block") not in clips or not isinstance(answer.get(question["id"]), list):
            continue
        clip = found.setdefault(target["block"], {"tags": [], "spans": []})
        clip["tags"] += [tag for tag in question.get("tags") or () if tag not in clip["tags"]]
        spans = clip["spans"]
        for item in answer[question["id"]]:
            if _is_span(item):
                comment = item.get("comment")
                spans.append(
                    {
                        "start": item["start"],
                        "end": item["end"],
                        "tag": item["tag"],
                        "comment": comment if isinstance(comment, str) else "",
                    }
                )
    return {block: clip for block, clip in found.items() if clip["spans"]}


def _is_span(item: Any) -> bool:
    if not isinstance(item, Mapping) or not isinstance(item.get("tag"), str):
        return False
    start, end = item.get("start"), item.get("end")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, end))
    return numbers and 0 <= start < end

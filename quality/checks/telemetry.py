"""telemetry: how the answer was produced, from the work telemetry the page records.

Three signals, each a failure on its own: far less active time than the project's norm for
an answer of this length; a text answer mostly pasted rather than typed; a rating of an
audio clip that was not played through. Telemetry has the shape ``tasks.telemetry`` cleans
it to: ``active_seconds``, ``fields[question id] = {typed, pasted}`` and
``audio[block id] = {played_seconds, duration, completed}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quality.checks.answers import answered, is_number, prose, word_count
from quality.checks.configuration import setting
from quality.checks.findings import CheckInput, Finding, failed, passed, warned
from tasks.template_definition import audio_blocks


@dataclass(frozen=True, slots=True)
class TelemetryConfig:
    seconds_per_100_chars: float = setting(
        30.0,
        above=0.0,
        maximum=3600.0,
        help="The project's norm: active seconds a trainer typically spends per 100 "
        "characters of written answer.",
    )
    min_time_share: float = setting(
        0.2,
        above=0.0,
        maximum=1.0,
        help="Active time below this share of the norm is flagged.",
    )
    min_chars_for_time: int = setting(
        300,
        minimum=1,
        maximum=10_000_000,
        help="Answers with less written text than this are not judged on time.",
    )
    max_pasted_share: float = setting(
        0.5,
        minimum=0.0,
        maximum=1.0,
        help="A text answer with more than this share of its characters pasted is flagged.",
    )
    min_words_for_paste: int = setting(
        15,
        minimum=1,
        maximum=10_000_000,
        help="Text answers with fewer words are not judged on pasting (every CJK character "
        "counts as a word).",
    )
    min_played_share: float = setting(
        0.95,
        above=0.0,
        maximum=1.0,
        help="Share of a clip that must have been played before it is rated.",
    )
    missing_telemetry: str = setting(
        "ignore",
        choices=("ignore", "warn"),
        help="What to report when a submission has no telemetry at all (e.g. imported data).",
    )


def run(data: CheckInput, config: TelemetryConfig) -> list[Finding]:
    """Findings for time, pasting and playback; one pass when none of them is a problem."""
    telemetry = data.telemetry
    if not isinstance(telemetry, Mapping) or not telemetry:
        if config.missing_telemetry == "warn":
            return [warned("telemetry.missing")]
        return []
    texts = prose(data.definition, data.answer)
    findings = _time(telemetry, sum(len(item.text) for item in texts), config)
    fields = telemetry.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    for item in texts:
        if item.question_type == "text" and word_count(item.text) >= config.min_words_for_paste:
            findings.extend(_pasting(item.question_id, fields.get(item.question_id), config))
    findings.extend(_playback(data, telemetry, config))
    if not findings:
        return [passed("telemetry.ok")]
    return findings


def _time(telemetry: Mapping[str, Any], chars: int, config: TelemetryConfig) -> list[Finding]:
    seconds = telemetry.get("active_seconds")
    if chars < config.min_chars_for_time or not is_number(seconds):
        return []
    norm = chars / 100 * config.seconds_per_100_chars
    if seconds >= norm * config.min_time_share:
        return []
    return [
        failed(
            "telemetry.too_fast",
            params={"chars": chars, "seconds": round(seconds), "minutes": round(norm / 60)},
            active_seconds=seconds,
            written_chars=chars,
            norm_seconds=round(norm, 1),
            share_of_norm=round(seconds / norm, 3) if norm else None,
        )
    ]


def _pasting(question_id: str, entry: Any, config: TelemetryConfig) -> list[Finding]:
    if not isinstance(entry, Mapping):
        return []
    typed, pasted = entry.get("typed", 0), entry.get("pasted", 0)
    if not is_number(typed) or not is_number(pasted) or typed + pasted <= 0:
        return []
    share = pasted / (typed + pasted)
    if share <= config.max_pasted_share:
        return []
    return [
        failed(
            "telemetry.pasted",
            question_id,
            params={"percent": round(share * 100)},
            typed=typed,
            pasted=pasted,
            pasted_share=round(share, 3),
        )
    ]


def _playback(
    data: CheckInput, telemetry: Mapping[str, Any], config: TelemetryConfig
) -> list[Finding]:
    blocks = audio_blocks(data.definition)
    if not blocks:
        return []
    audio = telemetry.get("audio")
    audio = audio if isinstance(audio, Mapping) else {}
    findings = []
    for question, value in answered(data.definition, data.answer, ("rating",)):
        if not is_number(value):
            continue
        block_id = question.get("require_full_playback")
        if not block_id and len(blocks) == 1:
            block_id = next(iter(blocks))  # the one clip on the page is what is being rated
        if not block_id:
            continue
        problem = _clip_problem(audio.get(block_id), config)
        if problem:
            code, params, evidence = problem
            findings.append(
                failed(code, question["id"], params=params, block=block_id, **evidence)
            )
    return findings


def _clip_problem(entry: Any, config: TelemetryConfig) -> tuple[str, dict, dict] | None:
    """(message code, its params, evidence) when the clip was not listened to."""
    if not isinstance(entry, Mapping):
        return "telemetry.not_played", {}, {"played_seconds": 0}
    played, duration = entry.get("played_seconds"), entry.get("duration")
    evidence = {"played_seconds": played, "duration": duration, "completed": entry.get("completed")}
    if is_number(played) and is_number(duration) and duration > 0:
        share = played / duration
        if share < config.min_played_share:
            evidence["played_share"] = round(share, 3)
            return "telemetry.partly_played", {"percent": round(share * 100)}, evidence
        return None
    if entry.get("completed") is not True:
        return "telemetry.not_played_through", {}, evidence
    return None

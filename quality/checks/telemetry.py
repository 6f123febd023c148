"""telemetry: how the answer was produced, from the work telemetry the page records.

Three signals, each a failure on its own: far less active time than the work takes (reading
the text the page shows, listening to its clips and writing the answer); a text answer
mostly pasted rather than typed; a rating of an audio clip that was not played through.
Telemetry has the shape ``tasks.telemetry`` cleans it to: ``active_seconds``,
``fields[question id] = {typed, pasted}`` and ``audio[block id] = {played_seconds,
duration, completed}``.

Norms are per unit of each script: English (and other spaced scripts) in words, Chinese
(and other scripts written without spaces) in characters. What is too small to judge is
recorded as ``not_applicable`` with the reason, never skipped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quality.checks.answers import (
    answered,
    displayed_texts,
    is_number,
    prose,
    text_units,
)
from quality.checks.configuration import setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed, warned
from quality.checks.messages import _  # marks the settings' words for the catalogs
from tasks.template_definition import audio_blocks


@dataclass(frozen=True, slots=True)
class TelemetryConfig:
    seconds_per_word: float = setting(
        1.8,
        above=0.0,
        maximum=600.0,
        help=_(
            "Active seconds a trainer typically spends writing one word of English (or "
            "another language written with spaces)."
        ),
        label=_("Writing time per English word"),
        unit=_("seconds"),
    )
    seconds_per_character: float = setting(
        0.6,
        above=0.0,
        maximum=600.0,
        help=_(
            "Active seconds a trainer typically spends writing one Chinese character (or "
            "one character of another script written without spaces)."
        ),
        label=_("Writing time per Chinese character"),
        unit=_("seconds"),
    )
    reading_words_per_minute: float = setting(
        250.0,
        above=0.0,
        maximum=100_000.0,
        help=_("Typical reading speed of the text the page shows, in English words per minute."),
        label=_("Reading speed, English"),
        unit=_("words a minute"),
    )
    reading_characters_per_minute: float = setting(
        400.0,
        above=0.0,
        maximum=100_000.0,
        help=_(
            "Typical reading speed of the text the page shows, in Chinese characters per minute."
        ),
        label=_("Reading speed, Chinese"),
        unit=_("characters a minute"),
    )
    min_time_share: float = setting(
        0.2,
        above=0.0,
        maximum=1.0,
        help=_(
            "Active time below this share of the expected time (reading, listening and "
            "writing) is flagged."
        ),
        label=_("Least share of the expected time"),
        unit=_("share, 0 to 1"),
    )
    min_expected_seconds: float = setting(
        15.0,
        minimum=0.0,
        maximum=86_400.0,
        help=_(
            "Work expected to take less than this many seconds is not judged on time "
            "(recorded as not applicable)."
        ),
        label=_("Shortest work judged on time"),
        unit=_("seconds"),
    )
    max_pasted_share: float = setting(
        0.5,
        minimum=0.0,
        maximum=1.0,
        help=_("A text answer with more than this share of its characters pasted is flagged."),
        label=_("Most of an answer that may be pasted"),
        unit=_("share, 0 to 1"),
    )
    min_words_for_paste: int = setting(
        8,
        minimum=1,
        maximum=10_000_000,
        help=_("Text answers shorter than this many English words are not judged on pasting."),
        label=_("Shortest English answer judged on pasting"),
        unit=_("words"),
    )
    min_characters_for_paste: int = setting(
        15,
        minimum=1,
        maximum=10_000_000,
        help=_(
            "Text answers shorter than this many Chinese characters are not judged on "
            "pasting (a mixed answer counts both units)."
        ),
        label=_("Shortest Chinese answer judged on pasting"),
        unit=_("characters"),
    )
    min_played_share: float = setting(
        0.95,
        above=0.0,
        maximum=1.0,
        help=_("Share of a clip that must have been played before it is rated."),
        label=_("Share of a clip played before rating"),
        unit=_("share, 0 to 1"),
    )
    missing_telemetry: str = setting(
        "ignore",
        choices=("ignore", "warn"),
        help=_("What to report when a submission has no telemetry at all (e.g. imported data)."),
        label=_("When no telemetry was recorded"),
    )


def run(data: CheckInput, config: TelemetryConfig) -> list[Finding]:
    """Findings for time, pasting and playback; a pass when none of them is a problem, with
    a not-applicable note for each part that was too small to judge."""
    telemetry = data.telemetry
    if not isinstance(telemetry, Mapping) or not telemetry:
        if config.missing_telemetry == "warn":
            return [warned("telemetry.missing")]
        return [not_applicable("telemetry.not_recorded")]
    texts = prose(data.definition, data.answer)
    problems, notes = _time(data, telemetry, texts, config)
    fields = telemetry.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    for item in texts:
        if item.question_type != "text":
            continue
        words, characters = text_units(item.text)
        size = words / config.min_words_for_paste + characters / config.min_characters_for_paste
        if size < 1:
            notes.append(
                not_applicable(
                    "telemetry.paste_not_applicable",
                    item.question_id,
                    params={
                        "words": config.min_words_for_paste,
                        "characters": config.min_characters_for_paste,
                    },
                    words=words,
                    characters=characters,
                )
            )
            continue
        problems.extend(_pasting(item.question_id, fields.get(item.question_id), config))
    problems.extend(_playback(data, telemetry, config))
    if not problems:
        return [passed("telemetry.ok"), *notes]
    return problems + notes


def expected_seconds(
    data: CheckInput, telemetry: Mapping[str, Any], texts: list, config: TelemetryConfig
) -> dict[str, float]:
    """The time the work is expected to take, in parts: reading what the page shows,
    listening to its clips once, writing the answer."""
    read_words = read_characters = 0
    for text in displayed_texts(data.definition, data.task_data):
        words, characters = text_units(text)
        read_words += words
        read_characters += characters
    written_words = written_characters = 0
    for item in texts:
        words, characters = text_units(item.text)
        written_words += words
        written_characters += characters
    listening = 0.0
    audio = telemetry.get("audio")
    audio = audio if isinstance(audio, Mapping) else {}
    for block_id in audio_blocks(data.definition):
        entry = audio.get(block_id)
        duration = entry.get("duration") if isinstance(entry, Mapping) else None
        if is_number(duration) and duration > 0:
            listening += duration
    return {
        "reading": read_words / config.reading_words_per_minute * 60
        + read_characters / config.reading_characters_per_minute * 60,
        "listening": listening,
        "writing": written_words * config.seconds_per_word
        + written_characters * config.seconds_per_character,
        "read_words": read_words,
        "read_characters": read_characters,
        "written_words": written_words,
        "written_characters": written_characters,
    }


def _time(
    data: CheckInput, telemetry: Mapping[str, Any], texts: list, config: TelemetryConfig
) -> tuple[list[Finding], list[Finding]]:
    """(problems, notes) about the time spent."""
    seconds = telemetry.get("active_seconds")
    if not is_number(seconds):
        return [], [not_applicable("telemetry.time_not_recorded")]
    parts = expected_seconds(data, telemetry, texts, config)
    norm = parts["reading"] + parts["listening"] + parts["writing"]
    evidence = {
        "active_seconds": seconds,
        "expected_seconds": round(norm, 1),
        **{key: round(value, 1) for key, value in parts.items()},
    }
    if norm < config.min_expected_seconds:
        return [], [
            not_applicable(
                "telemetry.time_not_applicable",
                params={"seconds": round(config.min_expected_seconds)},
                **evidence,
            )
        ]
    if seconds >= norm * config.min_time_share:
        return [], []
    return [
        failed(
            "telemetry.too_fast_for_work",
            params={
                "seconds": round(seconds),
                "minutes": round(norm / 60, 1),
                "reading": round(parts["reading"] + parts["listening"]),
                "writing": round(parts["writing"]),
            },
            share_of_norm=round(seconds / norm, 3),
            **evidence,
        )
    ], []


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
            findings.append(failed(code, question["id"], params=params, block=block_id, **evidence))
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

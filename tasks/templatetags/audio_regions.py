"""``{% load audio_regions %}{% audio_regions submission %}``: the read-only waveform of a
submission's clips, with the spans its answer marked (tasks.audio_regions)."""

from __future__ import annotations

from typing import Any

from django import template

from tasks.audio_regions import audio_regions as regions_of
from tasks.audio_regions import has_audio

register = template.Library()


@register.inclusion_tag("tasks/_audio_regions.html")
def audio_regions(submission: Any) -> dict[str, Any]:
    definition = submission.template.definition
    return {
        "has_audio": has_audio(definition),
        "regions": regions_of(definition, submission.answer),
    }

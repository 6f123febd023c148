"""The gallery's names and descriptions for the message catalogs.

The gallery lives in JSON files, which ``makemessages`` cannot read; these are the same
texts marked for translation (tests/tasks/test_gallery_labels.py checks they match), so the
template editor lists the gallery in the setter's language. A template made from the gallery
keeps the English name as its data: the setter renames it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

LABELS: dict[str, tuple[str, str]] = {
    "cantonese_tts": (
        _("Cantonese TTS listening test"),
        _(
            "Listen to a synthetic Cantonese clip to the end, rate its naturalness on the "
            "ITU-T P.800 ACR scale, and mark where it gives the machine away: a nasal that is "
            "off, a swallowed syllable, unnatural stress, or a Hong Kong / Guangzhou accent "
            "drift."
        ),
    ),
    "multiple_choice": (
        _("Multiple-choice items"),
        _(
            "Answer a multiple-choice item with exactly one of three options; any answer "
            "outside the given options is refused."
        ),
    ),
    "pairwise": (
        _("Pairwise answer comparison"),
        _(
            "Read an agent conversation (a lunch-recommendation agent that calls a location "
            "tool and a local-life search tool), compare two final replies side by side, say "
            "which is better and by how much (-3 to +3), rate tool use and explain why."
        ),
    ),
    "product_image": (
        _("Product image judging"),
        _(
            "Judge a generated e-commerce product image: is it publishable or a policy "
            "violation (and which), is there garbled text, and how good are the lighting, the "
            "composition and the 'high-class feeling' the brand asks for."
        ),
    ),
    "rubric_long_answer": (
        _("Long answer with rubric criteria"),
        _(
            "Write a long answer to a humanities or social-science question, list the 20+ "
            "sources it rests on (papers, official documents, institutional sites) and write "
            "20+ rubric criteria, each citing one of those sources, with points and a "
            "rationale."
        ),
    ),
}

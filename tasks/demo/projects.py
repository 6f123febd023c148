"""The demo projects: one per story in ../shared/seeds/. Later features fill them in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProject:
    key: str
    name: str
    description: str


DEMO_PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        key="cantonese-tts",
        name="Cantonese TTS listening test",
        description=(
            "Listen to synthetic Cantonese speech and rate its naturalness on the ITU-T P.800 "
            "ACR scale (1 Bad to 5 Excellent). Mark where a syllable is swallowed, a nasal or "
            "lateral is off, stress is unnatural, or the accent drifts between Hong Kong and "
            "Guangzhou Cantonese."
        ),
    ),
    DemoProject(
        key="product-images",
        name="Product image judging",
        description=(
            "Judge generated e-commerce product images: policy violations, garbled text, "
            "lighting, composition, and whether the scene carries the 'high-class feeling' the "
            "brand asks for."
        ),
    ),
    DemoProject(
        key="pairwise",
        name="Pairwise answer comparison",
        description=(
            "Compare two model answers to the same request (for example an agent recommending "
            "a nearby Japanese lunch under 40 yuan per person) and say which is better and why."
        ),
    ),
    DemoProject(
        key="multiple-choice",
        name="Multiple-choice items",
        description=(
            "Answer multiple-choice items. The answer must stay inside the given options; the "
            "server refuses anything else."
        ),
    ),
    DemoProject(
        key="rubric-long-answer",
        name="Long answer with rubric criteria",
        description=(
            "Write a long answer to a humanities or social-science question and attach 20+ "
            "rubric criteria, each naming the cited paper, why it is cited, how it supports the "
            "view, and a score."
        ),
    ),
)

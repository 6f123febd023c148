"""The demo projects: one per story in ../shared/seeds/, each with its gallery template and tasks.

``seed_demo`` creates them through the services, so every task here is validated against its
template exactly as an import would be. The tasks refer to media by storage key; the files are
the committed output of ``tasks.demo.generate_media`` and ``seed_demo`` copies them into the
default storage under the keys in :data:`DEMO_MEDIA`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tasks.demo.generate_media import MEDIA_DIR, PRODUCT_IMAGES, SPEECH_CLIPS
from tasks.gallery import gallery_template

AUDIO_PREFIX: Final = "demo/audio/"
IMAGE_PREFIX: Final = "demo/images/"


def audio_key(filename: str) -> str:
    """A neutral storage key: the clip's URL must not tell the listener which system spoke."""
    return f"{AUDIO_PREFIX}clip-{hashlib.sha256(filename.encode()).hexdigest()[:10]}.wav"


# Storage key -> committed file.
DEMO_MEDIA: Final[dict[str, Path]] = {
    **{audio_key(clip.filename): MEDIA_DIR / clip.filename for clip in SPEECH_CLIPS},
    **{f"{IMAGE_PREFIX}{name}": MEDIA_DIR / name for name in PRODUCT_IMAGES},
}


@dataclass(frozen=True)
class DemoProject:
    key: str
    name: str
    description: str
    template_key: str  # a key of tasks.gallery
    tasks: tuple[dict[str, Any], ...]
    # Answers the second demo trainer gives to the first tasks, so that the QA lead's review
    # queue, the quality checks and the metrics have work to show from the start.
    sample_answers: tuple[dict[str, Any], ...] = ()

    def task_items(self) -> list[dict[str, Any]]:
        """Fresh copies of the task data, safe to hand to ``tasks_create``."""
        return copy.deepcopy(list(self.tasks))


def _tool_result(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- Cantonese TTS: each sentence read by two systems, rated blind -------------------------

# ``system``, ``clip_id`` and ``jyutping`` are for analysis: the template does not display them.
CANTONESE_TTS_TASKS = tuple(
    {
        "script": clip.sentence.script,
        "audio": audio_key(clip.filename),
        "meta": {"target_accent": clip.sentence.target_accent, "jyutping": clip.sentence.jyutping},
        "system": clip.system.name,
        "clip_id": clip.filename.removesuffix(".wav"),
    }
    for clip in SPEECH_CLIPS
)

# --- Product images -------------------------------------------------------------------------

_MUG_BRIEF = (
    "**Tone:** quiet premium, morning light, natural materials.\n\n"
    "**Avoid:** clutter, saturated colours, text over the product."
)
PRODUCT_IMAGE_TASKS = (
    {
        "image": f"{IMAGE_PREFIX}cup.png",
        "product": {
            "title": "北欧风搪瓷杯 350ml 奶白色 (Nordic enamel mug, 350 ml, cream)",
            "sku": "EC-350-WHT",
        },
        "brief": _MUG_BRIEF,
        "selling_points": ["durable", "not easy to break"],
    },
    {
        "image": f"{IMAGE_PREFIX}cup.png",
        "product": {
            "title": "北欧风搪瓷杯 350ml 薄荷绿 (Nordic enamel mug, 350 ml, mint green)",
            "sku": "EC-350-GRN",
        },
        "brief": _MUG_BRIEF,
    },
    {
        "image": f"{IMAGE_PREFIX}cup-watermark.png",
        "product": {
            "title": "北欧风搪瓷杯 350ml 奶白色 (Nordic enamel mug, 350 ml, cream)",
            "sku": "EC-350-WHT",
        },
        "brief": _MUG_BRIEF,
    },
    {
        "image": f"{IMAGE_PREFIX}washing-machine.png",
        "product": {
            "title": "滚筒洗衣机 10kg 白色 (Front-loading washing machine, 10 kg, white)",
            "sku": "WM-F10-WHT",
        },
        "brief": (
            "**Scene:** a bright, clean home laundry corner; the door open as if the user is "
            "about to load it.\n\n**Tone:** fresh, airy, daylight. **Avoid:** dark or yellow "
            "light, harsh shadows."
        ),
    },
    {
        "image": f"{IMAGE_PREFIX}shirt.png",
        "product": {
            "title": "纯棉短袖T恤 藏青色 (Cotton T-shirt, short sleeves, navy)",
            "sku": "TS-CTN-NVY",
        },
        "brief": (
            "**Text:** the only text allowed on the garment is the brand slogan *Everyday "
            "cotton*.\n\n**Tone:** simple, honest, everyday. **Avoid:** discount stickers."
        ),
    },
)

# --- Pairwise comparisons -------------------------------------------------------------------

_LOCAL_LIFE_SYSTEM = {
    "role": "system",
    "content": (
        "You are a local-life assistant. Use the tools to find places; never recommend a "
        "restaurant the tools did not return."
    ),
}
_PLAIN_SYSTEM = {"role": "system", "content": "You are a helpful assistant."}

PAIRWISE_TASKS = (
    # The story's example: the gallery sample (B invents a restaurant over budget).
    gallery_template("pairwise").sample_task,
    {
        "conversation": [
            _LOCAL_LIFE_SYSTEM,
            {
                "role": "user",
                "content": "Half past twelve and starving. Japanese food nearby, under 40 yuan "
                "a head please.",
            },
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "call_1", "name": "get_current_location", "arguments": {}}],
            },
            {
                "role": "tool",
                "name": "get_current_location",
                "tool_call_id": "call_1",
                "content": _tool_result(
                    {"lat": 22.5431, "lng": 114.0579, "district": "Futian", "business_area": "CBD"}
                ),
            },
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_2",
                        "name": "search_local_life",
                        "arguments": {
                            "category": "japanese",
                            "business_area": "CBD",
                            "sort": "distance",
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "name": "search_local_life",
                "tool_call_id": "call_2",
                "content": _tool_result(
                    [
                        {
                            "name": "Ramen Kaze",
                            "distance_m": 280,
                            "price_per_person": 46,
                            "rating": 4.6,
                            "open_now": True,
                        },
                        {
                            "name": "Onigiri Stand",
                            "distance_m": 410,
                            "price_per_person": 18,
                            "rating": 4.0,
                            "open_now": False,
                            "opens_at": "17:00",
                        },
                        {
                            "name": "Katsu Corner",
                            "distance_m": 750,
                            "price_per_person": 36,
                            "rating": 4.4,
                            "open_now": True,
                        },
                    ]
                ),
            },
        ],
        "response_a": "The closest is **Ramen Kaze**, only 280 m away and rated 4.6. "
        "Enjoy your lunch!",
        "response_b": "**Katsu Corner** (750 m, about **36 yuan** per person, rated 4.4) is open "
        "now and fits your budget.\n\n*Onigiri Stand* is cheaper (18 yuan) but only opens at "
        "17:00, and Ramen Kaze is closer but about 46 yuan per person.",
        "scenario": "lunch-agent-budget",
    },
    {
        "conversation": [
            _PLAIN_SYSTEM,
            {
                "role": "user",
                "content": "Do I need an umbrella in Guangzhou tomorrow afternoon?",
            },
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "name": "get_weather_forecast",
                        "arguments": {"city": "Guangzhou", "day": "tomorrow"},
                    }
                ],
            },
            {
                "role": "tool",
                "name": "get_weather_forecast",
                "tool_call_id": "call_1",
                "content": _tool_result(
                    {
                        "morning": {"sky": "cloudy", "rain_probability": 0.2},
                        "afternoon": {
                            "sky": "thunderstorms",
                            "rain_probability": 0.7,
                            "hours": "14:00-17:00",
                        },
                        "high_c": 31,
                    }
                ),
            },
        ],
        "response_a": "Yes. Thunderstorms are forecast from **14:00 to 17:00** with a 70% "
        "chance of rain, so take an umbrella.",
        "response_b": "Probably not: tomorrow will be mostly cloudy and warm, around 31 °C.",
        "scenario": "weather-tool",
    },
    {
        "conversation": [
            _PLAIN_SYSTEM,
            {
                "role": "user",
                "content": 'Translate into natural spoken Cantonese: "Shall we go for dim sum '
                'this weekend?"',
            },
        ],
        "response_a": "我们这个周末去吃点心吧？",  # noqa: RUF001 - written Mandarin, not Cantonese
        "response_b": "我哋今個週末去飲茶好唔好？",  # noqa: RUF001
        "scenario": "cantonese-register",
    },
    {
        "conversation": [
            _PLAIN_SYSTEM,
            {
                "role": "user",
                "content": "Give my 70-year-old mother three short tips to spot a phone scam.",
            },
        ],
        "response_a": "1. **Hang up and call back** on the number you already know; real banks "
        "and police never mind.\n2. **Never say a code** sent to your phone to anyone.\n3. "
        "**Pressure means scam**: if they say *act now* or *tell no one*, stop and call family.",
        "response_b": "Scammers use social engineering vectors such as caller-ID spoofing, "
        "pretexting and OTP interception. Verify the caller through an out-of-band channel and "
        "enable two-factor authentication on all accounts.",
        "scenario": "audience-fit",
    },
    {
        "conversation": [
            _PLAIN_SYSTEM,
            {
                "role": "user",
                "content": "An enamel mug costs 35 yuan. If I buy 3 and get 10% off the total, "
                "how much do I pay?",
            },
        ],
        "response_a": "Three mugs cost 105 yuan; 10% off is 10.5 yuan, so you pay **94.5 yuan**.",
        "response_b": "10% off 35 is 31.5 yuan, so you pay **31.5 yuan** for the three mugs.",
        "scenario": "arithmetic",
    },
)

# --- Multiple-choice items (exactly three options each) ---------------------------------------


def _item(question: str, a: str, b: str, c: str) -> dict[str, str]:
    return {"question": f"{question}\n\n- **A.** {a}\n- **B.** {b}\n- **C.** {c}"}


MULTIPLE_CHOICE_TASKS = (
    gallery_template("multiple_choice").sample_task,
    _item("In which year did Hong Kong return to Chinese sovereignty?", "1984", "1997", "1999"),
    _item(
        "Cantonese is often described as having nine tones. How many remain distinct once the "
        "three 'entering' tones (syllables ending in -p, -t or -k) are counted as short level "
        "tones?",
        "3",
        "6",
        "9",
    ),
    _item(
        "Which ITU-T recommendation defines the Absolute Category Rating scale used for Mean "
        "Opinion Score listening tests?",
        "P.800",
        "G.711",
        "H.264",
    ),
    _item(
        "Which river flows through Guangzhou?", "The Pearl River", "The Yellow River", "The Huai"
    ),
    _item(
        "In reinforcement learning from human feedback, what do annotators' pairwise "
        "preferences usually train first?",
        "A reward model",
        "The tokenizer",
        "The embedding layer",
    ),
    _item(
        "Which 2012 result is usually credited with starting the deep-learning boom in computer "
        "vision?",
        "AlphaGo beating Lee Sedol",
        "AlexNet winning the ImageNet challenge",
        "Deep Blue beating Kasparov",
    ),
)

# --- Long answers with rubric criteria --------------------------------------------------------


def _long_question(prompt: str, discipline: str) -> dict[str, str]:
    return {
        "prompt": f"{prompt}\n\nAnswer in 300-800 words, citing research.",
        "discipline": discipline,
    }


RUBRIC_LONG_ANSWER_TASKS = (
    gallery_template("rubric_long_answer").sample_task,
    _long_question(
        "Data annotation and content moderation are often called **ghost work**.\n\n*How has "
        "platform-mediated annotation work changed labour relations in the AI industry, and who "
        "bears its costs?*",
        "Sociology of work",
    ),
    _long_question(
        "Hong Kong speakers often mix Cantonese and English in one sentence.\n\n*Does this "
        "code-mixing mainly signal identity, prestige or convenience? Evaluate the "
        "sociolinguistic evidence.*",
        "Sociolinguistics",
    ),
    _long_question(
        "*To what extent did the Grand Canal shape the economic integration of imperial China "
        "between the Sui and the Qing dynasties?* Engage with recent historiography.",
        "Economic history",
    ),
    _long_question(
        "*Evaluate the claim that the **hukou** household-registration system has been the main "
        "driver of urban-rural inequality in China since 1978.*",
        "Development economics",
    ),
)


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
        template_key="cantonese_tts",
        tasks=CANTONESE_TTS_TASKS,
    ),
    DemoProject(
        key="product-images",
        name="Product image judging",
        description=(
            "Judge generated e-commerce product images: policy violations, garbled text, "
            "lighting, composition, and whether the scene carries the 'high-class feeling' the "
            "brand asks for."
        ),
        template_key="product_image",
        tasks=PRODUCT_IMAGE_TASKS,
    ),
    DemoProject(
        key="pairwise",
        name="Pairwise answer comparison",
        description=(
            "Compare two model answers to the same request (for example an agent recommending "
            "a nearby Japanese lunch under 40 yuan per person) and say which is better and why."
        ),
        template_key="pairwise",
        tasks=PAIRWISE_TASKS,
        sample_answers=(
            {
                "preference": {"choice": "A", "strength": -2},
                "tool_grounding": 4,
                "reason": "A checks the price limit with the tool and cites the opening hours; "
                "B recommends a place that is closed at lunch.",
            },
            {
                "preference": {"choice": "B", "strength": 1},
                "tool_grounding": 3,
                "reason": "B answers the question that was asked with a concrete plan; A only "
                "repeats the request back and never calls the search tool.",
            },
        ),
    ),
    DemoProject(
        key="multiple-choice",
        name="Multiple-choice items",
        description=(
            "Answer multiple-choice items. The answer must stay inside the given options; the "
            "server refuses anything else."
        ),
        template_key="multiple_choice",
        tasks=MULTIPLE_CHOICE_TASKS,
        sample_answers=({"answer": "A"}, {"answer": "C"}, {"answer": "B"}),
    ),
    DemoProject(
        key="rubric-long-answer",
        name="Long answer with rubric criteria",
        description=(
            "Write a long answer to a humanities or social-science question and attach 20+ "
            "rubric criteria, each naming the cited paper, why it is cited, how it supports the "
            "view, and a score."
        ),
        template_key="rubric_long_answer",
        tasks=RUBRIC_LONG_ANSWER_TASKS,
    ),
)

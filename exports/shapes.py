"""Training-ready shapes: which template parts feed them, and the records they make.

Each shape needs to know which task field is the prompt, which responses were compared,
which question holds the answer. ``shape_options`` derives that from the template when the
template leaves one choice, and otherwise asks for it as an export option, refusing with a
400 that names the option (``options.prompt_field``) and the candidates.

Record builders are pure functions over a full export row (``exports.rows``), so each shape
can be tested with a dict.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from itertools import combinations
from typing import Any, Final

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotation_platform.errors import DomainError
from exports.models import ExportFormat
from tasks.template_definition import (
    MISSING,
    data_fields,
    display_blocks,
    field_value,
    questions,
)

# Options every format accepts, and what each one is for (the page and docs list them).
OPTION_HELP: Final = {
    "include_media": _("Bundle the media files tasks reference into the archive (true/false)."),
    "question": _("Id of the pairwise or ranking question the preferences come from."),
    "prompt_field": _("Task-data field holding the prompt (a conversation or a text)."),
    "response_fields": _(
        'Pairwise: the two task-data fields compared, ["response_a", "response_b"]. Ranking: '
        'an object mapping each ranked item to its task-data field, {"x": "field_x"}.'
    ),
    "answer_question": _("Id of the text question holding the written answer."),
    "rubric_question": _("Id of the rubric_items question holding the rubric."),
    "rating_question": _("Id of the rating question the MOS is computed from."),
    "system_field": _("Task-data field naming the system behind each item (e.g. meta.voice)."),
    "confidence": _("Confidence level of the MOS intervals (default 0.95)."),
}
FORMAT_OPTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    ExportFormat.JSONL: ("include_media",),
    ExportFormat.CSV: ("include_media",),
    ExportFormat.PARQUET: ("include_media",),
    ExportFormat.DPO: ("question", "prompt_field", "response_fields"),
    ExportFormat.KTO: ("question", "prompt_field", "response_fields"),
    ExportFormat.SFT: ("prompt_field", "answer_question"),
    ExportFormat.OPENAI_CHAT: ("prompt_field", "answer_question"),
    ExportFormat.RUBRIC_DATASET: ("prompt_field", "answer_question", "rubric_question"),
    ExportFormat.MOS: ("rating_question", "system_field", "confidence"),
}
PREFERENCE_FORMATS: Final = (ExportFormat.DPO, ExportFormat.KTO)
CHAT_FORMATS: Final = (ExportFormat.SFT, ExportFormat.OPENAI_CHAT)


def _refuse(option: str, message: str) -> DomainError:
    return DomainError(
        gettext("Export option %(option)s: %(reason)s") % {"option": option, "reason": message},
        code="invalid_options",
        fields={f"options.{option}": [message]},
    )


def _names(values: list[str]) -> str:
    return ", ".join(values) if values else gettext("none")


def _pick_question(
    definition: Mapping[str, Any], options: Mapping[str, Any], option: str, types: tuple[str, ...]
) -> dict[str, Any]:
    """The question named by ``option``, or the template's only question of ``types``."""
    candidates = [q for q in questions(definition) if q["type"] in types]
    kinds = " / ".join(types)
    if option in options:
        chosen = next((q for q in candidates if q["id"] == options[option]), None)
        if chosen is None:
            raise _refuse(
                option,
                gettext(
                    "No question %(id)s of type %(kinds)s in the template; its questions of "
                    "that type: %(ids)s."
                )
                % {
                    "id": repr(options[option]),
                    "kinds": kinds,
                    "ids": _names([q["id"] for q in candidates]),
                },
            )
        return chosen
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _refuse(
            option,
            gettext("The template has no question of type %(kinds)s, which this shape needs.")
            % {"kinds": kinds},
        )
    raise _refuse(
        option,
        gettext(
            "The template has several questions of type %(kinds)s (%(ids)s); name the one to use."
        )
        % {"kinds": kinds, "ids": _names([q["id"] for q in candidates])},
    )


def _prompt_source(
    definition: Mapping[str, Any], options: Mapping[str, Any], exclude: set[str]
) -> dict[str, str]:
    """{"field", "kind": "conversation" | "text"} of the prompt."""
    blocks = display_blocks(definition)
    kinds = {
        block["field"]: "conversation" if block["type"] == "conversation" else "text"
        for block in blocks
        if block["type"] in ("conversation", "text", "markdown") and block["field"] not in exclude
    }
    if "prompt_field" in options:
        name = options["prompt_field"]
        if not isinstance(name, str) or name not in kinds:
            raise _refuse(
                "prompt_field",
                gettext(
                    "%(name)s is not a text or conversation field the template shows (%(fields)s)."
                )
                % {"name": repr(name), "fields": _names(list(kinds))},
            )
        return {"field": name, "kind": kinds[name]}
    conversations = [name for name, kind in kinds.items() if kind == "conversation"]
    if len(conversations) == 1:
        return {"field": conversations[0], "kind": "conversation"}
    if len(kinds) == 1:
        name = next(iter(kinds))
        return {"field": name, "kind": kinds[name]}
    raise _refuse(
        "prompt_field",
        gettext("Name the task-data field that is the prompt; the template shows %(fields)s.")
        % {"fields": _names(list(kinds))}
        if kinds
        else gettext("The template shows no text to use as prompt."),
    )


def _response_fields(
    definition: Mapping[str, Any], options: Mapping[str, Any], question: Mapping[str, Any]
) -> dict[str, str]:
    """Maps each compared thing (A/B, or a ranked item) to the task-data field holding it."""
    shown = data_fields(definition)
    given = options.get("response_fields")
    if question["type"] == "pairwise":
        if given is None:
            pairs = [b["fields"] for b in display_blocks(definition) if b["type"] == "responses"]
            pairs = [fields for fields in pairs if len(fields) == 2]
            if len(pairs) != 1:
                raise _refuse(
                    "response_fields",
                    gettext(
                        "Name the two task-data fields compared, as [A, B]: the template has "
                        "%(count)s two-response blocks."
                    )
                    % {"count": len(pairs)},
                )
            given = pairs[0]
        if (
            not isinstance(given, list)
            or len(given) != 2
            or not all(isinstance(f, str) and f in shown for f in given)
        ):
            raise _refuse(
                "response_fields",
                gettext("Must be two task-data fields the template shows (%(fields)s), as [A, B].")
                % {"fields": _names(shown)},
            )
        return {"A": given[0], "B": given[1]}
    items = [item["value"] for item in question["items"]]
    if given is None:
        if all(item in shown for item in items):
            given = {item: item for item in items}
        else:
            raise _refuse(
                "response_fields",
                gettext(
                    "The ranked items are not task-data fields; map each item to the field "
                    "holding its text, e.g. %(example)s."
                )
                % {"example": f'{{"{items[0]}": "response_a"}}'},
            )
    if (
        not isinstance(given, dict)
        or set(given) != set(items)
        or not all(isinstance(f, str) and f in shown for f in given.values())
    ):
        raise _refuse(
            "response_fields",
            gettext(
                "Map every ranked item (%(items)s) to a task-data field the template shows "
                "(%(fields)s)."
            )
            % {"items": _names(items), "fields": _names(shown)},
        )
    return dict(given)


def shape_options(
    *, fmt: str, definition: Mapping[str, Any], options: Any, pinned_rubric: Any = None
) -> dict[str, Any]:
    """Validated options of ``fmt``, with what the template decides filled in.

    ``pinned_rubric`` is the HealthBench export of the project's pinned rubric version (or
    None): the rubric dataset uses it when the template has no rubric question.
    """
    if options in (None, ""):
        options = {}
    if not isinstance(options, dict):
        raise DomainError(
            gettext("Options must be an object."),
            code="invalid_options",
            fields={"options": [gettext('Send an object such as {"prompt_field": "prompt"}.')]},
        )
    allowed = FORMAT_OPTIONS[fmt]
    unknown = sorted(name for name in options if name not in allowed)
    if unknown:
        raise DomainError(
            gettext("Unknown option(s) for %(format)s: %(names)s.")
            % {"format": fmt, "names": ", ".join(unknown)},
            code="invalid_options",
            fields={
                f"options.{name}": [
                    gettext("Unknown option for %(format)s; use one of: %(names)s.")
                    % {"format": fmt, "names": _names(list(allowed))}
                ]
                for name in unknown
            },
        )
    resolved: dict[str, Any] = {}
    if fmt in (ExportFormat.JSONL, ExportFormat.CSV, ExportFormat.PARQUET):
        include = options.get("include_media", False)
        if not isinstance(include, bool):
            raise _refuse("include_media", gettext("Must be true or false."))
        resolved["include_media"] = include
    elif fmt in PREFERENCE_FORMATS:
        question = _pick_question(definition, options, "question", ("pairwise", "ranking"))
        fields = _response_fields(definition, options, question)
        resolved["question"] = question["id"]
        resolved["question_type"] = question["type"]
        resolved["response_fields"] = fields
        resolved["prompt"] = _prompt_source(definition, options, set(fields.values()))
    elif fmt in CHAT_FORMATS:
        resolved["answer_question"] = _pick_question(
            definition, options, "answer_question", ("text",)
        )["id"]
        resolved["prompt"] = _prompt_source(definition, options, set())
    elif fmt == ExportFormat.RUBRIC_DATASET:
        resolved["answer_question"] = _pick_question(
            definition, options, "answer_question", ("text",)
        )["id"]
        resolved["prompt"] = _prompt_source(definition, options, set())
        has_rubric_question = any(q["type"] == "rubric_items" for q in questions(definition))
        if "rubric_question" in options or has_rubric_question:
            resolved["rubric_question"] = _pick_question(
                definition, options, "rubric_question", ("rubric_items",)
            )["id"]
        elif pinned_rubric is not None:
            resolved["rubric_items"] = pinned_rubric
        else:
            raise _refuse(
                "rubric_question",
                gettext(
                    "The template has no rubric_items question and the project pins no rubric "
                    "version: there are no rubric items to export."
                ),
            )
    elif fmt == ExportFormat.MOS:
        question = _pick_question(definition, options, "rating_question", ("rating",))
        system = options.get("system_field")
        if not isinstance(system, str) or not system.strip():
            raise _refuse(
                "system_field",
                gettext(
                    "Name the task-data field that says which system made each item (e.g. "
                    "meta.voice); a blind test does not show it, so the template cannot tell."
                ),
            )
        confidence = options.get("confidence", 0.95)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not 0.5 <= confidence < 1
        ):
            raise _refuse(
                "confidence", gettext("Must be a number from 0.5 to below 1, such as 0.95.")
            )
        resolved["rating_question"] = question["id"]
        resolved["scale"] = question["scale"]
        resolved["rated"] = question.get("prompt", question["id"])
        resolved["system_field"] = system.strip()
        resolved["confidence"] = float(confidence)
    return resolved


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def hf_messages(conversation: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages as Hugging Face chat templates (and TRL) read them."""
    out = []
    for message in conversation:
        item: dict[str, Any] = {"role": message["role"], "content": message.get("content", "")}
        if message.get("tool_calls"):
            item["tool_calls"] = [
                {
                    "type": "function",
                    "function": {"name": call["name"], "arguments": call.get("arguments", {})},
                    **({"id": call["id"]} if call.get("id") else {}),
                }
                for call in message["tool_calls"]
            ]
        for key in ("name", "tool_call_id"):
            if message.get(key) and message["role"] == "tool":
                item[key] = message[key]
        out.append(item)
    return out


def openai_messages(conversation: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Messages in OpenAI's chat format: tool calls carry a type and JSON-string arguments."""
    out = []
    for message in conversation:
        item: dict[str, Any] = {"role": message["role"], "content": message.get("content", "")}
        if message.get("tool_calls"):
            item["tool_calls"] = [
                {
                    "id": call.get("id") or f"call_{index}",
                    "type": "function",
                    "function": {
                        "name": call["name"],
                        "arguments": call["arguments"]
                        if isinstance(call.get("arguments"), str)
                        else json.dumps(call.get("arguments", {}), ensure_ascii=False),
                    },
                }
                for index, call in enumerate(message["tool_calls"], start=1)
            ]
        if message["role"] == "tool" and message.get("tool_call_id"):
            item["tool_call_id"] = message["tool_call_id"]
        out.append(item)
    return out


def _prompt(row: Mapping[str, Any], source: Mapping[str, str]) -> Any:
    """The prompt as a message list for conversations, as a string for texts; None if the
    task lacks it."""
    value = field_value(row["task"]["data"], source["field"])
    if value is MISSING:
        return None
    if source["kind"] == "conversation":
        return value if isinstance(value, list) else None
    return _text(value)


def _prompt_messages(row: Mapping[str, Any], source: Mapping[str, str]) -> list[dict] | None:
    prompt = _prompt(row, source)
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    return prompt


def _ordered_preferences(
    row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter
) -> list[tuple[str, str]] | None:
    """(better, worse) pairs of response keys, best first; None if unusable."""
    answer = row["answer"].get(options["question"])
    if answer is None:
        skipped["unanswered"] += 1
        return None
    if options["question_type"] == "pairwise":
        choice = answer.get("choice") if isinstance(answer, Mapping) else None
        if choice == "tie":
            skipped["tie"] += 1
            return []
        if choice not in ("A", "B"):
            skipped["unanswered"] += 1
            return None
        return [("A", "B")] if choice == "A" else [("B", "A")]
    ranks = {item: rank for item, rank in answer.items() if isinstance(rank, int)}
    order = sorted(ranks, key=lambda item: ranks[item])  # rank 1 is the best
    pairs = []
    for better, worse in combinations(order, 2):
        if ranks[better] == ranks[worse]:
            skipped["tie"] += 1  # a tie in a ranking says neither is preferred
            continue
        pairs.append((better, worse))
    return pairs


def _response(row: Mapping[str, Any], options: Mapping[str, Any], key: str) -> str | None:
    return _text(field_value(row["task"]["data"], options["response_fields"][key]))


def _completion(text: str, conversational: bool) -> Any:
    return [{"role": "assistant", "content": text}] if conversational else text


def dpo_records(row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter) -> list[dict]:
    """TRL preference rows: every strict preference is one (prompt, chosen, rejected)."""
    pairs = _ordered_preferences(row, options, skipped)
    prompt = _prompt(row, options["prompt"])
    if not pairs:
        return []
    if prompt is None:
        skipped["no_prompt"] += 1
        return []
    conversational = options["prompt"]["kind"] == "conversation"
    prompt_out = hf_messages(prompt) if conversational else prompt
    records = []
    for better, worse in pairs:
        chosen, rejected = _response(row, options, better), _response(row, options, worse)
        if chosen is None or rejected is None:
            skipped["no_response"] += 1
            continue
        records.append(
            {
                "prompt": prompt_out,
                "chosen": _completion(chosen, conversational),
                "rejected": _completion(rejected, conversational),
            }
        )
    return records


def kto_records(row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter) -> list[dict]:
    """TRL KTO rows: the preferred response is desirable (label true), the other not. In a
    ranking, the best-ranked items are desirable and the worst-ranked undesirable; items in
    between carry no absolute verdict and are left out."""
    pairs = _ordered_preferences(row, options, skipped)
    prompt = _prompt(row, options["prompt"])
    if not pairs:
        return []
    if prompt is None:
        skipped["no_prompt"] += 1
        return []
    conversational = options["prompt"]["kind"] == "conversation"
    prompt_out = hf_messages(prompt) if conversational else prompt
    better = {b for b, _ in pairs}
    worse = {w for _, w in pairs}
    labelled = [(key, True) for key in better - worse] + [(key, False) for key in worse - better]
    order = list(options["response_fields"])
    records = []
    for key, label in sorted(labelled, key=lambda kl: (not kl[1], order.index(kl[0]))):
        text = _response(row, options, key)
        if text is None:
            skipped["no_response"] += 1
            continue
        records.append(
            {
                "prompt": prompt_out,
                "completion": _completion(text, conversational),
                "label": label,
            }
        )
    return records


def _written_answer(
    row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter
) -> tuple[list[dict] | None, str | None]:
    answer = _text(row["answer"].get(options["answer_question"]))
    if answer is None:
        skipped["unanswered"] += 1
        return None, None
    prompt = _prompt_messages(row, options["prompt"])
    if prompt is None:
        skipped["no_prompt"] += 1
        return None, None
    return prompt, answer


def sft_records(row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter) -> list[dict]:
    prompt, answer = _written_answer(row, options, skipped)
    if prompt is None or answer is None:
        return []
    return [{"messages": [*hf_messages(prompt), {"role": "assistant", "content": answer}]}]


def openai_chat_records(
    row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter
) -> list[dict]:
    prompt, answer = _written_answer(row, options, skipped)
    if prompt is None or answer is None:
        return []
    return [{"messages": [*openai_messages(prompt), {"role": "assistant", "content": answer}]}]


def rubric_dataset_records(
    row: Mapping[str, Any], options: Mapping[str, Any], skipped: Counter
) -> list[dict]:
    """HealthBench-style rows: the prompt as messages, the trainer's answer as the ideal
    completion, and the rubric items ({criterion, points, tags})."""
    prompt, answer = _written_answer(row, options, skipped)
    if prompt is None or answer is None:
        return []
    if "rubric_question" in options:
        items = row["answer"].get(options["rubric_question"]) or []
        rubrics = [
            {
                "criterion": item["criterion"],
                "points": item["points"],
                "tags": [f"source:{item['citation']}"] if item.get("citation") else [],
            }
            for item in items
        ]
        if not rubrics:
            skipped["no_rubric"] += 1
            return []
    else:
        rubrics = options["rubric_items"]
    return [
        {
            "prompt_id": f"task-{row['task_id']}-submission-{row['submission_id']}",
            "prompt": openai_messages(prompt),
            "ideal_completion": answer,
            "rubrics": rubrics,
            "example_tags": [f"template:v{row['versions']['template']['version']}"],
        }
    ]


RECORD_BUILDERS: Final = {
    ExportFormat.DPO: dpo_records,
    ExportFormat.KTO: kto_records,
    ExportFormat.SFT: sft_records,
    ExportFormat.OPENAI_CHAT: openai_chat_records,
    ExportFormat.RUBRIC_DATASET: rubric_dataset_records,
}

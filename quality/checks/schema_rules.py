"""schema_rules: the answer fits the template version it was given to.

Answers saved through the page or the API were validated on the way in; this check is for
imported and legacy data, and for answers kept across a template change. The rules are
``tasks.answer_validation.validate_answer``'s, not a copy of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from quality.checks.findings import CheckInput, Finding, failed, passed
from tasks.answer_validation import validate_answer
from tasks.template_definition import validate_definition


@dataclass(frozen=True, slots=True)
class SchemaRulesConfig:
    """No settings: an answer either fits its template or it does not."""


def run(data: CheckInput, config: SchemaRulesConfig) -> list[Finding]:
    """One failure per question whose answer breaks the template's rules, else one pass."""
    definition_errors = validate_definition(data.definition)
    if definition_errors:
        # Without a valid template there is nothing to hold the answer to; say so rather
        # than let the validator trip over the broken definition.
        return [failed("schema_rules.invalid_template", definition_errors=definition_errors)]
    check = validate_answer(
        data.definition, data.answer, task_data=data.task_data, telemetry=data.telemetry
    )
    if check.ok:
        return [passed("schema_rules.ok")]
    return [
        failed(
            "schema_rules.invalid_question" if question_id else "schema_rules.invalid_answer",
            question_id or None,
            params={"errors": messages},
            errors=messages,
        )
        for question_id, messages in check.errors.items()
    ]

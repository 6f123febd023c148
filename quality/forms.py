"""The check settings form: each setting of the catalogue as a field with its name for
people, its unit and its help; the raw JSON stays in the API.

The form is built from ``quality.checks.configuration.describe``, so a setting added to a
check appears here with no template change. Validation is the catalogue's own
(``check_config_save``); the form only turns inputs into values, and stores only those
that differ from the defaults, so a project follows improved defaults unless it chose
otherwise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from quality.checks import CheckSpec
from quality.checks.configuration import SettingSpec, describe
from quality.models import OnFail


class CheckSettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, label=_("Run this check"))
    on_fail = forms.ChoiceField(choices=OnFail.choices, label=_("When it fails"))

    def __init__(
        self,
        spec: CheckSpec,
        *,
        enabled: bool,
        on_fail: str,
        config: Mapping[str, Any],
        template_questions: Sequence[Mapping[str, Any]] = (),
        data: Any = None,
    ) -> None:
        super().__init__(
            data=data, prefix=spec.name, initial={"enabled": enabled, "on_fail": on_fail}
        )
        self.spec = spec
        # The catalogue's words (marked in quality/checks) in the reader's language.
        self.settings: list[SettingSpec] = [_translated(s) for s in describe(spec.config_type)]
        self.current = {s.name: config.get(s.name, s.default) for s in self.settings}
        for setting in self.settings:
            current = self.current[setting.name]
            field = _field(setting, current, template_questions)
            field.label = setting.label
            field.help_text = setting.help
            field.initial = _initial(setting, current)
            self.fields[setting.name] = field

    def setting_fields(self) -> list[tuple[forms.BoundField, SettingSpec, Any]]:
        """(bound field, its setting, the value in force) in the catalogue's order."""
        return [(self[s.name], s, self.current[s.name]) for s in self.settings]

    def config(self) -> dict[str, Any]:
        """The settings that differ from the defaults (call after ``is_valid``)."""
        values = {}
        for setting in self.settings:
            value = self.cleaned_data.get(setting.name)
            if setting.kind in ("int", "number") and value is None:
                continue  # left empty: the default
            if setting.kind == "list":
                value = [line.strip() for line in (value or "").splitlines() if line.strip()]
            elif setting.kind == "questions":
                value = list(value or [])
            if value != setting.default:
                values[setting.name] = value
        return values

    def place_errors(self, fields: Mapping[str, list[str]]) -> None:
        """Put the service's errors (``config.<name>``, ``config.<name>[i]``) on fields."""
        for key, messages in fields.items():
            name = key.removeprefix("config.").split("[", 1)[0]
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def _field(
    setting: SettingSpec, current: Any, template_questions: Sequence[Mapping[str, Any]]
) -> forms.Field:
    attrs = {"data-unit": setting.unit} if setting.unit else {}
    if setting.kind == "bool":
        return forms.BooleanField(required=False)
    if setting.kind == "int":
        return forms.IntegerField(
            required=False, widget=forms.NumberInput(attrs={**attrs, "step": "1"})
        )
    if setting.kind == "number":
        return forms.FloatField(
            required=False, widget=forms.NumberInput(attrs={**attrs, "step": "any"})
        )
    if setting.kind == "choice":
        return forms.ChoiceField(
            choices=[(c, str(CHOICE_LABELS.get(c, c))) for c in setting.choices]
        )
    if setting.kind == "questions":
        choices = [
            (q["id"], f"{q.get('prompt') or q['id']} ({q['id']})")
            for q in template_questions
            if q.get("type") in setting.question_types
        ]
        known = {value for value, _ in choices}
        # Chosen before the template changed: kept visible, never dropped silently.
        choices += [
            (qid, gettext("%(id)s (not in the current template)") % {"id": qid})
            for qid in current or ()
            if qid not in known
        ]
        return forms.MultipleChoiceField(
            required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={**attrs, "rows": 3, "class": "code", "spellcheck": "false"}),
    )


# The words for a "choice" setting's values (the values stay in the API and the stored
# settings); the names of statistical methods stay as they are.
CHOICE_LABELS = {
    "ignore": pgettext_lazy("check setting value", "ignore"),
    "warn": pgettext_lazy("check setting value", "warn"),
}


def _translated(setting: SettingSpec) -> SettingSpec:
    return dataclasses.replace(
        setting,
        label=gettext(setting.label) if setting.label else "",
        unit=gettext(setting.unit) if setting.unit else "",
        help=gettext(setting.help) if setting.help else "",
    )


def _initial(setting: SettingSpec, current: Any) -> Any:
    if setting.kind == "list":
        return "\n".join(current or ())
    if setting.kind == "questions":
        return list(current or ())
    return current
